import AugmentdCLI
import LinuxSystem

// Image-sized buffers are freed and allocated again for every variant: keep them in the heap
// (one tenth of the page faults of the default thresholds on the e2e workload).
MemoryTuning.keepFreedBuffers()
AugmentdCommand.main()

#if canImport(Glibc)
import Glibc
import CLinuxExtras
#endif

/// glibc allocator settings for a process that allocates image-sized buffers all day.
public enum MemoryTuning {
    /// Keeps freed image buffers in the heap instead of returning them to the kernel after every
    /// image: without this, each multi-megabyte buffer is a fresh mmap whose pages fault in again.
    /// (peers.py applies the same setting to the Python peers, so benchmarks compare like with like.)
    public static func keepFreedBuffers() {
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
    }
}

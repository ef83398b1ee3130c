#if canImport(Glibc)
import Glibc
import CLinuxExtras
#endif

/// What kind of filesystem a folder lives on: inotify sees no writes made by other machines on
/// network filesystems, so inboxes there are polled.
public enum FileSystemKind {
    /// statfs(2) magic numbers of filesystems whose remote writes inotify does not report.
    static let network: [Int: String] = [
        0x6969: "NFS", 0x517B: "SMB", 0xFF53_4D42: "CIFS", 0xFE53_4D42: "SMB2", 0x6573_5546: "FUSE",
        0x00C3_6400: "Ceph", 0x5346_414F: "AFS", 0x0102_1997: "9P", 0x0BD0_0BD0: "Lustre", 0x4734_5631: "GPFS",
    ]

    /// The network filesystem's name, or nil for a local one.
    public static func networkName(of path: String) throws(SystemError) -> String? {
        var info = statfs()
        if statfs(path, &info) != 0 { throw .call("statfs", errno: errno) }
        return network[Int(UInt32(truncatingIfNeeded: info.f_type))]
    }
}

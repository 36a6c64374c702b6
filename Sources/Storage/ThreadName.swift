import Glibc

/// Names the calling thread as `perf`, `top -H` and `/proc/<pid>/task/*/comm` show it.
/// swift-corelibs-foundation does not apply `Thread.name` on Linux, and `pthread_setname_np`
/// is not exported to Swift; writing `/proc/thread-self/comm` is the same operation (Linux
/// keeps the first 15 bytes).
public enum ThreadName {
    public static func set(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}

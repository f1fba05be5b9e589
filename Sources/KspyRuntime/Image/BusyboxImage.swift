import Glibc
import KspyKernel

/// A minimal container image directory made from a static busybox (Debian package
/// busybox-static): `bin/busybox` plus a symlink per applet, and the few files a
/// container expects (`/etc/passwd`, `/etc/group`, `/tmp`). Test pods name such a
/// directory as their `image`; it becomes the read-only lower layer of the overlay.
public struct BusyboxImage: Sendable {
    /// Where Debian's busybox-static installs the binary.
    public static let defaultBusybox = "/bin/busybox"

    /// The image directory.
    public let directory: String

    /// An image at `directory` (call `prepare()` to build it).
    public init(directory: String) { self.directory = directory }

    /// Builds the image if `bin/busybox` is not there yet. Idempotent.
    /// - Throws: `RuntimeError.startFailed` when busybox is missing or not static.
    public func prepare(busybox: String = BusyboxImage.defaultBusybox) throws {
        let binary = directory + "/bin/busybox"
        if SystemFile.exists(binary) { return }
        guard SystemFile.exists(busybox) else {
            throw RuntimeError.startFailed(
                "\(busybox) not found: install Debian's busybox-static to build the test image")
        }
        for sub in ["bin", "etc", "tmp", "proc", "dev", "sys", "root", "var", "home"] {
            try SystemFile.makeDirectories(directory + "/" + sub)
        }
        chmod(directory + "/tmp", 0o1777)
        try copyFile(from: busybox, to: binary, mode: 0o755)
        for applet in try applets(of: binary) where applet != "busybox" {
            let link = directory + "/bin/" + applet
            if !SystemFile.exists(link) { symlink("busybox", link) }
        }
        try SystemFile.writeAtomically(
            Array("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n".utf8),
            to: directory + "/etc/passwd")
        try SystemFile.writeAtomically(
            Array("root:x:0:\nnogroup:x:65534:\n".utf8), to: directory + "/etc/group")
    }

    /// The applet names `busybox --list` prints.
    private func applets(of binary: String) throws -> [String] {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { throw KernelError.fromErrno("pipe", "busybox --list") }
        var request = SpawnRequest(mode: .exec(path: binary, arguments: ["busybox", "--list"], environment: []))
        request.stdout = fds[1]
        request.newSession = false
        let child: SpawnedProcess
        do {
            child = try Spawner.spawn(request)
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        close(fds[1])
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fds[0], $0.baseAddress, $0.count) }
            if n <= 0 { break }
            output += buffer[0..<n]
        }
        close(fds[0])
        _ = try child.pidfd.reap()
        return String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { !$0.isEmpty && !$0.contains("/") }
    }

    private func copyFile(from source: String, to target: String, mode: mode_t) throws {
        let bytes = try SystemFile.readBytes(source)
        try SystemFile.writeAtomically(bytes, to: target, mode: mode)
        chmod(target, mode)
    }
}

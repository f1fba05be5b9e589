import Glibc

#if canImport(Testing)
    import Testing
#endif

/// True when the test may use root-only kernel features (namespaces, cgroups, mounts,
/// BPF, netlink changes). Without root: a recorded failure when `CI=true` — privileged
/// tests must run in CI (DESIGN.md "Tests") — otherwise a printed reason and a skip.
/// Shared by every test target. (`swift build` without tests also compiles this target,
/// where the Testing module is not available; there nothing calls it.)
public func requireRoot(_ test: String = #function) -> Bool {
    if geteuid() == 0 { return true }
    if let ci = getenv("CI"), String(cString: ci) == "true" {
        #if canImport(Testing)
            Issue.record("\(test) needs root, and CI must run it as root")
        #else
            print("FAILED \(test): it needs root, and CI must run it as root")
        #endif
    } else {
        print("skipped \(test): it needs root (run as root, or with CI=true to make it fail)")
    }
    return false
}

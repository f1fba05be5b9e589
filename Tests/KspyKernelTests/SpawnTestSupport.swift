import Glibc
import Testing

/// True when the test may use root-only kernel features. Without root: a failure when
/// CI=true (privileged tests must run in CI), otherwise a printed reason and a skip.
func requireRoot() -> Bool {
    if geteuid() == 0 { return true }
    if let ci = getenv("CI"), String(cString: ci) == "true" {
        Issue.record("this test needs root, and CI must run it as root")
    } else {
        print("skipped: this test needs root (run as root, or with CI=true to make it fail)")
    }
    return false
}

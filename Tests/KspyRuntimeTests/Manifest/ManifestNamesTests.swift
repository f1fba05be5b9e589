import Testing

@testable import KspyRuntime

/// Kubernetes' name rules as kspy checks them.
@Suite struct ManifestNamesTests {
    @Test(arguments: [
        ("a", true), ("a-b", true), ("0", true), ("web-1", true), (String(repeating: "a", count: 63), true),
        ("", false), ("-a", false), ("a-", false), ("A", false), ("a_b", false), ("a.b", false), ("é", false),
        (String(repeating: "a", count: 64), false),
    ])
    func dns1123Label(_ value: String, valid: Bool) {
        #expect(ManifestNames.isDNS1123Label(value) == valid)
    }

    @Test(arguments: [
        ("a", true), ("a.b", true), ("web.example-1.io", true),
        (
            Array(repeating: String(repeating: "a", count: 63), count: 3).joined(separator: ".") + "."
                + String(repeating: "b", count: 61), true
        ),
        ("", false), ("a..b", false), (".a", false), ("a.", false), ("a.-b", false), ("A.b", false),
        (
            Array(repeating: String(repeating: "a", count: 63), count: 3).joined(separator: ".") + "."
                + String(repeating: "b", count: 62), false
        ),
    ])
    func dns1123Subdomain(_ value: String, valid: Bool) {
        #expect(ManifestNames.isDNS1123Subdomain(value) == valid)
    }

    @Test(arguments: [
        ("0f1e2d3c-aaaa-bbbb-cccc-1234567890ab", true), ("a", true), ("-", true),
        (String(repeating: "a", count: 64), true), ("", false), (String(repeating: "a", count: 65), false),
        ("ABC", false), ("a/b", false), ("a.b", false), ("a b", false),
    ])
    func podUID(_ value: String, valid: Bool) {
        #expect(ManifestNames.isPodUID(value) == valid)
    }

    @Test(arguments: [
        "app", "app.kubernetes.io/name", "Example.COM_x", "a/b", "x-1_y.z", String(repeating: "a", count: 63),
    ])
    func validQualifiedName(_ key: String) {
        #expect(ManifestNames.qualifiedNameProblem(key) == nil)
    }

    @Test(arguments: [
        "", "/x", "x/", "Example.com/x", "a/b/c", "-a", "a-", "a b", String(repeating: "a", count: 64),
    ])
    func invalidQualifiedName(_ key: String) {
        #expect(ManifestNames.qualifiedNameProblem(key) != nil)
    }

    @Test(arguments: [
        ("", true), ("v1.2_3-a", true), ("ABC", true), (String(repeating: "a", count: 63), true), ("-a", false),
        ("a.", false), ("a b", false), ("a/b", false), (String(repeating: "a", count: 64), false),
    ])
    func labelValue(_ value: String, valid: Bool) {
        #expect(ManifestNames.isLabelValue(value) == valid)
    }

    @Test func paths() {
        #expect(ManifestNames.descendingAbsolutePathProblem("/var/log") == nil)
        #expect(ManifestNames.descendingAbsolutePathProblem("/a/..b/c...") == nil)
        #expect(ManifestNames.descendingAbsolutePathProblem("var") == "\"var\" must be an absolute path")
        #expect(ManifestNames.descendingAbsolutePathProblem("/a/..") == "\"/a/..\" must not contain '..'")
        #expect(ManifestNames.relativePathProblem("a/b") == nil)
        #expect(ManifestNames.relativePathProblem("a/..b") == nil)
        #expect(ManifestNames.relativePathProblem("/a") == "\"/a\" must be a relative path")
        #expect(ManifestNames.relativePathProblem("..") == "\"..\" must not contain '..'")
    }
}

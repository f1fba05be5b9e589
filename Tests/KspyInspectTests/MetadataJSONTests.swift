import Foundation
import Testing

@testable import KspyInspect

/// The metadata readers' JSON parser against Foundation's: the same values for the
/// documents runtimes write, and nil wherever JSONSerialization refuses the text.
@Suite struct MetadataJSONTests {
    /// `value` converted to what JSONSerialization gives, for comparison.
    private func foundationShape(_ value: MetadataJSON) -> NSObject {
        switch value {
        case .object(let members):
            let dictionary = NSMutableDictionary()
            for member in members { dictionary[member.key] = foundationShape(member.value) }
            return dictionary
        case .array(let elements): return elements.map(foundationShape) as NSArray
        case .string(let text): return text as NSString
        case .number(let text): return NSDecimalNumber(string: text)
        case .bool(let flag): return NSNumber(value: flag)
        case .null: return NSNull()
        }
    }

    @Test func ociSpecAnnotationsAndNestedLabels() throws {
        let text = #"""
            {"ociVersion":"1.0.2","process":{"args":["/pause"],"env":["PATH=/usr/bin"],"cwd":"/","noNewPrivileges":true,
             "oomScoreAdj":-998},"annotations":{"io.kubernetes.cri.container-type":"sandbox",
             "io.kubernetes.cri.sandbox-name":"web-0","io.kubernetes.cri.sandbox-uid":"0f9e\u002d11",
             "quoted":"a \"b\" \\ c\n\u00e9\ud83d\ude00"},"Config":{"Labels":{"io.kubernetes.pod.name":"x"}},
             "linux":{"resources":{"cpu":{"shares":2,"quota":-1.5e3}}, "seccomp":null}}
            """#
        let json = try #require(MetadataJSON.parse(text))
        let annotations = try #require(json["annotations"]?.stringMap)
        #expect(annotations["io.kubernetes.cri.container-type"] == "sandbox")
        #expect(annotations["io.kubernetes.cri.sandbox-uid"] == "0f9e-11")
        #expect(annotations["quoted"] == "a \"b\" \\ c\n\u{e9}\u{1F600}")
        #expect(json["Config"]?["Labels"]?.stringMap == ["io.kubernetes.pod.name": "x"])
        #expect(json["process"]?["args"]?.array == [.string("/pause")])
        #expect(json["process"]?.stringMap == nil)  // not all strings
        #expect(json["linux"]?["resources"]?["cpu"]?["quota"] == .number("-1.5e3"))
        #expect(json["linux"]?["seccomp"] == .null)
        let foundation = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! NSObject
        #expect(foundationShape(json) == foundation)
    }

    @Test(arguments: [
        "", " ", "{", "}", "{\"a\" 1}", "{a:1}", "[01]", "[1.]", "[.5]", "[1e]", "[-]",
        "\"unterminated", "\"bad \\x escape\"", "\"\\ud83d alone\"", "\"\\u12\"", "tru", "nul", "[1] [2]",
        "\"raw\ncontrol\"", "{\"a\":1}x",
    ])
    func malformedTextIsRefused(text: String) {
        #expect(MetadataJSON.parse(text) == nil)
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) == nil)
    }

    /// Stricter than JSONSerialization, which accepts these: RFC 8259 has no trailing
    /// commas, and no runtime writes them.
    @Test(arguments: ["[1,]", "{\"a\":1,}"]) func trailingCommasAreRefused(text: String) {
        #expect(MetadataJSON.parse(text) == nil)
    }

    @Test func invalidUTF8InAStringIsRefused() {
        #expect(MetadataJSON.parse([0x22, 0xFF, 0xFE, 0x22]) == nil)
    }

    @Test func deepNestingIsRefusedNotRecursedInto() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(MetadataJSON.parse(deep) == nil)
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(MetadataJSON.parse(fine) != nil)
    }
}

import Testing

@testable import KspyRuntime

/// Kubernetes QoS classes computed from parsed (defaulted) manifests.
@Suite struct QoSClassTests {
    /// A case: each string is one container's `resources` in YAML flow syntax.
    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let resources: [String]
        let expected: QoSClass
        var description: String { name }
    }

    /// A parsed pod whose containers have `resources`.
    static func pod(_ resources: [String]) throws -> PodManifest {
        var yaml = "metadata: {name: p}\nspec:\n  containers:\n"
        for (index, resource) in resources.enumerated() {
            yaml += "    - {name: c\(index), image: /img, resources: \(resource)}\n"
        }
        return try PodManifest.parse(yaml).manifest
    }

    static let cases: [Case] = [
        Case(name: "no resources", resources: ["{}"], expected: .bestEffort),
        Case(name: "no resources in any container", resources: ["{}", "{}"], expected: .bestEffort),
        Case(
            name: "only zero quantities", resources: ["{requests: {cpu: 0}, limits: {memory: 0Mi}}"],
            expected: .bestEffort),
        Case(
            name: "limits only (requests defaulted)", resources: ["{limits: {cpu: 500m, memory: 64Mi}}"],
            expected: .guaranteed),
        Case(
            name: "requests equal limits, written differently",
            resources: ["{requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 1000m, memory: 1024Mi}}"],
            expected: .guaranteed),
        Case(
            name: "every container guaranteed",
            resources: ["{limits: {cpu: 1, memory: 1Gi}}", "{limits: {cpu: 100m, memory: 10Mi}}"],
            expected: .guaranteed),
        Case(
            name: "requests below limits",
            resources: ["{requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 500m, memory: 64Mi}}"],
            expected: .burstable),
        Case(name: "requests only", resources: ["{requests: {cpu: 100m, memory: 64Mi}}"], expected: .burstable),
        Case(name: "cpu limit only", resources: ["{limits: {cpu: 1}}"], expected: .burstable),
        Case(name: "memory request only", resources: ["{requests: {memory: 1Mi}}"], expected: .burstable),
        Case(
            name: "zero cpu limit does not count",
            resources: ["{limits: {cpu: 0, memory: 1Gi}}"], expected: .burstable),
        Case(
            name: "one guaranteed, one best-effort container",
            resources: ["{limits: {cpu: 1, memory: 1Gi}}", "{}"], expected: .burstable),
        Case(
            name: "one guaranteed, one burstable container",
            resources: ["{limits: {cpu: 1, memory: 1Gi}}", "{requests: {cpu: 1}}"], expected: .burstable),
    ]

    @Test(arguments: cases) func classifiesPod(_ test: Case) throws {
        #expect(QoSClass(pod: try Self.pod(test.resources)) == test.expected)
    }

    @Test func undefaultedLimitsAloneAreBurstable() throws {
        // Kubernetes compares requests with limits; without defaulting there are no requests.
        let limits = ResourceList(cpu: try Quantity("1"), memory: try Quantity("1Gi"))
        let container = ContainerSpec(name: "c", image: "/img", resources: ResourceRequirements(limits: limits))
        #expect(QoSClass(pod: PodManifest(name: "p", containers: [container])) == .burstable)
    }

    @Test func rawValuesAndCgroupComponents() {
        #expect(QoSClass.guaranteed.rawValue == "Guaranteed")
        #expect(QoSClass.burstable.rawValue == "Burstable")
        #expect(QoSClass.bestEffort.rawValue == "BestEffort")
        #expect(QoSClass.guaranteed.cgroupComponent == nil)
        #expect(QoSClass.burstable.cgroupComponent == "burstable")
        #expect(QoSClass.bestEffort.cgroupComponent == "besteffort")
    }
}

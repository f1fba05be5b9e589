import Testing

@testable import KspyRuntime

/// Invalid Pod manifests: each error names its field and says what is wrong, exactly.
@Suite struct PodManifestErrorTests {
    /// A manifest and the exact description of the error it must fail with.
    struct Case: CustomStringConvertible, Sendable {
        let yaml: String
        let error: String
        var description: String { error }
    }

    /// A pod with `spec` lines (indented two spaces) after a valid metadata.
    static func pod(_ specLines: String) -> String {
        "metadata:\n  name: p\nspec:\n" + specLines
    }

    /// A pod with one container `c` whose extra fields are `containerLines` (indented
    /// six spaces), and volumes `data` (emptyDir) and `host` (hostPath).
    static func container(_ containerLines: String) -> String {
        pod(
            """
              volumes:
                - {name: data, emptyDir: {}}
                - {name: host, hostPath: {path: /srv}}
              containers:
                - name: c
                  image: /img

            """ + containerLines)
    }

    static let cases: [Case] = [
        // Document.
        Case(yaml: "", error: "manifest: empty document"),
        Case(yaml: "# only a comment\n", error: "manifest: empty document"),
        Case(yaml: "~", error: "manifest: empty document"),
        Case(yaml: "- a\n- b\n", error: "manifest: expected a mapping (a Pod object)"),
        Case(yaml: "just text", error: "manifest: expected a mapping (a Pod object)"),
        Case(
            yaml: "metadata:\n  name: p\n spec: x\n",
            error:
                "manifest: line 3, column 2: did not find expected key (while parsing a block mapping at line 1, column 1)"
        ),
        Case(
            yaml: "metadata:\n  name: p: q\n",
            error: "manifest: line 2, column 10: mapping values are not allowed in this context"),
        Case(
            yaml: "metadata:\n\tname: p\n",
            error:
                "manifest: line 2, column 1: found character that cannot start any token (while scanning for the next token at line 2, column 1)"
        ),
        Case(
            yaml: "metadata: {name: p\n",
            error:
                "manifest: line 2, column 1: did not find expected ',' or '}' (while parsing a flow mapping at line 1, column 11)"
        ),
        Case(
            yaml: "metadata:\n  name: p\nmetadata:\n  name: q\n",
            error: "manifest: line 1, column 1: duplicate keys in a mapping: \"metadata\""),
        Case(
            yaml: "a: 1\n---\nb: 2\n",
            error:
                "manifest: line 2, column 1: but found another document (expected a single document in the stream at line 1, column 1)"
        ),
        Case(yaml: "apiVersion: apps/v1\n", error: "apiVersion: \"apps/v1\" must be v1"),
        Case(yaml: "kind: Deployment\n", error: "kind: \"Deployment\" must be Pod"),
        Case(yaml: "kind: 1\n", error: "kind: expected a string, got an integer"),

        // Metadata.
        Case(yaml: "spec: {}\n", error: "metadata.name: required"),
        Case(yaml: "metadata: {}\nspec: {}\n", error: "metadata.name: required"),
        Case(yaml: "metadata: {name: \"\"}\n", error: "metadata.name: required"),
        Case(yaml: "metadata: [a]\n", error: "metadata: expected a mapping, got a list"),
        Case(yaml: "metadata: {name: 12}\n", error: "metadata.name: expected a string, got an integer"),
        Case(
            yaml: "metadata: {name: My_Pod}\n",
            error:
                "metadata.name: \"My_Pod\" must be a DNS-1123 subdomain (at most 253 lowercase letters, digits, '-' and '.', each '.'-separated part starting and ending with a letter or digit)"
        ),
        Case(
            yaml: "metadata: {name: p, namespace: a.b}\n",
            error:
                "metadata.namespace: \"a.b\" must be a DNS-1123 label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)"
        ),
        Case(
            yaml: "metadata: {name: p, uid: ../../escape}\n",
            error:
                "metadata.uid: \"../../escape\" must be 1 to 64 characters of a-z, 0-9 and '-' (it becomes part of cgroup paths)"
        ),
        Case(
            yaml: "metadata: {name: p, uid: \(String(repeating: "a", count: 65))}\n",
            error:
                "metadata.uid: \"\(String(repeating: "a", count: 65))\" must be 1 to 64 characters of a-z, 0-9 and '-' (it becomes part of cgroup paths)"
        ),
        Case(
            yaml: "metadata: {name: p, uid: ABC}\n",
            error:
                "metadata.uid: \"ABC\" must be 1 to 64 characters of a-z, 0-9 and '-' (it becomes part of cgroup paths)"
        ),
        Case(
            yaml: "metadata: {name: p, labels: {version: 1}}\n",
            error: "metadata.labels[version]: expected a string, got an integer"),
        Case(
            yaml: "metadata: {name: p, labels: {app: \"two words\"}}\n",
            error:
                "metadata.labels[app]: \"two words\" must be a label value (at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)"
        ),
        Case(
            yaml: "metadata: {name: p, labels: {\"a/b/c\": x}}\n",
            error: "metadata.labels: key \"a/b/c\" must have at most one '/'"),
        Case(
            yaml: "metadata: {name: p, annotations: {\"-bad\": x}}\n",
            error:
                "metadata.annotations: key \"-bad\": the name must be at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
        ),
        Case(yaml: "metadata: {name: p, labels: [a]}\n", error: "metadata.labels: expected a mapping, got a list"),

        // Spec.
        Case(yaml: "metadata: {name: p}\n", error: "spec.containers: required"),
        Case(yaml: pod("  hostNetwork: false\n"), error: "spec.containers: required"),
        Case(yaml: pod("  containers: []\n"), error: "spec.containers: must have at least one container"),
        Case(yaml: pod("  containers: {name: c}\n"), error: "spec.containers: expected a list, got a mapping"),
        Case(yaml: pod("  containers: [c]\n"), error: "spec.containers[0]: expected a mapping, got a string"),
        Case(
            yaml: pod("  restartPolicy: Sometimes\n"),
            error: "spec.restartPolicy: \"Sometimes\" is not one of Always, OnFailure, Never"),
        Case(
            yaml: pod("  restartPolicy: always\n"),
            error: "spec.restartPolicy: \"always\" is not one of Always, OnFailure, Never"),
        Case(yaml: pod("  hostNetwork: \"true\"\n"), error: "spec.hostNetwork: expected a boolean, got a string"),
        Case(
            yaml: pod("  shareProcessNamespace: 1\n"),
            error: "spec.shareProcessNamespace: expected a boolean, got an integer"),
        Case(
            yaml: pod("  terminationGracePeriodSeconds: -1\n"),
            error: "spec.terminationGracePeriodSeconds: -1 must be greater than or equal to 0"),
        Case(
            yaml: pod("  terminationGracePeriodSeconds: \"30\"\n"),
            error: "spec.terminationGracePeriodSeconds: expected an integer, got a string"),
        Case(
            yaml: pod("  terminationGracePeriodSeconds: 1.5\n"),
            error: "spec.terminationGracePeriodSeconds: expected an integer, got a number"),
        Case(
            yaml: pod("  hostname: Web_1\n"),
            error:
                "spec.hostname: \"Web_1\" must be a DNS-1123 label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)"
        ),

        // Volumes.
        Case(yaml: pod("  volumes: {}\n"), error: "spec.volumes: expected a list, got a mapping"),
        Case(yaml: pod("  volumes:\n    - emptyDir: {}\n"), error: "spec.volumes[0].name: required"),
        Case(
            yaml: pod("  volumes:\n    - {name: Data, emptyDir: {}}\n"),
            error:
                "spec.volumes[0].name: \"Data\" must be a DNS-1123 label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)"
        ),
        Case(
            yaml: pod("  volumes:\n    - {name: v, emptyDir: {}}\n    - {name: v, emptyDir: {}}\n"),
            error: "spec.volumes[1].name: \"v\" is a duplicate"),
        Case(
            yaml: pod("  volumes:\n    - name: v\n"),
            error: "spec.volumes[0]: must specify a volume type: emptyDir or hostPath"),
        Case(
            yaml: pod("  volumes:\n    - name: v\n      configMap: {name: cm}\n"),
            error:
                "spec.volumes[0]: must specify a volume type: emptyDir or hostPath (configMap not supported by kspy test pods)"
        ),
        Case(
            yaml: pod("  volumes:\n    - {name: v, emptyDir: {}, hostPath: {path: /x}}\n"),
            error: "spec.volumes[0].hostPath: may not specify more than 1 volume type"),
        Case(
            yaml: pod("  volumes:\n    - {name: v, emptyDir: {medium: HugePages}}\n"),
            error:
                "spec.volumes[0].emptyDir.medium: \"HugePages\" is not one of \"\", Memory (the media kspy test pods support)"
        ),
        Case(
            yaml: pod("  volumes:\n    - {name: v, emptyDir: {sizeLimit: 1GB}}\n"),
            error: "spec.volumes[0].emptyDir.sizeLimit: \"1GB\" is not a valid quantity"),
        Case(
            yaml: pod("  volumes:\n    - {name: v, emptyDir: {sizeLimit: -1Mi}}\n"),
            error: "spec.volumes[0].emptyDir.sizeLimit: \"-1Mi\" must be greater than or equal to 0"),
        Case(
            yaml: pod("  volumes:\n    - {name: v, emptyDir: []}\n"),
            error: "spec.volumes[0].emptyDir: expected a mapping, got a list"),
        Case(
            yaml: pod("  volumes:\n    - {name: v, hostPath: {}}\n"), error: "spec.volumes[0].hostPath.path: required"),
        Case(
            yaml: pod("  volumes:\n    - {name: v, hostPath: {path: var/log}}\n"),
            error: "spec.volumes[0].hostPath.path: \"var/log\" must be an absolute path"),
        Case(
            yaml: pod("  volumes:\n    - {name: v, hostPath: {path: /srv/../etc}}\n"),
            error: "spec.volumes[0].hostPath.path: \"/srv/../etc\" must not contain '..'"),
        Case(
            yaml: pod("  volumes:\n    - {name: v, hostPath: {path: /x, type: Folder}}\n"),
            error:
                "spec.volumes[0].hostPath.type: \"Folder\" is not one of \"\", \"DirectoryOrCreate\", \"Directory\", \"FileOrCreate\", \"File\", \"Socket\", \"CharDevice\", \"BlockDevice\""
        ),

        // Containers.
        Case(
            yaml: pod("  containers:\n    - image: /img\n"), error: "spec.containers[0].name: required"),
        Case(
            yaml: pod("  containers:\n    - {name: App, image: /img}\n"),
            error:
                "spec.containers[0].name: \"App\" must be a DNS-1123 label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)"
        ),
        Case(
            yaml: pod("  containers:\n    - {name: app, image: /a}\n    - {name: app, image: /b}\n"),
            error: "spec.containers[1].name: \"app\" is a duplicate"),
        Case(yaml: pod("  containers:\n    - {name: c}\n"), error: "spec.containers[0].image: required"),
        Case(
            yaml: pod("  containers:\n    - {name: c, image: \"busybox:1.36\"}\n"),
            error:
                "spec.containers[0].image: \"busybox:1.36\" must be an absolute path (kspy runs images from local directories)"
        ),
        Case(
            yaml: container("      command: sleep 10\n"),
            error: "spec.containers[0].command: expected a list, got a string"),
        Case(
            yaml: container("      command: [sleep, 3600]\n"),
            error: "spec.containers[0].command[1]: expected a string, got an integer"),
        Case(
            yaml: container("      args: [\"a\\0b\"]\n"), error: "spec.containers[0].args[0]: must not contain NUL"),
        Case(
            yaml: container("      workingDir: app\n"),
            error: "spec.containers[0].workingDir: \"app\" must be an absolute path"),
        Case(
            yaml: container("      env:\n        - value: x\n"), error: "spec.containers[0].env[0].name: required"),
        Case(
            yaml: container("      env:\n        - {name: A=B, value: x}\n"),
            error: "spec.containers[0].env[0].name: \"A=B\" must consist of printable ASCII characters other than '='"),
        Case(
            yaml: container("      env:\n        - {name: PORT, value: 8080}\n"),
            error: "spec.containers[0].env[0].value: expected a string, got an integer"),
        Case(
            yaml: container(
                "      env:\n        - {name: A, value: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n"),
            error: "spec.containers[0].env[0].valueFrom: may not be specified when value is not empty"),

        // Resources.
        Case(
            yaml: pod(
                "  containers:\n    - {name: a, image: /img}\n    - name: b\n      image: /img\n      resources:\n        limits: {memory: 12XB}\n"
            ),
            error: "spec.containers[1].resources.limits.memory: \"12XB\" is not a valid quantity"),
        Case(
            yaml: container("      resources:\n        requests: {cpu: 2}\n        limits: {cpu: 1}\n"),
            error: "spec.containers[0].resources.requests.cpu: \"2\" must be less than or equal to cpu limit \"1\""),
        Case(
            yaml: container("      resources:\n        requests: {memory: 1Gi}\n        limits: {memory: 1000Mi}\n"),
            error:
                "spec.containers[0].resources.requests.memory: \"1Gi\" must be less than or equal to memory limit \"1000Mi\""
        ),
        Case(
            yaml: container("      resources:\n        requests: {cpu: 0.5m}\n        limits: {cpu: 0.1m}\n"),
            error:
                "spec.containers[0].resources.requests.cpu: \"0.5m\" must be less than or equal to cpu limit \"0.1m\""),
        Case(
            yaml: container("      resources:\n        requests: {cpu: -100m}\n"),
            error: "spec.containers[0].resources.requests.cpu: \"-100m\" must be greater than or equal to 0"),
        Case(
            yaml: container("      resources:\n        limits: {memory: 99999999999999999999Ei}\n"),
            error: "spec.containers[0].resources.limits.memory: \"99999999999999999999Ei\" is out of range"),
        Case(
            yaml: container("      resources:\n        limits: {cpu: [1]}\n"),
            error: "spec.containers[0].resources.limits.cpu: expected a quantity, got a list"),
        Case(
            yaml: container("      resources:\n        limits: {cpu: true}\n"),
            error: "spec.containers[0].resources.limits.cpu: expected a quantity, got a boolean"),
        Case(
            yaml: container("      resources: [cpu]\n"),
            error: "spec.containers[0].resources: expected a mapping, got a list"),

        // Volume mounts.
        Case(
            yaml: container(
                "      volumeMounts:\n        - {name: data, mountPath: /d}\n        - {name: cache, mountPath: /c}\n"),
            error: "spec.containers[0].volumeMounts[1].name: \"cache\" does not name a volume in spec.volumes"),
        Case(
            yaml: pod(
                "  containers:\n    - name: c\n      image: /img\n      volumeMounts:\n        - {name: data, mountPath: /d}\n"
            ),
            error: "spec.containers[0].volumeMounts[0].name: \"data\" does not name a volume in spec.volumes"),
        Case(
            yaml: container("      volumeMounts:\n        - {mountPath: /d}\n"),
            error: "spec.containers[0].volumeMounts[0].name: required"),
        Case(
            yaml: container("      volumeMounts:\n        - {name: data}\n"),
            error: "spec.containers[0].volumeMounts[0].mountPath: required"),
        Case(
            yaml: container("      volumeMounts:\n        - {name: data, mountPath: data}\n"),
            error: "spec.containers[0].volumeMounts[0].mountPath: \"data\" must be an absolute path"),
        Case(
            yaml: container("      volumeMounts:\n        - {name: data, mountPath: /../../etc}\n"),
            error: "spec.containers[0].volumeMounts[0].mountPath: \"/../../etc\" must not contain '..'"),
        Case(
            yaml: container(
                "      volumeMounts:\n        - {name: data, mountPath: /d}\n        - {name: host, mountPath: /d}\n"),
            error: "spec.containers[0].volumeMounts[1].mountPath: \"/d\" is a duplicate"),
        Case(
            yaml: container("      volumeMounts:\n        - {name: data, mountPath: /d, readOnly: \"yes\"}\n"),
            error: "spec.containers[0].volumeMounts[0].readOnly: expected a boolean, got a string"),
        Case(
            yaml: container("      volumeMounts:\n        - {name: data, mountPath: /d, subPath: /abs}\n"),
            error: "spec.containers[0].volumeMounts[0].subPath: \"/abs\" must be a relative path"),
        Case(
            yaml: container("      volumeMounts:\n        - {name: data, mountPath: /d, subPath: a/../../b}\n"),
            error: "spec.containers[0].volumeMounts[0].subPath: \"a/../../b\" must not contain '..'"),

        // Security context.
        Case(
            yaml: container("      securityContext:\n        runAsUser: -1\n"),
            error: "spec.containers[0].securityContext.runAsUser: -1 must be between 0 and 2147483647, inclusive"),
        Case(
            yaml: container("      securityContext:\n        runAsGroup: 2147483648\n"),
            error:
                "spec.containers[0].securityContext.runAsGroup: 2147483648 must be between 0 and 2147483647, inclusive"),
        Case(
            yaml: container("      securityContext:\n        runAsUser: \"1000\"\n"),
            error: "spec.containers[0].securityContext.runAsUser: expected an integer, got a string"),
        Case(
            yaml: container("      securityContext:\n        readOnlyRootFilesystem: 1\n"),
            error: "spec.containers[0].securityContext.readOnlyRootFilesystem: expected a boolean, got an integer"),
    ]

    @Test(arguments: cases) func rejectsInvalidManifest(_ test: Case) {
        do {
            let parsed = try PodManifest.parse(test.yaml)
            Issue.record("parsed without error: \(parsed.manifest.name)")
        } catch {
            #expect(error.description == test.error)
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func errorSplitsFieldAndReason() {
        let error = ManifestError(
            field: "spec.restartPolicy", reason: "\"Sometimes\" is not one of Always, OnFailure, Never")
        #expect(error.description == "spec.restartPolicy: \"Sometimes\" is not one of Always, OnFailure, Never")
        #expect(error == ManifestError(field: "spec.restartPolicy", reason: error.reason))
    }

    @Test func quotesControlCharactersInValues() {
        #expect(throws: ManifestError(field: "kind", reason: #""a\tb\u{1}" must be Pod"#)) {
            try PodManifest.parse("kind: \"a\\tb\\x01\"\n")
        }
    }
}

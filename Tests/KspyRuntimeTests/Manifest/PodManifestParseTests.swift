import Foundation
import Testing

@testable import KspyRuntime

/// Parsing valid Pod manifests: every supported field, defaults, JSON, warnings.
@Suite struct PodManifestParseTests {
    static let fullPod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web.example
          namespace: team-a
          uid: 0f1e2d3c-aaaa-bbbb-cccc-1234567890ab
          labels:
            app: web
            app.kubernetes.io/name: web
            empty: ""
          annotations:
            example.com/note: "free text: anything goes"
        spec:
          hostname: web-host
          hostNetwork: true
          restartPolicy: OnFailure
          shareProcessNamespace: true
          terminationGracePeriodSeconds: 5
          volumes:
            - name: scratch
              emptyDir: {}
            - name: shm
              emptyDir:
                medium: Memory
                sizeLimit: 64Mi
            - name: host-logs
              hostPath:
                path: /var/log
                type: Directory
            - name: host-etc
              hostPath:
                path: /etc
          containers:
            - name: app
              image: /var/lib/kspy/images/busybox
              command: ["sh", "-c"]
              args:
                - echo hi; sleep 3600
              env:
                - name: GREETING
                  value: hello world
                - name: EMPTY
              workingDir: /tmp
              resources:
                requests:
                  cpu: 250m
                  memory: 32Mi
                limits:
                  cpu: 1
                  memory: 64Mi
              volumeMounts:
                - name: scratch
                  mountPath: /scratch
                - name: host-logs
                  mountPath: /host/logs
                  readOnly: true
                  subPath: app/current
              securityContext:
                runAsUser: 1000
                runAsGroup: 3000
                readOnlyRootFilesystem: true
            - name: sidecar
              image: /images/sidecar
        """

    @Test func parsesEveryField() throws {
        let parsed = try PodManifest.parse(Self.fullPod)
        #expect(parsed.warnings == [])
        let pod = parsed.manifest
        #expect(pod.name == "web.example")
        #expect(pod.namespace == "team-a")
        #expect(pod.uid == "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab")
        #expect(pod.labels == ["app": "web", "app.kubernetes.io/name": "web", "empty": ""])
        #expect(pod.annotations == ["example.com/note": "free text: anything goes"])
        #expect(pod.hostname == "web-host")
        #expect(pod.hostNetwork)
        #expect(pod.restartPolicy == .onFailure)
        #expect(pod.shareProcessNamespace)
        #expect(pod.terminationGracePeriodSeconds == 5)
        #expect(
            pod.volumes == [
                VolumeSpec(name: "scratch", source: .emptyDir(medium: .disk, sizeLimitBytes: nil)),
                VolumeSpec(name: "shm", source: .emptyDir(medium: .memory, sizeLimitBytes: 67_108_864)),
                VolumeSpec(name: "host-logs", source: .hostPath(path: "/var/log", type: "Directory")),
                VolumeSpec(name: "host-etc", source: .hostPath(path: "/etc", type: nil)),
            ])
        try #require(pod.containers.count == 2)

        let app = pod.containers[0]
        #expect(app.name == "app")
        #expect(app.image == "/var/lib/kspy/images/busybox")
        #expect(app.command == ["sh", "-c"])
        #expect(app.args == ["echo hi; sleep 3600"])
        #expect(app.env == [EnvVar(name: "GREETING", value: "hello world"), EnvVar(name: "EMPTY", value: "")])
        #expect(app.workingDir == "/tmp")
        #expect(app.resources.requests.cpu?.string == "250m")
        #expect(app.resources.requests.cpu?.milliValue() == 250)
        #expect(app.resources.requests.memory?.string == "32Mi")
        #expect(app.resources.requests.memory?.value() == 33_554_432)
        #expect(app.resources.limits.cpu?.string == "1")
        #expect(app.resources.limits.cpu?.milliValue() == 1000)
        #expect(app.resources.limits.memory?.value() == 67_108_864)
        #expect(
            app.volumeMounts == [
                VolumeMountSpec(name: "scratch", mountPath: "/scratch", readOnly: false, subPath: nil),
                VolumeMountSpec(name: "host-logs", mountPath: "/host/logs", readOnly: true, subPath: "app/current"),
            ])
        #expect(
            app.securityContext == ContainerSecurity(runAsUser: 1000, runAsGroup: 3000, readOnlyRootFilesystem: true))

        let sidecar = pod.containers[1]
        #expect(
            sidecar
                == ContainerSpec(
                    name: "sidecar", image: "/images/sidecar", command: [], args: [], env: [], workingDir: nil,
                    resources: ResourceRequirements(), volumeMounts: [], securityContext: ContainerSecurity()))
        #expect(QoSClass(pod: pod) == .burstable)
    }

    @Test func appliesKubernetesDefaults() throws {
        let parsed = try PodManifest.parse(
            """
            metadata: {name: minimal}
            spec:
              containers:
                - {name: c, image: /img}
            """)
        let pod = parsed.manifest
        #expect(parsed.warnings == [])
        #expect(pod.namespace == "default")
        #expect(pod.uid == nil)
        #expect(pod.labels == [:])
        #expect(pod.annotations == [:])
        #expect(pod.hostname == nil)
        #expect(!pod.hostNetwork)
        #expect(pod.restartPolicy == .always)
        #expect(!pod.shareProcessNamespace)
        #expect(pod.terminationGracePeriodSeconds == 30)
        #expect(pod.volumes == [])
        #expect(pod.containers == [ContainerSpec(name: "c", image: "/img")])
    }

    @Test func nullAndEmptyValuesMeanAbsent() throws {
        let pod = try PodManifest.parse(
            """
            metadata:
              name: p
              namespace: ""
              creationTimestamp: null
              uid: ~
            spec:
              restartPolicy: ""
              hostname: ""
              nodeSelector:
              terminationGracePeriodSeconds: null
              containers:
                - name: c
                  image: /img
                  workingDir: ""
                  resources: {}
            status: ~
            """)
        #expect(pod.warnings == [])
        #expect(pod.manifest.namespace == "default")
        #expect(pod.manifest.uid == nil)
        #expect(pod.manifest.restartPolicy == .always)
        #expect(pod.manifest.hostname == nil)
        #expect(pod.manifest.terminationGracePeriodSeconds == 30)
        #expect(pod.manifest.containers[0].workingDir == nil)
    }

    @Test func requestsDefaultToLimits() throws {
        let pod = try PodManifest.parse(
            """
            metadata: {name: p}
            spec:
              containers:
                - name: limits-only
                  image: /img
                  resources:
                    limits: {cpu: 500m, memory: 128Mi}
                - name: cpu-request-kept
                  image: /img
                  resources:
                    requests: {cpu: 100m}
                    limits: {cpu: 200m, memory: 1Gi}
            """
        ).manifest
        let first = pod.containers[0].resources
        #expect(first.requests.cpu?.string == "500m")
        #expect(first.requests.memory?.string == "128Mi")
        #expect(first.requests == first.limits)
        let second = pod.containers[1].resources
        #expect(second.requests.cpu?.string == "100m")
        #expect(second.requests.memory?.string == "1Gi")
        #expect(second.limits.cpu?.string == "200m")
    }

    @Test func acceptsNumbersAsQuantities() throws {
        let pod = try PodManifest.parse(
            """
            metadata: {name: p}
            spec:
              containers:
                - name: c
                  image: /img
                  resources:
                    requests: {cpu: 0.5, memory: 1048576}
                    limits: {cpu: 2, memory: "2Mi"}
            """
        ).manifest
        let resources = pod.containers[0].resources
        #expect(resources.requests.cpu?.milliValue() == 500)
        #expect(resources.requests.memory?.value() == 1_048_576)
        #expect(resources.limits.cpu?.milliValue() == 2000)
    }

    @Test func parsesJSON() throws {
        let json = """
            {
              "apiVersion": "v1",
              "kind": "Pod",
              "metadata": {"name": "json-pod", "labels": {"tier": "backend"}},
              "spec": {
                "hostNetwork": false,
                "restartPolicy": "Never",
                "terminationGracePeriodSeconds": 0,
                "volumes": [{"name": "data", "emptyDir": {"sizeLimit": "1Gi"}}],
                "containers": [{
                  "name": "main",
                  "image": "/images/main",
                  "command": ["/bin/server", "--port=8080"],
                  "env": [{"name": "MODE", "value": "json"}],
                  "resources": {"limits": {"cpu": "1500m", "memory": "256Mi"}},
                  "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": false}],
                  "securityContext": {"runAsUser": 0}
                }]
              }
            }
            """
        let parsed = try PodManifest.parse(json)
        #expect(parsed.warnings == [])
        let pod = parsed.manifest
        #expect(pod.name == "json-pod")
        #expect(pod.labels == ["tier": "backend"])
        #expect(pod.restartPolicy == .never)
        #expect(pod.terminationGracePeriodSeconds == 0)
        #expect(
            pod.volumes == [VolumeSpec(name: "data", source: .emptyDir(medium: .disk, sizeLimitBytes: 1_073_741_824))])
        let main = pod.containers[0]
        #expect(main.command == ["/bin/server", "--port=8080"])
        #expect(main.env == [EnvVar(name: "MODE", value: "json")])
        #expect(main.resources.requests.cpu?.milliValue() == 1500)
        #expect(main.resources.requests.memory?.value() == 268_435_456)
        #expect(main.volumeMounts == [VolumeMountSpec(name: "data", mountPath: "/data")])
        #expect(main.securityContext.runAsUser == 0)
        #expect(QoSClass(pod: pod) == .guaranteed)
    }

    @Test func parsesTabIndentedJSON() throws {
        let json =
            "{\n\t\"metadata\": {\n\t\t\"name\": \"tabs\"\n\t},\n\t\"spec\": {\"containers\": [\n\t\t{\"name\": \"c\", \"image\": \"/img\"}\n\t]}\n}\n"
        let pod = try PodManifest.parse(json).manifest
        #expect(pod.name == "tabs")
        #expect(pod.containers == [ContainerSpec(name: "c", image: "/img")])
    }

    @Test func warnsAboutUnsupportedFieldsInDocumentOrder() throws {
        let parsed = try PodManifest.parse(
            """
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
              generateName: p-
              creationTimestamp: null
            spec:
              nodeSelector:
                disk: ssd
              initContainers:
                - name: init
                  image: /img
              securityContext:
                runAsNonRoot: true
              volumes:
                - name: v
                  emptyDir: {}
                - name: h
                  hostPath:
                    path: /srv
                  csi: {driver: x}
              containers:
                - name: c
                  image: /img
                  imagePullPolicy: IfNotPresent
                  ports:
                    - containerPort: 80
                  env:
                    - name: FROM_SECRET
                      valueFrom:
                        secretKeyRef: {name: s, key: k}
                    - name: KEPT
                      value: "1"
                  resources:
                    requests:
                      cpu: 100m
                      ephemeral-storage: 1Gi
                    limits:
                      nvidia.com/gpu: 1
                  volumeMounts:
                    - name: v
                      mountPath: /v
                      mountPropagation: HostToContainer
                  securityContext:
                    privileged: true
                    runAsUser: 10
            status:
              phase: Pending
            """)
        #expect(
            parsed.warnings == [
                "metadata.generateName: not supported by kspy test pods; ignored",
                "spec.nodeSelector: not supported by kspy test pods; ignored",
                "spec.initContainers: not supported by kspy test pods; ignored",
                "spec.securityContext: not supported by kspy test pods; ignored",
                "spec.volumes[1].csi: not supported by kspy test pods; ignored",
                "spec.containers[0].imagePullPolicy: not supported by kspy test pods; ignored",
                "spec.containers[0].ports: not supported by kspy test pods; ignored",
                "spec.containers[0].env[0].valueFrom: not supported by kspy test pods; ignored",
                "spec.containers[0].resources.requests.ephemeral-storage: not supported by kspy test pods; ignored",
                "spec.containers[0].resources.limits.nvidia.com/gpu: not supported by kspy test pods; ignored",
                "spec.containers[0].volumeMounts[0].mountPropagation: not supported by kspy test pods; ignored",
                "spec.containers[0].securityContext.privileged: not supported by kspy test pods; ignored",
                "status: not supported by kspy test pods; ignored",
            ])
        let container = parsed.manifest.containers[0]
        #expect(container.env == [EnvVar(name: "KEPT", value: "1")])
        #expect(container.resources.requests.cpu?.string == "100m")
        #expect(container.resources.limits == ResourceList())
        #expect(container.securityContext.runAsUser == 10)
        #expect(parsed.manifest.volumes.count == 2)
    }

    @Test func acceptsYAMLAnchorsAndOneOneBooleans() throws {
        let pod = try PodManifest.parse(
            """
            metadata: {name: p}
            spec:
              hostNetwork: yes
              shareProcessNamespace: off
              containers:
                - name: a
                  image: /img
                  resources: &res
                    limits: {cpu: 1, memory: 1Gi}
                - name: b
                  image: /img
                  resources: *res
            """
        ).manifest
        #expect(pod.hostNetwork)
        #expect(!pod.shareProcessNamespace)
        #expect(pod.containers[1].resources.limits.memory?.value() == 1_073_741_824)
        #expect(QoSClass(pod: pod) == .guaranteed)
    }

    @Test func roundTripsThroughJSONCodable() throws {
        let pod = try PodManifest.parse(Self.fullPod).manifest
        let data = try JSONEncoder().encode(pod)
        let decoded = try JSONDecoder().decode(PodManifest.self, from: data)
        #expect(decoded == pod)
        #expect(decoded.containers[0].resources.limits.memory?.string == "64Mi")
        #expect(RestartPolicy(rawValue: "Never") == .never)
        #expect(try JSONEncoder().encode([RestartPolicy.onFailure]) == Data(#"["OnFailure"]"#.utf8))
    }
}

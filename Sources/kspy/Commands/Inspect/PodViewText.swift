import KspyInspect

/// The human form of `kspy pod`: labelled sections, tables where rows repeat.
enum PodViewText {
    static func render(_ pod: PodView, wide: Bool) -> String {
        var out = ""
        func line(_ label: String, _ value: String) { out += label.padding(16) + value + "\n" }
        line("Pod:", "\(pod.namespace ?? "<unnamed>")/\(pod.name ?? "<unnamed>")" + (pod.isStatic ? "  (static)" : ""))
        line("UID:", pod.uid)
        line("QoS:", pod.qosClass)
        line("Runtime:", pod.runtime)
        line("Sandbox:", pod.sandboxID ?? "-")
        let parent = pod.pause.parentPID.map { " (parent \($0) \(pod.pause.parentComm ?? "?"))" } ?? ""
        line("Pause PID:", (pod.pause.pid.map(String.init) ?? "-") + parent)
        line("Cgroup:", "\(pod.cgroup.path) [\(pod.cgroup.version.rawValue), \(pod.cgroup.driver)]")
        line("Limits:", limits(pod.cgroup))

        out += "\nNamespaces:\n"
        var namespaces = Table(headers: ["KIND", "INODE", "SHARED BY"])
        for (kind, ns) in pod.namespaces.sorted(by: { $0.key < $1.key }) {
            namespaces.rows.append([kind, String(ns.inode), ns.sharedBy.isEmpty ? "-" : ns.sharedBy.joined(separator: ",")])
        }
        out += namespaces.render()

        out += "\nNetwork:\n"
        if let network = pod.network {
            if network.hostNetwork {
                out += "host network namespace\n"
            } else {
                line("IPs:", network.ips.isEmpty ? "-" : network.ips.joined(separator: ", "))
                var interfaces = Table(headers: ["INTERFACE", "ADDRESSES", "HOST VETH", "BRIDGE"])
                for interface in network.interfaces {
                    interfaces.rows.append([
                        interface.name, interface.addresses.joined(separator: ","), interface.hostVeth ?? "-",
                        interface.bridge ?? "-",
                    ])
                }
                out += interfaces.render()
                var routes = Table(headers: ["ROUTE", "VIA", "DEV"])
                for route in network.routes { routes.rows.append([route.destination, route.gateway ?? "-", route.device ?? "-"]) }
                out += routes.render()
            }
        } else {
            out += "not available: \(pod.networkProblem ?? "unknown")\n"
        }

        for container in pod.containers {
            out += "\nContainer \(container.name ?? "<unnamed>") (\(container.state)):\n"
            line("  ID:", container.id)
            line("  PIDs:", container.pids.map(String.init).joined(separator: ","))
            line("  Cgroup:", container.cgroupPath ?? "-")
            if let limits = container.limits { line("  Limits:", Self.limits(limits)) }
            let own = container.namespaces.filter { $0.value.sharedWithPause == false }.keys.sorted()
            line("  Own ns:", own.isEmpty ? "-" : own.map { "\($0):\(container.namespaces[$0]!.inode)" }.joined(separator: " "))
            if let security = container.security {
                line("  User:", "uid=\(security.uid.map(String.init) ?? "?") gid=\(security.gid.map(String.init) ?? "?")")
                let caps = security.capabilities
                line("  Caps:", caps.isEmpty ? "none" : (wide || caps.count <= 6 ? caps.joined(separator: ",") : "\(caps.count) capabilities (-o wide lists them)"))
                line("  Seccomp:", "\(security.seccompMode ?? "?")  no_new_privs=\(security.noNewPrivs.map { $0 ? "1" : "0" } ?? "?")")
                line("  LSM:", security.lsmLabel ?? "-")
                if !security.uidMap.isEmpty { line("  UID map:", security.uidMap.joined(separator: "; ")) }
            }
            line("  OOM adj:", container.oomScoreAdj.map(String.init) ?? "-")
            if let rootfs = container.rootfs {
                line("  Rootfs:", "\(rootfs.fsType) upper=\(rootfs.upperDir ?? "-") lower=\(rootfs.lowerDirs.joined(separator: ":"))")
            }
            if !container.mounts.isEmpty {
                var mounts = Table(headers: ["  MOUNT", "KIND", "VOLUME", "HOST PATH"])
                for mount in container.mounts {
                    let kind = mount.kind + (mount.medium.map { "(\($0))" } ?? "") + (mount.readOnly ? ",ro" : "")
                    mounts.rows.append(["  " + mount.mountPath, kind, mount.volumeName ?? "-", mount.hostPath ?? "-"])
                }
                out += mounts.render()
            }
        }
        return out
    }

    static func limits(_ cgroup: CgroupView) -> String {
        if let problem = cgroup.problem { return "unavailable (\(problem))" }
        let memory = cgroup.memoryLimitBytes.map { "\($0)" } ?? "unlimited"
        let cpu = cgroup.cpuQuotaMicros.map { "\($0)/\(cgroup.cpuPeriodMicros ?? 0)us" } ?? "unlimited"
        var text = "memory=\(memory) cpu=\(cpu)"
        if let shares = cgroup.cpuShares { text += " shares=\(shares)" }
        if let weight = cgroup.cpuWeight { text += " weight=\(weight)" }
        if let usage = cgroup.memoryUsageBytes { text += " usage=\(usage)" }
        return text
    }
}

extension String {
    /// The string padded with spaces to `width`.
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}

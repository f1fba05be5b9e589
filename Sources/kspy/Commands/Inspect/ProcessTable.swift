import KspyInspect

/// The table shared by `kspy ps` and `kspy pid`.
enum ProcessTable {
    static func make(_ processes: [ProcessView], wide: Bool) -> Table {
        var headers = ["PID", "POD", "CONTAINER", "ROLE", "COMM"]
        if wide { headers += ["QOS", "RUNTIME", "NETNS", "CGROUP"] }
        var table = Table(headers: headers)
        for process in processes {
            let container: String
            switch process.role {
            case .host: container = "-"
            case .pause: container = "(pause)"
            case .container: container = process.containerName ?? process.containerID.map { "<unnamed>/" + $0.prefix(13) } ?? "-"
            }
            var row = [String(process.pid), process.podDisplayName, container, process.role.rawValue, process.comm]
            if wide {
                row += [
                    process.qosClass ?? "-", process.runtime ?? "-",
                    process.namespaces["net"].map { String($0.inode) } ?? "-", process.cgroupPath ?? "-",
                ]
            }
            table.rows.append(row)
        }
        return table
    }
}

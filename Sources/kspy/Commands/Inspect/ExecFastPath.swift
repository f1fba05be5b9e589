/// `kspy exec`'s command line read without ArgumentParser. `kspy exec` is on the
/// latency path of every debugging session (and benchmarked against nsenter), and
/// ArgumentParser's start-up — reflection over every command's properties, each a
/// first-time protocol-conformance lookup across the whole binary — costs more than
/// nsenter's entire run. This parser takes the plain, valid forms of exec's options
/// and returns nil for everything else (help, unknown or repeated options, a missing
/// value, anything that is not valid), so ArgumentParser stays the one place that
/// prints help and usage errors. A CLI test checks both parsers agree.
enum ExecFastPath {
    /// The invocation when `arguments` (without the executable name) is `exec …` in
    /// a form this parser takes and valid; nil to leave it to ArgumentParser.
    static func parse(_ arguments: [String]) -> ExecInvocation? {
        guard arguments.first == "exec" else { return nil }
        var invocation = ExecInvocation(pod: "")
        var pod: String?
        var given = Set<String>()  // single-valued options and flags seen
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                invocation.command = Array(arguments[index...])
                break
            }
            guard argument.hasPrefix("-") else {
                guard pod == nil else { return nil }  // a second positional: ArgumentParser's error
                pod = argument
                continue
            }
            // The option's name and value ("--name=value" or "--name value").
            var name = argument
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            func value() -> String? {
                if let inlineValue { return inlineValue }
                guard index < arguments.count, !arguments[index].hasPrefix("-") else { return nil }
                index += 1
                return arguments[index - 1]
            }
            func once(_ key: String) -> Bool { given.insert(key).inserted }
            switch name {
            case "-c", "--container":
                guard once("container"), let value = value() else { return nil }
                invocation.container = value
            case "--ns":
                guard once("ns"), let value = value() else { return nil }
                invocation.ns = value
            case "--wd":
                guard once("wd"), let value = value() else { return nil }
                invocation.wd = value
            case "--user":
                guard once("user"), let value = value() else { return nil }
                invocation.user = value
            case "--env":
                guard let value = value() else { return nil }
                invocation.environment.append(value)
            case "--host-root":
                guard once("host-root"), let value = value() else { return nil }
                invocation.discovery.hostRoot = value
            case "--containerd-state":
                guard let value = value() else { return nil }
                invocation.discovery.containerdState.append(value)
            case "--kspy-state":
                guard let value = value() else { return nil }
                invocation.discovery.kspyState.append(value)
            case "--pause", "--cgroup", "--no-cgroup", "--env-from-target":
                guard inlineValue == nil else { return nil }
                let key = name == "--no-cgroup" ? "--cgroup" : name
                guard once(key) else { return nil }
                switch name {
                case "--pause": invocation.pause = true
                case "--cgroup": invocation.cgroup = true
                case "--no-cgroup": invocation.cgroup = false
                default: invocation.envFromTarget = true
                }
            default:
                return nil  // -h, --help, --version, unknown: ArgumentParser answers
            }
        }
        guard let pod else { return nil }
        invocation.pod = pod
        guard invocation.validationProblem == nil else { return nil }
        return invocation
    }
}

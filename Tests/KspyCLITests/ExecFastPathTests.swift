import ArgumentParser
import Testing

@testable import kspy

/// `kspy exec`'s fast command-line parser (`ExecFastPath`) against ArgumentParser's
/// parse of the same arguments: whatever the fast path takes must mean exactly what
/// ArgumentParser makes of it, and what ArgumentParser rejects the fast path must leave
/// to it (so help and usage errors come from one place).
@Suite struct ExecFastPathTests {
    /// ArgumentParser's reading: the invocation, or nil when it rejects the arguments
    /// (or they are not an exec command).
    private func argumentParser(_ arguments: [String]) -> ExecInvocation? {
        guard let command = try? Kspy.parseAsRoot(arguments) as? ExecCommand else { return nil }
        guard (try? command.validate()) != nil else { return nil }
        return command.invocation
    }

    @Test func plainFormsAreTakenAndMeanWhatArgumentParserSays() throws {
        let plain: [[String]] = [
            ["exec", "web", "--", "true"],
            ["exec", "default/web", "-c", "main", "--", "sh", "-c", "echo hi"],
            ["exec", "-c", "main", "web", "--", "ls", "--", "-l"],
            ["exec", "web", "--container=main", "--ns", "net,uts", "--", "ip", "a"],
            ["exec", "web", "--pause", "--ns=net", "--", "ss", "-tlnp"],
            ["exec", "web", "--no-cgroup", "--wd", "/tmp", "--user", "1000:1000", "--", "id"],
            ["exec", "web", "--cgroup", "--env", "A=1", "--env=B=2", "--env-from-target", "--", "env"],
            ["exec", "uid-prefix", "--kspy-state", "/tmp/a", "--kspy-state", "/tmp/b", "--", "true"],
            ["exec", "web", "--host-root", "/host", "--containerd-state", "/run/x", "--", "true"],
            ["exec", "web", "--", "--help"],
            ["exec", "web", "--", "-c"],
        ]
        for arguments in plain {
            let fast = ExecFastPath.parse(arguments)
            #expect(fast != nil, "\(arguments)")
            #expect(fast == argumentParser(arguments), "\(arguments)")
        }
        let parsed = try #require(ExecFastPath.parse(plain[6]))
        #expect(parsed.environment == ["A=1", "B=2"])
        #expect(parsed.cgroup == true && parsed.envFromTarget)
        #expect(ExecFastPath.parse(plain[5])?.cgroup == false)
        #expect(ExecFastPath.parse(plain[2])?.command == ["ls", "--", "-l"])
        #expect(ExecFastPath.parse(plain[8])?.discovery == DiscoverySettings(hostRoot: "/host", containerdState: ["/run/x"]))
    }

    @Test func everythingElseIsLeftToArgumentParser() {
        let others: [[String]] = [
            ["exec", "--help"],
            ["exec", "web", "-h", "--", "true"],
            ["exec", "web"],  // no command
            ["exec", "--", "true"],  // no pod
            ["exec", "web", "extra", "--", "true"],
            ["exec", "web", "--bogus", "--", "true"],
            ["exec", "web", "-c", "--", "true"],  // -c without a value
            ["exec", "web", "-c", "a", "-c", "b", "--", "true"],
            ["exec", "web", "--pause", "-c", "main", "--", "true"],  // excluded together
            ["exec", "web", "--ns", "netz", "--", "true"],
            ["exec", "web", "--user", "bob", "--", "true"],
            ["exec", "web", "--env", "NOVALUE", "--", "true"],
            ["exec", "web", "--pause=yes", "--", "true"],
            ["exec", "web", "--cgroup", "--no-cgroup", "--", "true"],
            ["ps"],
            ["--version"],
            [],
        ]
        for arguments in others {
            #expect(ExecFastPath.parse(arguments) == nil, "\(arguments)")
        }
        // The ones ArgumentParser also refuses stay refused there.
        for arguments in others[1...11] where arguments != ["exec", "web", "-c", "a", "-c", "b", "--", "true"] {
            #expect(argumentParser(arguments) == nil, "\(arguments)")
        }
    }
}

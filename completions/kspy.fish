function __kspy_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __kspy_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __kspy_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __kspy_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __kspy_parse_tokens -S
    set -l unparsed_tokens (__kspy_tokens -pc)
    switch $unparsed_tokens[1]
    case 'kspy'
        __kspy_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'ps'
            __kspy_parse_subcommand 0 'a/all' 'pod=' 'host-root=' 'containerd-state=+' 'kspy-state=+' 'o/output=' 'version' 'h/help'
        case 'pid'
            __kspy_parse_subcommand -r 1 'host-root=' 'containerd-state=+' 'kspy-state=+' 'o/output=' 'version' 'h/help'
        case 'pods'
            __kspy_parse_subcommand 0 'host-root=' 'containerd-state=+' 'kspy-state=+' 'o/output=' 'version' 'h/help'
        case 'pod'
            __kspy_parse_subcommand 1 'host-root=' 'containerd-state=+' 'kspy-state=+' 'o/output=' 'version' 'h/help'
        case 'ns'
            __kspy_parse_subcommand 0 'type=' 'host-root=' 'containerd-state=+' 'kspy-state=+' 'o/output=' 'version' 'h/help'
        case 'exec'
            __kspy_parse_subcommand -r 2 'c/container=' 'pause' 'ns=' 'wd=' 'cgroup' 'no-cgroup' 'user=' 'env=+' 'env-from-target' 'host-root=' 'containerd-state=+' 'kspy-state=+' 'version' 'h/help'
        case 'trace'
            __kspy_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'oom'
                __kspy_parse_subcommand 0 'source=' 'since=' 'pod=' 'namespace=' 'container=' 'count=' 'timeout=' 'buffer=' 'o/output=' 'host-root=' 'containerd-state=+' 'kspy-state=+' 'version' 'h/help'
            case 'throttle'
                __kspy_parse_subcommand 0 'interval=' 'min-ratio=' 'pod=' 'namespace=' 'container=' 'count=' 'timeout=' 'buffer=' 'o/output=' 'host-root=' 'containerd-state=+' 'kspy-state=+' 'version' 'h/help'
            end
        case 'svc'
            __kspy_parse_subcommand 1 'mode=' 'netns=' 'pod=' 'from-file=' 'cilium-maps=' 'host-root=' 'containerd-state=+' 'kspy-state=+' 'o/output=' 'version' 'h/help'
        case 'nat'
            __kspy_parse_subcommand 1 'chain=' 'netns=' 'pod=' 'from-file=' 'host-root=' 'containerd-state=+' 'kspy-state=+' 'o/output=' 'version' 'h/help'
        case 'testpod'
            __kspy_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'apply'
                __kspy_parse_subcommand 0 'f/filename=' 'state-dir=' 'cgroup-root=' 'cgroup-driver=' 'restart-backoff=' 'network=' 'bridge=' 'pod-cidr=' 'o/output=' 'version' 'h/help'
            case 'list'
                __kspy_parse_subcommand 0 'state-dir=' 'cgroup-root=' 'cgroup-driver=' 'restart-backoff=' 'network=' 'bridge=' 'pod-cidr=' 'o/output=' 'version' 'h/help'
            case 'delete'
                __kspy_parse_subcommand -r 1 'all' 'state-dir=' 'cgroup-root=' 'cgroup-driver=' 'restart-backoff=' 'network=' 'bridge=' 'pod-cidr=' 'version' 'h/help'
            end
        case 'demo'
            __kspy_parse_subcommand 0 'f/filename=' 'image-dir=' 'state-dir=' 'cgroup-root=' 'cgroup-driver=' 'restart-backoff=' 'network=' 'bridge=' 'pod-cidr=' 'version' 'h/help'
        case 'help'
            __kspy_parse_subcommand -r 1 'version'
        end
    end
end

function __kspy_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __kspy_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __kspy_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __kspy_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__kspy_tokens -p)
    if test -z "$(__kspy_tokens -t)"
        set -l index (count (__kspy_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'kspy' -f
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy" -eq 1' -fa 'ps' -d 'List the processes that belong to pods, with their pod and container.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy" -eq 1' -fa 'pid' -d 'Show the pod and container of each PID, with its namespaces and cgroup.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy" -eq 1' -fa 'pods' -d 'List the pods on this node, found from their processes\' cgroups.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy" -eq 1' -fa 'pod' -d 'Show one pod\'s pause, namespaces, cgroups, network and containers.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy" -eq 1' -fa 'ns' -d 'List every namespace in use, with its holder and owning pod or container.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy" -eq 1' -fa 'exec' -d 'Run a command inside a pod\'s container (or pause) namespaces.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy" -eq 1' -fa 'trace' -d 'Stream OOM kills and CPU throttling, named by pod and container.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy" -eq 1' -fa 'svc' -d 'Show service frontends and their endpoints as the node\'s dataplanes implement them.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy" -eq 1' -fa 'nat' -d 'Explain kube-proxy\'s iptables nat chains rule by rule.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy" -eq 1' -fa 'testpod' -d 'Create, list and delete test pods built from Pod manifests.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy" -eq 1' -fa 'demo' -d 'Create a test pod, show its pause process, namespaces and cgroups, delete it.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy ps" a all' -l 'all' -s 'a' -d 'Also list host processes (role host).'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy ps" pod' -l 'pod' -d 'Only this pod\'s processes (uid, uid prefix, namespace/name or name).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy ps" host-root' -l 'host-root' -d 'Directory holding the host\'s filesystem (e.g. /host in a debug pod).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy ps"' -l 'containerd-state' -d 'Extra containerd state root (repeatable; shims\' bundles are also found from the process tree).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy ps"' -l 'kspy-state' -d 'kspy test-pod state directory (repeatable; default /run/kspy).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy ps" o output' -s 'o' -l 'output' -d 'Output format: table, wide, json or yaml.' -rfka 'table wide json yaml'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy ps" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy ps" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pid" host-root' -l 'host-root' -d 'Directory holding the host\'s filesystem (e.g. /host in a debug pod).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pid"' -l 'containerd-state' -d 'Extra containerd state root (repeatable; shims\' bundles are also found from the process tree).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pid"' -l 'kspy-state' -d 'kspy test-pod state directory (repeatable; default /run/kspy).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pid" o output' -s 'o' -l 'output' -d 'Output format: table, wide, json or yaml.' -rfka 'table wide json yaml'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pid" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pid" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pods" host-root' -l 'host-root' -d 'Directory holding the host\'s filesystem (e.g. /host in a debug pod).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pods"' -l 'containerd-state' -d 'Extra containerd state root (repeatable; shims\' bundles are also found from the process tree).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pods"' -l 'kspy-state' -d 'kspy test-pod state directory (repeatable; default /run/kspy).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pods" o output' -s 'o' -l 'output' -d 'Output format: table, wide, json or yaml.' -rfka 'table wide json yaml'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pods" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pods" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pod" host-root' -l 'host-root' -d 'Directory holding the host\'s filesystem (e.g. /host in a debug pod).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pod"' -l 'containerd-state' -d 'Extra containerd state root (repeatable; shims\' bundles are also found from the process tree).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pod"' -l 'kspy-state' -d 'kspy test-pod state directory (repeatable; default /run/kspy).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pod" o output' -s 'o' -l 'output' -d 'Output format: table, wide, json or yaml.' -rfka 'table wide json yaml'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pod" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy pod" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy ns" type' -l 'type' -d 'Only namespaces of this kind (mnt, pid, net, ipc, uts, user, cgroup, time).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy ns" host-root' -l 'host-root' -d 'Directory holding the host\'s filesystem (e.g. /host in a debug pod).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy ns"' -l 'containerd-state' -d 'Extra containerd state root (repeatable; shims\' bundles are also found from the process tree).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy ns"' -l 'kspy-state' -d 'kspy test-pod state directory (repeatable; default /run/kspy).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy ns" o output' -s 'o' -l 'output' -d 'Output format: table, wide, json or yaml.' -rfka 'table wide json yaml'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy ns" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy ns" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy exec" c container' -l 'container' -s 'c' -d 'The container (default: the pod\'s first app container).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy exec" pause' -l 'pause' -d 'Enter the pod\'s pause (sandbox) instead of a container.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy exec" ns' -l 'ns' -d 'Namespaces to enter, comma-separated (default: all of the target\'s).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy exec" wd' -l 'wd' -d 'Working directory for the command (default: the target\'s when entering mnt).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy exec" cgroup' -l 'cgroup' -d 'Put the command into the target container\'s cgroup (default: on for containers, off for --pause).'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy exec" no-cgroup' -l 'no-cgroup' -d 'Put the command into the target container\'s cgroup (default: on for containers, off for --pause).'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy exec" user' -l 'user' -d 'Run as UID[:GID].' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy exec"' -l 'env' -d 'Set an environment variable (repeatable).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy exec" env-from-target' -l 'env-from-target' -d 'Start from the target\'s environment (/proc/<pid>/environ).'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy exec" host-root' -l 'host-root' -d 'Directory holding the host\'s filesystem (e.g. /host in a debug pod).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy exec"' -l 'containerd-state' -d 'Extra containerd state root (repeatable; shims\' bundles are also found from the process tree).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy exec"' -l 'kspy-state' -d 'kspy test-pod state directory (repeatable; default /run/kspy).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy exec" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy exec" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy trace" -eq 1' -fa 'oom' -d 'Stream OOM kills with pod, container and the memory limit that was hit.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy trace" -eq 1' -fa 'throttle' -d 'Stream containers whose CPU quota throttles them, by pod and container.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace oom" source' -l 'source' -d 'Event source: auto, bpf, cgroup or kmsg.' -rfka 'auto bpf cgroup kmsg'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace oom" since' -l 'since' -d 'Replay the OOM kills of this long ago from the kernel log first (e.g. 1h); uses the kmsg source.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace oom" pod' -l 'pod' -d 'Only events of this pod (name, UID or UID prefix).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace oom" namespace' -l 'namespace' -d 'Only events of pods in this namespace.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace oom" container' -l 'container' -d 'Only events of this container (name).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace oom" count' -l 'count' -d 'Stop after N events.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace oom" timeout' -l 'timeout' -d 'Stop after this long (e.g. 30s, 5m).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace oom" buffer' -l 'buffer' -d 'Events held while the output is slow; more are dropped and counted.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace oom" o output' -s 'o' -l 'output' -d 'Output format: table, wide or json (NDJSON, one event per line).' -rfka 'table wide json yaml'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace oom" host-root' -l 'host-root' -d 'Directory holding the host\'s filesystem (e.g. /host in a debug pod).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace oom"' -l 'containerd-state' -d 'Extra containerd state root (repeatable; shims\' bundles are also found from the process tree).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace oom"' -l 'kspy-state' -d 'kspy test-pod state directory (repeatable; default /run/kspy).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace oom" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace oom" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace throttle" interval' -l 'interval' -d 'Sampling interval (e.g. 1s, 500ms).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace throttle" min-ratio' -l 'min-ratio' -d 'Report a container when throttled periods / periods in an interval is at least this.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace throttle" pod' -l 'pod' -d 'Only events of this pod (name, UID or UID prefix).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace throttle" namespace' -l 'namespace' -d 'Only events of pods in this namespace.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace throttle" container' -l 'container' -d 'Only events of this container (name).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace throttle" count' -l 'count' -d 'Stop after N events.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace throttle" timeout' -l 'timeout' -d 'Stop after this long (e.g. 30s, 5m).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace throttle" buffer' -l 'buffer' -d 'Events held while the output is slow; more are dropped and counted.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace throttle" o output' -s 'o' -l 'output' -d 'Output format: table, wide or json (NDJSON, one event per line).' -rfka 'table wide json yaml'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace throttle" host-root' -l 'host-root' -d 'Directory holding the host\'s filesystem (e.g. /host in a debug pod).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace throttle"' -l 'containerd-state' -d 'Extra containerd state root (repeatable; shims\' bundles are also found from the process tree).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace throttle"' -l 'kspy-state' -d 'kspy test-pod state directory (repeatable; default /run/kspy).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace throttle" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy trace throttle" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy svc" mode' -l 'mode' -d 'Dataplane to read: auto, iptables, nftables, ipvs or cilium.' -rfka 'auto iptables nftables ipvs cilium'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy svc" netns' -l 'netns' -d 'Read the rules of this network namespace (e.g. /proc/<pid>/ns/net).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy svc" pod' -l 'pod' -d 'Read the rules of this pod\'s network namespace (its pause\'s).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy svc" from-file' -l 'from-file' -d 'Decode a saved dump instead of the kernel (needs --mode).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy svc" cilium-maps' -l 'cilium-maps' -d 'Directory of Cilium\'s pinned maps.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy svc" host-root' -l 'host-root' -d 'Directory holding the host\'s filesystem (e.g. /host in a debug pod).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy svc"' -l 'containerd-state' -d 'Extra containerd state root (repeatable; shims\' bundles are also found from the process tree).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy svc"' -l 'kspy-state' -d 'kspy test-pod state directory (repeatable; default /run/kspy).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy svc" o output' -s 'o' -l 'output' -d 'Output format: table, wide, json or yaml.' -rfka 'table wide json yaml'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy svc" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy svc" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy nat" chain' -l 'chain' -d 'Only paths through this chain (e.g. KUBE-SVC-…).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy nat" netns' -l 'netns' -d 'Read the rules of this network namespace.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy nat" pod' -l 'pod' -d 'Read the rules of this pod\'s network namespace (its pause\'s).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy nat" from-file' -l 'from-file' -d 'Decode a saved iptables-save file instead.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy nat" host-root' -l 'host-root' -d 'Directory holding the host\'s filesystem (e.g. /host in a debug pod).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy nat"' -l 'containerd-state' -d 'Extra containerd state root (repeatable; shims\' bundles are also found from the process tree).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy nat"' -l 'kspy-state' -d 'kspy test-pod state directory (repeatable; default /run/kspy).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy nat" o output' -s 'o' -l 'output' -d 'Output format: table, wide, json or yaml.' -rfka 'table wide json yaml'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy nat" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy nat" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy testpod" -eq 1' -fa 'apply' -d 'Create and start a test pod from a Pod manifest (YAML or JSON).'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy testpod" -eq 1' -fa 'list' -d 'List the test pods on this machine.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_positional "kspy testpod" -eq 1' -fa 'delete' -d 'Stop a test pod and remove everything it used.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod apply" f filename' -s 'f' -l 'filename' -d 'The manifest file, or - for stdin.' -rF
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod apply" state-dir' -l 'state-dir' -d 'Directory holding test pod state.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod apply" cgroup-root' -l 'cgroup-root' -d 'Root of the kubelet-style cgroup tree for new pods.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod apply" cgroup-driver' -l 'cgroup-driver' -d 'kubelet cgroup driver naming to use: cgroupfs or systemd.' -rfka 'cgroupfs systemd'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod apply" restart-backoff' -l 'restart-backoff' -d 'First container restart back-off in seconds (doubles, capped at 300).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod apply" network' -l 'network' -d 'Pod network: bridge (a veth into the node bridge, with a pod IP) or none (lo only).' -rfka 'bridge none'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod apply" bridge' -l 'bridge' -d 'Name of the node bridge.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod apply" pod-cidr' -l 'pod-cidr' -d 'Pod CIDR; the bridge holds its first address as the gateway.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod apply" o output' -s 'o' -l 'output' -d 'Output format: table, wide, json or yaml.' -rfka 'table wide json yaml'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod apply" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod apply" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod list" state-dir' -l 'state-dir' -d 'Directory holding test pod state.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod list" cgroup-root' -l 'cgroup-root' -d 'Root of the kubelet-style cgroup tree for new pods.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod list" cgroup-driver' -l 'cgroup-driver' -d 'kubelet cgroup driver naming to use: cgroupfs or systemd.' -rfka 'cgroupfs systemd'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod list" restart-backoff' -l 'restart-backoff' -d 'First container restart back-off in seconds (doubles, capped at 300).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod list" network' -l 'network' -d 'Pod network: bridge (a veth into the node bridge, with a pod IP) or none (lo only).' -rfka 'bridge none'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod list" bridge' -l 'bridge' -d 'Name of the node bridge.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod list" pod-cidr' -l 'pod-cidr' -d 'Pod CIDR; the bridge holds its first address as the gateway.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod list" o output' -s 'o' -l 'output' -d 'Output format: table, wide, json or yaml.' -rfka 'table wide json yaml'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod list" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod delete" all' -l 'all' -d 'Delete every test pod.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod delete" state-dir' -l 'state-dir' -d 'Directory holding test pod state.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod delete" cgroup-root' -l 'cgroup-root' -d 'Root of the kubelet-style cgroup tree for new pods.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod delete" cgroup-driver' -l 'cgroup-driver' -d 'kubelet cgroup driver naming to use: cgroupfs or systemd.' -rfka 'cgroupfs systemd'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod delete" restart-backoff' -l 'restart-backoff' -d 'First container restart back-off in seconds (doubles, capped at 300).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod delete" network' -l 'network' -d 'Pod network: bridge (a veth into the node bridge, with a pod IP) or none (lo only).' -rfka 'bridge none'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod delete" bridge' -l 'bridge' -d 'Name of the node bridge.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod delete" pod-cidr' -l 'pod-cidr' -d 'Pod CIDR; the bridge holds its first address as the gateway.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod delete" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy testpod delete" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy demo" f filename' -s 'f' -l 'filename' -d 'The demo manifest.' -rF
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy demo" image-dir' -l 'image-dir' -d 'Where to build the busybox image the manifest names.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy demo" state-dir' -l 'state-dir' -d 'Directory holding test pod state.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy demo" cgroup-root' -l 'cgroup-root' -d 'Root of the kubelet-style cgroup tree for new pods.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy demo" cgroup-driver' -l 'cgroup-driver' -d 'kubelet cgroup driver naming to use: cgroupfs or systemd.' -rfka 'cgroupfs systemd'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy demo" restart-backoff' -l 'restart-backoff' -d 'First container restart back-off in seconds (doubles, capped at 300).' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy demo" network' -l 'network' -d 'Pod network: bridge (a veth into the node bridge, with a pod IP) or none (lo only).' -rfka 'bridge none'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy demo" bridge' -l 'bridge' -d 'Name of the node bridge.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy demo" pod-cidr' -l 'pod-cidr' -d 'Pod CIDR; the bridge holds its first address as the gateway.' -rfka ''
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy demo" version' -l 'version' -d 'Show the version.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy demo" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kspy' -n '__kspy_should_offer_completions_for_flags_or_options "kspy help" version' -l 'version' -d 'Show the version.'

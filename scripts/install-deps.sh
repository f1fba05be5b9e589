#!/usr/bin/env bash
# Installs the Debian packages kspy needs to build, test and benchmark. Idempotent:
# when everything is installed it only checks, so it is quick to run again.
set -euo pipefail

packages=(
    libbpf-dev libelf-dev zlib1g-dev   # BPF: libbpf and what it links (archives linked in)
    libnftnl-dev libmnl-dev            # nf_tables over netlink (libnftnl's archive linked in)
    busybox-static                     # the image of test pods
    python3                            # BPF OOM tests: the memory hog they OOM-kill
    iproute2 util-linux procps         # ip, nsenter/lsns, ps: peers and test helpers
    iptables nftables bpftool          # dataplane tests and peers
    crun runc                          # kspy-bench peers
    bpftrace                           # kspy-bench oom-latency peer
)

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: run as root (apt-get install)" >&2
    exit 1
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# BPF and tracing filesystems (kspy trace needs them; containers often lack them).
if ! grep -q " /sys/fs/bpf bpf " /proc/self/mountinfo 2>/dev/null && [ -d /sys/fs/bpf ]; then
    mount -t bpf bpf /sys/fs/bpf || echo "warning: could not mount bpffs at /sys/fs/bpf" >&2
fi
if [ ! -e /sys/kernel/tracing/events ] && [ -d /sys/kernel/tracing ]; then
    mount -t tracefs tracefs /sys/kernel/tracing || echo "warning: could not mount tracefs" >&2
fi

/* Small, hand-written kernel type definitions for kspy's CO-RE BPF programs.
 *
 * Instead of a multi-megabyte vmlinux.h, each struct below lists only the fields the
 * programs read, marked __attribute__((preserve_access_index)) so clang emits BTF
 * relocations: libbpf rewrites every offset against the running kernel's BTF
 * (/sys/kernel/btf/vmlinux) at load time. Field order and the other members do not
 * matter; only names and types do. Names with a `___suffix` are CO-RE "flavors" of
 * the same kernel struct (libbpf ignores the suffix when matching), used for fields
 * renamed across kernel versions.
 */
#pragma once

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef __u32 uid_t;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

/* UAPI constants (include/uapi/linux/bpf.h): stable ABI, not relocated. */
enum bpf_map_type {
    BPF_MAP_TYPE_HASH = 1,
    BPF_MAP_TYPE_ARRAY = 2,
    BPF_MAP_TYPE_PERCPU_ARRAY = 6,
    BPF_MAP_TYPE_LRU_HASH = 9,
    BPF_MAP_TYPE_RINGBUF = 27,
};
enum {
    BPF_ANY = 0,
    BPF_NOEXIST = 1,
    BPF_EXIST = 2,
};

/* include/linux/cgroup-defs.h: the controller index into css_set->subsys[]. The
 * value here is a placeholder: programs read it with bpf_core_enum_value(), which
 * libbpf relocates to the running kernel's value (4 on 6.18, depends on config). */
enum cgroup_subsys_id {
    memory_cgrp_id = 4,
};

/* include/linux/kernfs.h. The parent pointer is `parent` up to 6.14 and `__parent`
 * (RCU-protected) since 6.15; both flavors are declared and chosen at load time with
 * bpf_core_field_exists(). */
struct kernfs_node {
    struct kernfs_node *parent;
    const char *name;
    __u64 id;
} __attribute__((preserve_access_index));

struct kernfs_node___rcu_parent {
    struct kernfs_node *__parent;
} __attribute__((preserve_access_index));

/* include/linux/cgroup-defs.h */
struct cgroup {
    struct kernfs_node *kn;
} __attribute__((preserve_access_index));

struct cgroup_subsys_state {
    struct cgroup *cgroup;
} __attribute__((preserve_access_index));

/* The array bound is only for the C compiler; the element size (a pointer) is what
 * the indexed access uses, and the base offset is relocated. */
struct css_set {
    struct cgroup_subsys_state *subsys[16];
    struct cgroup *dfl_cgrp;
} __attribute__((preserve_access_index));

/* include/linux/sched.h */
struct task_struct {
    int pid;
    char comm[16];
    struct css_set *cgroups;
} __attribute__((preserve_access_index));

/* include/linux/trace_events.h: the common header of every classic tracepoint record. */
struct trace_entry {
    unsigned short type;
    unsigned char flags;
    unsigned char preempt_count;
    int pid;
} __attribute__((preserve_access_index));

/* include/trace/events/oom.h, TRACE_EVENT(mark_victim), 6.8+ layout (and backports):
 * matches /sys/kernel/tracing/events/oom/mark_victim/format. Older kernels only have
 * `pid`; the program checks bpf_core_field_exists() before reading the figures. */
struct trace_event_raw_mark_victim {
    struct trace_entry ent;
    int pid;
    __u32 __data_loc_comm;
    unsigned long total_vm;
    unsigned long anon_rss;
    unsigned long file_rss;
    unsigned long shmem_rss;
    uid_t uid;
    unsigned long pgtables;
    short oom_score_adj;
} __attribute__((preserve_access_index));

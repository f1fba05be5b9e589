// SPDX-License-Identifier: GPL-2.0
/* kspy trace oom — the BPF side.
 *
 * One record per OOM victim, sent to user space through a BPF ring buffer: PID,
 * comm, the victim's memory cgroup (kernfs id and the names of the path components,
 * read while the cgroup still exists), the figures the kernel prints for the kill
 * (total_vm, anon/file/shmem RSS, page tables in kB, oom_score_adj, uid) and a
 * bpf_ktime_get_ns() (CLOCK_MONOTONIC) timestamp.
 *
 * Design — two programs on the same tracepoint, oom:mark_victim, joined by PID:
 *
 *  - kspy_oom_task, `tp_btf/mark_victim` (BTF-typed raw tracepoint). Its arguments
 *    are the tracepoint prototype, `(struct task_struct *task, uid_t uid)` on 6.8+,
 *    so it sees the *victim's* task_struct (the tracepoint runs in the context of the
 *    task that hit the limit, which is often not the victim: bpf_get_current_task()
 *    would be wrong). From it: pid, comm, and the memory cgroup:
 *    task->cgroups->subsys[memory_cgrp_id]->cgroup->kn. On a hybrid or v1 host that
 *    css belongs to the v1 memory hierarchy (where pods' limits live); on a pure v2
 *    host to the default hierarchy — the same walk works for both. The kernfs node
 *    id is the cgroup directory's inode number; the path is collected by walking
 *    kn->parent up to KSPY_CGROUP_MAX_DEPTH levels, leaf first.
 *
 *  - kspy_oom_figs, classic `tracepoint/oom/mark_victim`. Its record holds the
 *    figures exactly as the kernel computed them for its own trace/log line (RSS from
 *    the mm counters, PAGE_SIZE conversion, pgtables). Recomputing them in the
 *    tp_btf program would mean following mm internals that changed shape in 6.2
 *    (rss_stat became percpu_counter) — reading the tracepoint's own record is the
 *    robust choice. The record's layout is read through CO-RE on
 *    `struct trace_event_raw_mark_victim`, so offsets follow the kernel's BTF.
 *
 *  Why not one program: tp_btf does not see the record, and a classic tracepoint
 *  program only gets the victim's PID. The bpf_task_from_pid() kfunc would turn that
 *  PID into the task_struct (6.18's verifier accepts it in a tracepoint program), but
 *  the kfunc only exists since 6.2, while the figures were backported to older
 *  stable kernels (Debian's 6.1, see runtimes.md §6.4) where tp_btf + tracepoint
 *  both work. No kprobes are needed (some hosts, this one included, have none).
 *
 *  Joining: both probes run back to back inside the same trace_mark_victim() call,
 *  in an order that depends on attach order and on whether a perf user already had
 *  the tracepoint enabled, so neither program may assume it runs first. Each one
 *  looks up kspy_pending[pid]; the first creates the entry with its half, the second
 *  adds its half and, now that the record is complete, copies it into the ring
 *  buffer and deletes the entry. A half older than KSPY_PAIR_WINDOW_NS is stale (a
 *  half left over from attach time, whose PID got reused) and is overwritten rather
 *  than joined. mark_oom_victim() marks a task at most once (TIF_MEMDIE), so one PID
 *  is never joined concurrently on two CPUs. kspy_pending is an LRU hash, so halves
 *  that never got a partner cannot fill it up.
 *
 *  Losses: a failed ring-buffer write (consumer too slow, buffer full) or a failed
 *  pending-map update increments kspy_dropped[0], which user space adds to the
 *  stream's dropped counter.
 *
 * The record layout below is parsed by Sources/KspyTrace/OOM/BPFOOMSource.swift at
 * fixed offsets; the _Static_asserts keep the two in step.
 */
#include "kspy_kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define KSPY_CGROUP_MAX_DEPTH 16
#define KSPY_CGROUP_NAME_LEN 128
#define KSPY_PAIR_WINDOW_NS (100ULL * 1000 * 1000)

/* flags */
#define KSPY_HAVE_TASK (1u << 0)        /* tp_btf half present */
#define KSPY_HAVE_FIGURES (1u << 1)     /* classic tracepoint half present */
#define KSPY_PATH_TOO_DEEP (1u << 2)    /* more than KSPY_CGROUP_MAX_DEPTH levels */
#define KSPY_NAME_MAYBE_CUT (1u << 3)   /* a name filled its whole slot */
#define KSPY_NO_FIGURES (1u << 4)       /* kernel's mark_victim has no figures (< 6.8) */
#define KSPY_DEFAULT_HIERARCHY (1u << 5) /* no memory controller: used dfl_cgrp */
#define KSPY_HAVE_BOTH (KSPY_HAVE_TASK | KSPY_HAVE_FIGURES)

struct kspy_oom_event {
    __u64 time_ns;      /*  0: bpf_ktime_get_ns() of the first half */
    __u64 cgroup_id;    /*  8: kernfs node id == cgroup directory inode */
    __u64 total_vm_kb;  /* 16 */
    __u64 anon_rss_kb;  /* 24 */
    __u64 file_rss_kb;  /* 32 */
    __u64 shmem_rss_kb; /* 40 */
    __u64 pgtables_kb;  /* 48 */
    __u32 pid;          /* 56 */
    __u32 uid;          /* 60 */
    __s32 oom_score_adj; /* 64 */
    __u32 flags;        /* 68 */
    __u32 cgroup_depth; /* 72: names used in cgroup_names, leaf first */
    __u32 reserved;     /* 76 */
    char comm[16];      /* 80 */
    char cgroup_names[KSPY_CGROUP_MAX_DEPTH][KSPY_CGROUP_NAME_LEN]; /* 96 */
};
_Static_assert(__builtin_offsetof(struct kspy_oom_event, pid) == 56, "layout");
_Static_assert(__builtin_offsetof(struct kspy_oom_event, comm) == 80, "layout");
_Static_assert(__builtin_offsetof(struct kspy_oom_event, cgroup_names) == 96, "layout");
_Static_assert(sizeof(struct kspy_oom_event) == 96 + 16 * 128, "layout");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256 * 1024); /* user space may resize before load */
} kspy_events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} kspy_dropped SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 64);
    __type(key, __u32);
    __type(value, struct kspy_oom_event);
} kspy_pending SEC(".maps");

/* A per-CPU staging value: the record is 2 kB, far more than the 512-byte stack. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct kspy_oom_event);
} kspy_scratch SEC(".maps");

static __always_inline void count_drop(void)
{
    __u32 zero = 0;
    __u64 *dropped = bpf_map_lookup_elem(&kspy_dropped, &zero);
    if (dropped)
        __sync_fetch_and_add(dropped, 1);
}

/* The pending record for `pid`: the partner's half from this same tracepoint call,
 * or a fresh one. NULL (and a counted drop) when the map refuses the insert. */
static __always_inline struct kspy_oom_event *pending_record(__u32 pid, __u64 now)
{
    struct kspy_oom_event *e = bpf_map_lookup_elem(&kspy_pending, &pid);
    if (e && now - e->time_ns < KSPY_PAIR_WINDOW_NS)
        return e;

    __u32 zero = 0;
    struct kspy_oom_event *fresh = bpf_map_lookup_elem(&kspy_scratch, &zero);
    if (!fresh)
        return NULL;
    /* Every half writes all of its own fields, so only the header needs resetting. */
    fresh->time_ns = now;
    fresh->pid = pid;
    fresh->flags = 0;
    fresh->cgroup_depth = 0;
    fresh->reserved = 0;
    if (bpf_map_update_elem(&kspy_pending, &pid, fresh, BPF_ANY) != 0) {
        count_drop();
        return NULL;
    }
    e = bpf_map_lookup_elem(&kspy_pending, &pid);
    if (!e)
        count_drop();
    return e;
}

/* Sends the record when both halves are in, and forgets it. */
static __always_inline void complete(struct kspy_oom_event *e, __u32 pid)
{
    if ((e->flags & KSPY_HAVE_BOTH) != KSPY_HAVE_BOTH)
        return;
    if (bpf_ringbuf_output(&kspy_events, e, sizeof(*e), 0) != 0)
        count_drop();
    bpf_map_delete_elem(&kspy_pending, &pid);
}

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
    if (bpf_core_field_exists(((struct kernfs_node___rcu_parent *)0)->__parent))
        return BPF_CORE_READ((struct kernfs_node___rcu_parent *)kn, __parent);
    return BPF_CORE_READ(kn, parent);
}

SEC("tp_btf/mark_victim")
int BPF_PROG(kspy_oom_task, struct task_struct *task, uid_t uid)
{
    __u64 now = bpf_ktime_get_ns();
    __u32 pid = (__u32)BPF_CORE_READ(task, pid);
    struct kspy_oom_event *e = pending_record(pid, now);
    if (!e)
        return 0;

    bpf_core_read_str(e->comm, sizeof(e->comm), &task->comm);

    /* The memory controller's css (v1 memory hierarchy on hybrid hosts, the default
     * hierarchy on v2). Without a memory controller: the default hierarchy cgroup. */
    struct cgroup *cgrp = NULL;
    __u32 flags = 0;
    if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id)) {
        int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
        struct cgroup_subsys_state *css = NULL;
        struct css_set *cset = BPF_CORE_READ(task, cgroups);
        if (id >= 0 && id < 64)
            bpf_core_read(&css, sizeof(css), &cset->subsys[id]);
        if (css)
            cgrp = BPF_CORE_READ(css, cgroup);
    }
    if (!cgrp) {
        cgrp = BPF_CORE_READ(task, cgroups, dfl_cgrp);
        flags |= KSPY_DEFAULT_HIERARCHY;
    }

    struct kernfs_node *kn = BPF_CORE_READ(cgrp, kn);
    e->cgroup_id = BPF_CORE_READ(kn, id);

    /* Leaf first; the hierarchy's root node (no parent) has no name in the path. */
    __u32 depth = 0;
    for (int i = 0; i < KSPY_CGROUP_MAX_DEPTH; i++) {
        if (!kn)
            break;
        struct kernfs_node *parent = kn_parent(kn);
        if (!parent)
            break;
        const char *name = BPF_CORE_READ(kn, name);
        long n = bpf_probe_read_kernel_str(e->cgroup_names[i], KSPY_CGROUP_NAME_LEN, name);
        if (n < 0)
            e->cgroup_names[i][0] = 0;
        else if (n >= KSPY_CGROUP_NAME_LEN)
            flags |= KSPY_NAME_MAYBE_CUT;
        depth = i + 1;
        kn = parent;
    }
    if (kn && kn_parent(kn))
        flags |= KSPY_PATH_TOO_DEEP;
    e->cgroup_depth = depth;
    e->flags |= flags | KSPY_HAVE_TASK;
    complete(e, pid);
    return 0;
}

SEC("tracepoint/oom/mark_victim")
int kspy_oom_figs(struct trace_event_raw_mark_victim *ctx)
{
    __u64 now = bpf_ktime_get_ns();
    __u32 pid = (__u32)ctx->pid;
    struct kspy_oom_event *e = pending_record(pid, now);
    if (!e)
        return 0;

    if (bpf_core_field_exists(ctx->total_vm)) {
        e->total_vm_kb = ctx->total_vm;
        e->anon_rss_kb = ctx->anon_rss;
        e->file_rss_kb = ctx->file_rss;
        e->shmem_rss_kb = ctx->shmem_rss;
        e->pgtables_kb = ctx->pgtables;
        e->uid = ctx->uid;
        e->oom_score_adj = ctx->oom_score_adj;
    } else {
        e->total_vm_kb = 0;
        e->anon_rss_kb = 0;
        e->file_rss_kb = 0;
        e->shmem_rss_kb = 0;
        e->pgtables_kb = 0;
        e->uid = 0;
        e->oom_score_adj = 0;
        e->flags |= KSPY_NO_FIGURES;
    }
    e->flags |= KSPY_HAVE_FIGURES;
    complete(e, pid);
    return 0;
}

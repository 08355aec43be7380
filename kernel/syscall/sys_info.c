/*
 * sys_info.c - SYS_kinfo: the kernel's accounting as text for `stats`,
 * `ps`-like listings and the tests.
 *
 * The text is formatted straight into the caller's buffer through a small
 * staging chunk (the walkers below hold locks, and the text can be longer
 * than a kernel stack should carry). Like snprintf, the result is the full
 * length: a result >= len means the text was cut and the caller asks again
 * with more room. TIO_KINFO_NET lists the network interfaces and the sockets.
 */
#include <drivers/block.h>
#include <drivers/pci.h>
#include <fs/bcache.h>
#include <fs/fat.h>
#include <lib/fmt.h>
#include <kernel/param.h>
#include <kernel/pmm.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <net/net.h>
#include <uapi/errno.h>
#include "syscall_int.h"

struct ksink {
	struct proc *p;
	uint64_t ubuf, cap, pos; /* pos: bytes produced so far (may pass cap) */
	char chunk[128];
	unsigned n;
	int err;
};

static void sink_flush(struct ksink *s)
{
	uint64_t start = s->pos - s->n;

	if (start < s->cap && !s->err) {
		uint64_t fit = s->cap - start < s->n ? s->cap - start : s->n;

		s->err = copy_to_user(s->p, s->ubuf + start, s->chunk, fit);
	}
	s->n = 0;
}

static void sink_put(char c, void *ctx)
{
	struct ksink *s = ctx;

	s->chunk[s->n++] = c;
	s->pos++;
	if (s->n == sizeof(s->chunk))
		sink_flush(s);
}

__attribute__((format(printf, 2, 3))) static void sink_printf(struct ksink *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_format(sink_put, s, fmt, ap);
	va_end(ap);
}

/* The drivers' report callbacks print through this. */
static void sink_vprint(void *arg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_format(sink_put, arg, fmt, ap);
	va_end(ap);
}

static void pool_line(struct async_pool *pool, void *arg)
{
	struct async_pool_stats st;

	async_pool_stats(pool, &st);
	sink_printf(arg, "%-20s %6u %6u %6u %6lu\n", st.name, st.in_use, st.high_water, st.capacity,
		    st.failures);
}

static void report_pools(struct ksink *s)
{
	struct pmm_stats ps;

	sink_printf(s, "%-20s %6s %6s %6s %6s\n", "pool", "inuse", "high", "cap", "fail");
	async_pool_foreach(pool_line, s);
	pmm_stats(&ps);
	sink_printf(s, "%-20s %6lu %6s %6lu %6lu\n", "pages", ps.total_pages - ps.free_pages, "-",
		    ps.total_pages, ps.failures);
}

static void op_line(const struct async_op_info *oi, void *arg)
{
	sink_printf(arg, "op %p %s age %lu us frames %u%s\n", oi->op, oi->state, oi->age_ns / 1000,
		    oi->nframes, oi->cancel_reason ? " cancelling" : "");
}

static void frame_line(const struct async_frame_info *fi, void *arg)
{
	sink_printf(arg, "  #%u %s%s%s%s age %lu us\n", fi->depth, fi->layer,
		    fi->waiting_on ? " waiting on " : "", fi->waiting_on ? fi->waiting_on : "",
		    fi->spilled ? " (spilled)" : "", fi->age_ns / 1000);
}

static void report_ops(struct ksink *s)
{
	struct async_op_stats st;

	async_op_stats(&st);
	sink_printf(s, "submitted %lu completed %lu in flight %lu cancels %lu timeouts %lu\n",
		    st.submitted, st.completed, st.submitted - st.completed, st.cancels,
		    st.timeouts);
	async_introspect(op_line, frame_line, s);
}

/*
 * The process list is taken in two steps so no lock nests in another: a
 * snapshot of the processes under proc_lock, then the ops in flight counted
 * per process (an op belongs to the process whose spill heap it uses).
 */
struct proc_snap {
	int pid, ppid;
	char stat; /* R runnable or running, S sleeping in the kernel, Z zombie */
	unsigned ops;
	const struct async_heap *heap;
	char name[PROC_NAME_LEN];
};

struct proc_table {
	struct proc_snap v[PARAM_MAX_PROCS];
	unsigned n;
};

static char proc_stat(const struct proc *p)
{
	if (p->state == PROC_ZOMBIE || !p->thread)
		return 'Z';
	/* The thread's state is the scheduler's ([S]): a racy snapshot is all a listing needs. */
	return *(volatile enum thread_state *)&p->thread->state == THREAD_BLOCKED ? 'S' : 'R';
}

static void proc_snap_one(const struct proc *p, void *arg)
{
	struct proc_table *t = arg;
	struct proc_snap *s = &t->v[t->n];

	if (t->n == PARAM_MAX_PROCS)
		return;
	*s = (struct proc_snap){.pid = p->pid,
				.ppid = p->parent ? p->parent->pid : 0,
				.stat = proc_stat(p),
				.heap = &p->heap};
	memcpy(s->name, p->name, sizeof(s->name));
	s->name[sizeof(s->name) - 1] = '\0';
	t->n++;
}

static void proc_count_op(const struct async_op_info *oi, void *arg)
{
	struct proc_table *t = arg;

	for (unsigned i = 0; i < t->n; i++)
		if (t->v[i].heap == oi->heap)
			t->v[i].ops++;
}

static void report_procs(struct ksink *s)
{
	struct proc_table t = {.n = 0}; /* PARAM_MAX_PROCS small entries: < 1 KiB of stack */

	_Static_assert(sizeof(struct proc_table) <= 1024, "proc_table must stay small");
	proc_foreach(proc_snap_one, &t);
	async_introspect(proc_count_op, NULL, &t);
	sink_printf(s, "%5s %5s %s %4s %s\n", "PID", "PPID", "STAT", "OPS", "NAME");
	for (unsigned i = 0; i < t.n; i++)
		sink_printf(s, "%5d %5d %c    %4u %s\n", t.v[i].pid, t.v[i].ppid, t.v[i].stat,
			    t.v[i].ops, t.v[i].name);
}

static void syscalls_line(const struct proc *p, void *arg)
{
	sink_printf(arg, "%5d %c %10lu %s\n", p->pid, proc_stat(p),
		    (unsigned long)__atomic_load_n(&p->syscalls, __ATOMIC_RELAXED), p->name);
}

static void report_syscalls(struct ksink *s)
{
	sink_printf(s, "%5s %s %10s %s\n", "PID", "STAT", "SYSCALLS", "NAME");
	proc_foreach(syscalls_line, s);
}

static void limits_header(struct ksink *s)
{
	sink_printf(s, "%5s %-12s", "PID", "NAME");
	for (unsigned r = 0; r < PROC_RES_COUNT; r++)
		sink_printf(s, " %7s", proc_res_name(r));
	sink_printf(s, " %7s\n", "pages");
}

static void limits_line(const struct proc *p, void *arg)
{
	if (p->state == PROC_ZOMBIE)
		return;
	sink_printf(arg, "%5d %-12s", p->pid, p->name);
	for (unsigned r = 0; r < PROC_RES_COUNT; r++)
		sink_printf(arg, " %7u", proc_usage(p, r));
	sink_printf(arg, " %7u\n", uvm_usage(p));
}

static void report_limits(struct ksink *s)
{
	limits_header(s);
	proc_foreach(limits_line, s);
	sink_printf(s, "%5s %-12s", "-", "limit");
	for (unsigned r = 0; r < PROC_RES_COUNT; r++)
		sink_printf(s, " %7u", proc_limit(r));
	sink_printf(s, " %7u\n", LIMIT_PROC_PAGES);
}

static void mount_line(const struct vfs_mount *m, void *arg)
{
	sink_printf(arg, "%s %s %s %s\n", m->source, m->path, m->type->name,
		    (m->flags & TIO_MNT_RDONLY) ? "ro" : "rw");
}

/* Interfaces, then sockets (like `ss -uan`), one line each. */
static void report_net(struct ksink *s)
{
	char line[256];

	for (unsigned i = 0; net_if_line(i, line, sizeof(line)); i++)
		sink_printf(s, "%s\n", line);
	sink_printf(s, "%-4s %-21s %s\n", "sock", "local", "remote");
	for (unsigned i = 0; net_sock_line(i, line, sizeof(line)); i++)
		sink_printf(s, "%s\n", line);
	net_tcp_line(line, sizeof(line));
	sink_printf(s, "%s\n", line);
}

SYSCALL_DECL(kinfo)
{
	struct ksink s = {.p = p, .ubuf = a[1], .cap = a[2]};

	if (!uaccess_range_ok(a[1], a[2]))
		return -EFAULT;
	switch (a[0]) {
	case TIO_KINFO_POOLS:
		report_pools(&s);
		break;
	case TIO_KINFO_OPS:
		report_ops(&s);
		break;
	case TIO_KINFO_PROCS:
		report_procs(&s);
		break;
	case TIO_KINFO_MOUNTS:
		vfs_foreach_mount(mount_line, &s);
		break;
	case TIO_KINFO_LIMITS:
		report_limits(&s);
		break;
	case TIO_KINFO_BLOCK:
		blk_report_lsblk(sink_vprint, &s);
		break;
	case TIO_KINFO_BLKSTAT:
		blk_report_stats(sink_vprint, &s);
		bcache_report(sink_vprint, &s);
		fat_ra_report(sink_vprint, &s);
		break;
	case TIO_KINFO_PCI:
		pci_report(sink_vprint, &s);
		break;
	case TIO_KINFO_SYSCALLS:
		report_syscalls(&s);
		break;
	case TIO_KINFO_NET:
		report_net(&s);
		break;
	default:
		return -EINVAL;
	}
	sink_flush(&s);
	return s.err ? s.err : (long)s.pos;
}

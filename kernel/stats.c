/*
 * stats.c - kernel_stats_print(): pools, pages, threads, timers, and the
 * async core (kernel_stats_print_async(): op counters, the kernel spill
 * heap, the workers and every op in flight with its frames).
 */
#include <async/async.h>
#include <kernel/console.h>
#include <kernel/pmm.h>
#include <kernel/sched.h>
#include <kernel/stats.h>
#include <kernel/time.h>

static void print_pool(struct async_pool *p, void *arg)
{
	struct async_pool_stats s;

	(void)arg;
	async_pool_stats(p, &s);
	printk("  pool %-14s %6zu B x %-4u in use %-4u high %-4u allocs %lu fail %lu\n", s.name,
	       s.obj_size, s.capacity, s.in_use, s.high_water, s.allocs, s.failures);
}

static const char *const state_names[] = {"ready", "running", "blocked", "zombie"};

static void print_thread(struct thread *t, void *arg)
{
	(void)arg;
	printk("  thread %3u %-16s %-8s switches %lu\n", t->id, t->name, state_names[t->state],
	       t->switches);
}

void kernel_stats_print_async(void (*print)(const char *fmt, ...))
{
	struct async_op_stats os;
	struct async_heap hs;
	struct async_work_stats ws;

	async_op_stats(&os);
	print("async ops: submitted %lu completed %lu sync %lu rearms %lu\n", os.submitted,
	      os.completed, os.sync_completions, os.rearms);
	print("async ops: cancels %lu timeouts %lu spilled frames %lu\n", os.cancels, os.timeouts,
	      os.spilled_frames);
	async_heap_stats(async_kernel_heap(), &hs);
	print("async heap %s: chunks %u in use %u high %u spills %lu fail %lu\n", hs.name,
	      hs.nchunks, hs.in_use, hs.high_water, hs.spills, hs.failures);
	async_work_stats(&ws);
	print("async workers: queued %u running %u done %lu rejected %lu cancelled %lu\n",
	      ws.queued, ws.running, ws.done, ws.rejected, ws.cancelled);
	print("async ops in flight:\n");
	async_introspect_print(print);
}

void kernel_stats_print(void)
{
	struct pmm_stats ps;

	printk("pools:\n");
	async_pool_foreach(print_pool, NULL);
	pmm_stats(&ps);
	printk("pages: total %lu free %lu reserved %lu allocs %lu frees %lu failed %lu\n",
	       ps.total_pages, ps.free_pages, ps.reserved_pages, ps.allocs, ps.frees, ps.failures);
	printk("threads (%lu context switches):\n", sched_context_switches());
	sched_foreach_thread(print_thread, NULL);
	printk("time: %lu ns, %lu ticks, %lu timers fired\n", clock_now_ns(), clock_ticks(),
	       timer_fired_count());
	kernel_stats_print_async(printk);
}

/*
 * proc.c - the process table and each process's life: spawn, the thread
 * that enters ring 3, exit, wait, kill and faults (contract: kernel/proc.h).
 *
 * Exit order matters: first everything that can still touch user pages is
 * stopped (descriptors closed - which cancels and drains the process's
 * waiters - and registered buffers dropped), then the exit waits until no
 * pinned range is left, then the thread moves to the kernel's address space
 * and the user space is freed, and only then does the process become a
 * zombie that a parent may reap (or is freed at once when detached).
 * Nothing after that touches the struct proc: it may be reused at once.
 *
 * proc_exit_wq: every waitpid sleeps on it; every exit and kill wakes it.
 * One queue for all is cheap at PARAM_MAX_PROCS processes.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/mmu.h>
#include <arch/x86_64/trap.h>
#include <arch/x86_64/usermode.h>
#include <kernel/console.h>
#include <kernel/panic.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>
#include <uapi/errno.h>
#include "proc_int.h"

ASYNC_POOL_DEFINE(proc_pool, "proc", struct proc, PARAM_MAX_PROCS);

static struct spinlock proc_lock = SPINLOCK_INIT;
static struct list_node proc_list = {&proc_list, &proc_list}; /* [P] */
static int next_pid = 1;				      /* [P] */
static struct waitq proc_exit_wq = WAITQ_INIT(proc_exit_wq);

struct proc *proc_current(void)
{
	struct thread *t = thread_current();

	return t ? t->proc : NULL;
}

bool proc_killed(const struct proc *p)
{
	return __atomic_load_n(&p->killed, __ATOMIC_ACQUIRE);
}

static void proc_thread_main(void *arg)
{
	struct proc *p = arg;

	thread_set_space(&p->as.space, p);
	arch_enter_user(p->entry, p->entry_rsp);
}

/* Copies argv onto the top of the user stack per the start ABI; the new rsp. */
static int stack_setup(struct proc *p, const char *const *argv, uint64_t *rsp)
{
	uint64_t uptr[PARAM_ARGS_MAX + 3], sp = USER_STACK_TOP;
	unsigned argc = 0, words;
	int err = uvm_map_zeroed(p, USER_STACK_TOP - PARAM_USER_STACK_PAGES * PAGE_SIZE,
				 PARAM_USER_STACK_PAGES, PTE_U | PTE_W | PTE_NX);

	while (!err && argv[argc] && argc < PARAM_ARGS_MAX)
		argc++;
	for (unsigned i = argc; !err && i-- > 0;) {
		size_t len = strlen(argv[i]) + 1;

		sp -= len;
		uptr[i + 1] = sp;
		err = copy_to_user(p, sp, argv[i], len);
	}
	if (err)
		return err;
	uptr[0] = argc;
	uptr[argc + 1] = 0; /* argv terminator */
	uptr[argc + 2] = 0; /* empty environment */
	words = argc + 3;
	sp = (sp - words * 8) & ~15ULL;
	*rsp = sp;
	return copy_to_user(p, sp, uptr, words * 8);
}

static void name_from_path(char *name, const char *path)
{
	const char *base = path;

	for (const char *s = path; *s; s++)
		if (*s == '/' && s[1])
			base = s + 1;
	strlcpy(name, base, PROC_NAME_LEN);
}

/* A process object with its address space, image and stack; not yet visible. */
static int proc_build(const struct proc_spawn_req *req, const char *abs, struct proc *parent,
		      struct proc **out)
{
	struct proc *p = async_pool_zalloc(&proc_pool);
	struct file *img;
	int err;

	if (!p)
		return -EAGAIN;
	name_from_path(p->name, abs);
	strlcpy(p->cwd, parent ? parent->cwd : "/", sizeof(p->cwd));
	p->mmap_next = USER_MMAP_BASE;
	waitq_init(&p->wq);
	async_heap_init(&p->heap, p->name, p->spill, sizeof(p->spill));
	err = paging_space_create(&p->as.space);
	if (err)
		goto out_free;
	/* Opened, not just looked up: an open file keeps its filesystem from umount. */
	err = vfs_open(abs, O_RDONLY, 0, &img);
	if (err)
		goto out_space;
	err = elf_load(p, img->vn, &p->entry);
	file_put(img);
	if (!err)
		err = stack_setup(p, req->argv, &p->entry_rsp);
	if (err)
		goto out_space;
	p->cwd_vn = parent ? parent->cwd_vn : NULL; /* the cwd holds its mount */
	if (p->cwd_vn)
		vnode_get(p->cwd_vn);
	*out = p;
	return 0;
out_space:
	uvm_free(p);
out_free:
	async_pool_free(&proc_pool, p);
	return err;
}

/*
 * A user process may spawn if it is under its children limit and, unless it
 * is init, the process table keeps LIMIT_PROCS_RESERVE entries free (so the
 * shell can still run `stats` and `kill` while a hog holds its children).
 */
static int spawn_charge(struct proc *parent)
{
	struct async_pool_stats st;

	if (!parent)
		return 0; /* the kernel: init */
	async_pool_stats(&proc_pool, &st);
	if (parent->pid != 1 && st.in_use >= PARAM_MAX_PROCS - LIMIT_PROCS_RESERVE)
		return -EAGAIN;
	return proc_charge(parent, PROC_RES_CHILDREN, 1);
}

/* proc_lock held: @c's struct proc is about to be freed; its spawner gets the child back. */
static void __uncharge_spawner(struct proc *c)
{
	if (c->spawner)
		proc_uncharge(c->spawner, PROC_RES_CHILDREN, 1);
	c->spawner = NULL;
}

/* Gives the child its three descriptors, charged to it. */
static int spawn_fds(struct proc *p, const struct proc_spawn_req *req)
{
	for (int i = 0; i < 3; i++) {
		if (!req->fds[i])
			continue;
		if (proc_charge(p, PROC_RES_FILES, 1))
			return -EMFILE;
		file_get(req->fds[i]);
		p->fds[i] = req->fds[i];
	}
	return 0;
}

/* Undoes a spawn whose thread never ran. */
static void spawn_unwind(struct proc *p, bool listed)
{
	unsigned long f = spin_lock_irqsave(&proc_lock);

	if (listed)
		list_del(&p->node);
	__uncharge_spawner(p);
	spin_unlock_irqrestore(&proc_lock, f);
	for (unsigned i = 0; i < 3; i++)
		proc_fd_close(p, i);
	if (p->cwd_vn)
		vnode_put(p->cwd_vn);
	uvm_free(p);
	async_pool_free(&proc_pool, p);
}

int proc_spawn(const struct proc_spawn_req *req, int *pid)
{
	struct proc *parent = proc_current(), *p;
	char abs[TIO_PATH_MAX];
	unsigned long f;
	int err = vfs_resolve(parent ? parent->cwd : "/", req->path, abs, sizeof(abs));

	if (!err)
		err = spawn_charge(parent);
	if (err)
		return err;
	err = proc_build(req, abs, parent, &p);
	if (err) {
		if (parent)
			proc_uncharge(parent, PROC_RES_CHILDREN, 1);
		return err;
	}
	p->spawner = parent;
	err = spawn_fds(p, req);
	if (err) {
		spawn_unwind(p, false);
		return err;
	}
	f = spin_lock_irqsave(&proc_lock);
	p->pid = next_pid++;
	p->parent = req->detach ? NULL : parent;
	p->detached = req->detach;
	list_add_tail(&proc_list, &p->node);
	*pid = p->pid;
	spin_unlock_irqrestore(&proc_lock, f);
	err = thread_create(p->name, proc_thread_main, p, THREAD_DETACHED, &p->thread);
	if (err)
		spawn_unwind(p, true); /* never ran: unwind as an exit would, minus the thread */
	return err;
}

/* Stops all I/O of @p and frees its user memory. Runs on @p's own thread. */
static void proc_teardown(struct proc *p)
{
	unsigned regbufs = proc_usage(p, PROC_RES_REGBUFS);

	for (unsigned i = 0; i < PARAM_PROC_FDS; i++)
		proc_fd_close(p, i);
	/*
	 * Closing a waiter above drains its ops, and an async OPEN's worker
	 * (sys_async.c) may finish during that drain and install its fd in a
	 * slot the pass had already closed. Every waiter is drained now, so
	 * this second pass closes whatever was installed and nothing comes later.
	 */
	for (unsigned i = 0; i < PARAM_PROC_FDS; i++)
		proc_fd_close(p, i);
	if (p->cwd_vn) {
		vnode_put(p->cwd_vn);
		p->cwd_vn = NULL;
	}
	if (p->regbufs) {
		async_regbuf_destroy(p->regbufs);
		p->regbufs = NULL;
		proc_uncharge(p, PROC_RES_REGBUFS, regbufs);
		proc_uncharge(p, PROC_RES_BUFS, regbufs);
	}
	/* Ops of this process were cancelled and drained above; their unpins may lag. */
	while (__atomic_load_n(&p->as.pins, __ATOMIC_ACQUIRE))
		thread_sleep_ns(1000000);
	proc_usage_check_idle(p);
	thread_set_space(NULL, NULL);
	uvm_free(p);
}

/*
 * proc_lock held: children of @p are orphans now; dead ones are collected on
 * @reap. @p's children charge ends with it (it exits: nothing to limit).
 */
static void __orphan_children(struct proc *p, struct list_node *reap)
{
	struct list_node *n = proc_list.next;

	while (n != &proc_list) {
		struct proc *c = list_entry(n, struct proc, node);

		n = n->next;
		if (c->spawner == p)
			__uncharge_spawner(c);
		if (c->parent != p)
			continue;
		c->parent = NULL;
		c->detached = true;
		if (c->state == PROC_ZOMBIE) {
			list_del(&c->node);
			list_add_tail(reap, &c->node);
		}
	}
}

static void reap_list(struct list_node *reap)
{
	struct list_node *n;

	while ((n = list_pop(reap)) != NULL)
		async_pool_free(&proc_pool, list_entry(n, struct proc, node));
}

void proc_exit(int status)
{
	struct proc *p = proc_current();
	struct list_node reap = {&reap, &reap};
	unsigned long f;

	KASSERT(p);
	proc_teardown(p);
	f = spin_lock_irqsave(&proc_lock);
	__orphan_children(p, &reap);
	p->status = status;
	p->state = PROC_ZOMBIE;
	p->thread = NULL;
	if (p->detached) {
		__uncharge_spawner(p);
		list_del(&p->node);
		list_add_tail(&reap, &p->node);
	}
	spin_unlock_irqrestore(&proc_lock, f);
	reap_list(&reap); /* may free p: not touched after this */
	waitq_wake_all(&proc_exit_wq);
	thread_exit(status);
}

/* proc_lock held: does @c match waitpid(@pid) from @caller? */
static bool __is_waitable(const struct proc *c, const struct proc *caller, int pid)
{
	return c->parent == caller && !c->detached && (pid == -1 || c->pid == pid);
}

/* proc_lock held: a zombie child to reap (unlinked), or NULL; *any says if a match exists. */
static struct proc *__find_zombie(const struct proc *caller, int pid, bool *any)
{
	for (struct list_node *n = proc_list.next; n != &proc_list; n = n->next) {
		struct proc *c = list_entry(n, struct proc, node);

		if (!__is_waitable(c, caller, pid))
			continue;
		*any = true;
		if (c->state == PROC_ZOMBIE) {
			__uncharge_spawner(c);
			list_del(&c->node);
			return c;
		}
	}
	return NULL;
}

struct wait_arg {
	struct proc *caller;
	int pid;
};

static bool wait_cond(void *arg)
{
	struct wait_arg *w = arg;
	unsigned long f = spin_lock_irqsave(&proc_lock);
	bool any = false, hit = false;

	for (struct list_node *n = proc_list.next; n != &proc_list; n = n->next) {
		struct proc *c = list_entry(n, struct proc, node);

		if (__is_waitable(c, w->caller, w->pid)) {
			any = true;
			hit |= c->state == PROC_ZOMBIE;
		}
	}
	spin_unlock_irqrestore(&proc_lock, f);
	return hit || !any || (w->caller && proc_killed(w->caller));
}

int proc_waitpid(int pid, int *status, int flags)
{
	struct wait_arg w = {.caller = proc_current(), .pid = pid};

	if (pid == 0 || pid < -1 || (flags & ~WNOHANG))
		return -EINVAL;
	for (;;) {
		unsigned long f = spin_lock_irqsave(&proc_lock);
		bool any = false;
		struct proc *c = __find_zombie(w.caller, pid, &any);

		spin_unlock_irqrestore(&proc_lock, f);
		if (c) {
			*status = c->status;
			pid = c->pid;
			async_pool_free(&proc_pool, c);
			return pid;
		}
		if (!any)
			return -ECHILD;
		if (flags & WNOHANG)
			return 0;
		if (w.caller && proc_killed(w.caller))
			return -EINTR;
		waitq_wait_event(&proc_exit_wq, wait_cond, &w, WAITQ_FOREVER);
	}
}

static void proc_mark_killed(struct proc *p, int reason)
{
	p->kill_reason = reason;
	__atomic_store_n(&p->killed, true, __ATOMIC_RELEASE);
	waitq_wake_all(&p->wq);
	waitq_wake_all(&proc_exit_wq);
}

int proc_kill(int pid)
{
	struct proc *self = proc_current(), *t = NULL;
	unsigned long f = spin_lock_irqsave(&proc_lock);
	int err = -ESRCH;

	for (struct list_node *n = proc_list.next; n != &proc_list; n = n->next) {
		struct proc *c = list_entry(n, struct proc, node);

		if (c->pid == pid && c->state == PROC_RUNNING)
			t = c;
	}
	if (t && self && t->pid == 1)
		err = -EPERM; /* init: the machine's lifetime is its own */
	else if (t) {
		err = 0;
		proc_mark_killed(t, PROC_KILL_KILL);
	}
	spin_unlock_irqrestore(&proc_lock, f);
	return err;
}

/* @c is @t or descends from it. proc_lock held. */
static bool __proc_descends(const struct proc *c, const struct proc *t)
{
	for (; c; c = c->parent)
		if (c == t)
			return true;
	return false;
}

int proc_kill_child(int parent, int pid, int reason)
{
	unsigned long f = spin_lock_irqsave(&proc_lock);
	struct proc *t = NULL;

	for (struct list_node *n = proc_list.next; n != &proc_list; n = n->next) {
		struct proc *c = list_entry(n, struct proc, node);

		if (c->pid == pid && c->state == PROC_RUNNING && c->parent &&
		    c->parent->pid == parent)
			t = c;
	}
	/* Its descendants too: a job's `sh -c` must not leave its children reading the console. */
	for (struct list_node *n = proc_list.next; t && n != &proc_list; n = n->next) {
		struct proc *c = list_entry(n, struct proc, node);

		if (c->state == PROC_RUNNING && __proc_descends(c, t))
			proc_mark_killed(c, reason);
	}
	spin_unlock_irqrestore(&proc_lock, f);
	return t ? 0 : -ESRCH;
}

int proc_sleep_ns(uint64_t ns)
{
	struct proc *p = proc_current();
	uint64_t deadline = clock_now_ns() + ns;

	if (deadline < ns)
		deadline = WAITQ_FOREVER;
	if (!p) {
		thread_sleep_until(deadline);
		return 0;
	}
	waitq_wait_event(&p->wq, (bool (*)(void *))proc_killed, p, deadline);
	return proc_killed(p) ? -EINTR : 0;
}

static int fault_reason(uint64_t vector)
{
	switch (vector) {
	case 0:	 /* #DE */
	case 16: /* #MF: x87 floating-point error */
	case 19: /* #XM: SIMD floating-point error */
		return PROC_KILL_FPE;
	case 6:
		return PROC_KILL_ILL;
	default:
		return PROC_KILL_SEGV;
	}
}

void proc_fault(uint64_t vector, uint64_t error, uint64_t rip, uint64_t addr)
{
	struct proc *p = proc_current();

	if (!p)
		panic("ring-3 exception %lu outside any process", vector);
	arch_irq_enable();
	if (vector == 14)
		printk("%s[%d]: killed: %s at rip 0x%lx, address 0x%lx (%s, %s)\n", p->name, p->pid,
		       arch_exception_name((unsigned)vector), rip, addr,
		       error & 1 ? "protection" : "not present", error & 2 ? "write" : "read");
	else
		printk("%s[%d]: killed: %s at rip 0x%lx, error code 0x%lx\n", p->name, p->pid,
		       arch_exception_name((unsigned)vector), rip, error);
	proc_exit(TIO_WKILLED | fault_reason(vector));
}

void proc_return_to_user(void)
{
	struct proc *p = proc_current();

	if (p && proc_killed(p)) {
		arch_irq_enable();
		proc_exit(TIO_WKILLED | __atomic_load_n(&p->kill_reason, __ATOMIC_RELAXED));
	}
}

void proc_foreach(void (*fn)(const struct proc *p, void *arg), void *arg)
{
	unsigned long f = spin_lock_irqsave(&proc_lock);

	for (struct list_node *n = proc_list.next; n != &proc_list; n = n->next)
		fn(list_entry(n, struct proc, node), arg);
	spin_unlock_irqrestore(&proc_lock, f);
}

void proc_init(void)
{
	arch_usermode_init();
}

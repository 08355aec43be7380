/*
 * kernel/proc.h - ring-3 processes: creation from a static ELF file, exit,
 * wait, kill, faults, and the user address space they own.
 *
 *   proc_init()                          once at boot (syscall MSRs too)
 *   proc_spawn(&req, &pid)               a new process running req.path
 *   proc_current()                       the calling thread's process, or NULL
 *   proc_exit(status)                    ends the current process (no return)
 *   proc_waitpid(pid, &status, flags)    reaps a child (pid -1: any); the kernel
 *                                        (proc_current() == NULL) reaps what it spawned
 *   proc_kill(pid)                       asks a process to die (TIO_WKILLED | 9); any
 *                                        process but init (-EPERM), detached or not
 *   proc_kill_child(parent, pid, reason) the same for the console's ^C (any context)
 *   proc_fault(...)                      trap.c: an exception in ring 3
 *   proc_return_to_user()                trap.c / syscall.c: exits a killed process
 *
 * A process is one thread (struct thread.proc points back). No fork: spawn
 * builds the address space from the ELF file, maps the user stack with argv
 * (rsp -> argc, argv[0..argc-1], NULL, NULL), gives the child three
 * descriptors and starts its thread, which enters ring 3.
 *
 * Lifecycle (proc_lock covers [P] fields):
 *   RUNNING --proc_exit / fault / killed at return to user--> ZOMBIE
 *   ZOMBIE  --proc_waitpid by the parent, or at once if detached--> freed
 * A parent that exits detaches its children (nobody will wait for them).
 * Every child, detached or not, counts against its spawner's children limit
 * (kernel/limits.h) until its struct proc is freed or the spawner exits.
 *
 * Lock legend: [I] immutable after spawn, [P] proc_lock, [a] atomic,
 * [O] only the process's own thread touches it (after spawn).
 */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include <async/async.h>
#include <kernel/limits.h>
#include <kernel/list.h>
#include <kernel/paging.h>
#include <kernel/param.h>
#include <kernel/waitq.h>
#include <uapi/fs.h>
#include <uapi/proc.h>
#include <stdint.h>
#include <stdbool.h>

/* User address space layout (addresses below USER_TOP are user addresses). */
#define USER_TOP       0x00007ffffffff000ULL /* the last page stays unmapped (sysret rule) */
#define USER_IMAGE_MIN 0x10000ULL	     /* ELF segments: [MIN, MAX) */
#define USER_IMAGE_MAX 0x100000000ULL
#define USER_MMAP_BASE 0x100000000000ULL /* anonymous mappings grow up from here */
#define USER_MMAP_END  0x700000000000ULL
#define USER_STACK_TOP 0x7ffff0000000ULL

#define PROC_NAME_LEN 16

/* The async core's view of a user address space (async/port.h). */
/* A range pinned for as long as an object lives (a ring): munmap refuses only its pages. */
struct uvm_hold {
	uint64_t va;  /* [O] set before @len */
	uint64_t len; /* [a] 0: free entry; set by the owner thread, cleared from any context */
};

struct async_port_as {
	struct addr_space space; /* [O] page tables */
	unsigned pins;		 /* [a] pinned ranges in flight: pages must not go */
	unsigned held;		 /* [a] how many of @pins are in @hold (never more than @pins) */
	struct uvm_hold hold[LIMIT_PROC_WAITERS]; /* one per ring: rings are per waiter */
	bool pin_transient; /* [O] the pin being taken lasts one system call: charged
			       to the pinned-pages limit but never refused by it */
};

enum proc_state { PROC_RUNNING, PROC_ZOMBIE };

/* Exit reasons of a killed process (status = TIO_WKILLED | reason). */
#define PROC_KILL_INT  2  /* ^C at the console (the foreground job) */
#define PROC_KILL_ILL  4  /* #UD */
#define PROC_KILL_FPE  8  /* #DE */
#define PROC_KILL_KILL 9  /* SYS_kill */
#define PROC_KILL_SEGV 11 /* #PF, #GP and the other faults */

struct file;
struct vnode;

/* A descriptor slot held for an ACCEPT between reserving it and installing its socket
 * (kernel/syscall/syscall.c fd_reserve): not open (-EBADF), and dup2 onto it is -EBUSY. */
#define PROC_FD_RESERVED ((struct file *)1)

struct proc {
	int pid;			    /* [I] */
	char name[PROC_NAME_LEN];	    /* [I] basename of the program */
	struct proc *parent;		    /* [P] NULL: the kernel (or detached) */
	bool detached;			    /* [P] nobody waits: freed at exit */
	enum proc_state state;		    /* [P] */
	int status;			    /* [P] valid iff ZOMBIE */
	bool killed;			    /* [a] exit at the next return to user */
	int kill_reason;		    /* [a] valid iff killed */
	struct thread *thread;		    /* [P] NULL once it exited */
	struct async_port_as as;	    /* [O] */
	struct file *fds[PARAM_PROC_FDS];   /* [O] or PROC_FD_RESERVED; free slots taken by CAS */
	char cwd[TIO_PATH_MAX];		    /* [O] absolute, normalised */
	struct vnode *cwd_vn;		    /* [O] cwd's, counted (NULL: boot's "/") */
	uint64_t mmap_next;		    /* [O] next anonymous mapping address */
	unsigned pages;			    /* [O] user pages mapped */
	uint64_t syscalls;		    /* [a] system calls made (TIO_KINFO_SYSCALLS) */
	unsigned usage[PROC_RES_COUNT];	    /* limits_lock: what it holds (kernel/limits.h) */
	struct proc *spawner;		    /* [P] charged for this child; NULL once it exits */
	struct async_regbuf_table *regbufs; /* [O] created on the first SYS_buf_register */
	struct async_heap heap;		    /* [I] spill heap over @spill */
	struct waitq wq;		    /* the process's thread sleeps here; kill wakes it */
	uint64_t entry, entry_rsp;	    /* [I] where the thread enters ring 3 */
	struct list_node node;		    /* [P] on the process list */
	unsigned char spill[PARAM_PROC_SPILL_BYTES] __attribute__((aligned(16))); /* [I] */
};

struct proc_spawn_req {
	const char *path;	 /* absolute or relative to the parent's cwd */
	const char *const *argv; /* kernel copies, NULL-terminated */
	struct file *fds[3];	 /* stdin/out/err for the child (references taken) */
	bool detach;		 /* TIO_SPAWN_DETACH */
};

void proc_init(void);
int proc_spawn(const struct proc_spawn_req *req, int *pid);
struct proc *proc_current(void);
__attribute__((noreturn)) void proc_exit(int status);
int proc_waitpid(int pid, int *status, int flags);
int proc_kill(int pid);
/* Kills @pid and its descendants with @reason if @pid runs and its parent is @parent;
 * -ESRCH. Any context (the console's ^C). */
int proc_kill_child(int parent, int pid, int reason);
void proc_fault(uint64_t vector, uint64_t error, uint64_t rip, uint64_t addr);
void proc_return_to_user(void);
bool proc_killed(const struct proc *p);
/* Sleeps up to @ns; returns early (-EINTR) if the process is killed. */
int proc_sleep_ns(uint64_t ns);
/* Calls @fn for every process under proc_lock (kinfo): fn must not block. */
void proc_foreach(void (*fn)(const struct proc *p, void *arg), void *arg);

/* uvm.c: the process's user memory */
/* Maps @n zeroed pages at @va with PTE flags; 0 or -ENOMEM/-EEXIST (nothing left mapped). */
int uvm_map_zeroed(struct proc *p, uint64_t va, unsigned n, uint64_t flags);
long uvm_mmap(struct proc *p, uint64_t len, int prot);
int uvm_munmap(struct proc *p, uint64_t addr, uint64_t len);
/* Lists the pinned [va, va+len) as held (after its pin): munmap then refuses its pages only,
 * not every page. The entry's index, or -EAGAIN (table full). The owner thread only. */
int uvm_hold(struct proc *p, uint64_t va, uint64_t len);
/* Ends hold @h (from uvm_hold), before the range is unpinned. Any context. */
void uvm_unhold(struct async_port_as *as, int h);
void uvm_free(struct proc *p);
/* Pages charged to @p against LIMIT_PROC_PAGES (data + page tables); a snapshot. */
unsigned uvm_usage(const struct proc *p);

#endif

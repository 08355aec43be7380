/*
 * shim.c - runs Tessera user programs on Linux, for the host tests only.
 *
 * Every Tessera system call is translated to Linux ones (numbers, struct
 * layouts, wait status encoding). The process start ABI is the same (rsp ->
 * argc, argv, NULL, ...), so crt0 is unchanged. The async API is emulated in
 * user space with poll(): SYS_submit records the operation, SYS_wait_event
 * polls the descriptors of armed operations and performs the ready ones
 * without blocking, so a program sees real concurrency; provided-buffer
 * queues hand out buffers to PBQ receives in the order they were provided.
 * Mount, statfs, ioctl, kinfo and poweroff answer -ENOSYS, which also
 * exercises the commands' "not available" paths; so do the shared rings,
 * unless ring_uring.c is linked in (shim_ring_setup below).
 *
 * /bin/<name> in SYS_spawn maps to SHIM_BIN/<name> (the host build of the
 * programs); every other path is the host's.
 */
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <uapi/async.h>
#include <uapi/fs.h>
#include <uapi/net.h>
#include <uapi/proc.h>
#include <uapi/syscall.h>
#include <tio/sys_entry.h>

#define L_read		0
#define L_write		1
#define L_close		3
#define L_fstat		5
#define L_poll		7
#define L_lseek		8
#define L_mmap		9
#define L_munmap	11
#define L_pread		17
#define L_pwrite	18
#define L_pipe		22
#define L_dup2		33
#define L_nanosleep	35
#define L_getpid	39
#define L_socket	41
#define L_connect	42
#define L_accept	43
#define L_sendto	44
#define L_recvfrom	45
#define L_shutdown	48
#define L_bind		49
#define L_listen	50
#define L_getsockname	51
#define L_fork		57
#define L_execve	59
#define L_exit		60
#define L_wait4		61
#define L_kill		62
#define L_uname		63
#define L_fsync		74
#define L_getcwd	79
#define L_chdir		80
#define L_rename	82
#define L_mkdir		83
#define L_rmdir		84
#define L_unlink	87
#define L_sync		162
#define L_getdents64	217
#define L_clock_gettime 228
#define L_exit_group	231
#define L_openat	257
#define L_newfstatat	262

#define AT_FDCWD     (-100)
#define MSG_NOSIGNAL 0x4000
#define POLLIN	     0x1
#define POLLOUT	     0x4

#define SHIM_WAITERS 8
#define SHIM_SLOTS   4096
#define SHIM_QUEUE   1024
#define SHIM_BUFS    64
#define SHIM_WFD     5000 /* fake descriptor numbers of emulated waiters */
#define SHIM_QFD     6000 /* ... and of provided-buffer queues */
#define SHIM_PBQS    8
#define SHIM_PBQ_MAX 256 /* buffers per queue */

/* One raw Linux system call (declared in tio/sys_entry.h for ring_uring.c). */
long lsys(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

struct linux_stat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
	int64_t unused[3];
};

struct linux_timespec {
	int64_t s, ns;
};

struct linux_pollfd {
	int fd;
	short events, revents;
};

struct shim_op {
	int armed;
	struct tio_sqe sqe;
};

struct shim_waiter {
	int used;
	unsigned nslots;
	struct shim_op ops[SHIM_SLOTS];
	struct tio_event q[SHIM_QUEUE];
	unsigned qh, qn;
};

struct shim_pbq {
	int used;
	unsigned nbufs;
	char *addr[SHIM_PBQ_MAX]; /* provided buffers by id; NULL: taken */
	uint64_t len[SHIM_PBQ_MAX];
	char *home[SHIM_PBQ_MAX];    /* each id's buffer, queued or taken (recycle puts it back) */
	uint16_t fifo[SHIM_PBQ_MAX]; /* ids in the order provided */
	unsigned head, count;
};

/*
 * The shared rings (uapi/ring.h): -ENOSYS, so the user runtime keeps its
 * system-call path, unless a program links user/tests/linux/ring_uring.c,
 * which maps them to io_uring (the Linux build of qbench).
 */
__attribute__((weak)) long shim_ring_setup(long wfd, long addr, long len, long sq, long cq);
__attribute__((weak)) long shim_ring_enter(long wfd, long to_submit, long min, long timeout_ns);

static struct shim_waiter waiters[SHIM_WAITERS];
static struct shim_pbq pbqs[SHIM_PBQS];
static struct {
	char *addr;
	uint64_t len;
} bufs[SHIM_BUFS];

static void stat_conv(const struct linux_stat *l, struct tio_stat *t)
{
	memset(t, 0, sizeof(*t));
	t->ino = l->ino;
	t->mode = l->mode;
	t->nlink = (uint32_t)l->nlink;
	t->size = (uint64_t)l->size;
	t->blocks = (uint64_t)l->blocks;
	t->blksize = (uint32_t)l->blksize;
	t->dev = (uint32_t)l->dev;
	t->rdev = (uint32_t)((l->rdev >> 8 & 0xfff) << 8 | (l->rdev & 0xff));
	t->mtime_ns = l->mtime * 1000000000LL + l->mtime_ns;
	t->ctime_ns = l->ctime * 1000000000LL + l->ctime_ns;
}

static long do_stat(long path, long out, int fd)
{
	struct linux_stat l;
	long r = path ? lsys(L_newfstatat, AT_FDCWD, path, (long)&l, 0, 0, 0)
		      : lsys(L_fstat, fd, (long)&l, 0, 0, 0, 0);

	if (r == 0)
		stat_conv(&l, (struct tio_stat *)out);
	return r;
}

/* Linux dirent64 records -> struct tio_dirent records (always shorter). */
static long do_getdents(long fd, long buf, long len)
{
	static char tmp[32768];
	long n = lsys(L_getdents64, fd, (long)tmp,
		      len < (long)sizeof(tmp) ? len : (long)sizeof(tmp), 0, 0, 0);
	char *out = (char *)buf;
	long o = 0;

	for (long i = 0; n > 0 && i < n;) {
		uint64_t ino;
		uint16_t reclen;
		const char *name = tmp + i + 19;
		size_t nl = strlen(name);
		struct tio_dirent *d = (struct tio_dirent *)(out + o);
		uint16_t rl = (uint16_t)((offsetof(struct tio_dirent, name) + nl + 1 + 7) & ~7u);

		memcpy(&ino, tmp + i, 8);
		memcpy(&reclen, tmp + i + 16, 2);
		d->ino = ino;
		d->type = (uint8_t)tmp[i + 18];
		d->reclen = rl;
		memcpy(d->name, name, nl + 1);
		o += rl;
		i += reclen;
	}
	return n < 0 ? n : o;
}

static const char *map_path(const char *path, char *buf, size_t cap)
{
	if (strncmp(path, "/bin/", 5))
		return path;
	if (strlen(SHIM_BIN) + strlen(path) + 1 > cap)
		return path;
	strcpy(buf, SHIM_BIN);
	strcat(buf, path + 4);
	return buf;
}

static long do_spawn(const struct tio_spawn *sp)
{
	static const char *const envp[] = {NULL};
	char pbuf[512];
	const char *path = map_path(sp->path, pbuf, sizeof(pbuf));
	struct linux_stat l;
	long pid, r = lsys(L_newfstatat, AT_FDCWD, (long)path, (long)&l, 0, 0, 0);

	if (r < 0)
		return r;
	pid = lsys(L_fork, 0, 0, 0, 0, 0, 0);
	if (pid != 0)
		return pid;
	for (int i = 0; i < 3; i++)
		if (sp->fds[i] >= 0)
			lsys(L_dup2, sp->fds[i], i, 0, 0, 0, 0);
	lsys(L_execve, (long)path, (long)sp->argv, (long)envp, 0, 0, 0);
	lsys(L_exit_group, 127, 0, 0, 0, 0, 0);
	return -EIO;
}

static long do_waitpid(long pid, long status, long flags)
{
	int ls = 0;
	long r = lsys(L_wait4, pid, (long)&ls, flags & WNOHANG, 0, 0, 0);

	if (r > 0 && status)
		*(int *)status = (ls & 0x7f) ? TIO_WKILLED | (ls & 0x7f) : (ls >> 8) & 0xff;
	return r;
}

static long do_uname(struct tio_utsname *u)
{
	char l[6][65];
	long r = lsys(L_uname, (long)l, 0, 0, 0, 0, 0);

	if (r < 0)
		return r;
	memset(u, 0, sizeof(*u));
	strcpy(u->sysname, "Tessera");
	strncpy(u->nodename, l[1], sizeof(u->nodename) - 1);
	strcpy(u->release, "0.1-linux-shim");
	strcpy(u->version, "#1 host test");
	strncpy(u->machine, l[4], sizeof(u->machine) - 1);
	return 0;
}

static long do_clock(void)
{
	struct linux_timespec ts;

	lsys(L_clock_gettime, 1 /* CLOCK_MONOTONIC */, (long)&ts, 0, 0, 0, 0);
	return ts.s * 1000000000L + ts.ns;
}

static long do_clock_real(void)
{
	struct linux_timespec ts;

	lsys(L_clock_gettime, 0 /* CLOCK_REALTIME */, (long)&ts, 0, 0, 0, 0);
	return ts.s * 1000000000L + ts.ns;
}

static long do_sleep(long ns)
{
	struct linux_timespec ts = {ns / 1000000000L, ns % 1000000000L};

	return lsys(L_nanosleep, (long)&ts, 0, 0, 0, 0, 0);
}

static struct shim_waiter *waiter_of(long wfd)
{
	long i = wfd - SHIM_WFD;

	return i >= 0 && i < SHIM_WAITERS && waiters[i].used ? &waiters[i] : NULL;
}

static long waiter_create(long nslots)
{
	for (int i = 0; i < SHIM_WAITERS; i++) {
		if (!waiters[i].used) {
			if (nslots <= 0 || nslots > SHIM_SLOTS)
				return -EINVAL;
			memset(&waiters[i], 0, sizeof(waiters[i]));
			waiters[i].used = 1;
			waiters[i].nslots = (unsigned)nslots;
			return SHIM_WFD + i;
		}
	}
	return -EMFILE;
}

static void post_buf(struct shim_waiter *w, unsigned slot, long res, int more, int buf);

static void post(struct shim_waiter *w, unsigned slot, long res, int more)
{
	post_buf(w, slot, res, more, -1);
}

static void post_buf(struct shim_waiter *w, unsigned slot, long res, int more, int buf)
{
	struct tio_event *e;

	if (w->qn == SHIM_QUEUE)
		return; /* cannot happen: at most one event per slot is queued */
	e = &w->q[(w->qh + w->qn++) % SHIM_QUEUE];
	e->slot = slot;
	e->flags = (more ? TIO_EV_MORE : 0) | (buf >= 0 ? TIO_EV_BUF : 0);
	e->buf = buf >= 0 ? (uint16_t)buf : 0;
	e->result = res;
	if (!more)
		w->ops[slot].armed = 0;
}

/* The user address an op works on (a registered buffer offset resolved). */
static char *op_addr(const struct tio_sqe *s)
{
	if (!(s->flags & TIO_SQE_REGBUF))
		return (char *)s->addr;
	if (s->buf_index >= SHIM_BUFS || !bufs[s->buf_index].addr ||
	    s->addr + s->len > bufs[s->buf_index].len)
		return NULL;
	return bufs[s->buf_index].addr + s->addr;
}

static struct shim_pbq *pbq_of(long qfd)
{
	long i = qfd - SHIM_QFD;

	return i >= 0 && i < SHIM_PBQS && pbqs[i].used ? &pbqs[i] : NULL;
}

static long pbq_create(long nbufs)
{
	for (int i = 0; i < SHIM_PBQS; i++) {
		if (!pbqs[i].used) {
			if (nbufs <= 0 || nbufs > SHIM_PBQ_MAX)
				return -EINVAL;
			memset(&pbqs[i], 0, sizeof(pbqs[i]));
			pbqs[i].used = 1;
			pbqs[i].nbufs = (unsigned)nbufs;
			return SHIM_QFD + i;
		}
	}
	return -EMFILE;
}

static long pbq_provide(long qfd, long id, long addr, long len)
{
	struct shim_pbq *q = pbq_of(qfd);

	if (!q)
		return -EBADF;
	if ((unsigned long)id >= q->nbufs || !addr || len <= 0)
		return -EINVAL;
	if (q->home[id])
		return -EEXIST;
	q->home[id] = (char *)addr;
	q->addr[id] = (char *)addr;
	q->len[id] = (uint64_t)len;
	q->fifo[(q->head + q->count++) % SHIM_PBQ_MAX] = (uint16_t)id;
	return 0;
}

/* A taken buffer goes back to the queue, as SYS_pbq_recycle does. */
static long pbq_recycle(long qfd, long id)
{
	struct shim_pbq *q = pbq_of(qfd);

	if (!q)
		return -EBADF;
	if ((unsigned long)id >= q->nbufs || !q->home[id] || q->addr[id])
		return -EINVAL;
	q->addr[id] = q->home[id];
	q->fifo[(q->head + q->count++) % SHIM_PBQ_MAX] = (uint16_t)id;
	return 0;
}

/* A PBQ receive: takes the oldest provided buffer; -ENOBUFS ends a multishot. */
static int perform_pbq(struct shim_waiter *w, unsigned slot)
{
	const struct tio_sqe *s = &w->ops[slot].sqe;
	struct shim_pbq *q = pbq_of(s->buf_index);
	int multi = (s->flags & TIO_SQE_MULTISHOT) != 0;
	unsigned id;
	long r;

	if (!q || !q->count) {
		post(w, slot, -ENOBUFS, 0);
		return 1;
	}
	id = q->fifo[q->head];
	r = lsys(L_recvfrom, s->fd, (long)q->addr[id], (long)q->len[id], MSG_DONTWAIT, 0, 0);
	if (r == -EAGAIN)
		return 0;
	if (r <= 0) {
		post(w, slot, r, 0);
		return 1;
	}
	q->head = (q->head + 1) % SHIM_PBQ_MAX;
	q->count--;
	q->addr[id] = NULL;
	post_buf(w, slot, r, multi, (int)id);
	return 1;
}

static long submit(long wfd, long slot, const struct tio_sqe *sqe)
{
	struct shim_waiter *w = waiter_of(wfd);

	if (!w)
		return -EBADF;
	if ((unsigned long)slot >= w->nslots)
		return -EINVAL;
	if (w->ops[slot].armed)
		return -EBUSY;
	if (sqe->opcode >= TIO_OP_COUNT)
		return -EINVAL;
	if ((sqe->flags & TIO_SQE_PBQ) && (sqe->opcode != TIO_OP_RECV || !pbq_of(sqe->buf_index)))
		return -EINVAL;
	if ((sqe->flags & TIO_SQE_REGBUF) && !op_addr(sqe))
		return -EFAULT;
	w->ops[slot].sqe = *sqe;
	w->ops[slot].armed = 1;
	if (sqe->opcode == TIO_OP_NOP)
		post(w, (unsigned)slot, 0, 0);
	return 0;
}

static short op_events(const struct tio_sqe *s)
{
	switch (s->opcode) {
	case TIO_OP_WRITE:
	case TIO_OP_SEND:
	case TIO_OP_CONNECT:
		return POLLOUT;
	default:
		return POLLIN;
	}
}

/* Performs a ready op without blocking; returns 1 if an event was posted. */
static int perform(struct shim_waiter *w, unsigned slot)
{
	const struct tio_sqe *s = &w->ops[slot].sqe;
	char *p = op_addr(s);
	int multi = (s->flags & TIO_SQE_MULTISHOT) != 0;
	long r;

	if (s->flags & TIO_SQE_PBQ)
		return perform_pbq(w, slot);
	switch (s->opcode) {
	case TIO_OP_READ:
		r = s->offset == TIO_OFFSET_CUR
			? lsys(L_read, s->fd, (long)p, (long)s->len, 0, 0, 0)
			: lsys(L_pread, s->fd, (long)p, (long)s->len, (long)s->offset, 0, 0);
		break;
	case TIO_OP_WRITE:
		r = s->offset == TIO_OFFSET_CUR
			? lsys(L_write, s->fd, (long)p, (long)s->len, 0, 0, 0)
			: lsys(L_pwrite, s->fd, (long)p, (long)s->len, (long)s->offset, 0, 0);
		break;
	case TIO_OP_RECV:
		r = lsys(L_recvfrom, s->fd, (long)p, (long)s->len, MSG_DONTWAIT, 0, 0);
		break;
	case TIO_OP_SEND:
		r = lsys(L_sendto, s->fd, (long)p, (long)s->len, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
		break;
	case TIO_OP_ACCEPT:
		r = lsys(L_accept, s->fd, 0, 0, 0, 0, 0);
		break;
	case TIO_OP_CONNECT:
		r = lsys(L_connect, s->fd, (long)s->addr, (long)s->len, 0, 0, 0);
		break;
	case TIO_OP_FSYNC:
		r = lsys(L_fsync, s->fd, 0, 0, 0, 0, 0);
		break;
	default:
		r = -EINVAL;
	}
	if (r == -EAGAIN)
		return 0;
	post(w, slot, r, multi && s->opcode == TIO_OP_ACCEPT && r >= 0);
	return 1;
}

static long fill(struct shim_waiter *w, struct tio_event *ev, unsigned long max)
{
	long n = 0;

	while (w->qn && (unsigned long)n < max) {
		ev[n++] = w->q[w->qh];
		w->qh = (w->qh + 1) % SHIM_QUEUE;
		w->qn--;
	}
	return n;
}

static long wait_event(long wfd, struct tio_event *ev, long max, long timeout_ns)
{
	static struct linux_pollfd pfd[SHIM_SLOTS];
	static unsigned who[SHIM_SLOTS];
	struct shim_waiter *w = waiter_of(wfd);
	long deadline = (uint64_t)timeout_ns == TIO_WAIT_FOREVER ? 0 : do_clock() + timeout_ns;

	if (!w)
		return -EBADF;
	while (!w->qn) {
		long np = 0, left = deadline ? (deadline - do_clock()) / 1000000 : -1, r;

		if (deadline && left < 0)
			return 0;
		for (unsigned s = 0; s < w->nslots; s++) {
			if (!w->ops[s].armed)
				continue;
			pfd[np].fd = w->ops[s].sqe.fd;
			pfd[np].events = op_events(&w->ops[s].sqe);
			who[np++] = s;
		}
		r = lsys(L_poll, (long)pfd, np, left, 0, 0, 0);
		if (r < 0)
			return r;
		if (r == 0 && deadline)
			return 0;
		for (long i = 0; i < np; i++)
			if (pfd[i].revents)
				perform(w, who[i]);
	}
	return fill(w, ev, (unsigned long)max);
}

static long cancel(long wfd, long slot)
{
	struct shim_waiter *w = waiter_of(wfd);

	if (!w)
		return -EBADF;
	if ((unsigned long)slot >= w->nslots || !w->ops[slot].armed)
		return -ENOENT;
	post(w, (unsigned)slot, -ECANCELED, 0);
	return 0;
}

static long buf_register(long addr, long len)
{
	for (int i = 0; i < SHIM_BUFS; i++) {
		if (!bufs[i].addr) {
			bufs[i].addr = (char *)addr;
			bufs[i].len = (uint64_t)len;
			return i;
		}
	}
	return -ENOSPC;
}

/* Registered buffer @i (ring_uring.c registers them with io_uring): 0, or -EINVAL. */
int shim_regbuf(unsigned i, char **addr, uint64_t *len)
{
	if (i >= SHIM_BUFS || !bufs[i].addr)
		return -EINVAL;
	*addr = bufs[i].addr;
	*len = bufs[i].len;
	return 0;
}

static long do_close(long fd)
{
	struct shim_waiter *w = waiter_of(fd);
	struct shim_pbq *q = pbq_of(fd);

	if (w || q) {
		*(w ? &w->used : &q->used) = 0;
		return 0;
	}
	return lsys(L_close, fd, 0, 0, 0, 0, 0);
}

static long files(long n, long a, long b, long c, long d)
{
	switch (n) {
	case SYS_open:
		return lsys(L_openat, AT_FDCWD, a, b, c, 0, 0);
	case SYS_close:
		return do_close(a);
	case SYS_read:
		return lsys(L_read, a, b, c, 0, 0, 0);
	case SYS_write:
		return lsys(L_write, a, b, c, 0, 0, 0);
	case SYS_lseek:
		return lsys(L_lseek, a, b, c, 0, 0, 0);
	case SYS_pread:
		return lsys(L_pread, a, b, c, d, 0, 0);
	case SYS_pwrite:
		return lsys(L_pwrite, a, b, c, d, 0, 0);
	case SYS_stat:
		return do_stat(a, b, 0);
	case SYS_fstat:
		return do_stat(0, b, (int)a);
	case SYS_getdents:
		return do_getdents(a, b, c);
	case SYS_mkdir:
		return lsys(L_mkdir, a, b, 0, 0, 0, 0);
	case SYS_rmdir:
		return lsys(L_rmdir, a, 0, 0, 0, 0, 0);
	case SYS_unlink:
		return lsys(L_unlink, a, 0, 0, 0, 0, 0);
	case SYS_rename:
		return lsys(L_rename, a, b, 0, 0, 0, 0);
	case SYS_dup2:
		return lsys(L_dup2, a, b, 0, 0, 0, 0);
	case SYS_fsync:
		return lsys(L_fsync, a, 0, 0, 0, 0, 0);
	case SYS_sync:
		return lsys(L_sync, 0, 0, 0, 0, 0, 0);
	case SYS_pipe:
		return lsys(L_pipe, a, 0, 0, 0, 0, 0);
	default:
		return -ENOSYS;
	}
}

static long sockets(long n, long a, long b, long c, long d, long e, long f)
{
	long len = sizeof(struct tio_sockaddr_in);

	switch (n) {
	case SYS_socket:
		return lsys(L_socket, a, b, c, 0, 0, 0);
	case SYS_bind:
		return lsys(L_bind, a, b, c, 0, 0, 0);
	case SYS_listen:
		return lsys(L_listen, a, b, 0, 0, 0, 0);
	case SYS_accept:
		return lsys(L_accept, a, b, b ? (long)&len : 0, 0, 0, 0);
	case SYS_connect:
		return lsys(L_connect, a, b, c, 0, 0, 0);
	case SYS_send:
		return lsys(L_sendto, a, b, c, d | MSG_NOSIGNAL, 0, 0);
	case SYS_recv:
		return lsys(L_recvfrom, a, b, c, d, 0, 0);
	case SYS_sendto:
		return lsys(L_sendto, a, b, c, d | MSG_NOSIGNAL, e, f);
	case SYS_recvfrom:
		return lsys(L_recvfrom, a, b, c, d, e, e ? (long)&len : 0);
	case SYS_shutdown:
		return lsys(L_shutdown, a, b, 0, 0, 0, 0);
	case SYS_getsockname:
		return lsys(L_getsockname, a, b, (long)&len, 0, 0, 0);
	default:
		return -ENOSYS;
	}
}

long sys_call6(long n, long a, long b, long c, long d, long e, long f)
{
	switch (n) {
	case SYS_exit:
		return lsys(L_exit_group, a, 0, 0, 0, 0, 0);
	case SYS_spawn:
		return do_spawn((const struct tio_spawn *)a);
	case SYS_waitpid:
		return do_waitpid(a, b, c);
	case SYS_kill:
		return lsys(L_kill, a, 9, 0, 0, 0, 0);
	case SYS_getpid:
		return lsys(L_getpid, 0, 0, 0, 0, 0, 0);
	case SYS_mmap:
		return lsys(L_mmap, a, b, c, 0x22 /* PRIVATE|ANONYMOUS */, -1, 0);
	case SYS_munmap:
		return lsys(L_munmap, a, b, 0, 0, 0, 0);
	case SYS_clock_ns:
		return do_clock();
	case SYS_clock_real:
		return do_clock_real();
	case SYS_sleep_ns:
		return do_sleep(a);
	case SYS_uname:
		return do_uname((struct tio_utsname *)a);
	case SYS_chdir:
		return lsys(L_chdir, a, 0, 0, 0, 0, 0);
	case SYS_getcwd:
		return lsys(L_getcwd, a, b, 0, 0, 0, 0);
	case SYS_waiter_create:
		return waiter_create(a);
	case SYS_submit:
		return submit(a, b, (const struct tio_sqe *)c);
	case SYS_wait_event:
		return wait_event(a, (struct tio_event *)b, c, d);
	case SYS_cancel:
		return cancel(a, b);
	case SYS_buf_register:
		return buf_register(a, b);
	case SYS_ring_setup:
		return shim_ring_setup ? shim_ring_setup(a, b, c, d, e) : -ENOSYS;
	case SYS_ring_enter:
		return shim_ring_enter ? shim_ring_enter(a, b, c, d) : -ENOSYS;
	case SYS_pbq_create:
		return pbq_create(a);
	case SYS_pbq_provide:
		return pbq_provide(a, b, c, d);
	case SYS_pbq_recycle:
		return pbq_recycle(a, b);
	case SYS_buf_unregister:
		return (unsigned long)a < SHIM_BUFS ? (bufs[a].addr = NULL, 0) : -EINVAL;
	}
	if (n >= SYS_open && n <= SYS_pipe)
		return files(n, a, b, c, d);
	if (n >= SYS_socket && n <= SYS_getsockname)
		return sockets(n, a, b, c, d, e, f);
	return -ENOSYS; /* kinfo, poweroff, mount, umount, ioctl, statfs */
}

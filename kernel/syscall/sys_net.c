/*
 * sys_net.c - the socket calls (uapi/net.h) in front of net/: socket, bind,
 * connect, getsockname, sendto/recvfrom and send/recv, shutdown, listen and
 * accept, the network ioctls, and the RECV/SEND opcodes of SYS_submit.
 *
 * sendto/recvfrom build the same op a submitted SEND/RECV runs (the
 * socket's send or receive frame over the pinned user buffer) and wait for
 * it (vfs_sync_io), as read/write do; a submitted one adds a "sockio"
 * bottom frame that owns the file reference and the buffer until the op
 * completes. listen and accept are TCP's: -EOPNOTSUPP on datagram sockets.
 * Submitted ACCEPT and CONNECT are at the end of this file.
 */
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <net/net.h>
#include <uapi/async.h>
#include <uapi/errno.h>
#include "syscall_int.h"

/* The socket behind @fd (the file referenced in *out), or -EBADF / -ENOTSOCK. */
static int sock_get(struct proc *p, uint64_t fd, struct file **out)
{
	struct file *f = fd_get(p, fd);

	if (!f)
		return -EBADF;
	if (f->kind != FILE_SOCKET) {
		file_put(f);
		return -ENOTSOCK;
	}
	*out = f;
	return 0;
}

static int addr_from_user(struct proc *p, uint64_t uaddr, uint64_t len, struct tio_sockaddr_in *a)
{
	if (len < sizeof(*a))
		return -EINVAL;
	return copy_from_user(p, a, uaddr, sizeof(*a));
}

SYSCALL_DECL(socket)
{
	struct net_sock *s;
	struct file *f;
	int err;

	if (a[0] != AF_INET)
		return -EAFNOSUPPORT;
	if (a[1] > 16 || a[2] > 255)
		return -EINVAL;
	err = net_sock_create((int)a[1], (int)a[2], &s);
	if (err)
		return err;
	f = file_alloc(FILE_SOCKET);
	if (!f) {
		net_sock_release(s);
		return -ENOMEM;
	}
	f->sock = s;
	f->flags = O_RDWR;
	return fd_install(p, f);
}

/* bind and connect: one address in. */
static long sock_addr_call(struct proc *p, const uint64_t *a,
			   int (*fn)(struct net_sock *s, const struct tio_sockaddr_in *sa))
{
	struct tio_sockaddr_in sa;
	struct file *f;
	int err = sock_get(p, a[0], &f);

	if (err)
		return err;
	err = addr_from_user(p, a[1], a[2], &sa);
	if (!err)
		err = fn(f->sock, &sa);
	file_put(f);
	return err;
}

SYSCALL_DECL(bind)
{
	return sock_addr_call(p, a, net_sock_bind);
}

/*
 * Runs an op a push just built to its end, waited for in this thread:
 * @pushed is the push's result (an error discards the op instead).
 */
static int64_t op_wait(struct async_op *op, int64_t pushed)
{
	if (pushed) {
		async_op_discard(op);
		return pushed;
	}
	return vfs_sync_io(op);
}

/* The CONNECT op of stream socket @f, waited for: 0 or -errno. */
static int stream_connect(struct proc *p, struct file *f, const struct tio_sockaddr_in *sa)
{
	struct async_op *op = async_op_alloc(&p->heap);

	if (!op)
		return -ENOMEM;
	return (int)op_wait(op, net_connect_push(op, f->sock, sa));
}

SYSCALL_DECL(connect)
{
	struct tio_sockaddr_in sa;
	struct file *f;
	int err = sock_get(p, a[0], &f);

	if (err)
		return err;
	err = addr_from_user(p, a[1], a[2], &sa);
	if (!err)
		err = net_sock_is_stream(f->sock) ? stream_connect(p, f, &sa)
						  : net_sock_connect(f->sock, &sa);
	file_put(f);
	return err;
}

SYSCALL_DECL(getsockname)
{
	struct tio_sockaddr_in sa;
	struct file *f;
	int err = sock_get(p, a[0], &f);

	if (err)
		return err;
	net_sock_name(f->sock, &sa);
	file_put(f);
	return copy_to_user(p, a[1], &sa, sizeof(sa));
}

SYSCALL_DECL(listen)
{
	struct file *f;
	int err = sock_get(p, a[0], &f);

	if (err)
		return err;
	err = net_sock_listen(f->sock, a[1] > 128 ? 128 : (unsigned)a[1]);
	file_put(f);
	return err;
}

/*
 * An accepted connection's descriptor and file are reserved before the
 * connection is taken from the listen backlog: when none can be had the
 * accept fails with -EMFILE / -ENFILE and the connection stays queued for a
 * later accept, never reset for want of a descriptor.
 */
static int accept_reserve(struct proc *p, struct net_accept_res *r)
{
	r->file = file_alloc(FILE_SOCKET);
	if (!r->file)
		return -ENFILE;
	r->fd = fd_reserve(p);
	if (r->fd < 0) {
		file_put(r->file); /* no socket on it yet: just the file goes */
		return r->fd;
	}
	return 0;
}

static void accept_unreserve(struct proc *p, struct net_accept_res *r)
{
	fd_unreserve(p, r->fd);
	file_put(r->file);
}

/* Installs accepted socket @ns in reservation @r (its peer's address to @upeer first, if
 * not 0): the descriptor, or -EFAULT with @ns closed and @r given back. */
static int64_t accept_commit(struct proc *p, struct net_accept_res *r, struct net_sock *ns,
			     uint64_t upeer)
{
	struct tio_sockaddr_in peer;

	if (upeer) {
		net_sock_peer(ns, &peer);
		if (copy_to_user(p, upeer, &peer, sizeof(peer))) {
			net_sock_release(ns);
			accept_unreserve(p, r);
			return -EFAULT;
		}
	}
	r->file->sock = ns;
	r->file->flags = O_RDWR;
	fd_install_reserved(p, r->fd, r->file);
	return r->fd;
}

/* The ACCEPT op on listener @f, waited for: the new socket, or -errno. */
static int accept_wait(struct proc *p, struct file *f, struct net_sock **ns)
{
	struct async_op *op = async_op_alloc(&p->heap);

	if (!op)
		return -ENOMEM;
	return (int)op_wait(op, net_accept_push(op, f->sock, ns));
}

/* The descriptor is reserved before the wait, as on Linux: at the limit accept fails with
 * -EMFILE at once and the connections stay queued. */
SYSCALL_DECL(accept)
{
	struct net_accept_res res;
	struct net_sock *ns = NULL;
	struct tio_sockaddr_in peer;
	struct file *f;
	int err = sock_get(p, a[0], &f);

	if (err)
		return err;
	err = accept_reserve(p, &res);
	if (err)
		goto out_put;
	err = accept_wait(p, f, &ns);
	if (err) {
		accept_unreserve(p, &res);
		goto out_put;
	}
	file_put(f);
	net_sock_peer(ns, &peer);
	err = (int)accept_commit(p, &res, ns, 0);
	if (a[1] && copy_to_user(p, a[1], &peer, sizeof(peer)))
		return -EFAULT; /* the descriptor stays installed, as on Linux */
	return err;
out_put:
	file_put(f);
	return err;
}

SYSCALL_DECL(shutdown)
{
	struct file *f;
	int err = sock_get(p, a[0], &f);

	if (err)
		return err;
	err = a[1] > SHUT_RDWR ? -EINVAL : net_sock_shutdown(f->sock, (int)a[1]);
	file_put(f);
	return err;
}

/*
 * The user buffer of a send/recv; a zero-length datagram uses an empty kernel
 * buffer. At most SYS_IO_CHUNK bytes are pinned: a longer receive fills that
 * much, a longer send on a stream socket queues at most that much and
 * completes with a short count (as Linux does; callers loop), and a longer
 * datagram is -EMSGSIZE.
 */
static struct async_buf *sock_buf(struct proc *p, struct file *f, uint64_t ubuf, uint64_t len,
				  bool send, int *err)
{
	static char empty;
	struct async_buf *b;

	if (len == 0) {
		b = async_buf_borrowed(&empty, 0, send ? ASYNC_BUF_READ : ASYNC_BUF_WRITE);
		*err = b ? 0 : -ENOMEM;
		return b;
	}
	if (len > SYS_IO_CHUNK) {
		if (send && !net_sock_is_stream(f->sock)) {
			*err = -EMSGSIZE;
			return NULL;
		}
		len = SYS_IO_CHUNK; /* the rest of the buffer stays unused */
	}
	return async_buf_user(&p->as, ubuf, len, send ? ASYNC_BUF_READ : ASYNC_BUF_WRITE, err);
}

/* One synchronous send or receive on socket @f: bytes or -errno. */
static long sock_sync(struct proc *p, struct file *f, uint64_t ubuf, uint64_t len, uint64_t flags,
		      const struct tio_sockaddr_in *to, struct tio_sockaddr_in *from, bool send)
{
	struct async_buf *b;
	struct async_op *op;
	int64_t r;
	int err;

	if (flags & ~(uint64_t)MSG_DONTWAIT)
		return -EINVAL;
	b = sock_buf(p, f, ubuf, len, send, &err);
	if (!b)
		return err;
	op = async_op_alloc(&p->heap);
	if (!op) {
		async_buf_release(b);
		return -ENOMEM;
	}
	r = op_wait(op, send ? net_send_push(op, f->sock, b, 0, async_buf_len(b), to)
			     : net_recv_push(op, f->sock, b, 0, async_buf_len(b), from,
					     flags & MSG_DONTWAIT));
	async_buf_release(b);
	return (long)r;
}

SYSCALL_DECL(sendto)
{
	struct tio_sockaddr_in to;
	struct file *f;
	long r = sock_get(p, a[0], &f);

	if (r)
		return r;
	if (a[4])
		r = addr_from_user(p, a[4], a[5], &to);
	if (!r)
		r = sock_sync(p, f, a[1], a[2], a[3], a[4] ? &to : NULL, NULL, true);
	file_put(f);
	return r;
}

SYSCALL_DECL(recvfrom)
{
	struct tio_sockaddr_in from = {0};
	struct file *f;
	long r = sock_get(p, a[0], &f);

	if (r)
		return r;
	r = sock_sync(p, f, a[1], a[2], a[3], NULL, &from, false);
	file_put(f);
	if (r >= 0 && a[4] && copy_to_user(p, a[4], &from, sizeof(from)))
		return -EFAULT;
	return r;
}

SYSCALL_DECL(send)
{
	const uint64_t b[6] = {a[0], a[1], a[2], a[3], 0, 0};

	return sys_sendto(p, b);
}

SYSCALL_DECL(recv)
{
	const uint64_t b[6] = {a[0], a[1], a[2], a[3], 0, 0};

	return sys_recvfrom(p, b);
}

long sys_net_ioctl(struct proc *p, uint64_t req, uint64_t arg)
{
	struct tio_ifreq ifs[TIO_IF_MAX];
	int n;

	if (req == TIO_SIOCGIFCONF) {
		n = net_if_list(ifs, TIO_IF_MAX);
		if (copy_to_user(p, arg, ifs, (size_t)n * sizeof(ifs[0])))
			return -EFAULT;
		return n;
	}
	if (req == TIO_SIOCSIFADDR) {
		if (copy_from_user(p, &ifs[0], arg, sizeof(ifs[0])))
			return -EFAULT;
		ifs[0].name[sizeof(ifs[0].name) - 1] = 0;
		return net_if_set(&ifs[0]);
	}
	return -ENOTTY;
}

/* ---- RECV and SEND submitted on a waiter ---- */

struct sockio_frame {
	struct file *file;     /* [O] put when the op completes */
	struct file *qfile;    /* [O] multishot: the queue's descriptor, or NULL */
	struct async_buf *buf; /* [O] released when the op completes, or NULL */
};
ASYNC_FRAME_STATE_CHECK(struct sockio_frame);

static int64_t sockio_start(struct async_op *op, void *state)
{
	(void)op;
	(void)state;
	return -EINVAL; /* never the top frame: the socket's frame sits on it */
}

static int64_t sockio_resume(struct async_op *op, void *state, int64_t result)
{
	struct sockio_frame *s = state;

	(void)op;
	if (s->buf)
		async_buf_release(s->buf);
	if (s->qfile)
		file_put(s->qfile);
	file_put(s->file);
	return result;
}

static const struct async_layer sockio_layer = {.name = "sockio",
						.state_size = sizeof(struct sockio_frame),
						.start = sockio_start,
						.resume = sockio_resume};

/* The socket's frame over a sockio frame whose references are taken. */
static int sockio_push_top(struct proc *p, struct async_op *op, struct sockio_frame *s,
			   const struct tio_sqe *sqe)
{
	int err = 0;

	if (sqe->flags & TIO_SQE_PBQ) {
		s->qfile = fd_get(p, sqe->buf_index);
		if (!s->qfile || s->qfile->kind != FILE_PBQ)
			return -EBADF;
		return net_recv_multishot_push(op, s->file->sock, s->qfile->pbq);
	}
	s->buf = sock_buf(p, s->file, sqe->addr, sqe->len, sqe->opcode == TIO_OP_SEND, &err);
	if (!s->buf)
		return err;
	if (sqe->opcode == TIO_OP_SEND)
		return net_send_push(op, s->file->sock, s->buf, 0, async_buf_len(s->buf), NULL);
	return net_recv_push(op, s->file->sock, s->buf, 0, async_buf_len(s->buf), NULL, false);
}

int sys_net_push(struct proc *p, struct async_op *op, const struct tio_sqe *sqe)
{
	struct sockio_frame *s;
	struct file *f;
	int err = sock_get(p, (uint64_t)(int64_t)sqe->fd, &f);

	if (err)
		return err;
	s = async_push(op, &sockio_layer);
	if (!s) {
		file_put(f);
		return (int)async_op_push_error(op);
	}
	s->file = f;
	err = sockio_push_top(p, op, s, sqe);
	if (err)
		sockio_resume(op, s, 0); /* drops what was taken */
	return err;
}

/*
 * ACCEPT and CONNECT submitted on a waiter. An "acceptio" bottom frame owns
 * the socket's file reference until the op completes. A one-shot ACCEPT
 * reserves its descriptor when it is submitted (-EMFILE / -ENFILE then, with
 * nothing taken) and installs the new socket in it in its resume (the result
 * becomes the descriptor); a multishot one reserves a descriptor before it
 * takes each connection (acceptio_accept_ops, called by the socket layer),
 * one event per descriptor, and ends with -EMFILE / -ENFILE when it cannot,
 * the connection left queued. A socket whose peer address cannot be written
 * is closed, never left behind, and the event carries -EFAULT. The process
 * is alive while its ops are (exit drains its waiters before it closes
 * descriptors, then closes what was installed meanwhile).
 */
struct acceptio_frame {
	struct proc *p;	     /* [I] */
	struct file *file;   /* [O] the socket, put when the op completes */
	uint64_t upeer;	     /* [I] one-shot ACCEPT: where the peer's address goes, or 0 */
	struct net_sock *ns; /* [O] one-shot ACCEPT: the new socket, valid iff the result is 0 */
	struct net_accept_res res; /* [O] one-shot ACCEPT: its descriptor, valid iff accept */
	bool accept;		   /* [I] ACCEPT (one-shot); CONNECT and multishot ACCEPT: false */
};
ASYNC_FRAME_STATE_CHECK(struct acceptio_frame);

static int acceptio_reserve(void *arg, struct net_accept_res *r)
{
	const struct acceptio_frame *s = arg;

	return accept_reserve(s->p, r);
}

static void acceptio_unreserve(void *arg, struct net_accept_res *r)
{
	const struct acceptio_frame *s = arg;

	accept_unreserve(s->p, r);
}

static int64_t acceptio_install(void *arg, struct net_accept_res *r, struct net_sock *ns)
{
	const struct acceptio_frame *s = arg;

	return accept_commit(s->p, r, ns, 0);
}

static const struct net_accept_ops acceptio_accept_ops = {
    .reserve = acceptio_reserve, .unreserve = acceptio_unreserve, .install = acceptio_install};

static int64_t acceptio_start(struct async_op *op, void *state)
{
	(void)op;
	(void)state;
	return -EINVAL; /* never the top frame: the socket's frame sits on it */
}

static int64_t acceptio_resume(struct async_op *op, void *state, int64_t result)
{
	struct acceptio_frame *s = state;

	(void)op;
	if (s->accept && result == 0)
		result = accept_commit(s->p, &s->res, s->ns, s->upeer);
	else if (s->accept)
		accept_unreserve(s->p, &s->res);
	file_put(s->file);
	return result;
}

static const struct async_layer acceptio_layer = {.name = "acceptio",
						  .state_size = sizeof(struct acceptio_frame),
						  .start = acceptio_start,
						  .resume = acceptio_resume};

static int conn_push_top(struct proc *p, struct async_op *op, struct acceptio_frame *s,
			 const struct tio_sqe *sqe)
{
	struct tio_sockaddr_in sa;
	int err;

	if (sqe->opcode == TIO_OP_CONNECT) {
		err = addr_from_user(p, sqe->addr, sqe->len, &sa);
		return err ? err : net_connect_push(op, s->file->sock, &sa);
	}
	if (!net_sock_is_stream(s->file->sock))
		return -EOPNOTSUPP;
	if (sqe->flags & TIO_SQE_MULTISHOT)
		return net_accept_multishot_push(op, s->file->sock, &acceptio_accept_ops, s);
	err = accept_reserve(p, &s->res);
	if (err)
		return err;
	s->accept = true;
	s->upeer = sqe->aux;
	return net_accept_push(op, s->file->sock, &s->ns);
}

int sys_net_conn_push(struct proc *p, struct async_op *op, const struct tio_sqe *sqe)
{
	struct acceptio_frame *s;
	struct file *f;
	int err = sock_get(p, (uint64_t)(int64_t)sqe->fd, &f);

	if (err)
		return err;
	s = async_push(op, &acceptio_layer);
	if (!s) {
		file_put(f);
		return (int)async_op_push_error(op);
	}
	s->p = p;
	s->file = f;
	err = conn_push_top(p, op, s, sqe);
	if (err)
		acceptio_resume(op, s, err); /* drops the reference and any reservation */
	return err;
}

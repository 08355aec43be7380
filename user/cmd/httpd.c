/*
 * httpd -p PORT -h DIR [-n MAXCONN] [-f] - static file server, the showcase of the async
 * API: one process, one waiter, many connections.
 *
 * Without -f it daemonizes as busybox httpd does: it spawns itself detached
 * (TIO_SPAWN_DETACH) with -f added and returns at once.
 *
 * Slots: slot 0 holds one multishot ACCEPT on the listening socket (see
 * accept_arm); every other slot is one connection and has at most one
 * operation in flight. Files are read into, and sent from, chunks of one
 * region registered once with SYS_buf_register (READs with TIO_SQE_REGBUF;
 * SENDs name the same bytes as plain memory).
 *
 * Descriptors (counted at start: room) are shared between connections
 * (conns_max) and files (files_max). The multishot ACCEPT installs a
 * connection in any free descriptor, so while it is armed the files' share
 * is held: open files plus spare descriptors (any descriptor kept open for
 * the purpose, e.g. a finished response's file) are at least files_max.
 * A spare is given up for a file only while the ACCEPT is not armed (else
 * the ACCEPT could take it between the close and the open); a response that
 * finds no descriptor while it is armed cancels it and waits (C_WAIT_FD).
 * When the connections fill their share httpd cancels the ACCEPT (and if
 * the kernel found no descriptor first, it ended it with -EMFILE); the next
 * connections wait in the listen backlog, and httpd re-arms it once a
 * connection closed. Otherwise connections are limited by
 * the kernel's pools: a submission refused with -ENOMEM/-EAGAIN (or an
 * accept with no free slot) drops that one connection, never the server.
 *
 * The waiter has rings where the kernel has them (tio/aio.h): each op is
 * queued in the SQ, and the ops queued while one batch of events is handled
 * go to the kernel together with the next wait, in one system call. An op
 * that cannot start comes back as its slot's event with the error: a
 * connection's drops it (conn_event), the ACCEPT's pauses accepting for
 * HTTPD_REARM_NS (on_accept's backoff, cleared when the wait times out or a
 * connection is dropped), or, -EMFILE with connections open, until one of
 * them closes (accept_full).
 *
 * Connection state machine (one op in flight per state):
 *
 *   accept --> C_RECV --(complete request)--> respond():
 *                 ^        error/HEAD/405/416 --> C_SEND_HEAD
 *                 |        GET of a file -------> C_READ <--> C_SEND_DATA
 *                 |                                  (until the part is sent)
 *                 |        no descriptor free --> C_WAIT_FD (no op; retried
 *                 |                               by conn_retry_waiting)
 *                 +---- keep-alive, after the last send
 *   any state --(peer closed, error, failed submit)--> conn_drop()
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/aio.h>
#include <tio/cmd.h>
#include <tio/http.h>
#include <tio/inet.h>
#include <tio/opt.h>
#include <tio/start.h>
#include <tio/sys.h>

#define HTTPD_SLOTS_MAX 4096  /* asked of the kernel first; halved until accepted */
#define HTTPD_CHUNK	16384 /* bytes per read/send of a file */
#define HTTPD_NCHUNKS	64    /* registered chunks; connections beyond use plain buffers */
#define HTTPD_BACKLOG	128   /* the most the kernel grants (sys_net.c) */
#define SLOT_ACCEPT	0
#define HTTPD_REARM_NS	100000000ULL /* retry period while ACCEPT cannot be armed */
#define HTTPD_FDS_PROBE 1024	     /* descriptors counted at most by fd_room() */

/* The result of respond() when it waits for a descriptor (C_WAIT_FD). */
#define HTTPD_DEFERRED 1

/* C_WAIT_FD: a complete request waits in req[] for a free descriptor (no op in flight). */
enum conn_state { C_RECV, C_SEND_HEAD, C_READ, C_SEND_DATA, C_WAIT_FD };

struct conn {
	int fd;			     /* [O] socket */
	enum conn_state state;	     /* [O] */
	char req[HTTP_REQ_MAX];	     /* [O] received bytes not yet consumed */
	size_t req_len;		     /* [O] */
	int keep_alive;		     /* [O] of the request being answered */
	int file;		     /* [O] file being sent, -1: none */
	uint64_t file_pos, file_end; /* [O] next offset to read; end of the part sent */
	char *buf;		     /* [O] chunk: registered (chunk >= 0) or malloc'd */
	int chunk;		     /* [O] index in the registered region, -1: malloc'd */
	size_t out_len, out_sent;    /* [O] bytes of @buf to send / sent */
};

struct httpd {
	struct aio_waiter w;
	int lfd; /* listening socket */
	const char *root;
	unsigned nslots;
	struct conn **conns; /* by slot; NULL: free */
	char *region;	     /* HTTPD_NCHUNKS * HTTPD_CHUNK, registered */
	int regbuf;	     /* its buffer index, < 0 if registration failed */
	int accept_armed;    /* slot 0 holds a live ACCEPT */
	int accept_backoff;  /* the last ACCEPT failed: re-arm after a pause or a drop */
	int accept_full;     /* it ended with -EMFILE: re-arm once a connection closed */
	int accept_stopping; /* cancelled for a spare: its final event comes */
	unsigned nconns;     /* connections open */
	unsigned conns_max;  /* accepted at once: the descriptors left, minus files' share */
	unsigned nfiles;     /* files open for responses */
	unsigned files_max;  /* their share: conns_max + files_max <= the descriptors left */
	int *spare;	     /* files_max descriptors held for files (see the top) */
	unsigned nspares;    /* nfiles + nspares >= files_max while the ACCEPT is armed */
	unsigned nwaiting;   /* connections in C_WAIT_FD */
	int fd_freed;	     /* a descriptor was closed: retry the C_WAIT_FD ones */
	unsigned char chunk_used[HTTPD_NCHUNKS];
};

static struct httpd srv;

static int chunk_get(void)
{
	for (int i = 0; srv.regbuf >= 0 && i < HTTPD_NCHUNKS; i++) {
		if (!srv.chunk_used[i]) {
			srv.chunk_used[i] = 1;
			return i;
		}
	}
	return -1;
}

static struct conn *conn_new(int fd)
{
	struct conn *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->state = C_RECV;
	c->req_len = 0;
	c->file = -1;
	c->chunk = chunk_get();
	c->buf = c->chunk >= 0 ? srv.region + (size_t)c->chunk * HTTPD_CHUNK : malloc(HTTPD_CHUNK);
	if (!c->buf) {
		free(c);
		return NULL;
	}
	return c;
}

/* A response's file is done: it becomes a spare while the files' share needs one. */
static void file_close(struct conn *c)
{
	srv.nfiles--;
	if (srv.nfiles + srv.nspares < srv.files_max)
		srv.spare[srv.nspares++] = c->file;
	else
		sys_close(c->file);
	c->file = -1;
	srv.fd_freed = 1;    /* a waiting response may take it */
	srv.accept_full = 0; /* or the ACCEPT, if it was closed */
}

/* Spares up to the files' share, before the ACCEPT is armed: 0, or -1 if none is free. */
static int spares_fill(void)
{
	while (srv.nfiles + srv.nspares < srv.files_max) {
		long fd = sys_open("/", O_RDONLY, 0);

		if (fd < 0)
			return -1;
		srv.spare[srv.nspares++] = (int)fd;
	}
	return 0;
}

/* A file was opened: the spares beyond the share go (the ACCEPT may take them). */
static void spares_trim(void)
{
	while (srv.nspares && srv.nfiles + srv.nspares > srv.files_max)
		sys_close(srv.spare[--srv.nspares]);
}

/* Stops the multishot ACCEPT (its final event clears accept_armed) so a spare can go. */
static void accept_stop(void)
{
	if (srv.accept_armed && !srv.accept_stopping)
		srv.accept_stopping = aio_cancel(&srv.w, SLOT_ACCEPT) == 0;
}

/* open(2) for a response: with no descriptor free, a spare makes room while the ACCEPT is
 * not armed; while it is, the ACCEPT is stopped and the caller waits. */
static long file_open(const char *path)
{
	long fd = sys_open(path, O_RDONLY, 0);

	if (fd != -EMFILE && fd != -ENFILE)
		return fd;
	if (srv.accept_armed || !srv.nspares) {
		accept_stop();
		return fd;
	}
	sys_close(srv.spare[--srv.nspares]);
	return sys_open(path, O_RDONLY, 0);
}

static void conn_drop(unsigned slot)
{
	struct conn *c = srv.conns[slot];

	if (!c)
		return;
	if (c->file >= 0)
		file_close(c);
	if (c->state == C_WAIT_FD)
		srv.nwaiting--;
	sys_close(c->fd);
	srv.nconns--;
	srv.fd_freed = 1;
	if (c->chunk >= 0)
		srv.chunk_used[c->chunk] = 0;
	else
		free(c->buf);
	free(c);
	srv.conns[slot] = NULL;
	srv.accept_backoff = 0; /* a socket is free again: the accept may succeed */
	srv.accept_full = 0;	/* and a descriptor */
}

/*
 * READ or SEND on @c's buffer. A READ into a chunk of the region names the
 * registered buffer; a SEND names the same bytes as plain memory, since the
 * kernel takes TIO_SQE_REGBUF on READ and WRITE only (a SEND with it is
 * -EINVAL: the connection would be dropped without a response).
 */
static int conn_submit_rw(unsigned slot, uint32_t op, int fd, size_t off, size_t len,
			  uint64_t file_off)
{
	struct conn *c = srv.conns[slot];
	struct tio_sqe sqe;

	if (c->chunk >= 0 && op == TIO_OP_READ)
		aio_prep_rw_fixed(&sqe, op, fd, (unsigned)srv.regbuf,
				  (size_t)c->chunk * HTTPD_CHUNK + off, len, file_off);
	else
		aio_prep_rw(&sqe, op, fd, c->buf + off, len, file_off);
	return aio_submit(&srv.w, slot, &sqe);
}

static int conn_recv(unsigned slot)
{
	struct conn *c = srv.conns[slot];

	c->state = C_RECV;
	return aio_recv(&srv.w, slot, c->fd, c->req + c->req_len, sizeof(c->req) - c->req_len);
}

static int conn_send_out(unsigned slot)
{
	struct conn *c = srv.conns[slot];

	return conn_submit_rw(slot, TIO_OP_SEND, c->fd, c->out_sent, c->out_len - c->out_sent, 0);
}

static int conn_read_file(unsigned slot, size_t at)
{
	struct conn *c = srv.conns[slot];
	uint64_t left = c->file_end - c->file_pos;
	size_t len = HTTPD_CHUNK - at < left ? HTTPD_CHUNK - at : (size_t)left;

	c->state = C_READ;
	c->out_len = at;
	return conn_submit_rw(slot, TIO_OP_READ, c->file, at, len, c->file_pos);
}

/* Head and a small HTML body (none for HEAD) into the buffer, then C_SEND_HEAD. */
static int respond_simple(unsigned slot, int status, int keep_alive, int head_only)
{
	struct conn *c = srv.conns[slot];
	char body[128];
	long blen = http_error_body(body, sizeof(body), status);
	long hlen = http_head(c->buf, HTTPD_CHUNK, status, "text/html", (uint64_t)blen, keep_alive);

	if (head_only)
		blen = 0; /* Content-Length still tells the size a GET would get */
	memcpy(c->buf + hlen, body, (size_t)blen);
	c->keep_alive = keep_alive;
	c->out_len = (size_t)(hlen + blen);
	c->out_sent = 0;
	c->state = C_SEND_HEAD;
	return conn_send_out(slot);
}

/*
 * Opens the file for @req: its fd; or -1 and the HTTP status to answer
 * instead; or -EMFILE/-ENFILE when no descriptor is free now.
 */
static int open_target(const struct http_req *req, char *path, struct tio_stat *st, int *status)
{
	long fd;

	*status = 404;
	if (http_map_path(path, TIO_PATH_MAX, srv.root, req->path) < 0)
		return -1;
	fd = file_open(path);
	if (fd == -EMFILE || fd == -ENFILE)
		return (int)fd;
	if (fd < 0)
		return -1;
	if (sys_fstat((int)fd, st) < 0 || (st->mode & S_IFMT) != S_IFREG) {
		sys_close((int)fd);
		return -1;
	}
	*status = 200;
	return (int)fd;
}

/* The head of a file response (200, or 206/416 for a Range) into the buffer. */
static long file_head(struct conn *c, const struct http_req *req, const char *path, uint64_t size,
		      int *status)
{
	uint64_t off, len;

	*status = http_range(req, size, &off, &len);
	c->file_pos = off;
	c->file_end = *status == 416 || req->method == HTTP_HEAD ? off : off + len;
	if (*status == 200)
		return http_head(c->buf, HTTPD_CHUNK, 200, http_mime(path), size, c->keep_alive);
	return http_head_range(c->buf, HTTPD_CHUNK, *status, http_mime(path), off, len, size,
			       c->keep_alive);
}

static int respond(unsigned slot, const struct http_req *req)
{
	struct conn *c = srv.conns[slot];
	char path[TIO_PATH_MAX];
	struct tio_stat st;
	int status, keep = req->keep_alive && req->body_len == 0;
	long hlen;

	if (req->method == HTTP_OTHER)
		return respond_simple(slot, 405, keep, 0);
	/* Past the files' share a descriptor would be the connections' (see the top). */
	c->file = srv.nfiles >= srv.files_max ? -EMFILE : open_target(req, path, &st, &status);
	if (c->file == -EMFILE || c->file == -ENFILE) {
		c->file = -1;
		/* A response in flight will give its file back, or the stopped ACCEPT a spare. */
		if (srv.nfiles || srv.accept_armed)
			return HTTPD_DEFERRED;
		return respond_simple(slot, 503, 0, 0);
	}
	if (c->file < 0)
		return respond_simple(slot, status, keep, req->method == HTTP_HEAD);
	srv.nfiles++;
	spares_trim();
	c->keep_alive = keep;
	hlen = file_head(c, req, path, st.size, &status);
	c->out_sent = 0;
	if (c->file_pos == c->file_end) {
		c->out_len = (size_t)hlen;
		c->state = C_SEND_HEAD;
		return conn_send_out(slot);
	}
	return conn_read_file(slot, (size_t)hlen);
}

/* Looks at the received bytes: answers a complete request or asks for more. */
static int conn_on_request_bytes(unsigned slot)
{
	struct conn *c = srv.conns[slot];
	struct http_req req;
	long n = http_parse(c->req, c->req_len, &req);
	int r;

	if (n < 0 || (n == 0 && c->req_len == sizeof(c->req)))
		return respond_simple(slot, 400, 0, 0);
	if (n == 0)
		return conn_recv(slot);
	r = respond(slot, &req);
	if (r == HTTPD_DEFERRED) {
		c->state = C_WAIT_FD; /* the request stays in req[] for conn_retry_waiting() */
		srv.nwaiting++;
		return 0;
	}
	memmove(c->req, c->req + n, c->req_len - (size_t)n);
	c->req_len -= (size_t)n;
	return r;
}

/* After a descriptor was closed: answers the requests that waited for one. */
static void conn_retry_waiting(void)
{
	srv.fd_freed = 0;
	for (unsigned s = 1; s < srv.nslots && srv.nwaiting; s++) {
		struct conn *c = srv.conns[s];

		if (!c || c->state != C_WAIT_FD)
			continue;
		srv.nwaiting--;
		c->state = C_RECV;
		if (conn_on_request_bytes(s) < 0)
			conn_drop(s);
		else if (c->state == C_WAIT_FD)
			return; /* still none free */
	}
}

/* After the last byte of a response: next request, or close. */
static int conn_response_done(unsigned slot)
{
	struct conn *c = srv.conns[slot];

	if (c->file >= 0)
		file_close(c);
	if (!c->keep_alive)
		return -ECONNRESET; /* not an error: the caller drops the connection */
	return c->req_len ? conn_on_request_bytes(slot) : conn_recv(slot);
}

static int conn_on_sent(unsigned slot, long res)
{
	struct conn *c = srv.conns[slot];

	c->out_sent += (size_t)res;
	if (c->out_sent < c->out_len)
		return conn_send_out(slot);
	if (c->state == C_SEND_DATA && c->file_pos < c->file_end)
		return conn_read_file(slot, 0);
	return conn_response_done(slot);
}

static int conn_event(unsigned slot, long res)
{
	struct conn *c = srv.conns[slot];

	if (res < 0 || (res == 0 && c->state != C_READ))
		return -ECONNRESET;
	switch (c->state) {
	case C_RECV:
		c->req_len += (size_t)res;
		return conn_on_request_bytes(slot);
	case C_READ:
		if (res == 0)
			return -EIO; /* file shrank under us: the length is already promised */
		c->file_pos += (uint64_t)res;
		c->out_len += (size_t)res;
		c->out_sent = 0;
		c->state = C_SEND_DATA;
		return conn_send_out(slot);
	case C_SEND_HEAD:
	case C_SEND_DATA:
		return conn_on_sent(slot, res);
	case C_WAIT_FD:
		break; /* no op in flight: no event */
	}
	return -EINVAL;
}

static unsigned free_slot(void)
{
	for (unsigned s = 1; s < srv.nslots; s++)
		if (!srv.conns[s])
			return s;
	return 0;
}

static void on_accept(const struct tio_event *ev)
{
	unsigned slot;

	if (!(ev->flags & TIO_EV_MORE)) {
		srv.accept_armed = 0; /* serve() re-arms it */
		srv.accept_stopping = 0;
		srv.fd_freed = 1; /* a waiting response may take a spare now */
	}
	if (ev->result == -EMFILE && srv.nconns)
		srv.accept_full = 1; /* the connections' share is full: wait for a close */
	else if (ev->result < 0 && ev->result != -ECANCELED)
		srv.accept_backoff = 1; /* e.g. no free socket: don't spin on it */
	if (ev->result < 0)
		return;
	slot = free_slot();
	if (!slot || !(srv.conns[slot] = conn_new((int)ev->result))) {
		sys_close((int)ev->result); /* no slot or no memory: drop this one */
		return;
	}
	srv.nconns++;
	/* The share is full: no descriptor is free for the ACCEPT, and stopped it lets a
	 * response take a spare without a cancel of its own. */
	if (srv.nconns >= srv.conns_max)
		accept_stop();
	if (conn_recv(slot) < 0)
		conn_drop(slot);
}

/*
 * Arms slot 0 with one multishot ACCEPT, the files' share held first (see the
 * top): -EMFILE if it cannot be, else the submission's result.
 */
static int accept_arm(void)
{
	int e = spares_fill() ? -EMFILE : aio_accept_multishot(&srv.w, SLOT_ACCEPT, srv.lfd);

	srv.accept_armed = e == 0;
	return e;
}

/* What keeps the ACCEPT down: an error's pause, the share full, a response waiting. */
static int accept_may_arm(void)
{
	return !srv.accept_armed && !srv.accept_backoff && !srv.accept_full && !srv.nwaiting &&
	       srv.nconns < srv.conns_max;
}

static int serve(void)
{
	struct tio_event ev[32];

	for (;;) {
		int n;

		if (srv.fd_freed)
			conn_retry_waiting();
		if (accept_may_arm() && accept_arm() < 0)
			srv.accept_backoff = 1;
		n = aio_wait(&srv.w, ev, 32,
			     srv.accept_backoff ? HTTPD_REARM_NS : TIO_WAIT_FOREVER);
		if (n == 0) {
			srv.accept_backoff = 0; /* the pause is over (0: the wait timed out) */
			continue;
		}
		if (n < 0)
			return cmd_err("httpd", "wait", n);
		for (int i = 0; i < n; i++) {
			unsigned slot = ev[i].slot;

			if (slot == SLOT_ACCEPT)
				on_accept(&ev[i]);
			else if (slot < srv.nslots && srv.conns[slot] &&
				 conn_event(slot, ev[i].result) < 0)
				conn_drop(slot);
		}
	}
}

/*
 * Descriptors this process can still open (up to HTTPD_FDS_PROBE), counted
 * by opening "/" until the kernel says -EMFILE: the kernel's per-process
 * limit, whatever it is, without a call to ask it.
 */
static unsigned fd_room(void)
{
	static int fds[HTTPD_FDS_PROBE];
	unsigned n = 0;

	while (n < HTTPD_FDS_PROBE) {
		long fd = sys_open("/", O_RDONLY, 0);

		if (fd < 0)
			break;
		fds[n++] = (int)fd;
	}
	for (unsigned i = 0; i < n; i++)
		sys_close(fds[i]);
	return n;
}

static int setup(uint16_t port, unsigned maxconns)
{
	struct tio_sockaddr_in sa = {.family = AF_INET, .port = inet_htons(port)};
	long s = sys_socket(AF_INET, SOCK_STREAM, 0), r;
	int e = -ENOMEM;
	unsigned room;

	if (s < 0)
		return cmd_err("httpd", "TCP sockets", s);
	srv.lfd = (int)s;
	if ((r = sys_bind(srv.lfd, &sa, sizeof(sa))) < 0 ||
	    (r = sys_listen(srv.lfd, HTTPD_BACKLOG)) < 0)
		return cmd_err("httpd", "listen", r);
	for (srv.nslots = HTTPD_SLOTS_MAX; srv.nslots >= 2; srv.nslots /= 2)
		if ((e = aio_waiter_create(&srv.w, srv.nslots)) == 0)
			break;
	if (e < 0)
		return cmd_err("httpd", "the async API", e);
	/* A quarter of the descriptors left (at least one) for the files being sent. */
	room = fd_room();
	if (room < 2)
		return cmd_err("httpd", "descriptors", -EMFILE);
	srv.conns_max = room - (room / 4 ? room / 4 : 1);
	if (srv.conns_max > srv.nslots - 1)
		srv.conns_max = srv.nslots - 1;
	srv.files_max = room - srv.conns_max;
	if (maxconns && maxconns < srv.conns_max) { /* -n: the files keep a third of it */
		srv.conns_max = maxconns;
		srv.files_max = maxconns / 3 ? maxconns / 3 : 1;
	}
	srv.conns = calloc(srv.nslots, sizeof(*srv.conns));
	srv.region = malloc(HTTPD_NCHUNKS * HTTPD_CHUNK);
	srv.spare = malloc(srv.files_max * sizeof(*srv.spare));
	if (!srv.conns || !srv.region || !srv.spare)
		return cmd_err("httpd", "memory", -ENOMEM);
	srv.regbuf =
	    aio_buf_register(srv.region, HTTPD_NCHUNKS * HTTPD_CHUNK, TIO_BUF_READ | TIO_BUF_WRITE);
	e = accept_arm();
	return e < 0 ? cmd_err("httpd", "accept", e) : 0;
}

/* -n N: at most N connections at once (1..65535), fewer than the descriptors allow. */
static int parse_maxconns(const char *arg, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (end == arg || *end || !v || v > 65535)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* Starts "httpd -p PORT -h DIR -f" detached; the parent returns. */
static int daemonize(char **argv, int argc)
{
	const char *args[16];
	struct tio_spawn sp = {.path = strchr(argv[0], '/') ? argv[0] : "/bin/httpd",
			       .argv = args,
			       .fds = {-1, -1, -1},
			       .flags = TIO_SPAWN_DETACH};
	int n = 0;
	long pid;

	for (int i = 0; i < argc && n < 14; i++)
		args[n++] = argv[i];
	args[n++] = "-f";
	args[n] = NULL;
	pid = sys_spawn(&sp);
	return pid < 0 ? cmd_err("httpd", "starting the daemon", pid) : 0;
}

int main(int argc, char **argv)
{
	struct opt o = OPT_INIT;
	uint16_t port = 80;
	unsigned maxconns = 0;
	int c, fg = 0;

	srv.root = ".";
	while ((c = opt_next(&o, argc, argv, "p:h:n:f")) != -1) {
		if (c == 'p' && inet_parse_port(o.arg, &port) == 0)
			continue;
		if (c == 'n' && parse_maxconns(o.arg, &maxconns) == 0)
			continue;
		if (c == 'h')
			srv.root = o.arg;
		else if (c == 'f')
			fg = 1;
		else
			goto out_usage;
	}
	if (o.ind != argc)
		goto out_usage;
	if (!fg)
		return daemonize(argv, argc);
	return setup(port, maxconns) ? 1 : serve();

out_usage:
	fprintf(stderr, "usage: httpd [-p PORT] [-h DIR] [-n MAXCONN] [-f]\n");
	return 1;
}

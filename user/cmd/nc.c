/*
 * nc -l -p PORT - accept one TCP connection, print what it sends, exit when
 *                 the peer closes (stdin is not read).
 * nc HOST PORT  - connect, send stdin, shut down the write side at its end,
 *                 print what is received until the peer closes.
 *
 * The listener receives with one multishot RECV over a provided-buffer queue
 * (falling back to plain recv when the kernel has no queues, or refuses the
 * RECV: -EOPNOTSUPP or -EINVAL as its first event).
 * The client runs both directions at once on one waiter: slot 0 READs
 * stdin, slot 2 SENDs what was read, slot 1 RECVs from the socket, so a
 * peer that answers while we are still sending is never stalled. Stdin has
 * two buffers: the READ of the next fills one while the SEND of the last
 * empties the other (nc_pump). If the kernel cannot do async reads of stdin
 * (the first READ's event is an error), stdin is sent with plain read/send
 * and the RECV goes on.
 *
 * The waiter has rings where the kernel has them (tio/aio.h): every op is
 * queued and goes to the kernel with the next aio_wait, in the same system
 * call as the wait (a READ and a SEND queued together share it), and an op
 * that cannot start comes back as its event.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tio/aio.h>
#include <tio/cmd.h>
#include <tio/inet.h>
#include <tio/opt.h>
#include <tio/start.h>
#include <tio/sys.h>

#define NC_BUF 4096

enum { NC_SLOT_IN = 0, NC_SLOT_NET = 1, NC_SLOT_OUT = 2, NC_SLOTS };

/*
 * Stdin's two buffers are a queue of @nfull filled ones from in[snd]: the
 * SEND (slot 2) empties in[snd] from in_sent on, the READ (slot 0) fills
 * in[(snd + nfull) % 2]. At most one of each is in flight.
 */
struct nc_client {
	struct aio_waiter w;
	int sock;
	char in[2][NC_BUF], net[NC_BUF];
	size_t in_len[2]; /* bytes read into each buffer; valid while it is full */
	size_t in_sent;	  /* of in[snd] */
	unsigned snd;	  /* the buffer being (or next to be) sent */
	unsigned nfull;	  /* buffers read and not yet sent whole */
	int reading;	  /* a READ is in flight on slot 0 */
	int sending;	  /* a SEND is in flight on slot 2 */
	int in_any;	  /* a READ of stdin succeeded: its errors are real */
	int in_eof;	  /* a READ returned 0 */
	int in_done;	  /* everything sent and the write side shut down */
	int net_done;
};

static int print_until_close(int sock)
{
	char buf[NC_BUF];
	long n;

	while ((n = sys_recv(sock, buf, sizeof(buf), 0)) > 0)
		if (write_all(stdout, buf, (size_t)n) < 0)
			return 1;
	return n < 0 ? cmd_err("nc", "recv", n) : 0;
}

#define NC_PBQ_BUFS 8 /* provided buffers for the listener's multishot RECV */

/* Prints one provided buffer's data and hands the buffer back; 0 or -errno. */
static int pbq_event(struct aio_pbq *q, const struct tio_event *ev)
{
	int r = 0;

	if (!(ev->flags & TIO_EV_BUF) || ev->result <= 0)
		return 0;
	if (write_all(stdout, aio_pbq_buf(q, ev->buf), (size_t)ev->result) < 0)
		r = -EIO;
	aio_pbq_recycle(q, ev->buf);
	return r;
}

/*
 * The listener's receive path: one multishot RECV over a provided-buffer
 * queue, one event per arrival, until the peer closes. A final event that
 * still carries data, or -ENOBUFS (every buffer was in use), only ends that
 * submission: it is re-armed. Returns 0 when done, 1 if the path is not
 * available (the caller falls back to plain recv), 2 after a reported error.
 */
static int print_multishot(int sock)
{
	struct aio_waiter w;
	struct aio_pbq q;
	struct tio_event ev[NC_PBQ_BUFS];
	int n, r, armed, done = 0, any = 0;

	if (aio_waiter_create(&w, 1) < 0)
		return 1;
	r = aio_pbq_create(&q, NC_PBQ_BUFS, NC_BUF, 1);
	if (r < 0)
		goto out_waiter;
	r = aio_recv_multishot(&w, 0, sock, &q);
	if (r < 0)
		goto out_pbq;
	for (armed = 1; !done && r == 0;) {
		if (!armed && (r = aio_recv_multishot(&w, 0, sock, &q)) < 0)
			break;
		armed = 1;
		n = aio_wait(&w, ev, NC_PBQ_BUFS, TIO_WAIT_FOREVER);
		r = n < 0 ? n : 0;
		for (int i = 0; i < n && r == 0; i++) {
			armed = ev[i].flags & TIO_EV_MORE;
			done = ev[i].result == 0;
			if (ev[i].result == -ENOBUFS)
				continue;
			if (!any && (ev[i].result == -EOPNOTSUPP || ev[i].result == -EINVAL)) {
				r = 1; /* the RECV did not start: plain recv instead */
				goto out_pbq;
			}
			any = 1;
			r = ev[i].result < 0 ? (int)ev[i].result : pbq_event(&q, &ev[i]);
		}
	}
	if (r < 0)
		cmd_err("nc", "recv", r);
	r = r < 0 ? 2 : 0;
out_pbq:
	aio_pbq_destroy(&q);
out_waiter:
	aio_waiter_destroy(&w);
	return r < 0 ? 1 : r;
}

static int nc_listen(uint16_t port)
{
	struct tio_sockaddr_in sa = {.family = AF_INET, .port = inet_htons(port)};
	long s = sys_socket(AF_INET, SOCK_STREAM, 0), c, r;

	if (s < 0)
		return cmd_err("nc", "TCP sockets", s);
	if ((r = sys_bind((int)s, &sa, sizeof(sa))) < 0 || (r = sys_listen((int)s, 1)) < 0)
		return cmd_err("nc", "listen", r);
	c = sys_accept((int)s, NULL);
	if (c < 0)
		return cmd_err("nc", "accept", c);
	sys_close((int)s);
	r = print_multishot((int)c);
	if (r == 1)
		r = print_until_close((int)c);
	else if (r)
		r = 1;
	sys_close((int)c);
	return (int)r;
}

/* Everything from stdin with plain read and send, then the write side shut down. */
static int send_stdin_sync(int sock)
{
	char buf[NC_BUF];
	long n, r;

	while ((n = sys_read(stdin, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n; off += r) {
			r = sys_send(sock, buf + off, (size_t)(n - off), 0);
			if (r < 0)
				return (int)r;
		}
	}
	sys_shutdown(sock, SHUT_WR);
	return 0;
}

/* Fallback: everything from stdin first, then everything from the peer. */
static int nc_sync(int sock)
{
	int r = send_stdin_sync(sock);

	return r < 0 ? cmd_err("nc", "send", r) : print_until_close(sock);
}

/* Starts what stdin's buffers allow: a SEND of a full one, a READ into a free one, or the end. */
static int nc_pump(struct nc_client *c)
{
	int r = 0;

	if (!c->sending && c->nfull) {
		r = aio_send(&c->w, NC_SLOT_OUT, c->sock, c->in[c->snd] + c->in_sent,
			     c->in_len[c->snd] - c->in_sent);
		c->sending = r == 0;
	}
	if (r == 0 && !c->reading && !c->in_eof && c->nfull < 2) {
		r = aio_read(&c->w, NC_SLOT_IN, stdin, c->in[(c->snd + c->nfull) % 2], NC_BUF,
			     TIO_OFFSET_CUR);
		c->reading = r == 0;
	}
	if (r == 0 && c->in_eof && !c->nfull && !c->sending && !c->in_done) {
		c->in_done = 1;
		r = (int)sys_shutdown(c->sock, SHUT_WR);
	}
	return r;
}

/* Slot 0's READ of stdin finished. */
static int on_read(struct nc_client *c, long res)
{
	c->reading = 0;
	if (res < 0 && !c->in_any) {
		c->in_done = 1; /* no async READ of this stdin: the plain path, RECV still armed */
		return send_stdin_sync(c->sock);
	}
	if (res < 0)
		return (int)res;
	c->in_any = 1;
	if (res == 0)
		c->in_eof = 1;
	else
		c->in_len[(c->snd + c->nfull++) % 2] = (size_t)res;
	return nc_pump(c);
}

/* Slot 2's SEND finished: the rest of its buffer, or the buffer is free again. */
static int on_sent(struct nc_client *c, long res)
{
	c->sending = 0;
	if (res < 0)
		return (int)res;
	c->in_sent += (size_t)res;
	if (c->in_sent == c->in_len[c->snd]) {
		c->in_sent = 0;
		c->snd ^= 1;
		c->nfull--;
	}
	return nc_pump(c);
}

static int on_net(struct nc_client *c, long res)
{
	if (res <= 0) {
		c->net_done = 1;
		return (int)res;
	}
	if (write_all(stdout, c->net, (size_t)res) < 0)
		return -EIO;
	return aio_recv(&c->w, NC_SLOT_NET, c->sock, c->net, sizeof(c->net));
}

static int nc_event(struct nc_client *c, const struct tio_event *ev)
{
	if (ev->slot == NC_SLOT_IN)
		return on_read(c, ev->result);
	if (ev->slot == NC_SLOT_OUT)
		return on_sent(c, ev->result);
	return on_net(c, ev->result);
}

static int nc_async(struct nc_client *c)
{
	struct tio_event ev[NC_SLOTS];
	int n, r = 0;

	if (aio_waiter_create(&c->w, NC_SLOTS) < 0 || nc_pump(c) < 0)
		return nc_sync(c->sock);
	r = aio_recv(&c->w, NC_SLOT_NET, c->sock, c->net, sizeof(c->net));
	while (r >= 0 && !c->net_done) {
		n = aio_wait(&c->w, ev, NC_SLOTS, TIO_WAIT_FOREVER);
		if (n < 0)
			return cmd_err("nc", "wait", n);
		for (int i = 0; i < n && r >= 0; i++)
			r = nc_event(c, &ev[i]);
	}
	if (!c->in_done) { /* peer left first: stop reading and sending stdin */
		aio_cancel(&c->w, NC_SLOT_IN);
		aio_cancel(&c->w, NC_SLOT_OUT);
	}
	return r < 0 ? cmd_err("nc", "connection", r) : 0;
}

static int nc_connect(const char *host, uint16_t port)
{
	static struct nc_client c;
	struct tio_sockaddr_in sa = {.family = AF_INET, .port = inet_htons(port)};
	long s, r;

	if (inet_parse(host, &sa.addr) < 0) {
		fprintf(stderr, "nc: bad address '%s' (dotted quad expected)\n", host);
		return 1;
	}
	s = sys_socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return cmd_err("nc", "TCP sockets", s);
	r = sys_connect((int)s, &sa, sizeof(sa));
	if (r < 0)
		return cmd_err("nc", host, r);
	c.sock = (int)s;
	r = nc_async(&c);
	sys_close((int)s);
	return (int)r;
}

int main(int argc, char **argv)
{
	struct opt o = OPT_INIT;
	int c, listen = 0;
	uint16_t port = 0;

	while ((c = opt_next(&o, argc, argv, "lp:")) != -1) {
		if (c == 'l')
			listen = 1;
		else if (c != 'p' || inet_parse_port(o.arg, &port) < 0)
			goto out_usage;
	}
	if (listen && port && o.ind == argc)
		return nc_listen(port);
	if (!listen && argc - o.ind == 2 && inet_parse_port(argv[o.ind + 1], &port) == 0)
		return nc_connect(argv[o.ind], port);
out_usage:
	fprintf(stderr, "usage: nc -l -p PORT | nc HOST PORT\n");
	return 1;
}

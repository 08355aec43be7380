/*
 * tty.c - the console line discipline (contract: kernel/tty.h).
 *
 * State (all [L] under tty_lock, taken with interrupts masked because the
 * serial interrupt cooks input too):
 *   line[0..len)   cooked bytes: the line being edited, or ready ones
 *   ready          the bytes in line[] end with a newline (or ^D, or a full
 *                  buffer) and may be handed to readers
 *   eof            ^D on an empty line: the next reader gets 0
 *   readers        FIFO of waiting read frames
 *   raw            TIO_TTY_SETRAW: bytes go to readers as typed, unechoed
 *   fg_*           the foreground job (TIO_TTY_SETFG) and who set it
 *   fg_starting    TIO_TTY_FGBEGIN: the owner is spawning a job whose pids
 *                  it has not named yet (cleared by its TIO_TTY_SETFG)
 *   fg_held        a ^C seen while fg_starting: kill the job SETFG names
 *   intr           ^C was seen: kill the foreground job (outside the lock)
 *
 * tty_kick() is the one engine: cook input while a reader waits and no line
 * is ready, hand a ready line to the first reader, repeat. The reader's op
 * is completed outside the lock (its resume steps take other locks). A read
 * start queues itself and kicks, so a line already waiting completes it at
 * once (the async core takes a completion that arrives inside a start).
 * Writes are synchronous: the serial output is polled.
 *
 * ^C (cooked only) drops the line being typed and kills the foreground job.
 * Input is consumed only for readers, so while a foreground job runs without
 * reading, tty_kick() looks for a ^C in the pending input and drops the
 * input up to it (typed-ahead lines before a ^C are discarded, as a
 * terminal's interrupt flushes them). Kills happen outside tty_lock.
 *
 * A job's first command runs (and may read the console) before the shell
 * can name its pid, so a ^C cooked by it with no job set would be lost and
 * the job would run on. The shell announces the job first (TIO_TTY_FGBEGIN):
 * a ^C from then on is held in fg_held and kills the pids of the SETFG that
 * follows (a SETFG with n = 0 drops it: nothing was started).
 */
#include <fs/vfs.h>
#include <kernel/console.h>
#include <kernel/list.h>
#include <kernel/param.h>
#include <kernel/proc.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/tty.h>
#include <uapi/errno.h>

#define CH_INTR 0x03
#define CH_EOF	0x04
#define CH_BS	0x08
#define CH_DEL	0x7f

struct tty_frame {
	struct vfs_io io;      /* [I] first: filled by the vfs frame */
	struct async_op *op;   /* [I] */
	uint32_t token;	       /* [I] the op's pending period, set before it waits */
	struct list_node node; /* [L] on readers while waiting */
};
ASYNC_FRAME_STATE_CHECK(struct tty_frame);

static struct spinlock tty_lock = SPINLOCK_INIT;
static char line[PARAM_TTY_LINE];			/* [L] */
static unsigned line_len;				/* [L] */
static bool ready, eof, last_cr;			/* [L] */
static struct list_node readers = {&readers, &readers}; /* [L] */
static unsigned nreaders;				/* [L] */
static bool raw, intr;					/* [L] */
static bool fg_starting, fg_held;			/* [L] */
static int fg_owner;					/* [L] pid that set the job */
static int fg_pids[TIO_TTY_FG_MAX];			/* [L] */
static unsigned fg_n;					/* [L] */

static void echo(const char *s, size_t n)
{
	console_write(s, n);
}

static void __line_end(void)
{
	line[line_len++] = '\n';
	echo("\n", 1);
	ready = true;
}

/* One input byte into the line being edited. */
static void __cook(char c)
{
	bool was_cr = last_cr;

	last_cr = c == '\r';
	if (c == '\n' && was_cr)
		return; /* the LF of a CR LF pair */
	if (c == '\r' || c == '\n') {
		__line_end();
	} else if (c == CH_DEL || c == CH_BS) {
		if (line_len) {
			line_len--;
			echo("\b \b", 3);
		}
	} else if (c == CH_INTR) {
		line_len = 0;
		ready = false;
		echo("^C\n", 3);
		intr = true;
	} else if (c == CH_EOF) {
		if (line_len)
			ready = true;
		else
			eof = true;
	} else {
		line[line_len++] = c;
		echo(&c, 1);
		if (line_len == PARAM_TTY_LINE - 1)
			ready = true; /* full: hand out what we have, the rest follows */
	}
}

/* Raw: as many bytes as the first reader asked for, as they are. */
static void __tty_take_raw(void)
{
	struct tty_frame *r = list_entry(readers.next, struct tty_frame, node);
	char c;

	while (line_len < r->io.len && line_len < PARAM_TTY_LINE && console_rx_take(&c, 1)) {
		line[line_len++] = c;
		ready = true;
	}
}

static void __tty_cook(void)
{
	char c;

	if (nreaders && raw && !ready) {
		__tty_take_raw();
		return;
	}
	while (nreaders && !ready && !eof && !intr && console_rx_take(&c, 1))
		__cook(c);
	if (!nreaders && !raw && fg_n && console_rx_drop_through(CH_INTR)) {
		echo("^C\n", 3);
		intr = true;
	}
}

/* Kills the foreground job if a ^C was seen; outside tty_lock. */
static void tty_intr(void)
{
	int pids[TIO_TTY_FG_MAX], owner;
	unsigned long f = spin_lock_irqsave(&tty_lock);
	unsigned n = intr ? fg_n : 0; /* 0 while fg_starting */

	fg_held |= intr && fg_starting; /* the job's pids are not known yet: its SETFG kills them */
	intr = false;
	owner = fg_owner;
	memcpy(pids, fg_pids, sizeof(pids));
	spin_unlock_irqrestore(&tty_lock, f);
	for (unsigned i = 0; i < n; i++)
		proc_kill_child(owner, pids[i], PROC_KILL_INT);
}

/* Hands ready bytes to the first reader; returns it (unlinked) with *res, or NULL. */
static struct tty_frame *__tty_deliver(int64_t *res)
{
	struct tty_frame *r;
	uint64_t n;

	if (!nreaders || (!ready && !eof))
		return NULL;
	r = list_entry(list_pop(&readers), struct tty_frame, node);
	nreaders--;
	if (!ready) {
		eof = false;
		*res = 0;
		return r;
	}
	n = r->io.len < line_len ? r->io.len : line_len;
	vfs_buf_copy_out(r->io.buf, r->io.boff, line, n);
	memmove(line, line + n, line_len - n);
	line_len -= (unsigned)n;
	ready = line_len != 0;
	*res = (int64_t)n;
	return r;
}

static void tty_kick(void)
{
	for (;;) {
		unsigned long f = spin_lock_irqsave(&tty_lock);
		struct tty_frame *r;
		int64_t res = 0;
		bool kill;

		__tty_cook();
		r = __tty_deliver(&res);
		kill = intr;
		spin_unlock_irqrestore(&tty_lock, f);
		if (kill)
			tty_intr(); /* then go on: cooking stopped at the ^C */
		if (r)
			async_op_complete(r->op, r->token, res);
		else if (!kill)
			return;
	}
}

static int64_t tty_write(struct vfs_io *io)
{
	char chunk[128];
	uint64_t done = 0;

	while (done < io->len) {
		size_t n = io->len - done < sizeof(chunk) ? io->len - done : sizeof(chunk);

		vfs_buf_copy_in(io->buf, io->boff + done, chunk, n);
		console_write(chunk, n);
		done += n;
	}
	return (int64_t)done;
}

static int64_t tty_start(struct async_op *op, void *state)
{
	struct tty_frame *t = state;
	unsigned long f;

	if (t->io.write)
		return tty_write(&t->io);
	if (t->io.len == 0)
		return 0;
	t->op = op;
	t->token = async_op_token(op);
	list_init(&t->node);
	f = spin_lock_irqsave(&tty_lock);
	list_add_tail(&readers, &t->node);
	nreaders++;
	spin_unlock_irqrestore(&tty_lock, f);
	tty_kick();
	return ASYNC_PENDING;
}

static void tty_cancel(struct async_op *op, void *state)
{
	struct tty_frame *t = state;
	unsigned long f = spin_lock_irqsave(&tty_lock);
	bool mine = list_linked(&t->node);

	if (mine) {
		list_del(&t->node);
		nreaders--;
	}
	spin_unlock_irqrestore(&tty_lock, f);
	if (mine)
		async_op_complete(op, t->token, async_op_cancel_reason(op));
}

static const char *tty_waiting_on(const void *state)
{
	(void)state;
	return "console input line";
}

const struct async_layer tty_io_layer = {
    .name = "tty",
    .state_size = sizeof(struct tty_frame),
    .start = tty_start,
    .cancel = tty_cancel,
    .waiting_on = tty_waiting_on,
};

void tty_stats(struct tty_stats *out)
{
	unsigned long f = spin_lock_irqsave(&tty_lock);

	out->readers = nreaders;
	out->line_bytes = line_len;
	spin_unlock_irqrestore(&tty_lock, f);
}

int tty_set_raw(bool on)
{
	unsigned long f = spin_lock_irqsave(&tty_lock);

	raw = on;
	spin_unlock_irqrestore(&tty_lock, f);
	tty_kick();
	return 0;
}

int tty_set_foreground(int owner, const int *pids, unsigned n)
{
	unsigned long f;

	if (n > TIO_TTY_FG_MAX)
		return -EINVAL;
	f = spin_lock_irqsave(&tty_lock);
	fg_owner = owner;
	fg_n = n;
	memcpy(fg_pids, pids, n * sizeof(int));
	intr |= fg_held; /* a ^C held since TIO_TTY_FGBEGIN: tty_kick() kills the job */
	fg_starting = fg_held = false;
	spin_unlock_irqrestore(&tty_lock, f);
	tty_kick(); /* also a ^C typed before the job was set */
	return 0;
}

int tty_begin_foreground(int owner)
{
	unsigned long f = spin_lock_irqsave(&tty_lock);

	fg_owner = owner;
	fg_n = 0;
	fg_starting = true;
	fg_held = false;
	spin_unlock_irqrestore(&tty_lock, f);
	return 0;
}

void tty_init(void)
{
	console_rx_set_notify(tty_kick);
}

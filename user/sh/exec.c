/*
 * exec.c - the shell's executor (sh.h): pipelines joined by ; && || &,
 * redirections, builtins (cd, exit, pwd, jobs, wait; help in help.c) and
 * external commands via SYS_pipe + SYS_spawn + SYS_waitpid.
 *
 * A pipeline of N commands makes N-1 pipes; command i gets the read end of
 * pipe i-1 as its 0 and the write end of pipe i as its 1, then its own
 * redirections in order ('2>&1' copies whatever 1 is at that point). The
 * shell hands those to the child through struct tio_spawn.fds and closes its
 * copies at once, so a reader sees end of file when its writer exits. The
 * shell's own 0/1/2 never change. A builtin in a pipeline runs in the shell,
 * writing into the pipe (their output is small: it fits the pipe).
 *
 * Foreground pipelines are the console's foreground job (TIO_TTY_SETFG) while
 * the shell waits for every command: ^C kills them, not the shell (announced
 * with TIO_TTY_FGBEGIN before the first spawn, so a ^C read by the first
 * command before the pids are named is not lost). $? is the
 * status of the last command. Background pipelines get a job number, printed
 * as "[N] PID" (the last command's pid); `jobs` lists them and `wait` waits.
 *
 * Exit status: the child's exit code; 128 + reason when killed (130 for ^C);
 * 127 when the program does not exist; 126 when it exists but cannot be
 * started; 1 when a redirection fails; 2 for syntax errors (main.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/sys.h>
#include <uapi/tty.h>
#include "sh.h"

#define SH_JOBS_MAX 16		      /* background jobs tracked */
#define SH_XSTORE   (SH_LINE_MAX * 4) /* one command's words after $? expansion */

struct sh_job {
	int id; /* 0: free slot */
	int npids;
	int pids[SH_CMDS_MAX]; /* 0 once reaped */
	int status;	       /* the last command's, once reaped */
	char text[64];	       /* the command line, for `jobs` */
};

static struct sh_job jobs[SH_JOBS_MAX];

/* One command, ready to run: expanded words and its descriptors. */
struct sh_exec {
	char *argv[SH_ARGS_MAX + 1];
	int fds[3];		       /* what the command gets as 0, 1, 2; -1: the shell's own */
	int opened[SH_REDIRS_MAX + 2]; /* descriptors to close after the spawn */
	int nopened;
};

static char xstore[SH_XSTORE];

static int status_of(int ws)
{
	if (ws & TIO_WKILLED)
		return 128 + (ws & 0x7f);
	return TIO_WEXITSTATUS(ws);
}

/* ---- Words and descriptors ---- */

static int expand_words(const struct sh_cmd *cmd, int status, struct sh_exec *x)
{
	size_t used = 0;
	long n;

	for (int i = 0; i < cmd->argc; i++) {
		n = sh_expand(cmd->argv[i], status, xstore + used, sizeof(xstore) - used);
		if (n < 0) {
			fprintf(stderr, "sh: %s\n", sh_perr_text(SH_E_TOOLONG));
			return -1;
		}
		x->argv[i] = xstore + used;
		used += (size_t)n + 1;
	}
	x->argv[cmd->argc] = NULL;
	return 0;
}

static void exec_close(struct sh_exec *x)
{
	for (int i = 0; i < x->nopened; i++)
		sys_close(x->opened[i]);
	x->nopened = 0;
}

static int redir_file(struct sh_exec *x, const struct sh_redir *r, int status)
{
	static const int flags[] = {[SH_R_IN] = O_RDONLY,
				    [SH_R_OUT] = O_WRONLY | O_CREAT | O_TRUNC,
				    [SH_R_APPEND] = O_WRONLY | O_CREAT | O_APPEND};
	char path[TIO_PATH_MAX];
	long fd;

	if (sh_expand(r->path, status, path, sizeof(path)) < 0) {
		fprintf(stderr, "sh: %s\n", strerror(ENAMETOOLONG));
		return -1;
	}
	fd = sys_open(path, flags[r->kind], 0644);
	if (fd < 0) {
		fprintf(stderr, "sh: %s: %s\n", path, strerror((int)fd));
		return -1;
	}
	x->opened[x->nopened++] = (int)fd;
	x->fds[r->fd] = (int)fd;
	return 0;
}

/* Applies @cmd's redirections in order on top of the pipe ends in x->fds. */
static int redir_apply(const struct sh_cmd *cmd, struct sh_exec *x, int status)
{
	for (int i = 0; i < cmd->nredirs; i++) {
		const struct sh_redir *r = &cmd->redirs[i];

		if (r->kind == SH_R_DUP)
			x->fds[r->fd] = x->fds[r->dup] >= 0 ? x->fds[r->dup] : r->dup;
		else if (redir_file(x, r, status) < 0)
			return -1;
	}
	return 0;
}

/* ---- Jobs ---- */

/* Appends @sep and @word to @dst, a parsed word's $? mark shown as "$?". */
static void text_append(char *dst, size_t cap, const char *sep, const char *word)
{
	size_t n = strlen(dst);

	for (const char *p = sep; *p && n + 1 < cap; p++)
		dst[n++] = *p;
	for (const char *p = word; *p && n + 2 < cap; p++) {
		if (*p == SH_STATUS_MARK)
			dst[n++] = '$', dst[n++] = '?';
		else
			dst[n++] = *p;
	}
	dst[n] = '\0';
}

static struct sh_job *job_new(const struct sh_line *line, int first, int last)
{
	struct sh_job *j = NULL;
	int id = 1;

	for (int i = 0; i < SH_JOBS_MAX; i++)
		if (!jobs[i].id && !j)
			j = &jobs[i];
	if (!j)
		return NULL;		      /* table full: the job runs, untracked */
	for (int i = 0; i < SH_JOBS_MAX; i++) /* the lowest free number, as ash does */
		if (jobs[i].id == id)
			id++, i = -1;
	memset(j, 0, sizeof(*j));
	j->id = id;
	for (int c = first; c <= last; c++) {
		for (int a = 0; a < line->cmds[c].argc; a++)
			text_append(j->text, sizeof(j->text), a ? " " : "", line->cmds[c].argv[a]);
		if (c < last)
			text_append(j->text, sizeof(j->text), " | ", "");
	}
	return j;
}

/* Reaps what ended of @j (blocking if @wait); returns 1 when all of it ended. */
static int job_poll(struct sh_job *j, int wait)
{
	int left = 0, ws = 0;

	for (int i = 0; i < j->npids; i++) {
		long r;

		if (!j->pids[i])
			continue;
		do
			r = sys_waitpid(j->pids[i], &ws, wait ? 0 : WNOHANG);
		while (r == -EINTR);
		if (r == j->pids[i] || r == -ECHILD) {
			if (i == j->npids - 1)
				j->status = r == -ECHILD ? 127 : status_of(ws);
			j->pids[i] = 0;
		} else {
			left++;
		}
	}
	return left == 0;
}

static const char *job_state(const struct sh_job *j, char *buf, size_t len)
{
	if (j->status == 0)
		return "Done";
	if (j->status > 128)
		snprintf(buf, len, "Killed (%d)", j->status);
	else
		snprintf(buf, len, "Exit %d", j->status);
	return buf;
}

void sh_reap_jobs(void)
{
	char st[24];

	for (int i = 0; i < SH_JOBS_MAX; i++) {
		if (jobs[i].id && job_poll(&jobs[i], 0)) {
			printf("[%d] %-12s %s\n", jobs[i].id, job_state(&jobs[i], st, sizeof(st)),
			       jobs[i].text);
			jobs[i].id = 0;
		}
	}
}

static int builtin_jobs(int out)
{
	char st[24];

	for (int i = 0; i < SH_JOBS_MAX; i++) {
		struct sh_job *j = &jobs[i];

		if (!j->id)
			continue;
		if (job_poll(j, 0)) {
			fprintf(out, "[%d] %-12s %s\n", j->id, job_state(j, st, sizeof(st)),
				j->text);
			j->id = 0;
		} else {
			fprintf(out, "[%d] %-12s %s\n", j->id, "Running", j->text);
		}
	}
	return 0;
}

/* The job named by %N or by one of its pids, or NULL. */
static struct sh_job *job_find(const char *arg)
{
	char *end;
	long n = strtol(arg + (arg[0] == '%'), &end, 10);

	if (*end || end == arg + (arg[0] == '%'))
		return NULL;
	for (int i = 0; i < SH_JOBS_MAX; i++) {
		struct sh_job *j = &jobs[i];

		if (j->id && arg[0] == '%' && j->id == n)
			return j;
		for (int k = 0; j->id && arg[0] != '%' && k < j->npids; k++)
			if (j->pids[k] == n)
				return j;
	}
	return NULL;
}

/* wait [%N|PID...]: waits for the named jobs (all without arguments). */
static int builtin_wait(int argc, char **argv)
{
	int status = 0;

	for (int i = 0; i < SH_JOBS_MAX && argc < 2; i++) {
		if (jobs[i].id) {
			job_poll(&jobs[i], 1);
			jobs[i].id = 0;
		}
	}
	for (int a = 1; a < argc; a++) {
		struct sh_job *j = job_find(argv[a]);

		if (!j) {
			fprintf(stderr, "sh: wait: %s: no such job\n", argv[a]);
			status = 127;
			continue;
		}
		job_poll(j, 1);
		status = j->status;
		j->id = 0;
	}
	return status;
}

/* ---- Builtins ---- */

static int builtin_cd(char **argv)
{
	const char *dir = argv[1] ? argv[1] : "/";
	long r = sys_chdir(dir);

	if (r < 0) {
		fprintf(stderr, "sh: cd: %s: %s\n", dir, strerror((int)r));
		return 1;
	}
	return 0;
}

static int builtin_pwd(int out)
{
	char buf[TIO_PATH_MAX];
	long r = sys_getcwd(buf, sizeof(buf));

	if (r < 0) {
		fprintf(stderr, "sh: pwd: %s\n", strerror((int)r));
		return 1;
	}
	fprintf(out, "%s\n", buf);
	return 0;
}

static int builtin_exit(struct sh_state *st, char **argv)
{
	char *end;
	long v;

	st->exiting = 1;
	if (!argv[1])
		return st->status;
	v = strtol(argv[1], &end, 10);
	if (*end || end == argv[1]) {
		fprintf(stderr, "sh: exit: %s: numeric argument required\n", argv[1]);
		return 2;
	}
	return (int)(v & 0xff);
}

/* Runs a builtin if @x names one; returns its status, or -1 if not a builtin. */
static int run_builtin(struct sh_state *st, struct sh_exec *x)
{
	const char *name = x->argv[0];
	int out = x->fds[1] >= 0 ? x->fds[1] : stdout;
	int argc = 0;

	while (x->argv[argc])
		argc++;
	if (!strcmp(name, "cd"))
		return builtin_cd(x->argv);
	if (!strcmp(name, "pwd"))
		return builtin_pwd(out);
	if (!strcmp(name, "exit"))
		return builtin_exit(st, x->argv);
	if (!strcmp(name, "jobs"))
		return builtin_jobs(out);
	if (!strcmp(name, "wait"))
		return builtin_wait(argc, x->argv);
	if (!strcmp(name, "help"))
		return sh_builtin_help(out);
	return -1;
}

/* ---- Commands and pipelines ---- */

/* Starts @x: its pid, or a negative shell status (127, 126) after the message. */
static long spawn_cmd(struct sh_exec *x)
{
	char path[TIO_PATH_MAX];
	struct tio_spawn sp = {.path = path, .argv = (const char *const *)x->argv};
	const char *name = x->argv[0];
	long pid;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/bin/%s", name);
	memcpy(sp.fds, x->fds, sizeof(sp.fds));
	pid = sys_spawn(&sp);
	if (pid == -ENOENT || pid == -ENOTDIR) {
		fprintf(stderr, "sh: %s: not found\n", name);
		return -127;
	}
	if (pid < 0) {
		fprintf(stderr, "sh: %s: %s\n", name, strerror((int)pid));
		return -126;
	}
	return pid;
}

/* A running (or finished) pipeline: pids, or the status of a command that was not spawned. */
struct sh_run {
	int n;
	int pids[SH_CMDS_MAX];	 /* 0: not a process */
	int status[SH_CMDS_MAX]; /* valid where pids[i] == 0 */
};

/* Runs command @i of the pipeline with stdin @in (-1: the shell's) into @out. */
static void run_one(struct sh_state *st, const struct sh_cmd *cmd, int in, int out,
		    struct sh_run *run)
{
	struct sh_exec x = {.fds = {in, out, -1}};
	int i = run->n++;
	long r;

	run->pids[i] = 0;
	run->status[i] = 1;
	if (expand_words(cmd, st->status, &x) < 0 || redir_apply(cmd, &x, st->status) < 0)
		goto out_close;
	r = run_builtin(st, &x);
	if (r < 0) {
		r = spawn_cmd(&x);
		if (r > 0)
			run->pids[i] = (int)r;
		r = r > 0 ? 0 : -r;
	}
	run->status[i] = (int)r;
out_close:
	exec_close(&x);
}

/* Spawns commands [first, last] connected by pipes. */
static void start_pipeline(struct sh_state *st, const struct sh_line *line, int first, int last,
			   struct sh_run *run)
{
	int in = -1, fds[2];

	run->n = 0;
	for (int i = first; i <= last; i++) {
		long err = i < last ? sys_pipe(fds) : 0;

		if (err < 0) {
			/* Never run the rest unconnected: it would read the console. */
			fprintf(stderr, "sh: pipe: %s\n", strerror((int)err));
			run->pids[run->n] = 0;
			run->status[run->n++] = 1;
			break;
		}
		run_one(st, &line->cmds[i], in, i < last ? fds[1] : -1, run);
		if (in >= 0)
			sys_close(in);
		if (i < last)
			sys_close(fds[1]);
		in = i < last ? fds[0] : -1;
	}
	if (in >= 0)
		sys_close(in);
}

/* Makes the pipeline's processes the console's foreground job (or none). */
static void set_foreground(const struct sh_state *st, const struct sh_run *run)
{
	struct tio_tty_fg fg = {0};

	if (!st->tty)
		return;
	for (int i = 0; run && i < run->n; i++)
		if (run->pids[i])
			fg.pids[fg.n++] = run->pids[i];
	sys_ioctl(stdin, TIO_TTY_SETFG, &fg);
}

/* Announces a foreground job before its commands start: a ^C typed while they
 * start (one may already read the console) then kills them at set_foreground(). */
static void begin_foreground(const struct sh_state *st)
{
	if (st->tty)
		sys_ioctl(stdin, TIO_TTY_FGBEGIN, NULL);
}

static int wait_pipeline(struct sh_state *st, struct sh_run *run)
{
	int status = 0, ws;

	set_foreground(st, run);
	for (int i = 0; i < run->n; i++) {
		long r = 0;

		if (run->pids[i]) {
			do
				r = sys_waitpid(run->pids[i], &ws, 0);
			while (r == -EINTR);
		}
		status = !run->pids[i] ? run->status[i] : r < 0 ? 1 : status_of(ws);
	}
	set_foreground(st, NULL);
	return status;
}

static int run_background(const struct sh_line *line, int first, int last, struct sh_run *run)
{
	struct sh_job *j;
	int pids[SH_CMDS_MAX], n = 0;

	for (int i = 0; i < run->n; i++)
		if (run->pids[i])
			pids[n++] = run->pids[i];
	if (!n) /* nothing was started: a builtin, or every command failed */
		return run->status[run->n - 1];
	j = job_new(line, first, last);
	if (!j) {
		printf("[?] %d (job table full: not tracked)\n", pids[n - 1]);
		return 0;
	}
	memcpy(j->pids, pids, sizeof(int) * (size_t)n);
	j->npids = n;
	printf("[%d] %d\n", j->id, pids[n - 1]);
	return 0;
}

int sh_run(struct sh_state *st, struct sh_line *line)
{
	enum sh_sep before = SH_SEP_SEQ; /* the operator in front of the pipeline */
	struct sh_run run;

	for (int first = 0, last; first < line->ncmds && !st->exiting; first = last + 1) {
		for (last = first; line->cmds[last].sep == SH_SEP_PIPE; last++)
			;
		if ((before == SH_SEP_AND && st->status != 0) ||
		    (before == SH_SEP_OR && st->status == 0)) {
			before = line->cmds[last].sep;
			continue; /* skipped: $? stays, the next operator looks at it */
		}
		if (line->cmds[last].sep != SH_SEP_BG)
			begin_foreground(st);
		start_pipeline(st, line, first, last, &run);
		if (line->cmds[last].sep == SH_SEP_BG)
			st->status = run_background(line, first, last, &run);
		else
			st->status = wait_pipeline(st, &run);
		before = line->cmds[last].sep;
	}
	return st->status;
}

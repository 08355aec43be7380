/*
 * exec.c - the shell's executor: builtins (cd, exit, pwd; help in help.c), redirections and
 * external commands via SYS_spawn + SYS_waitpid (sh.h).
 *
 * Redirections are opened by the shell and handed to the child through
 * struct tio_spawn.fds, then closed again here: the shell's own 0/1/2 never
 * change. A command name without '/' runs as /bin/<name>.
 * Exit status: the child's exit code; 128 + reason when killed; 127 when the
 * program does not exist; 126 when it exists but cannot be started; 1 when a
 * redirection fails; 2 for syntax errors (main.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/sys.h>
#include "sh.h"

#define SH_JOBS_MAX 16 /* background jobs tracked for the "Done" notice */

static int jobs[SH_JOBS_MAX]; /* pids of background jobs, 0: free */

struct sh_redir {
	int fds[3]; /* what the command gets as 0, 1, 2; -1: the shell's own */
};

static void redir_close(struct sh_redir *r)
{
	for (int i = 0; i < 3; i++)
		if (r->fds[i] >= 0)
			sys_close(r->fds[i]);
}

/* Opens the command's < and > files; 0 or -1 after printing the error. */
static int redir_open(const struct sh_cmd *cmd, struct sh_redir *r)
{
	long fd;

	r->fds[0] = r->fds[1] = r->fds[2] = -1;
	if (cmd->in) {
		fd = sys_open(cmd->in, O_RDONLY, 0);
		if (fd < 0)
			goto out_error_in;
		r->fds[0] = (int)fd;
	}
	if (cmd->out) {
		fd = sys_open(cmd->out, O_WRONLY | O_CREAT | (cmd->append ? O_APPEND : O_TRUNC),
			      0644);
		if (fd < 0)
			goto out_error_out;
		r->fds[1] = (int)fd;
	}
	return 0;

out_error_out:
	fprintf(stderr, "sh: %s: %s\n", cmd->out, strerror((int)fd));
	redir_close(r);
	return -1;
out_error_in:
	fprintf(stderr, "sh: %s: %s\n", cmd->in, strerror((int)fd));
	return -1;
}

static int builtin_cd(struct sh_cmd *cmd)
{
	const char *dir = cmd->argc > 1 ? cmd->argv[1] : "/";
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

static int builtin_exit(struct sh_state *st, struct sh_cmd *cmd)
{
	char *end;

	st->exiting = 1;
	if (cmd->argc < 2)
		return st->status;
	long v = strtol(cmd->argv[1], &end, 10);
	if (*end || end == cmd->argv[1]) {
		fprintf(stderr, "sh: exit: %s: numeric argument required\n", cmd->argv[1]);
		return 2;
	}
	return (int)(v & 0xff);
}

/* Runs a builtin if @cmd names one; returns its status, or -1 if not a builtin. */
static int run_builtin(struct sh_state *st, struct sh_cmd *cmd, const struct sh_redir *r)
{
	const char *name = cmd->argv[0];

	if (!strcmp(name, "cd"))
		return builtin_cd(cmd);
	if (!strcmp(name, "pwd"))
		return builtin_pwd(r->fds[1] >= 0 ? r->fds[1] : stdout);
	if (!strcmp(name, "exit"))
		return builtin_exit(st, cmd);
	if (!strcmp(name, "help"))
		return sh_builtin_help(r->fds[1] >= 0 ? r->fds[1] : stdout);
	return -1;
}

static int status_of(int ws)
{
	if (ws & TIO_WKILLED)
		return 128 + (ws & 0x7f);
	return TIO_WEXITSTATUS(ws);
}

static void job_add(int pid)
{
	for (int i = 0; i < SH_JOBS_MAX; i++) {
		if (!jobs[i]) {
			jobs[i] = pid;
			return;
		}
	}
	/* Table full: the job still runs; only its "Done" notice is lost. */
}

void sh_reap_jobs(void)
{
	int ws;

	for (int i = 0; i < SH_JOBS_MAX; i++) {
		if (jobs[i] && sys_waitpid(jobs[i], &ws, WNOHANG) == jobs[i]) {
			printf("[%d] Done (%d)\n", jobs[i], status_of(ws));
			jobs[i] = 0;
		}
	}
}

static int spawn_cmd(struct sh_cmd *cmd, const struct sh_redir *r)
{
	char path[TIO_PATH_MAX];
	struct tio_spawn sp = {.path = path, .argv = (const char *const *)cmd->argv};
	const char *name = cmd->argv[0];
	long pid;
	int ws = 0;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/bin/%s", name);
	memcpy(sp.fds, r->fds, sizeof(sp.fds));
	pid = sys_spawn(&sp);
	if (pid == -ENOENT || pid == -ENOTDIR) {
		fprintf(stderr, "sh: %s: not found\n", name);
		return 127;
	}
	if (pid < 0) {
		fprintf(stderr, "sh: %s: %s\n", name, strerror((int)pid));
		return 126;
	}
	if (cmd->background) {
		printf("[%ld]\n", pid);
		job_add((int)pid);
		return 0;
	}
	long w = sys_waitpid((int)pid, &ws, 0);
	if (w < 0) {
		fprintf(stderr, "sh: waitpid %ld: %s\n", pid, strerror((int)w));
		return 1;
	}
	return status_of(ws);
}

int sh_run(struct sh_state *st, struct sh_cmd *cmd)
{
	struct sh_redir r;
	int status;

	if (redir_open(cmd, &r) < 0)
		return 1;
	status = run_builtin(st, cmd, &r);
	if (status < 0)
		status = spawn_cmd(cmd, &r);
	redir_close(&r);
	return status;
}

/*
 * main.c - /bin/sh: the read-parse-run loop on the serial console.
 *
 * Usage: sh [-c COMMAND] [FILE]. Without arguments it reads commands from
 * stdin, printing the prompt "# " before each line. When stdin is the
 * console, the shell reads it raw (TIO_TTY_SETRAW) one byte at a time
 * through its line editor (edit.c), which echoes; while a line runs the
 * console is cooked again, so commands see the usual line discipline and ^C
 * kills the foreground job. When stdin is not a character device (a pipe or
 * a file), nothing echoes the typed line, so the shell echoes it after the
 * prompt itself: command output then always starts on a line of its own and
 * a transcript reads like an interactive session. At end of input the shell
 * exits with the last status.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tio/linebuf.h>
#include <tio/start.h>
#include <tio/sys.h>
#include <uapi/tty.h>
#include "sh.h"

static struct sh_line parsed;	   /* [O] static: 8 KiB of words */
static char line[SH_LINE_MAX + 1]; /* [O] */
static struct linebuf input;	   /* [O] */
static struct sh_editor editor;	   /* [O] */

static long read_fd(int fd, void *buf, size_t len)
{
	return sys_read(fd, buf, len);
}

static void run_line(struct sh_state *st, const char *text)
{
	enum sh_perr e = sh_parse(text, &parsed);

	if (e == SH_E_UNSUPPORTED) {
		fprintf(stderr, "sh: syntax error: unsupported '%s'\n", parsed.bad);
		st->status = 2;
		return;
	}
	if (e != SH_OK) {
		fprintf(stderr, "sh: syntax error: %s\n", sh_perr_text(e));
		st->status = 2;
		return;
	}
	if (parsed.ncmds == 0)
		return;
	st->status = sh_run(st, &parsed);
}

static int input_echoes(int fd)
{
	struct tio_stat sb;

	return sys_fstat(fd, &sb) == 0 && (sb.mode & S_IFMT) == S_IFCHR;
}

static void editor_out(void *arg, const char *s, size_t n)
{
	(void)arg;
	sys_write(stdout, s, n);
}

/* Reads one line through the editor, the console raw meanwhile. */
static enum sh_ed_result edit_line(int fd)
{
	enum sh_ed_result r = SH_ED_MORE;
	char c;

	sys_ioctl(fd, TIO_TTY_SETRAW, (void *)1);
	sh_ed_begin(&editor);
	while (r == SH_ED_MORE) {
		long n = sys_read(fd, &c, 1);

		if (n == -EINTR)
			continue;
		if (n <= 0) {
			r = SH_ED_EOF;
			break;
		}
		r = sh_ed_feed(&editor, c);
	}
	sys_ioctl(fd, TIO_TTY_SETRAW, (void *)0);
	return r;
}

/* The interactive loop on the console, with line editing and history. */
static int loop_tty(struct sh_state *st, int fd)
{
	sh_ed_init(&editor, editor_out, NULL);
	st->tty = 1;
	while (!st->exiting) {
		enum sh_ed_result r;

		sh_reap_jobs();
		fputs("# ", stdout);
		r = edit_line(fd);
		if (r == SH_ED_EOF)
			break;
		if (r == SH_ED_INTR) {
			st->status = 130;
			continue;
		}
		if (r == SH_ED_TOOBIG) {
			fprintf(stderr, "sh: line too long\n");
			st->status = 2;
			continue;
		}
		sh_ed_remember(&editor, editor.buf);
		run_line(st, editor.buf);
	}
	if (!st->exiting)
		fputs("\n", stdout);
	return st->status;
}

static int loop(struct sh_state *st, int fd, int interactive)
{
	int echo = interactive && !input_echoes(fd);
	long n;

	linebuf_init(&input, fd, read_fd);
	while (!st->exiting) {
		sh_reap_jobs();
		if (interactive)
			fputs("# ", stdout);
		do
			n = linebuf_get(&input, line, sizeof(line));
		while (n == -EINTR);
		if (n == LINEBUF_EOF)
			break;
		if (n >= 0)
			sh_line_edit(line);
		if (echo && n >= 0)
			printf("%s\n", line);
		else if (echo)
			fputs("\n", stdout);
		if (n == -E2BIG) {
			fprintf(stderr, "sh: line too long\n");
			st->status = 2;
			continue;
		}
		if (n < 0) {
			fprintf(stderr, "sh: read: %s\n", strerror((int)n));
			return 1;
		}
		run_line(st, line);
	}
	if (interactive && !st->exiting)
		fputs("\n", stdout);
	return st->status;
}

int main(int argc, char **argv)
{
	struct sh_state st = {0};
	long fd;

	if (argc > 2 && !strcmp(argv[1], "-c")) {
		if (strlen(argv[2]) > SH_LINE_MAX) {
			fprintf(stderr, "sh: line too long\n");
			return 2;
		}
		run_line(&st, argv[2]);
		return st.status;
	}
	if (argc > 1) {
		fd = sys_open(argv[1], O_RDONLY, 0);
		if (fd < 0) {
			fprintf(stderr, "sh: %s: %s\n", argv[1], strerror((int)fd));
			return 127;
		}
		return loop(&st, (int)fd, 0);
	}
	if (input_echoes(stdin) && sys_ioctl(stdin, TIO_TTY_SETRAW, (void *)0) == 0)
		return loop_tty(&st, stdin);
	return loop(&st, stdin, 1);
}

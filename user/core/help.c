/*
 * help.c - the summaries table behind the shell's `help` (tio/help.h). One
 * line per built-in and per program; keep it in name order within each
 * group, and the wording in docs/shell.md's voice.
 */
#include <string.h>
#include <tio/help.h>

static const struct help_entry help_table[] = {
    {"cd", "cd [DIR]: change directory (default /)", 1},
    {"exit", "exit [N]: leave the shell with status N", 1},
    {"help", "help: this list", 1},
    {"jobs", "jobs: list background jobs", 1},
    {"pwd", "pwd: print the current directory", 1},
    {"wait", "wait [%N|PID]: wait for background jobs", 1},
    {"cat", "cat [FILE...]: concatenate files to stdout", 0},
    {"cp", "cp SRC DST: copy a file", 0},
    {"date", "date [-u] [+FORMAT]: print the time (UTC)", 0},
    {"dd", "dd [if=F] [of=F] [bs=N] [count=N] [skip=N] [seek=N]: block copy", 0},
    {"df", "df [-h] [DIR...]: filesystem usage", 0},
    {"echo", "echo [-n] [ARG...]: print the arguments", 0},
    {"false", "false: exit with status 1", 0},
    {"free", "free: memory in KiB", 0},
    {"grep", "grep [-vcniF] PATTERN [FILE...]: print matching lines", 0},
    {"head", "head [-n N] [-c N] [FILE...]: the first lines or bytes", 0},
    {"hexdump", "hexdump -C [FILE...]: canonical hex dump", 0},
    {"httpd", "httpd -p PORT -h DIR [-f]: static web server", 0},
    {"ifconfig", "ifconfig [IFACE ADDR netmask MASK]: network interfaces", 0},
    {"kill", "kill [-9|-KILL|-TERM] PID...: stop processes", 0},
    {"losetup", "losetup [/dev/loopN FILE]: loop devices", 0},
    {"ls", "ls [-l] [-a] [PATH...]: list directories", 0},
    {"lsblk", "lsblk: block devices", 0},
    {"lspci", "lspci: PCI functions as lspci -n", 0},
    {"mdadm", "mdadm --build|--detail /dev/mdN ...: md arrays", 0},
    {"mkdir", "mkdir [-p] DIR...: create directories", 0},
    {"mount", "mount [-t TYPE] [-r] DEV DIR: mount a filesystem", 0},
    {"mv", "mv SRC DST: rename or move", 0},
    {"nc", "nc HOST PORT | nc -l -p PORT: TCP to stdin/stdout", 0},
    {"ping", "ping [-c N] ADDR: ICMP echo", 0},
    {"poweroff", "poweroff: turn the machine off", 0},
    {"ps", "ps: processes with their state and ops in flight", 0},
    {"rm", "rm [-f] FILE...: remove files", 0},
    {"rmdir", "rmdir DIR...: remove empty directories", 0},
    {"seq", "seq [FIRST [INCR]] LAST: print a sequence of integers", 0},
    {"sh", "sh [-c CMD | FILE]: the shell", 0},
    {"sha256sum", "sha256sum [FILE...]: SHA-256 digests", 0},
    {"sleep", "sleep SECONDS: pause", 0},
    {"sort", "sort [-rnu] [FILE...]: sort lines", 0},
    {"stats", "stats: kernel pools and async ops in flight", 0},
    {"sync", "sync: flush all filesystems", 0},
    {"sysfuzz", "sysfuzz [-s SECONDS] [-n SEED]: random system calls", 0},
    {"tail", "tail [-n N] [-c N] [FILE...]: the last lines or bytes", 0},
    {"tee", "tee [-a] [FILE...]: copy stdin to stdout and files", 0},
    {"true", "true: exit with status 0", 0},
    {"umount", "umount DIR: unmount a filesystem", 0},
    {"uname", "uname [-asnrvm]: system name", 0},
    {"uptime", "uptime: time and time since boot", 0},
    {"wc", "wc [-lwc] [FILE...]: line, word and byte counts", 0},
};

const struct help_entry *help_entry(unsigned i)
{
	return i < sizeof(help_table) / sizeof(help_table[0]) ? &help_table[i] : NULL;
}

const struct help_entry *help_find(const char *name)
{
	for (unsigned i = 0; help_entry(i); i++)
		if (!strcmp(help_table[i].name, name))
			return &help_table[i];
	return NULL;
}

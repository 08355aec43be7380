/*
 * fatmeta - a test program for tests/qemu/test_fat_async.py (not a user
 * command): submits one async STAT or OPEN of PATH through SYS_submit and
 * prints a line as soon as the submit returns, then one when the event
 * arrives. A lookup that waits for the disk must not hold up the submit:
 * the first line is printed while the op is still in flight.
 *
 *   fatmeta stat PATH   ->  "fatmeta submitted R" then "fatmeta stat R size N"
 *   fatmeta open PATH   ->  "fatmeta submitted R" then "fatmeta open R read N"
 *   fatmeta exit PATH   ->  "fatmeta submitted R", then exits 1 ms later without
 *                           waiting: the OPEN's worker is still looking up when the
 *                           exit closes the descriptors (the fd it installs must be
 *                           closed too: no "exits holding" line, umount works)
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <tio/start.h>
#include <tio/sys.h>

#define FM_WAIT_NS 120000000000ULL /* far past the ATA channel reset (10 s) */

static char data[4096];

int main(int argc, char **argv)
{
	struct tio_stat st = {0};
	struct tio_event ev;
	struct tio_sqe sqe = {0};
	bool quit = argc == 3 && !strcmp(argv[1], "exit");
	bool open = quit || (argc == 3 && !strcmp(argv[1], "open"));
	long w, r;

	if (argc != 3 || (!open && strcmp(argv[1], "stat"))) {
		printf("usage: fatmeta stat|open|exit PATH\n");
		return 2;
	}
	w = sys_waiter_create(1);
	if (w < 0) {
		printf("fatmeta waiter %ld\n", w);
		return 1;
	}
	sqe.opcode = open ? TIO_OP_OPEN : TIO_OP_STAT;
	sqe.addr = (uintptr_t)argv[2];
	if (open)
		sqe.len = O_RDONLY;
	else
		sqe.aux = (uintptr_t)&st;
	r = sys_submit((int)w, 0, &sqe);
	printf("fatmeta submitted %ld\n", r);
	if (r < 0)
		return 1;
	if (quit) {
		sys_sleep_ns(1000000);
		return 0;
	}
	r = sys_wait_event((int)w, &ev, 1, FM_WAIT_NS);
	if (r != 1) {
		printf("fatmeta wait %ld\n", r);
		return 1;
	}
	if (!open) {
		printf("fatmeta stat %ld size %lu\n", (long)ev.result, (unsigned long)st.size);
		return ev.result < 0;
	}
	r = ev.result < 0 ? ev.result : sys_read((int)ev.result, data, sizeof(data));
	printf("fatmeta open %ld read %ld\n", (long)ev.result, r);
	return ev.result < 0;
}

/*
 * tio/cmd.h - helpers shared by the commands in user/cmd/: error reporting in
 * one voice, copying between descriptors, paths, and ABI names the commands
 * need that include/uapi/ does not define yet (see "Proposed ABI" below).
 *
 * Error voice:
 *   cmd_err("cat", "/x", -ENOENT)   -> "cat: /x: No such file or directory"
 *   cmd_err("ping", "raw sockets", -ENOSYS)
 *     -> "ping: raw sockets is not available in this kernel yet (Function not implemented)"
 * cmd_err_dev() also reads -ENODEV as "not available" (for subsystems whose
 * absence shows as a missing device: md, loop, network interfaces).
 * Both return 1, the exit status for such failures.
 */
#ifndef TIO_CMD_H
#define TIO_CMD_H

#include <stddef.h>
#include <stdint.h>

int cmd_err(const char *cmd, const char *what, long err);
int cmd_err_dev(const char *cmd, const char *what, long err);
/* Copies @in to @out until end of input: bytes copied or -errno. */
long cmd_copy_fd(int in, int out);
/* The last component of @path ("a/b/" -> "b" is not needed: "a/b" -> "b"). */
const char *cmd_basename(const char *path);
/* dir + "/" + name into @out; 0 or -ENAMETOOLONG. */
int cmd_path_join(char *out, size_t cap, const char *dir, const char *name);
/*
 * Splits @line in place into at most @max blank-separated words, stopping at
 * a newline or the end; returns the word count (pure, host-tested).
 */
int cmd_split(char *line, char **words, int max);
/* Reads a SYS_kinfo report into a heap buffer (NUL-terminated); length or -errno. */
long cmd_kinfo(int what, char **text);

#define CMD_IO_BUF 4096 /* bytes per read/write in the copying commands */

/*
 * Proposed ABI (not yet in include/uapi/; the kernel answers -EINVAL,
 * -ENOTTY or -ENOSYS until it implements them, and the commands say so).
 */
#define TIO_KINFO_MOUNTS 5 /* mount table: "<source> <dir> <fstype> <rw|ro>" per line */

/* md and loop ioctls: include/uapi/block.h. */
#include <uapi/block.h>

#endif

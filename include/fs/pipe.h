/*
 * fs/pipe.h - pipes: a bounded kernel buffer between two open files, whose
 * reads and writes are async ops like every other file's.
 *
 * Interface:
 *   pipe_create(&rd, &wr)   a new pipe: @rd (O_RDONLY) and @wr (O_WRONLY),
 *                           one reference each; -ENOMEM when the pipe pool
 *                           or the file pool is exhausted (nothing is left)
 *
 * The two ends are vnodes of mode S_IFIFO outside every mount; each open
 * file holds a reference to its end, so dup2, spawn's descriptor passing and
 * an op in flight keep an end open, and the end closes with its last file.
 * I/O goes through the ordinary vfs frame (vfs_io_push): the pipe's frame is
 * the filesystem frame under it.
 *
 * Semantics (POSIX, without signals):
 *   - a read takes what is buffered (up to its length) and completes; with
 *     nothing buffered it pends until a writer supplies data, or completes
 *     with 0 (end of file) once no write end is open;
 *   - a write completes when all its bytes are in the buffer; a write of at
 *     most TIO_PIPE_BUF bytes goes in whole (never interleaved with another
 *     writer's data); writers are served in FIFO order;
 *   - once no read end is open, pending and later writes fail with -EPIPE
 *     (with the count instead if part of the write already went in); there
 *     are no signals, so no SIGPIPE: the writer sees the error;
 *   - cancel and timeout complete a pending read with the reason, a pending
 *     write with the bytes already buffered or, if none, the reason;
 *   - offsets are ignored (pread/pwrite behave as read/write); lseek -ESPIPE.
 */
#ifndef FS_PIPE_H
#define FS_PIPE_H

#include <fs/vfs.h>

int pipe_create(struct file **rd, struct file **wr);

#endif

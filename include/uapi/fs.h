/*
 * uapi/fs.h - files, directories and mounts as user programs see them.
 */
#ifndef UAPI_FS_H
#define UAPI_FS_H

#include <stdint.h>

/* open flags (Linux values) */
#define O_RDONLY    0x0000
#define O_WRONLY    0x0001
#define O_RDWR	    0x0002
#define O_ACCMODE   0x0003
#define O_CREAT	    0x0040
#define O_EXCL	    0x0080
#define O_TRUNC	    0x0200
#define O_APPEND    0x0400
#define O_DIRECTORY 0x10000

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* file types in tio_stat.mode and tio_dirent.type */
#define S_IFMT	 0170000
#define S_IFDIR	 0040000
#define S_IFCHR	 0020000
#define S_IFBLK	 0060000
#define S_IFREG	 0100000
#define S_IFIFO	 0010000
#define S_IFSOCK 0140000

struct tio_stat {
	uint64_t ino;
	uint32_t mode; /* S_IF* | permission bits */
	uint32_t nlink;
	uint64_t size;	  /* bytes; for a block device, its capacity */
	uint64_t blocks;  /* 512-byte units allocated */
	uint32_t blksize; /* preferred I/O size */
	uint32_t dev;	  /* device of the filesystem */
	uint32_t rdev;	  /* for device nodes: which device */
	uint32_t pad;
	int64_t mtime_ns; /* 0 where the filesystem has no time */
	int64_t ctime_ns; /* status change (data, name or link); 0 where there is no time */
};

/* Records returned by SYS_getdents, each @reclen bytes, 8-byte aligned. */
struct tio_dirent {
	uint64_t ino;
	uint16_t reclen;
	uint8_t type; /* DT_* */
	char name[];  /* NUL-terminated */
};
#define DT_UNKNOWN 0
#define DT_CHR	   2
#define DT_DIR	   4
#define DT_BLK	   6
#define DT_REG	   8
#define DT_SOCK	   12

struct tio_statfs {
	char fstype[16];
	char source[32]; /* device path, or "initrd" */
	uint64_t bsize;	 /* block size */
	uint64_t blocks; /* total */
	uint64_t bfree;	 /* free */
	uint32_t flags;	 /* TIO_MNT_* */
	uint32_t pad;
};
#define TIO_MNT_RDONLY 0x1

#define TIO_PATH_MAX 256
#define TIO_NAME_MAX 255

/* Pipes (SYS_pipe): a write of at most this many bytes is atomic. */
#define TIO_PIPE_BUF 4096

#endif

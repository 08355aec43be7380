/*
 * aio_prep.c - filling struct tio_sqe (tio/aio.h). Pure, host-tested: the
 * kernel rejects a non-zero field an opcode does not use, so each helper
 * starts from a zeroed entry.
 */
#include <string.h>
#include <tio/aio.h>

void aio_prep_rw(struct tio_sqe *sqe, uint32_t op, int fd, void *buf, size_t len, uint64_t off)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->addr = (uint64_t)(uintptr_t)buf;
	sqe->len = len;
	if (op == TIO_OP_READ || op == TIO_OP_WRITE)
		sqe->offset = off;
}

void aio_prep_rw_fixed(struct tio_sqe *sqe, uint32_t op, int fd, unsigned buf_index, size_t buf_off,
		       size_t len, uint64_t off)
{
	aio_prep_rw(sqe, op, fd, NULL, len, off);
	sqe->flags = TIO_SQE_REGBUF;
	sqe->buf_index = buf_index;
	sqe->addr = buf_off;
}

void aio_prep_accept(struct tio_sqe *sqe, int fd, struct tio_sockaddr_in *peer, int multishot)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = TIO_OP_ACCEPT;
	sqe->fd = fd;
	sqe->aux = (uint64_t)(uintptr_t)peer;
	sqe->flags = multishot ? TIO_SQE_MULTISHOT : 0;
}

void aio_prep_connect(struct tio_sqe *sqe, int fd, const struct tio_sockaddr_in *sa)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = TIO_OP_CONNECT;
	sqe->fd = fd;
	sqe->addr = (uint64_t)(uintptr_t)sa;
	sqe->len = sizeof(*sa);
}

void aio_prep_read_pbq(struct tio_sqe *sqe, int fd, int qfd, uint64_t off, uint64_t len)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = TIO_OP_READ;
	sqe->fd = fd;
	sqe->flags = TIO_SQE_PBQ | TIO_SQE_MULTISHOT;
	sqe->buf_index = (uint32_t)qfd;
	sqe->offset = off;
	sqe->len = len;
}

void aio_prep_recv_pbq(struct tio_sqe *sqe, int fd, int qfd, int multishot)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = TIO_OP_RECV;
	sqe->fd = fd;
	sqe->flags = TIO_SQE_PBQ | (multishot ? TIO_SQE_MULTISHOT : 0);
	sqe->buf_index = (uint32_t)qfd;
}

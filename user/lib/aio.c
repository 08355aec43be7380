/*
 * aio.c - submissions, waits and buffer queues over the async system calls
 * (tio/aio.h). Every function returns the kernel's answer unchanged.
 */
#include <errno.h>
#include <stdlib.h>
#include <tio/aio.h>
#include <tio/sys.h>

int aio_waiter_create(struct aio_waiter *w, unsigned nslots)
{
	long fd = sys_waiter_create(nslots);

	if (fd < 0)
		return (int)fd;
	w->fd = (int)fd;
	w->nslots = nslots;
	return 0;
}

int aio_waiter_destroy(struct aio_waiter *w)
{
	return (int)sys_close(w->fd);
}

int aio_submit(struct aio_waiter *w, unsigned slot, const struct tio_sqe *sqe)
{
	return (int)sys_submit(w->fd, slot, sqe);
}

int aio_wait(struct aio_waiter *w, struct tio_event *ev, unsigned max, uint64_t timeout_ns)
{
	return (int)sys_wait_event(w->fd, ev, max, timeout_ns);
}

int aio_cancel(struct aio_waiter *w, unsigned slot)
{
	return (int)sys_cancel(w->fd, slot);
}

int aio_read(struct aio_waiter *w, unsigned slot, int fd, void *buf, size_t len, uint64_t off)
{
	struct tio_sqe sqe;

	aio_prep_rw(&sqe, TIO_OP_READ, fd, buf, len, off);
	return aio_submit(w, slot, &sqe);
}

int aio_write(struct aio_waiter *w, unsigned slot, int fd, const void *buf, size_t len,
	      uint64_t off)
{
	struct tio_sqe sqe;

	aio_prep_rw(&sqe, TIO_OP_WRITE, fd, (void *)buf, len, off);
	return aio_submit(w, slot, &sqe);
}

int aio_recv(struct aio_waiter *w, unsigned slot, int fd, void *buf, size_t len)
{
	struct tio_sqe sqe;

	aio_prep_rw(&sqe, TIO_OP_RECV, fd, buf, len, 0);
	return aio_submit(w, slot, &sqe);
}

int aio_send(struct aio_waiter *w, unsigned slot, int fd, const void *buf, size_t len)
{
	struct tio_sqe sqe;

	aio_prep_rw(&sqe, TIO_OP_SEND, fd, (void *)buf, len, 0);
	return aio_submit(w, slot, &sqe);
}

int aio_accept(struct aio_waiter *w, unsigned slot, int fd, struct tio_sockaddr_in *peer)
{
	struct tio_sqe sqe;

	aio_prep_accept(&sqe, fd, peer, 0);
	return aio_submit(w, slot, &sqe);
}

int aio_accept_multishot(struct aio_waiter *w, unsigned slot, int fd)
{
	struct tio_sqe sqe;

	aio_prep_accept(&sqe, fd, NULL, 1);
	return aio_submit(w, slot, &sqe);
}

int aio_connect(struct aio_waiter *w, unsigned slot, int fd, const struct tio_sockaddr_in *sa)
{
	struct tio_sqe sqe;

	aio_prep_connect(&sqe, fd, sa);
	return aio_submit(w, slot, &sqe);
}

int aio_recv_multishot(struct aio_waiter *w, unsigned slot, int fd, struct aio_pbq *q)
{
	struct tio_sqe sqe;

	aio_prep_recv_pbq(&sqe, fd, q->fd, 1);
	return aio_submit(w, slot, &sqe);
}

int aio_buf_register(void *addr, size_t len, int access)
{
	return (int)sys_buf_register(addr, len, access);
}

int aio_buf_unregister(unsigned index)
{
	return (int)sys_buf_unregister(index);
}

int aio_pbq_create(struct aio_pbq *q, unsigned nbufs, size_t bufsize, unsigned nconsumers)
{
	long fd;
	int err;

	q->mem = malloc(nbufs * bufsize);
	if (!q->mem)
		return -ENOMEM;
	fd = sys_pbq_create(nbufs, nconsumers);
	if (fd < 0) {
		err = (int)fd;
		goto out_free;
	}
	q->fd = (int)fd;
	q->nbufs = nbufs;
	q->bufsize = bufsize;
	for (unsigned id = 0; id < nbufs; id++) {
		err = (int)sys_pbq_provide(q->fd, id, aio_pbq_buf(q, id), bufsize);
		if (err < 0)
			goto out_close;
	}
	return 0;

out_close:
	sys_close(q->fd);
out_free:
	free(q->mem);
	return err;
}

int aio_pbq_destroy(struct aio_pbq *q)
{
	int r = (int)sys_close(q->fd);

	free(q->mem);
	return r;
}

char *aio_pbq_buf(struct aio_pbq *q, unsigned id)
{
	return id < q->nbufs ? q->mem + (size_t)id * q->bufsize : NULL;
}

int aio_pbq_recycle(struct aio_pbq *q, unsigned id)
{
	if (id >= q->nbufs)
		return -EINVAL;
	return (int)sys_pbq_recycle(q->fd, id);
}

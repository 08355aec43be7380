/*
 * aio_ring.c - the process side of the shared rings (tio/ring.h,
 * uapi/ring.h for the protocol and its memory ordering).
 */
#include <string.h>
#include <tio/ring.h>
#include <tio/sys.h>

#define PAGE 4096u

int aio_ring_attach(struct aio_ring *r, int wfd, unsigned nslots, unsigned sq_entries,
		    unsigned cq_entries)
{
	size_t len = (TIO_RING_BYTES(sq_entries, cq_entries) + PAGE - 1) & ~(size_t)(PAGE - 1);
	long mem = sys_mmap(NULL, len, PROT_READ | PROT_WRITE);
	long err;

	if (mem < 0)
		return (int)mem;
	err = sys_ring_setup(wfd, (void *)mem, len, sq_entries, cq_entries);
	if (err < 0) {
		sys_munmap((void *)mem, len);
		return (int)err;
	}
	r->wfd = wfd;
	r->nslots = nslots;
	r->len = len;
	r->hdr = (struct tio_ring_hdr *)mem;
	r->sq = (struct tio_ring_sqe *)(mem + r->hdr->sq_off);
	r->cq = (struct tio_event *)(mem + r->hdr->cq_off);
	r->sq_tail = 0;
	return 0;
}

int aio_ring_create(struct aio_ring *r, unsigned nslots, unsigned sq_entries, unsigned cq_entries)
{
	long fd = sys_waiter_create(nslots);
	int err;

	if (fd < 0)
		return (int)fd;
	err = aio_ring_attach(r, (int)fd, nslots, sq_entries, cq_entries);
	if (err)
		sys_close((int)fd);
	return err;
}

int aio_ring_destroy(struct aio_ring *r)
{
	long err = sys_close(r->wfd);

	if (!err)
		err = sys_munmap(r->hdr, r->len);
	return (int)err;
}

struct tio_sqe *aio_ring_sqe(struct aio_ring *r, unsigned slot)
{
	uint32_t head = __atomic_load_n(&r->hdr->sq_head, __ATOMIC_ACQUIRE);
	struct tio_ring_sqe *e;

	if (r->sq_tail - head >= r->hdr->sq_entries)
		return NULL;
	e = &r->sq[r->sq_tail++ & (r->hdr->sq_entries - 1)];
	memset(e, 0, sizeof(*e));
	e->slot = slot;
	return &e->sqe;
}

unsigned aio_ring_queued(const struct aio_ring *r)
{
	return r->sq_tail - __atomic_load_n(&r->hdr->sq_head, __ATOMIC_ACQUIRE);
}

unsigned aio_ring_ready(const struct aio_ring *r)
{
	return __atomic_load_n(&r->hdr->cq_tail, __ATOMIC_ACQUIRE) - r->hdr->cq_head;
}

long aio_ring_enter(struct aio_ring *r, unsigned min_complete, uint64_t timeout_ns)
{
	uint32_t head = __atomic_load_n(&r->hdr->sq_head, __ATOMIC_ACQUIRE);

	__atomic_store_n(&r->hdr->sq_tail, r->sq_tail, __ATOMIC_RELEASE);
	return sys_ring_enter(r->wfd, r->sq_tail - head, min_complete, timeout_ns);
}

unsigned aio_ring_peek(struct aio_ring *r, struct tio_event *ev, unsigned max)
{
	uint32_t head = r->hdr->cq_head; /* ours: only this process writes it */
	uint32_t tail = __atomic_load_n(&r->hdr->cq_tail, __ATOMIC_ACQUIRE);
	unsigned n = 0;

	while (n < max && head != tail)
		ev[n++] = r->cq[head++ & (r->hdr->cq_entries - 1)];
	__atomic_store_n(&r->hdr->cq_head, head, __ATOMIC_RELEASE);
	return n;
}

long aio_ring_wait(struct aio_ring *r, struct tio_event *ev, unsigned max, uint64_t timeout_ns)
{
	unsigned n = aio_ring_peek(r, ev, max);
	long err;

	if (n || timeout_ns == 0)
		return n;
	err = aio_ring_enter(r, 1, timeout_ns);
	if (err < 0)
		return err;
	return aio_ring_peek(r, ev, max);
}

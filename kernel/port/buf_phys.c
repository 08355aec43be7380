/*
 * buf_phys.c - the kernel port's scatter-gather helper (contract:
 * async/port.h, async_port_buf_phys): the physical ranges of part of any
 * async buffer, for DMA descriptors.
 *
 * Kernel memory (borrowed and owned buffers) is either the kernel image or
 * the direct map, both linear, so a range is split only where two pages are
 * not physically adjacent (never, today; the walk is per page so a future
 * non-linear mapping stays correct). User and registered buffers carry the
 * ranges their pin recorded.
 */
#include <arch/x86_64/mmu.h>
#include <async/async.h>
#include <uapi/errno.h>

static int sg_add(struct async_sg *sg, unsigned *n, unsigned max, uint64_t pa, uint64_t len)
{
	if (*n && sg[*n - 1].phys + sg[*n - 1].len == pa && sg[*n - 1].len + len <= UINT32_MAX) {
		sg[*n - 1].len += (uint32_t)len;
		return 0;
	}
	if (*n == max)
		return -EINVAL;
	sg[*n].phys = pa;
	sg[(*n)++].len = (uint32_t)len;
	return 0;
}

static int kernel_phys(const unsigned char *va, uint64_t len, struct async_sg *sg, unsigned max)
{
	unsigned n = 0;

	while (len) {
		uint64_t in = (uint64_t)va & (PAGE_SIZE - 1);
		uint64_t piece = PAGE_SIZE - in < len ? PAGE_SIZE - in : len;
		int err = sg_add(sg, &n, max, virt_to_phys(va), piece);

		if (err)
			return err;
		va += piece;
		len -= piece;
	}
	return (int)n;
}

int async_port_buf_phys(const struct async_buf *buf, uint64_t boff, uint64_t len,
			struct async_sg *sg, unsigned max)
{
	unsigned char *data = async_buf_data(buf);
	const struct async_sg *usg;
	unsigned nusg = async_buf_sg(buf, &usg), n = 0;

	if (boff > async_buf_len(buf) || len > async_buf_len(buf) - boff)
		return -EINVAL;
	if (data)
		return kernel_phys(data + boff, len, sg, max);
	for (unsigned i = 0; i < nusg && len; i++) {
		uint64_t piece;
		int err;

		if (boff >= usg[i].len) {
			boff -= usg[i].len;
			continue;
		}
		piece = usg[i].len - boff < len ? usg[i].len - boff : len;
		err = sg_add(sg, &n, max, usg[i].phys + boff, piece);
		if (err)
			return err;
		len -= piece;
		boff = 0;
	}
	return len ? -EINVAL : (int)n;
}

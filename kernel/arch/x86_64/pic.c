/*
 * pic.c - the two 8259A PICs, remapped to vectors 0x20..0x2f.
 *
 * All lines start masked; arch_irq_register() unmasks one. EOI goes to the
 * slave too for IRQ 8..15. IRQ 7 and 15 can be spurious: the in-service
 * register says so, and then no EOI (or only the master's) is sent.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/trap.h>
#include <kernel/spinlock.h>

#define PIC1_CMD     0x20
#define PIC1_DATA    0x21
#define PIC2_CMD     0xa0
#define PIC2_DATA    0xa1
#define PIC_EOI	     0x20
#define PIC_READ_ISR 0x0b

static struct spinlock pic_lock = SPINLOCK_INIT;
static uint16_t pic_mask = 0xffff; /* [L] 1 = masked; bit 2 (cascade) cleared at init */

static void pic_write_mask(void)
{
	outb(PIC1_DATA, pic_mask & 0xff);
	outb(PIC2_DATA, pic_mask >> 8);
}

void pic_init(void)
{
	outb(PIC1_CMD, 0x11); /* ICW1: init, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, IRQ_VECTOR_BASE);
	outb(PIC2_DATA, IRQ_VECTOR_BASE + 8);
	outb(PIC1_DATA, 0x04); /* slave on IRQ 2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01); /* 8086 mode */
	outb(PIC2_DATA, 0x01);
	pic_mask = 0xffff & ~(1u << 2);
	pic_write_mask();
}

void arch_irq_mask(unsigned irq)
{
	unsigned long f = spin_lock_irqsave(&pic_lock);

	pic_mask |= (uint16_t)(1u << irq);
	pic_write_mask();
	spin_unlock_irqrestore(&pic_lock, f);
}

void arch_irq_unmask(unsigned irq)
{
	unsigned long f = spin_lock_irqsave(&pic_lock);

	pic_mask &= (uint16_t) ~(1u << irq);
	pic_write_mask();
	spin_unlock_irqrestore(&pic_lock, f);
}

static uint16_t pic_in_service(void)
{
	outb(PIC1_CMD, PIC_READ_ISR);
	outb(PIC2_CMD, PIC_READ_ISR);
	return (uint16_t)(inb(PIC1_CMD) | (inb(PIC2_CMD) << 8));
}

bool pic_is_spurious(unsigned irq)
{
	if (irq != 7 && irq != 15)
		return false;
	if (pic_in_service() & (1u << irq))
		return false;
	if (irq == 15)
		outb(PIC1_CMD, PIC_EOI); /* the master did see the cascade */
	return true;
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}

/*
 * vga.c - output mirror on the VGA text screen (80x25, colour text mode at
 * physical 0xb8000, reached through the direct map). Scrolls; no input.
 * Called only under the console lock, so the cursor needs no lock of its own.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/mmu.h>
#include <kernel/console.h>
#include <stdint.h>

#define VGA_PHYS  0xb8000
#define VGA_COLS  80
#define VGA_ROWS  25
#define VGA_ATTR  0x0700 /* light grey on black */
#define CRTC_ADDR 0x3d4
#define CRTC_DATA 0x3d5

static volatile uint16_t *vga_buf;
static unsigned vga_row, vga_col; /* [console lock] */

static void vga_move_cursor(void)
{
	unsigned pos = vga_row * VGA_COLS + vga_col;

	outb(CRTC_ADDR, 0x0f);
	outb(CRTC_DATA, pos & 0xff);
	outb(CRTC_ADDR, 0x0e);
	outb(CRTC_DATA, (pos >> 8) & 0xff);
}

void vga_init(void)
{
	vga_buf = phys_to_virt(VGA_PHYS);
	for (unsigned i = 0; i < VGA_COLS * VGA_ROWS; i++)
		vga_buf[i] = VGA_ATTR | ' ';
	vga_row = vga_col = 0;
	vga_move_cursor();
}

static void vga_scroll(void)
{
	for (unsigned i = 0; i < VGA_COLS * (VGA_ROWS - 1); i++)
		vga_buf[i] = vga_buf[i + VGA_COLS];
	for (unsigned i = 0; i < VGA_COLS; i++)
		vga_buf[VGA_COLS * (VGA_ROWS - 1) + i] = VGA_ATTR | ' ';
	vga_row = VGA_ROWS - 1;
}

void vga_putc(char c)
{
	if (!vga_buf)
		return;
	if (c == '\n') {
		vga_col = 0;
		vga_row++;
	} else if (c == '\r') {
		vga_col = 0;
	} else {
		vga_buf[vga_row * VGA_COLS + vga_col] = VGA_ATTR | (uint8_t)c;
		if (++vga_col == VGA_COLS) {
			vga_col = 0;
			vga_row++;
		}
	}
	if (vga_row == VGA_ROWS)
		vga_scroll();
	if (c == '\n')
		vga_move_cursor();
}

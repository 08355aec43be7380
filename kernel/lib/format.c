/*
 * format.c - printf-style formatting (contract in kernel/format.h).
 *
 * One pass over the format; each conversion is parsed into a struct spec and
 * emitted by a small function. Output goes character by character to a sink,
 * so the same code serves the console (no buffer) and ksnprintf (a buffer).
 */
#include <kernel/format.h>
#include <kernel/string.h>
#include <stdbool.h>
#include <stdint.h>

struct spec {
	bool left;     /* '-' flag */
	bool zero;     /* '0' flag */
	bool alt;      /* '#' flag: 0x prefix for %x */
	int width;     /* minimum field width */
	int precision; /* max chars for %s, -1 if none */
	int longs;     /* count of 'l' (z counts as 1) */
};

struct sink {
	void (*put)(char c, void *ctx);
	void *ctx;
	int count;
};

static void emit(struct sink *s, char c)
{
	s->put(c, s->ctx);
	s->count++;
}

static void emit_padded(struct sink *s, const struct spec *sp, const char *str, int len, char pad)
{
	int fill = sp->width > len ? sp->width - len : 0;

	if (!sp->left)
		while (fill-- > 0)
			emit(s, pad);
	for (int i = 0; i < len; i++)
		emit(s, str[i]);
	if (sp->left)
		while (fill-- > 0)
			emit(s, ' ');
}

static void emit_number(struct sink *s, const struct spec *sp, uint64_t v, unsigned base,
			bool upper, bool negative)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int i = sizeof(buf);

	do {
		buf[--i] = digits[v % base];
		v /= base;
	} while (v);
	if (negative && sp->zero && !sp->left) {
		struct spec rest = *sp;

		emit(s, '-');
		rest.width = sp->width > 0 ? sp->width - 1 : 0;
		emit_padded(s, &rest, buf + i, (int)sizeof(buf) - i, '0');
		return;
	}
	if (negative)
		buf[--i] = '-';
	emit_padded(s, sp, buf + i, (int)sizeof(buf) - i, sp->zero && !sp->left ? '0' : ' ');
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){.precision = -1};
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		f++;
	}
	for (; *f >= '0' && *f <= '9'; f++)
		sp->width = sp->width * 10 + (*f - '0');
	if (*f == '.') {
		sp->precision = 0;
		for (f++; *f >= '0' && *f <= '9'; f++)
			sp->precision = sp->precision * 10 + (*f - '0');
	}
	for (; *f == 'l' || *f == 'z'; f++)
		sp->longs++;
	return f;
}

static uint64_t fetch_unsigned(const struct spec *sp, va_list *ap)
{
	return sp->longs ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned int);
}

static int64_t fetch_signed(const struct spec *sp, va_list *ap)
{
	return sp->longs ? va_arg(*ap, long) : va_arg(*ap, int);
}

static void emit_string(struct sink *s, const struct spec *sp, const char *str)
{
	int len;

	if (!str)
		str = "(null)";
	len = (int)strlen(str);
	if (sp->precision >= 0 && sp->precision < len)
		len = sp->precision;
	emit_padded(s, sp, str, len, ' ');
}

static void emit_conversion(struct sink *s, struct spec *sp, char conv, va_list *ap)
{
	int64_t sv;
	char c;

	switch (conv) {
	case 'd':
	case 'i':
		sv = fetch_signed(sp, ap);
		emit_number(s, sp, sv < 0 ? -(uint64_t)sv : (uint64_t)sv, 10, false, sv < 0);
		break;
	case 'u':
		emit_number(s, sp, fetch_unsigned(sp, ap), 10, false, false);
		break;
	case 'x':
	case 'X':
		if (sp->alt) {
			emit(s, '0');
			emit(s, conv);
			sp->width = sp->width > 2 ? sp->width - 2 : 0;
		}
		emit_number(s, sp, fetch_unsigned(sp, ap), 16, conv == 'X', false);
		break;
	case 'o':
		emit_number(s, sp, fetch_unsigned(sp, ap), 8, false, false);
		break;
	case 'p':
		emit(s, '0');
		emit(s, 'x');
		sp->zero = true;
		sp->width = 16;
		emit_number(s, sp, (uint64_t)va_arg(*ap, void *), 16, false, false);
		break;
	case 's':
		emit_string(s, sp, va_arg(*ap, const char *));
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		emit_padded(s, sp, &c, 1, ' ');
		break;
	case '%':
		emit(s, '%');
		break;
	default:
		emit(s, '%');
		if (conv)
			emit(s, conv);
		break;
	}
}

int kformat(void (*put)(char c, void *ctx), void *ctx, const char *fmt, va_list ap)
{
	struct sink s = {.put = put, .ctx = ctx};
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			emit(&s, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &args);
		emit_conversion(&s, &sp, *fmt, &args);
		if (*fmt)
			fmt++;
	}
	va_end(args);
	return s.count;
}

struct buf_ctx {
	char *buf;
	size_t size, pos;
};

static void buf_put(char c, void *ctx)
{
	struct buf_ctx *b = ctx;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_ctx b = {.buf = buf, .size = size};
	int n = kformat(buf_put, &b, fmt, ap);

	if (size)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

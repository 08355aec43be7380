/*
 * fmt.c - printf-style formatting, shared by the kernel and the user runtime
 * (contract: lib/fmt.h).
 *
 * Pure: no system calls, no allocation, no library calls, so the same file
 * builds freestanding for the kernel, for user programs and for the host
 * tests that compare it with the C library. One conversion is parsed into a
 * struct fmt_spec, then emitted by a function per kind (integer, string,
 * character); every byte goes through out_put() to the caller's sink.
 */
#include <lib/fmt.h>
#include <stdint.h>

struct fmt_out {
	void (*put)(char c, void *ctx); /* [O] the sink */
	void *ctx;			/* [O] its argument */
	size_t len;			/* [O] bytes produced so far */
};

#define F_LEFT	0x01
#define F_ZERO	0x02
#define F_PLUS	0x04
#define F_SPACE 0x08
#define F_ALT	0x10

struct fmt_spec {
	unsigned flags; /* F_* */
	int width;	/* minimum field width, 0: none */
	int prec;	/* precision, -1: none */
	int lng;	/* 0 int, 1 long, 2 long long, 3 size_t, -1 short, -2 char */
	char conv;	/* conversion character */
};

static void out_put(struct fmt_out *o, char c)
{
	o->put(c, o->ctx);
	o->len++;
}

static size_t str_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

static void out_pad(struct fmt_out *o, char c, int n)
{
	while (n-- > 0)
		out_put(o, c);
}

static int parse_int(const char **p, va_list *ap)
{
	int v = 0;

	if (**p == '*') {
		(*p)++;
		return va_arg(*ap, int);
	}
	while (**p >= '0' && **p <= '9')
		v = v * 10 + (*(*p)++ - '0');
	return v;
}

static unsigned parse_flags(const char **p)
{
	unsigned f = 0;

	for (;; (*p)++) {
		switch (**p) {
		case '-':
			f |= F_LEFT;
			break;
		case '0':
			f |= F_ZERO;
			break;
		case '+':
			f |= F_PLUS;
			break;
		case ' ':
			f |= F_SPACE;
			break;
		case '#':
			f |= F_ALT;
			break;
		default:
			return f;
		}
	}
}

static int parse_length(const char **p)
{
	int l = 0;

	if (**p == 'z') {
		(*p)++;
		return 3;
	}
	while (**p == 'l') {
		l = l < 2 ? l + 1 : 2;
		(*p)++;
	}
	while (**p == 'h') {
		l = l > -2 ? l - 1 : -2;
		(*p)++;
	}
	return l;
}

/* Parses flags, width, precision and length after a '%'; *p ends after the conversion. */
static void parse_spec(const char **p, va_list *ap, struct fmt_spec *s)
{
	s->flags = parse_flags(p);
	s->width = parse_int(p, ap);
	if (s->width < 0) {
		s->flags |= F_LEFT;
		s->width = -s->width;
	}
	s->prec = -1;
	if (**p == '.') {
		(*p)++;
		s->prec = parse_int(p, ap);
		if (s->prec < 0)
			s->prec = -1;
	}
	s->lng = parse_length(p);
	s->conv = **p ? *(*p)++ : '\0';
}

static void emit_str(struct fmt_out *o, const struct fmt_spec *s, const char *str)
{
	size_t n;
	int pad;

	if (!str)
		str = "(null)";
	n = str_len(str, s->prec >= 0 ? (size_t)s->prec : SIZE_MAX);
	pad = s->width > (int)n ? s->width - (int)n : 0;
	if (!(s->flags & F_LEFT))
		out_pad(o, ' ', pad);
	while (n--)
		out_put(o, *str++);
	if (s->flags & F_LEFT)
		out_pad(o, ' ', pad);
}

static void emit_char(struct fmt_out *o, const struct fmt_spec *s, char c)
{
	int pad = s->width > 1 ? s->width - 1 : 0;

	if (!(s->flags & F_LEFT))
		out_pad(o, ' ', pad);
	out_put(o, c);
	if (s->flags & F_LEFT)
		out_pad(o, ' ', pad);
}

static int to_digits(char *dig, unsigned long long v, unsigned base, int upper)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	while (v) {
		/* cppcheck-suppress zerodivcond ; base is 8, 10 or 16 */
		dig[n++] = set[v % base];
		v /= base;
	}
	return n; /* reversed; 0 digits for the value 0 */
}

/* Lays out [sign/prefix][zeros][digits] within the field width. */
static void emit_num(struct fmt_out *o, const struct fmt_spec *s, unsigned long long v, int neg,
		     unsigned base)
{
	char dig[24], pre[3] = {0};
	int n = to_digits(dig, v, base, s->conv == 'X');
	int zeros, npre = 0, pad;

	if (neg || (s->flags & (F_PLUS | F_SPACE)))
		pre[npre++] = neg ? '-' : (s->flags & F_PLUS) ? '+' : ' ';
	if ((s->flags & F_ALT) && base == 16 && v) {
		pre[npre++] = '0';
		pre[npre++] = s->conv == 'X' ? 'X' : 'x';
	}
	zeros = s->prec > n ? s->prec - n : 0;
	if (s->prec < 0 && n == 0)
		zeros = 1; /* "0"; an explicit precision 0 prints no digit for 0 */
	if ((s->flags & F_ALT) && base == 8 && zeros == 0 && (n == 0 || dig[n - 1] != '0'))
		zeros = 1;
	pad = s->width - npre - zeros - n;
	if ((s->flags & F_ZERO) && !(s->flags & F_LEFT) && s->prec < 0) {
		zeros += pad > 0 ? pad : 0;
		pad = 0;
	}
	if (!(s->flags & F_LEFT))
		out_pad(o, ' ', pad);
	for (int i = 0; i < npre; i++)
		out_put(o, pre[i]);
	out_pad(o, '0', zeros);
	while (n)
		out_put(o, dig[--n]);
	if (s->flags & F_LEFT)
		out_pad(o, ' ', pad);
}

static long long arg_signed(const struct fmt_spec *s, va_list *ap)
{
	switch (s->lng) {
	case 3:
		return (long long)va_arg(*ap, intptr_t);
	case 2:
		return va_arg(*ap, long long);
	case 1:
		return va_arg(*ap, long);
	case -1:
		return (short)va_arg(*ap, int);
	case -2:
		return (signed char)va_arg(*ap, int);
	default:
		return va_arg(*ap, int);
	}
}

static unsigned long long arg_unsigned(const struct fmt_spec *s, va_list *ap)
{
	switch (s->lng) {
	case 3:
		return va_arg(*ap, size_t);
	case 2:
		return va_arg(*ap, unsigned long long);
	case 1:
		return va_arg(*ap, unsigned long);
	case -1:
		return (unsigned short)va_arg(*ap, unsigned);
	case -2:
		return (unsigned char)va_arg(*ap, unsigned);
	default:
		return va_arg(*ap, unsigned);
	}
}

static void emit_conv(struct fmt_out *o, struct fmt_spec *s, va_list *ap)
{
	long long sv;

	switch (s->conv) {
	case 'd':
	case 'i':
		sv = arg_signed(s, ap);
		emit_num(o, s, sv < 0 ? 0ULL - (unsigned long long)sv : (unsigned long long)sv,
			 sv < 0, 10);
		break;
	case 'u':
		emit_num(o, s, arg_unsigned(s, ap), 0, 10);
		break;
	case 'x':
	case 'X':
		emit_num(o, s, arg_unsigned(s, ap), 0, 16);
		break;
	case 'o':
		emit_num(o, s, arg_unsigned(s, ap), 0, 8);
		break;
	case 'p':
		s->flags |= F_ALT;
		s->conv = 'x';
		emit_num(o, s, (uintptr_t)va_arg(*ap, void *), 0, 16);
		break;
	case 's':
		emit_str(o, s, va_arg(*ap, const char *));
		break;
	case 'c':
		emit_char(o, s, (char)va_arg(*ap, int));
		break;
	case '%':
		out_put(o, '%');
		break;
	case '\0':
		break;
	default:
		out_put(o, '%');
		out_put(o, s->conv);
	}
}

int fmt_format(void (*put)(char c, void *ctx), void *ctx, const char *fmt, va_list ap)
{
	struct fmt_out o = {put, ctx, 0};
	struct fmt_spec s;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out_put(&o, *fmt++);
			continue;
		}
		fmt++;
		parse_spec(&fmt, &aq, &s);
		emit_conv(&o, &s, &aq);
	}
	va_end(aq);
	return (int)o.len;
}

struct fmt_buf {
	char *buf;
	size_t size, pos; /* pos may pass size: the length the full output would have */
};

static void buf_put(char c, void *ctx)
{
	struct fmt_buf *b = ctx;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buf b = {buf, size, 0};
	int n = fmt_format(buf_put, &b, fmt, ap);

	if (size)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

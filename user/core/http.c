/*
 * http.c - HTTP/1.x request parsing and response heads (tio/http.h).
 *
 * Parsing is strict where ambiguity could hurt (request line shape, version,
 * percent escapes, dot-dot segments, header syntax) and lenient where it
 * cannot (bare LF line ends, unknown headers). Each step is a function that
 * returns -1 for "malformed" so http_parse reads as the grammar.
 */
#include <stdio.h>
#include <string.h>
#include <tio/http.h>

/* Finds the end of the header block: index just past the blank line, or 0. */
static size_t header_end(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes the target (up to '?' or its end) into req->path. */
static int decode_path(const char *t, size_t len, struct http_req *req)
{
	size_t o = 0;

	for (size_t i = 0; i < len && t[i] != '?' && t[i] != '#'; i++) {
		int c = (unsigned char)t[i];

		if (c == '%') {
			if (i + 2 >= len || hexval(t[i + 1]) < 0 || hexval(t[i + 2]) < 0)
				return -1;
			c = hexval(t[i + 1]) * 16 + hexval(t[i + 2]);
			i += 2;
		}
		if (c == 0 || o + 1 >= sizeof(req->path))
			return -1;
		req->path[o++] = (char)c;
	}
	req->path[o] = '\0';
	return 0;
}

/* Refuses "." / ".." segments and backslashes so a path never leaves the root. */
static int path_safe(const char *p)
{
	if (p[0] != '/' || strchr(p, '\\'))
		return 0;
	for (const char *s = p; s; s = strchr(s + 1, '/')) {
		const char *seg = s + 1;
		size_t n = strcspn(seg, "/");

		if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
	}
	return 1;
}

static int parse_method(const char *m, size_t n, struct http_req *req)
{
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (m[i] < 'A' || m[i] > 'Z')
			return -1;
	if (n == 3 && !memcmp(m, "GET", 3))
		req->method = HTTP_GET;
	else if (n == 4 && !memcmp(m, "HEAD", 4))
		req->method = HTTP_HEAD;
	else
		req->method = HTTP_OTHER;
	return 0;
}

/* "METHOD SP target SP HTTP/1.x" (the line without its end). */
static int parse_request_line(const char *l, size_t n, struct http_req *req)
{
	const char *sp1 = memchr(l, ' ', n), *sp2;

	if (!sp1 || parse_method(l, (size_t)(sp1 - l), req) < 0)
		return -1;
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - l));
	if (!sp2 || sp2 == sp1 + 1 || sp1[1] != '/')
		return -1;
	if ((size_t)(l + n - sp2) != 9 || memcmp(sp2 + 1, "HTTP/1.", 7) ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return -1;
	req->minor = sp2[8] - '0';
	req->keep_alive = req->minor == 1;
	if (decode_path(sp1 + 1, (size_t)(sp2 - sp1 - 1), req) < 0)
		return -1;
	return path_safe(req->path) ? 0 : -1;
}

static int value_is(const char *v, size_t n, const char *word)
{
	return strlen(word) == n && !strncasecmp(v, word, n);
}

/* Decimal digits [v, v + n) into *out; -1 if empty, not digits or too long. */
static int parse_u64(const char *v, size_t n, uint64_t *out)
{
	if (n == 0 || n > 18)
		return -1; /* 18 digits cannot overflow */
	*out = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		*out = *out * 10 + (uint64_t)(v[i] - '0');
	}
	return 0;
}

/* "bytes=first-[last]" or "bytes=-suffix" into req; anything else leaves no range. */
static void parse_range(const char *v, size_t n, struct http_req *req)
{
	const char *dash;
	size_t lead;

	req->range = HTTP_RANGE_NONE;
	if (n < 6 || strncasecmp(v, "bytes=", 6) || memchr(v, ',', n))
		return; /* another unit, or several ranges: not done, send it all */
	v += 6, n -= 6;
	dash = memchr(v, '-', n);
	if (!dash)
		return;
	lead = (size_t)(dash - v);
	if (lead == 0) {
		if (parse_u64(dash + 1, n - 1, &req->range_last) == 0)
			req->range = HTTP_RANGE_SUFFIX;
		return;
	}
	if (parse_u64(v, lead, &req->range_first) < 0)
		return;
	req->range_last = UINT64_MAX;
	if (n - lead - 1 && parse_u64(dash + 1, n - lead - 1, &req->range_last) < 0)
		return;
	if (req->range_first <= req->range_last)
		req->range = HTTP_RANGE_FROM;
}

/* "Name: value"; acts on Connection, Content-Length and Range, ignores the rest. */
static int parse_header(const char *l, size_t n, struct http_req *req)
{
	const char *colon = memchr(l, ':', n), *v;
	size_t nlen, vlen;

	if (!colon || colon == l)
		return -1;
	nlen = (size_t)(colon - l);
	for (size_t i = 0; i < nlen; i++)
		if (l[i] == ' ' || l[i] == '\t')
			return -1; /* no space before the colon (RFC 9112 5.1) */
	v = colon + 1;
	vlen = n - nlen - 1;
	while (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (nlen == 10 && !strncasecmp(l, "Connection", 10)) {
		if (value_is(v, vlen, "close"))
			req->keep_alive = 0;
		else if (value_is(v, vlen, "keep-alive"))
			req->keep_alive = 1;
	} else if (nlen == 14 && !strncasecmp(l, "Content-Length", 14)) {
		if (vlen == 0 || vlen > 12)
			return -1;
		req->body_len = 0;
		for (size_t i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9')
				return -1;
			req->body_len = req->body_len * 10 + (uint64_t)(v[i] - '0');
		}
	} else if (nlen == 5 && !strncasecmp(l, "Range", 5)) {
		parse_range(v, vlen, req);
	} else if (nlen == 17 && !strncasecmp(l, "Transfer-Encoding", 17)) {
		return -1; /* chunked request bodies are not supported: refuse, don't misframe */
	}
	return 0;
}

long http_parse(const char *buf, size_t len, struct http_req *req)
{
	size_t end = header_end(buf, len < HTTP_REQ_MAX ? len : HTTP_REQ_MAX), pos = 0;
	int line = 0;

	if (!end)
		return len >= HTTP_REQ_MAX ? -1 : 0;
	memset(req, 0, sizeof(*req));
	while (pos < end) {
		const char *l = buf + pos, *nl = memchr(l, '\n', end - pos);
		size_t n = (size_t)(nl - l);

		pos += n + 1;
		if (n && l[n - 1] == '\r')
			n--;
		if (n == 0)
			break; /* the blank line */
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)l[i] < 0x20 && l[i] != '\t')
				return -1;
		if (line++ == 0 ? parse_request_line(l, n, req) : parse_header(l, n, req))
			return -1;
	}
	return line ? (long)end : -1;
}

const char *http_mime(const char *path)
{
	static const char *const map[][2] = {
	    {".html", "text/html"},   {".htm", "text/html"},	  {".txt", "text/plain"},
	    {".css", "text/css"},     {".js", "text/javascript"}, {".json", "application/json"},
	    {".png", "image/png"},    {".jpg", "image/jpeg"},	  {".jpeg", "image/jpeg"},
	    {".gif", "image/gif"},    {".svg", "image/svg+xml"},  {".ico", "image/x-icon"},
	    {".md", "text/markdown"},
	};
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (!strcasecmp(dot, map[i][0]))
				return map[i][1];
	return "application/octet-stream";
}

const char *http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 206:
		return "Partial Content";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 416:
		return "Range Not Satisfiable";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

/* The head with @extra (whole header lines) after Content-Length. */
static long head_fmt(char *buf, size_t cap, int status, const char *type, uint64_t length,
		     const char *extra, int keep_alive)
{
	int n = snprintf(buf, cap,
			 "HTTP/1.1 %d %s\r\nServer: tessera-httpd\r\nContent-Type: %s\r\n"
			 "Content-Length: %llu\r\n%sConnection: %s\r\n\r\n",
			 status, http_reason(status), type, (unsigned long long)length, extra,
			 keep_alive ? "keep-alive" : "close");
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

long http_head(char *buf, size_t cap, int status, const char *type, uint64_t length, int keep_alive)
{
	return head_fmt(buf, cap, status, type, length, status == 405 ? "Allow: GET, HEAD\r\n" : "",
			keep_alive);
}

int http_range(const struct http_req *req, uint64_t size, uint64_t *off, uint64_t *len)
{
	*off = 0;
	*len = size;
	switch (req->range) {
	case HTTP_RANGE_NONE:
		return 200;
	case HTTP_RANGE_FROM:
		if (req->range_first >= size)
			return 416;
		*off = req->range_first;
		*len = (req->range_last < size - 1 ? req->range_last : size - 1) - *off + 1;
		return 206;
	case HTTP_RANGE_SUFFIX:
		if (req->range_last == 0 || size == 0)
			return 416;
		if (req->range_last < size) {
			*off = size - req->range_last;
			*len = req->range_last;
		}
		return 206;
	}
	return 200;
}

long http_head_range(char *buf, size_t cap, int status, const char *type, uint64_t off,
		     uint64_t len, uint64_t size, int keep_alive)
{
	char cr[80];

	if (status == 206)
		snprintf(cr, sizeof(cr), "Content-Range: bytes %llu-%llu/%llu\r\n",
			 (unsigned long long)off, (unsigned long long)(off + len - 1),
			 (unsigned long long)size);
	else
		snprintf(cr, sizeof(cr), "Content-Range: bytes */%llu\r\n",
			 (unsigned long long)size);
	return head_fmt(buf, cap, status, type, status == 206 ? len : 0, cr, keep_alive);
}

long http_error_body(char *buf, size_t cap, int status)
{
	int n = snprintf(buf, cap, "<html><body><h1>%d %s</h1></body></html>\n", status,
			 http_reason(status));
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int http_map_path(char *out, size_t cap, const char *root, const char *path)
{
	size_t rl = strlen(root);
	const char *index = path[strlen(path) - 1] == '/' ? "index.html" : "";
	int n;

	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	n = snprintf(out, cap, "%.*s%s%s", (int)rl, root, path, index);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

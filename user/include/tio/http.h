/*
 * tio/http.h - httpd's pure parts: request parsing and response heads.
 * Host-tested, including malformed requests.
 *
 * http_parse() works on the bytes received so far: it returns 0 while the
 * header block is incomplete, the header length when a request is complete
 * (the caller then drops that many bytes plus req->body_len), or -1 when the
 * request is malformed or its header exceeds HTTP_REQ_MAX (answer 400 and
 * close). A known-bad but well-formed request (e.g. POST) parses fine; the
 * server answers it from req->method.
 */
#ifndef TIO_HTTP_H
#define TIO_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_REQ_MAX  8192 /* header block limit */
#define HTTP_PATH_MAX 256  /* decoded path limit (TIO_PATH_MAX) */

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

/*
 * A "Range: bytes=..." header with one range (RFC 9110 14.1.2). A Range the
 * server does not do (other units, several ranges) or cannot read is
 * ignored, as RFC 9110 14.2 allows: the whole file is sent.
 */
enum http_range_kind {
	HTTP_RANGE_NONE,
	HTTP_RANGE_FROM,  /* bytes=first-last (last UINT64_MAX: open-ended) */
	HTTP_RANGE_SUFFIX /* bytes=-last: the last @last bytes */
};

struct http_req {
	enum http_method method;
	char path[HTTP_PATH_MAX]; /* decoded, query removed, never contains ".." segments */
	int minor;		  /* HTTP/1.<minor> */
	int keep_alive;		  /* connection persists after the response */
	uint64_t body_len;	  /* Content-Length of the request (to discard) */
	enum http_range_kind range;
	uint64_t range_first, range_last; /* see enum http_range_kind */
};

long http_parse(const char *buf, size_t len, struct http_req *req);

/* Content-Type for a file name, by extension. */
const char *http_mime(const char *path);
/* Reason phrase: 200 OK, 400 Bad Request, 404 Not Found, 405 Method Not Allowed, ... */
const char *http_reason(int status);
/* Response head (status line, headers, blank line) into @buf; its length, or -1 if too small. */
long http_head(char *buf, size_t cap, int status, const char *type, uint64_t length,
	       int keep_alive);
/*
 * Resolves req->range against a file of @size bytes: 200 (no range: all of
 * it), 206 (the part [*off, *off + *len)) or 416 (not satisfiable).
 */
int http_range(const struct http_req *req, uint64_t size, uint64_t *off, uint64_t *len);
/* Head of a 206 (Content-Range: bytes off-end/size) or 416 (bytes * /size) response. */
long http_head_range(char *buf, size_t cap, int status, const char *type, uint64_t off,
		     uint64_t len, uint64_t size, int keep_alive);
/* Small HTML body for an error status; its length. */
long http_error_body(char *buf, size_t cap, int status);
/* "/" and ".../" map to index.html; joins @root and @path into @out. 0 or -1 (too long). */
int http_map_path(char *out, size_t cap, const char *root, const char *path);

#endif

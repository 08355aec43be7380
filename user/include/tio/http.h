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

struct http_req {
	enum http_method method;
	char path[HTTP_PATH_MAX]; /* decoded, query removed, never contains ".." segments */
	int minor;		  /* HTTP/1.<minor> */
	int keep_alive;		  /* connection persists after the response */
	uint64_t body_len;	  /* Content-Length of the request (to discard) */
};

long http_parse(const char *buf, size_t len, struct http_req *req);

/* Content-Type for a file name, by extension. */
const char *http_mime(const char *path);
/* Reason phrase: 200 OK, 400 Bad Request, 404 Not Found, 405 Method Not Allowed, ... */
const char *http_reason(int status);
/* Response head (status line, headers, blank line) into @buf; its length, or -1 if too small. */
long http_head(char *buf, size_t cap, int status, const char *type, uint64_t length,
	       int keep_alive);
/* Small HTML body for an error status; its length. */
long http_error_body(char *buf, size_t cap, int status);
/* "/" and ".../" map to index.html; joins @root and @path into @out. 0 or -1 (too long). */
int http_map_path(char *out, size_t cap, const char *root, const char *path);

#endif

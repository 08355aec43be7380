/*
 * tio/sha256.h - SHA-256 (FIPS 180-4), streaming. Pure; host-tested with the
 * NIST example vectors.
 *
 *   struct sha256 s; sha256_init(&s); sha256_update(&s, p, n)...;
 *   sha256_final(&s, digest); sha256_hex(digest, text);
 */
#ifndef TIO_SHA256_H
#define TIO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];	   /* [O] chaining state */
	uint64_t bytes;	   /* [O] message length so far */
	uint8_t block[64]; /* [O] partial block */
	size_t fill;	   /* [O] bytes in @block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t digest[SHA256_LEN]);
/* 64 lowercase hex digits and a NUL. */
void sha256_hex(const uint8_t digest[SHA256_LEN], char out[2 * SHA256_LEN + 1]);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * b64url: base64url without padding (RFC 4648 section 5), the alphabet of
 * API keys, challenge tokens and clearance cookies: safe in URLs, query
 * strings and cookie values without escaping.
 */
#ifndef AEGIS_B64URL_H
#define AEGIS_B64URL_H

#include <stddef.h>
#include <stdint.h>

/* Characters that n bytes encode to (no padding). */
#define B64URL_LEN(n) (((n) * 8 + 5) / 6)

/* Writes B64URL_LEN(n) characters and a NUL; -ENOSPC if cap is short. */
int b64url_encode(const uint8_t *in, size_t n, char *out, size_t cap);
/* Decodes exactly len characters into out: the byte count, or -EINVAL
 * (a character outside the alphabet, an impossible length, non-zero
 * padding bits) or -ENOSPC. */
int b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap);

#endif /* AEGIS_B64URL_H */

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* base64url without padding; see b64url.h. */
#include <errno.h>

#include "lib/b64url.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int b64url_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
	uint32_t acc = 0;
	size_t k = 0;
	int bits = 0;

	if (cap < B64URL_LEN(n) + 1)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[k++] = alphabet[(acc >> bits) & 63];
		}
	}
	if (bits)
		out[k++] = alphabet[(acc << (6 - bits)) & 63];
	out[k] = '\0';
	return 0;
}

static int sextet(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '-' ? 62 : c == '_' ? 63 : -1;
}

int b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	size_t k = 0;
	int bits = 0;

	if (len % 4 == 1)
		return -EINVAL;	/* 6 bits cannot end a byte */
	if (len * 6 / 8 > cap)
		return -ENOSPC;
	for (size_t i = 0; i < len; i++) {
		int v = sextet(in[i]);

		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[k++] = (uint8_t)(acc >> bits);
		}
	}
	/* One encoding per byte string: the leftover bits must be zero. */
	if (acc & ((1u << bits) - 1))
		return -EINVAL;
	return (int)k;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for JSON escaping of attacker strings (lib/json.c:
 * User-Agent, Host, paths and notes end up in event and access logs).
 * Checks, with a strict RFC 8259 string scanner: the output is one JSON
 * string, valid UTF-8, no raw control character; valid UTF-8 input comes
 * back byte for byte once the escapes are undone. Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"

/* Same rules as the writer's, kept apart so a bug is not shared. */
static size_t utf8_ok(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
		     (c & 0xf8) == 0xf0 ? 4 : 0;
	uint32_t cp;

	if (!len || len > n)
		return 0;
	cp = len == 1 ? c : c & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static int hexval(unsigned char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Undoes the escapes into out; traps on anything RFC 8259 refuses. */
static size_t unescape(const unsigned char *s, size_t n, unsigned char *out)
{
	size_t o = 0, i = 1;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		__builtin_trap();
	while (i < n - 1) {
		size_t l;

		if (s[i] < 0x20 || s[i] == '"')
			__builtin_trap();
		if (s[i] == '\\') {
			unsigned char e = s[i + 1];

			if (e == 'u') {
				int v = 0;

				for (int k = 0; k < 4; k++) {
					int h = hexval(s[i + 2 + k]);

					if (h < 0)
						__builtin_trap();
					v = v << 4 | h;
				}
				/* control characters come back as themselves; U+FFFD
				 * (an invalid byte) as its UTF-8 encoding */
				if (v < 0x80) {
					out[o++] = (unsigned char)v;
				} else if (v == 0xfffd) {
					memcpy(out + o, "\xef\xbf\xbd", 3);
					o += 3;
				} else {
					__builtin_trap();
				}
				i += 6;
				continue;
			}
			if (!strchr("\"\\/bfnrt", e) || !e)
				__builtin_trap();
			out[o++] = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' :
				   e == 'b' ? '\b' : e == 'f' ? '\f' : e;
			i += 2;
			continue;
		}
		l = utf8_ok(s + i, n - 1 - i);
		if (!l)
			__builtin_trap();
		memcpy(out + o, s + i, l);
		o += l;
		i += l;
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *outbuf = NULL;
	unsigned char *back;
	size_t outlen = 0, n, k;
	FILE *f;
	bool valid = true;

	if (size > 65536)
		return 0;
	in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	n = strlen(in);
	f = open_memstream(&outbuf, &outlen);
	if (!f) {
		free(in);
		return 0;
	}
	json_write_string(f, in);
	fclose(f);
	back = malloc(outlen + 1);
	if (back) {
		size_t got = unescape((const unsigned char *)outbuf, outlen, back);

		for (size_t i = 0; i < n; i += k)
			if (!(k = utf8_ok((const unsigned char *)in + i, n - i))) {
				valid = false;
				break;
			}
		if (valid && (got != n || memcmp(back, in, n)))
			__builtin_trap();
	}
	free(back);
	free(outbuf);
	free(in);
	return 0;
}

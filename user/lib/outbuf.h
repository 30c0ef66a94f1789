/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A bounded output buffer for writing HTTP heads: appends stop at the
 * capacity and set `full`, so a writer checks once at the end instead of
 * after every piece.
 */
#ifndef AEGIS_OUTBUF_H
#define AEGIS_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct outbuf {
	char *p;
	size_t cap, len;
	bool full;
};

static inline void outbuf_put(struct outbuf *o, const char *s, size_t n)
{
	if (o->full || o->cap - o->len < n) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static inline void outbuf_puts(struct outbuf *o, const char *s)
{
	outbuf_put(o, s, strlen(s));
}

#endif /* AEGIS_OUTBUF_H */

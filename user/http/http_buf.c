// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Byte queues and the HTTP buffer budget; see http_buf.h. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "engine/slots.h"
#include "http/http_buf.h"
#include "http/http_conn.h"

static _Atomic uint64_t total;		/* bytes allocated in hbufs */
static _Atomic uint64_t leaving;	/* of those, held by shed connections */

char *hbuf_reserve(struct hbuf *b, size_t len)
{
	if (!b->len)
		b->off = 0;
	if (b->off && b->off + b->len + len > b->cap) {
		memmove(b->p, b->p + b->off, b->len);
		b->off = 0;
	}
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (cap < b->len + len)
			cap *= 2;
		if (cap > UINT32_MAX / 2 || !(np = realloc(b->p, cap)))
			return NULL;
		atomic_fetch_add_explicit(&total, cap - b->cap, memory_order_relaxed);
		b->p = np;
		b->cap = (uint32_t)cap;
	}
	return b->p + b->off + b->len;
}

int hbuf_append(struct hbuf *b, const void *p, size_t len)
{
	char *to;

	if (!len)
		return 0;
	to = hbuf_reserve(b, len);
	if (!to)
		return -ENOMEM;
	memcpy(to, p, len);
	b->len += (uint32_t)len;
	return 0;
}

/* Never rewinds off: a receive in flight writes at the offset it was armed with. */
void hbuf_consume(struct hbuf *b, size_t n)
{
	b->off += (uint32_t)n;
	b->len -= (uint32_t)n;
}

void hbuf_free(struct hbuf *b)
{
	if (b->cap)
		atomic_fetch_sub_explicit(&total, b->cap, memory_order_relaxed);
	free(b->p);
	memset(b, 0, sizeof(*b));
}

uint64_t http_buf_total(void)
{
	return atomic_load_explicit(&total, memory_order_relaxed);
}

uint64_t http_buf_conn_bytes(const struct http_conn *c)
{
	uint64_t n = (uint64_t)c->zombie_in.cap + c->zombie_tx.cap;

	for (int i = 0; i < 2; i++)
		n += (uint64_t)c->in[i].cap + c->out[i].cap + c->tx[i].cap;
	return n;
}

/* Buffer bytes, times one plus the seconds the client has left a
 * response backlog unread: a stalled reader outranks a busy download. */
static uint64_t shed_score(const struct http_conn *c, uint64_t now_ms)
{
	uint64_t bytes, age;

	if (c->state == HC_FREE || c->state == HC_CLOSING || c->shed_bytes)
		return 0;
	bytes = http_buf_conn_bytes(c);
	age = c->cw_since_ms && now_ms > c->cw_since_ms ? (now_ms - c->cw_since_ms) / 1000 : 0;
	return bytes * (1 + age);
}

struct shed_pick {
	struct http_conn *c;
	uint64_t score;
};

/* Keeps picks[0..*n) sorted by score, highest first, at most BATCH. */
static void pick_add(struct shed_pick *picks, unsigned int *n, struct http_conn *c, uint64_t s)
{
	unsigned int i = *n < HTTP_BUF_SHED_BATCH ? (*n)++ : HTTP_BUF_SHED_BATCH;

	if (i == HTTP_BUF_SHED_BATCH && s <= picks[i - 1].score)
		return;
	if (i == HTTP_BUF_SHED_BATCH)
		i--;
	while (i > 0 && picks[i - 1].score < s) {
		picks[i] = picks[i - 1];
		i--;
	}
	picks[i] = (struct shed_pick){ c, s };
}

bool http_buf_over(uint64_t budget)
{
	uint64_t t = atomic_load_explicit(&total, memory_order_relaxed);
	uint64_t l = atomic_load_explicit(&leaving, memory_order_relaxed);

	return t > l && t - l > budget;
}

unsigned int http_buf_shed(struct worker *w, const struct slot_table *conns, uint64_t budget,
			   uint64_t now_ms, http_buf_shed_fn shed)
{
	struct shed_pick picks[HTTP_BUF_SHED_BATCH];
	unsigned int n = 0, done = 0;

	if (!budget || !http_buf_over(budget))
		return 0;
	for (uint32_t i = 0; i < conns->n; i++) {
		struct http_conn *c = slots_at(conns, i);
		uint64_t s = shed_score(c, now_ms);

		if (s)
			pick_add(picks, &n, c, s);
	}
	for (unsigned int i = 0; i < n && http_buf_over(budget); i++) {
		struct http_conn *c = picks[i].c;

		c->shed_bytes = http_buf_conn_bytes(c);
		atomic_fetch_add_explicit(&leaving, c->shed_bytes, memory_order_relaxed);
		shed(w, c);
		done++;
	}
	return done;
}

void http_buf_conn_freed(struct http_conn *c)
{
	if (c->shed_bytes)
		atomic_fetch_sub_explicit(&leaving, c->shed_bytes, memory_order_relaxed);
	c->shed_bytes = 0;
}

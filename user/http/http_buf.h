/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The HTTP proxy's byte queues and their memory. Every struct hbuf of
 * every connection on every worker is counted in one process-wide total;
 * proxy_engine.http_memory bounds it. Over the bound, each worker closes
 * its own worst connections first: most buffer bytes, weighted by how
 * long the client has left a response backlog unread (a slow reader
 * pinning memory scores highest). Bytes of a connection closed for this
 * are counted as on their way out until its buffers are freed, so workers
 * shedding at once do not all free the same excess.
 */
#ifndef AEGIS_HTTP_BUF_H
#define AEGIS_HTTP_BUF_H

#include <stddef.h>
#include <stdint.h>

struct http_conn;
struct slot_table;
struct worker;

struct hbuf {
	char *p;
	uint32_t off, len, cap;		/* data is p[off .. off+len) */
};

int hbuf_append(struct hbuf *b, const void *p, size_t len);
/* Room for n more bytes at p + off + len (written, then len += used); NULL on ENOMEM. */
char *hbuf_reserve(struct hbuf *b, size_t n);
void hbuf_consume(struct hbuf *b, size_t n);
void hbuf_free(struct hbuf *b);

/* Bytes of every connection buffer, all workers (shed ones included). */
uint64_t http_buf_total(void);
/* The total, less what shed connections still hold, is over budget. */
bool http_buf_over(uint64_t budget);
/* Buffer bytes one connection holds. */
uint64_t http_buf_conn_bytes(const struct http_conn *c);

/* Called on each connection chosen: it must close it. */
typedef void (*http_buf_shed_fn)(struct worker *w, struct http_conn *c);

/*
 * Over budget, sheds the worst of the open connections in conns (at most
 * HTTP_BUF_SHED_BATCH a call) until the total without the ones on their
 * way out fits. Returns how many it shed.
 */
#define HTTP_BUF_SHED_BATCH 64
unsigned int http_buf_shed(struct worker *w, const struct slot_table *conns, uint64_t budget,
			   uint64_t now_ms, http_buf_shed_fn shed);
/* A connection is freed: forgets what http_buf_shed counted for it. */
void http_buf_conn_freed(struct http_conn *c);

#endif /* AEGIS_HTTP_BUF_H */

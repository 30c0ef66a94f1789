/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * HTTP/1.1 proxying on a worker (proxies with protocol: http): client
 * keep-alive, one request at a time per connection (pipelined ones wait
 * their turn), request hygiene and the detection guard before any byte
 * goes upstream, a per-worker pool of keep-alive upstream connections,
 * bodies streamed both ways with bounded queues, upgrades tunnelled.
 * Runs only on its worker's thread; owns struct http_workset.
 */
#ifndef AEGIS_HTTP_PROXY_H
#define AEGIS_HTTP_PROXY_H

#include <liburing.h>

struct worker;
struct worker_listener;
struct proxy;

/* The worker's HTTP state is built on its first HTTP client; this frees it. */
void http_free(struct worker *w);
void http_accept(struct worker *w, struct worker_listener *l, int fd);
void http_complete(struct worker *w, struct io_uring_cqe *cqe);
/* A proxy started draining: idle clients go, the rest see its deadline. */
void http_drain(struct worker *w, struct proxy *px);
void http_close_all(struct worker *w, const char *reason);

#endif /* AEGIS_HTTP_PROXY_H */

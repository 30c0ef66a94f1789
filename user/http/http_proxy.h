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

/* Registers the http ops (struct worker_proto) for UD_FAM_HTTP: call once,
 * before any worker starts. */
void http_proxy_register(void);

#endif /* AEGIS_HTTP_PROXY_H */

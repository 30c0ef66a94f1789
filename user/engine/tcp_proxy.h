/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TCP proxying on a worker: accept -> (PROXY header from a trusted load
 * balancer) -> pick an upstream -> connect with a deadline -> (PROXY
 * header towards the upstream) -> relay both ways with bounded queues ->
 * close with a reason and an access-log line. Runs only on its worker's
 * thread; owns struct tcp_state.
 */
#ifndef AEGIS_TCP_PROXY_H
#define AEGIS_TCP_PROXY_H

#include <liburing.h>

struct worker;
struct worker_listener;

int tcp_conns_init(struct worker *w);
void tcp_conns_free(struct worker *w);
void tcp_accept(struct worker *w, struct worker_listener *l, int fd);
void tcp_complete(struct worker *w, struct io_uring_cqe *cqe);
/* Re-arms reads that stopped because the buffer ring ran dry. */
void tcp_resume_waiters(struct worker *w);
struct proxy;
/* Re-arms the timers of a draining proxy's connections (its deadline is set). */
void tcp_drain(struct worker *w, struct proxy *px);
/* Closes every connection (stop), or those of a draining proxy past its deadline. */
void tcp_close_all(struct worker *w, const char *reason);

#endif /* AEGIS_TCP_PROXY_H */

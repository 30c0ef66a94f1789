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

/* Registers the tcp ops (struct worker_proto) for UD_FAM_TCP: call once,
 * before any worker starts. */
void tcp_proxy_register(void);

#endif /* AEGIS_TCP_PROXY_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * UDP proxying on a worker: each client address gets a session with its
 * own connected upstream socket (so replies find their client), chosen by
 * the balancer on the first datagram and expired when idle. Datagrams
 * travel in provided buffers; a send holds its buffer, so the number of
 * datagrams in flight is bounded by the buffer ring. Owns struct udp_state.
 */
#ifndef AEGIS_UDP_PROXY_H
#define AEGIS_UDP_PROXY_H

/* Registers the udp ops (struct worker_proto) for UD_FAM_UDP: call once,
 * before any worker starts. */
void udp_proxy_register(void);

#endif /* AEGIS_UDP_PROXY_H */

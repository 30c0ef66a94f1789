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

#include <liburing.h>
#include <stdbool.h>

struct worker;

int udp_init(struct worker *w);
void udp_free(struct worker *w);
void udp_arm_listener(struct worker *w, unsigned int slot);
struct sockaddr_storage;
/* Opens the listener's socket (via open_socket(arg)) or takes over the one
 * a drained listener left on the same address. fd or -errno. */
int udp_listener_open(struct worker *w, unsigned int slot, const struct sockaddr_storage *addr,
		      int (*open_socket)(const void *arg), const void *arg);
/* Stops a listener; its sessions stay until idle or drained, unless
 * end_sessions (daemon stop). */
void udp_close_listener(struct worker *w, unsigned int slot, bool end_sessions);
void udp_complete(struct worker *w, struct io_uring_cqe *cqe);
bool udp_active(struct worker *w);
struct proxy;
/* Moves a draining proxy's session timers up to its deadline. */
void udp_drain(struct worker *w, struct proxy *px);
/* Re-arms upstream reads that stopped because the buffer ring ran dry. */
void udp_resume_waiters(struct worker *w);
/* Ends every session (stop). */
void udp_close_all(struct worker *w, const char *reason);

#endif /* AEGIS_UDP_PROXY_H */

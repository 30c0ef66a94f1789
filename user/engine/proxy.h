/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A running proxy: the immutable view workers use (listeners, targets,
 * timeouts, PROXY protocol, access log) built from one proxy config, plus
 * its shared counters. Reference counted: the owner (aegisd), every
 * worker listener and every live connection hold one; a reload replaces a
 * changed proxy with a new object while the old one drains.
 */
#ifndef AEGIS_PROXY_H
#define AEGIS_PROXY_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "aegis/maps.h"
#include "engine/balancer.h"
#include "engine/uring_ud.h"
#include "config/proxy_config.h"

struct proxy;
struct game_validator;

/*
 * An application protocol on a proxy's stream connections (HTTP today):
 * the shared runtime built with the proxy and freed with it, and the
 * worker family (uring_ud.h) serving its connections. The proxy knows
 * applications only through these ops: the one whose wants() accepts a
 * config takes the proxy. Any op but wants and create may be NULL.
 */
struct proxy_app_ops {
	const char *name;
	enum ud_family family;
	bool (*wants)(const struct proxy_cfg *cfg);
	/* Builds *state; 0, or -errno with err set and nothing left built
	 * (balancers it added with proxy_lb_add stay with the proxy). */
	int (*create)(struct proxy *px, void **state, char *err, size_t len);
	void (*free)(void *state);
	/* One line of its counters since the proxy started (drain log). */
	void (*summary)(const void *state, char *buf, size_t len);
	/* Appends " key=value..." totals over the live proxies of this
	 * application to a status line; nothing if none of them is its own. */
	void (*status)(struct proxy *const *live, size_t n, char *buf, size_t len);
};

/* Called once per application before any proxy is created. 0 or -ENOSPC. */
int proxy_app_register(const struct proxy_app_ops *ops);

struct proxy_listener {
	int sock_type;			/* SOCK_STREAM or SOCK_DGRAM */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	uint16_t port;
	struct lb *lb;			/* targets reachable from this port; NULL: the
					 * application chooses per request */
};

struct proxy_stats {
	atomic_uint_fast64_t conns_active, conns_total, conns_shed, conns_failed;
	atomic_uint_fast64_t bytes_in, bytes_out;	/* client->upstream, upstream->client */
	atomic_uint_fast64_t udp_sessions, udp_datagrams_in, udp_datagrams_out, udp_dropped;
};

struct proxy {
	atomic_int refs;
	atomic_bool draining;
	atomic_bool stopping;		/* draining because aegisd stops */
	atomic_bool paused;		/* disabled through the API: new connections refused */
	atomic_uint_fast64_t drain_deadline_ms;	/* CLOCK_MONOTONIC ms; 0 = none */
	struct proxy_cfg cfg;			/* owned copy */
	struct proxy_listener *listeners;
	size_t n_listeners;
	struct lb **lbs;			/* distinct balancers (owned; proxy_lb_add) */
	size_t n_lbs;
	int access_fd;				/* -1: no access log */
	const struct proxy_app_ops *app;	/* NULL: plain TCP/UDP */
	void *app_state;			/* the application's runtime */
	const struct game_validator *game;	/* NULL: none (games/game.h) */
	struct proxy_stats st;
};

/* A snapshot of struct proxy_stats (relaxed reads), for metrics. */
struct proxy_counters {
	uint64_t conns_active, conns_total, conns_shed, conns_failed;
	uint64_t bytes_in, bytes_out;	/* client->upstream, upstream->client */
	uint64_t udp_sessions, udp_datagrams_in, udp_datagrams_out, udp_dropped;
};

/* Builds a proxy from its config (copied). Returns 0 or -errno with err set. */
int proxy_create(const struct proxy_cfg *cfg, struct proxy **out, char *err, size_t len);
void proxy_get(struct proxy *px);
void proxy_put(struct proxy *px);

/* Its configured name (unique among the live proxies). */
const char *proxy_name(const struct proxy *px);
void proxy_counters(const struct proxy *px, struct proxy_counters *out);
/* Its config (the proxy's own copy, valid while px lives). */
const struct proxy_cfg *proxy_config(const struct proxy *px);
/* Its balancers (px->lbs), i < proxy_lb_count(px). */
size_t proxy_lb_count(const struct proxy *px);
struct lb *proxy_lb_at(const struct proxy *px, size_t i);

/* The application runtime of px (NULL for plain TCP/UDP). */
void *proxy_app_state(const struct proxy *px);
const struct proxy_app_ops *proxy_app(const struct proxy *px);
/* The drain-log summary of px's application; false when it has none. */
bool proxy_app_summary(const struct proxy *px, char *buf, size_t len);
/* Every application's status totals over the live proxies, appended. */
void proxy_app_status(struct proxy *const *live, size_t n, char *buf, size_t len);
/* The worker family serving px's listeners of sock_type. */
enum ud_family proxy_family(const struct proxy *px, int sock_type);

/* Hands a balancer to px, which destroys it with itself (the health
 * checker probes every balancer in px->lbs). 0, or -ENOMEM after
 * destroying lb. */
int proxy_lb_add(struct proxy *px, struct lb *lb);

/* Attaches a game validator (before the proxy starts; NULL detaches):
 * TCP connections pass its first-bytes check before an upstream is
 * chosen, UDP datagrams from clients its per-datagram verdict. */
void proxy_game_attach(struct proxy *px, const struct game_validator *v);
const struct game_validator *proxy_game(const struct proxy *px);

/* Chooses an upstream for a new client. Returns the target index, or
 * -EHOSTUNREACH when no healthy target remains. */
int proxy_pick(struct proxy *px, unsigned int listener, const struct sockaddr_storage *client,
	       uint64_t now_ns, struct lb_rng *rng, struct sockaddr_storage *to, socklen_t *to_len);
void proxy_release(struct proxy *px, unsigned int listener, int target);

/* Counts a new connection in conns_active; false (counted as shed) when
 * the proxy drains or is at max_connections. */
bool proxy_conn_admit(struct proxy *px);
/* Disabled at run time (API): new connections and UDP sessions are
 * refused, the open ones go on. A reload that rebuilds px forgets it. */
void proxy_pause(struct proxy *px, bool paused);
bool proxy_paused(const struct proxy *px);
/* Takes an admitted connection back out, as shed. */
void proxy_conn_shed(struct proxy *px);

/* True if `client` may send us a PROXY protocol header. */
bool proxy_trusts(const struct proxy *px, const struct sockaddr_storage *client);

/* Longest PROXY header we send (v1 is the longest form). */
#define PROXY_PP_MAX 108

/* Our header for the upstream (per cfg.pp_send). Length or -errno. */
int proxy_pp_encode(const struct proxy *px, int socktype, const struct sockaddr_storage *client,
		    const struct sockaddr_storage *local, void *buf, size_t len);
/* A trusted peer's header: 0 (used = its length, client = the real client),
 * -EAGAIN (need more bytes) or -EINVAL. */
int proxy_pp_decode(const void *buf, size_t len, size_t *used, struct sockaddr_storage *client);

/* Appends one JSON access-log line (atomic O_APPEND write). */
void proxy_access_log(struct proxy *px, const char *proto, const struct sockaddr_storage *client,
		      const struct sockaddr_storage *upstream, uint64_t bytes_in,
		      uint64_t bytes_out, uint64_t duration_ms, const char *reason);

/* An address for a log line; mask: IPv4 /24, IPv6 /48 (access_log.mask_ips). */
void proxy_log_addr(const struct aegis_addr *a, bool mask, char *buf, size_t len);

/* The balancer algorithm of a configured one. */
enum lb_algo proxy_lb_algo(enum proxy_lb_algo a);

/* Fills a sockaddr from an aegis_addr and port. */
socklen_t proxy_sockaddr(const struct aegis_addr *a, uint16_t port, struct sockaddr_storage *ss);
/* Reads the address of a sockaddr as aegis_addr (IPv4 mapped). */
void proxy_addr_of(const struct sockaddr_storage *ss, struct aegis_addr *a);
/* "198.18.1.2:8080", "[2001:db8::2]:80": an upstream as logs, metrics and the API name it. */
const char *proxy_sockaddr_text(const struct sockaddr_storage *ss, char *buf, size_t len);

#endif /* AEGIS_PROXY_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Proxy definitions for aegisd's io_uring TCP/UDP proxy engine, as parsed
 * and validated by the config module (user/proxy_config.c) from the main
 * config's `proxies:` list and the files of `proxies_dir:`. They reach the
 * daemon in struct aegis_config (proxies, n_proxies). docs/CONFIG.md,
 * section "proxies", is the operator's reference for every key.
 *
 * Everything here is already checked: ranges, one-to-one sizes, weights
 * against addresses, listener overlaps between enabled proxies, xdp blocks
 * against policies. The engine may rely on it.
 */
#ifndef AEGIS_PROXY_CONFIG_H
#define AEGIS_PROXY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct http_cfg;

/* Bounds the parser enforces. */
#define PROXY_MAX_PROXIES	1024	/* main list + proxies_dir together */
#define PROXY_MAX_ORIGIN_ADDRS	64
#define PROXY_MAX_UP_ADDRS	1024
/* Upstream (address, port) candidates of one origin port: addresses x ports in fan-out. */
#define PROXY_MAX_TARGETS	1024
#define PROXY_MAX_WEIGHT	1000
#define PROXY_MAX_HEALTH_COUNT	100	/* health_check.fails / passes */

/* Duration bounds, milliseconds. */
#define PROXY_MAX_CONNECT_MS	(5 * 60 * 1000)		/* timeouts.connect: 1ms..5m */
#define PROXY_MAX_DURATION_MS	(7u * 86400 * 1000)	/* every other duration: ..7d */

enum proxy_pp_mode { PROXY_PP_OFF, PROXY_PP_V1, PROXY_PP_V2 };

/* Over healthy targets; only weighted uses up_weights. */
enum proxy_lb_algo {
	PROXY_LB_ROUND_ROBIN,		/* rotate */
	PROXY_LB_WEIGHTED,		/* random, in proportion to up_weights */
	PROXY_LB_LEAST_CONN,		/* fewest active connections */
	PROXY_LB_IP_HASH,		/* stable target per client address */
	PROXY_LB_RANDOM,		/* uniform */
};

/* Milliseconds; 0 = no timeout where the key allows 0. */
struct proxy_timeouts {
	uint32_t connect_ms;		/* upstream connect, 1ms..5m, default 5s */
	uint32_t idle_ms;		/* no bytes either way, default 300s */
	uint32_t client_read_ms;	/* default 0 */
	uint32_t client_write_ms;	/* default 30s */
	uint32_t upstream_read_ms;	/* default 0 */
	uint32_t upstream_write_ms;	/* default 30s */
	uint32_t udp_session_ms;	/* idle UDP session expiry, 1ms..7d, default 60s */
};

struct proxy_health_cfg {
	bool enabled;			/* default true */
	uint32_t interval_ms;		/* default 10s */
	uint32_t timeout_ms;		/* default 3s, always < interval_ms */
	uint32_t fails;			/* consecutive failures that eject, default 3 */
	uint32_t passes;		/* consecutive passes that readmit, default 2 */
};

struct proxy_cfg {
	char name[64];			/* [A-Za-z0-9_.-]{1,63}, unique */
	char file[256];			/* the file it was defined in */
	int line;			/* line of its mapping in that file */
	bool enabled;			/* default true; a disabled proxy claims nothing */
	bool tcp, udp;			/* protocol: tcp | udp | tcp-udp | http (tcp) */

	/* Listeners: every address x every port x every protocol. */
	struct aegis_addr *origin_addrs;	/* default one: 0.0.0.0; "::" allowed */
	size_t n_origin_addrs;
	uint16_t origin_lo, origin_hi;

	/* Targets: every address x every port (fan-out), or see one_to_one. */
	struct aegis_addr *up_addrs;
	uint32_t *up_weights;		/* per up_addrs[i], 1..1000, default 1 */
	size_t n_up_addrs;
	uint16_t up_lo, up_hi;		/* default: the origin ports */
	/*
	 * Origin port origin_lo + i goes to up_lo + i (sizes are equal).
	 * Default: true if both ranges have the same size above 1.
	 */
	bool one_to_one;

	enum proxy_lb_algo algo;	/* default round-robin */
	bool sticky;			/* client address -> same target for sticky_ttl_s */
	uint32_t sticky_ttl_s;		/* default 3600 */
	uint32_t slow_start_ms;		/* warm-up after readmission, 0 = off (default) */
	struct proxy_health_cfg health;
	struct proxy_timeouts timeouts;

	enum proxy_pp_mode pp_send;	/* PROXY header to upstreams; v1 never on udp-only */
	struct aegis_lpm_key *pp_trusted;	/* proxy_protocol.accept_from */
	size_t n_pp_trusted;

	uint32_t drain_timeout_ms;	/* default 30s; 0 = close at once */
	uint32_t max_conns;		/* 0 = unlimited (the worker pool still bounds it) */
	struct {
		bool enabled;		/* default true */
		char path[256];		/* "" = stdout (default), else absolute */
		bool mask_ips;		/* default false */
	} access_log;

	/*
	 * Optional `xdp:` block: the XDP policy aegisd installs for the origin
	 * ports and protocol(s). Filled in completely: name is the proxy's
	 * name cut to 31 characters, tcp/udp are the proxy's, ports holds the
	 * one origin range, line is that of the `xdp` key, so
	 * config_policy_to_map() takes it as it is.
	 */
	bool has_xdp;
	struct cfg_policy xdp;

	/*
	 * protocol: http only (NULL otherwise): hosts, routes and their
	 * upstreams (up_addrs is then empty), request guards. balance and
	 * health_check apply to every route's pool.
	 */
	struct http_cfg *http;
};

/*
 * Deep copy, used by the daemon to keep a proxy's config past a reload.
 * Returns 0, or -ENOMEM with dst zeroed. dst is overwritten, not freed.
 */
int proxy_cfg_copy(struct proxy_cfg *dst, const struct proxy_cfg *src);
/* Frees what p owns (not p itself) and zeroes it; safe to call twice. */
void proxy_cfg_free(struct proxy_cfg *p);
/*
 * True if two proxy configs are identical, so a reload leaves an unchanged
 * proxy and its connections alone. Where a proxy was written (file, line)
 * does not count; the order of addresses does.
 */
bool proxy_cfg_equal(const struct proxy_cfg *a, const struct proxy_cfg *b);

#endif /* AEGIS_PROXY_CONFIG_H */

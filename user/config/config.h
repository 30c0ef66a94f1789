/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * aegisd's configuration: the YAML file parsed and fully validated into
 * plain structs, and the translation of those structs into the map values
 * the XDP program reads. docs/CONFIG.md is the operator's reference;
 * configs/aegis.yaml shows every key with its default.
 *
 * Nothing partial is ever returned: config_load() either hands back a
 * complete, consistent config or a single "FILE:LINE: message" error
 * naming the first offending node.
 */
#ifndef AEGIS_CONFIG_H
#define AEGIS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aegis/api.h"
#include "aegis/maps.h"
#include "lib/log.h"
#include "config/rep_cfg.h"

/* Bounds the parser enforces beyond those in aegis/limits.h. */
#define CFG_MAX_MAP_ENTRIES	(1u << 24)	/* any map's max_entries */
#define CFG_MIN_EVENT_RING	4096u		/* ring buffer bytes */
#define CFG_MAX_EVENT_RING	(1u << 30)
#define CFG_MAX_POLICIES	(AEGIS_MAX_POLICIES - 1)	/* id 0 is "none" */
#define CFG_MAX_FILE_BYTES	(16u << 20)

/* Duration caps: beyond these a value is a typo, not a policy. */
#define CFG_MAX_STATUS_INTERVAL_S	86400		/* 1d */
#define CFG_MAX_STRIKE_WINDOW_MS	86400000	/* 1d */
#define CFG_MAX_BAN_TTL_S		(365 * 86400)	/* 0 = permanent */
#define CFG_MAX_FLOW_IDLE_S		(7 * 86400)
#define CFG_MAX_SYN_TIMEOUT_S		3600

/* Proxy engine defaults and bounds (per worker). */
#define CFG_DEF_ENGINE_CONNS	16384
#define CFG_DEF_ENGINE_UDP	16384
#define CFG_DEF_ENGINE_BUFFERS	4096
#define CFG_DEF_ENGINE_BUFSIZE	16384
#define CFG_DEF_ENGINE_BUDGET	(256 * 1024)
/* HTTP buffer memory of all workers together: past it the worst are shed. */
#define CFG_DEF_ENGINE_HTTP_MEMORY	1000000000ull		/* 1G */
#define CFG_MIN_ENGINE_HTTP_MEMORY	16000000ull		/* 16M */
#define CFG_MAX_ENGINE_HTTP_MEMORY	1000000000000ull	/* 1000G */
#define CFG_MAX_ENGINE_WORKERS	256

/* Policy defaults for keys a policy leaves out. */
#define CFG_DEF_STRIKE_WINDOW_MS	10000
#define CFG_DEF_BAN_TTL_S		600

struct cfg_limit {
	uint32_t rate, burst;		/* rate 0 = off */
};

struct cfg_port_range {
	uint16_t lo, hi;		/* inclusive, 1..65535 */
};

struct proxy_cfg;			/* proxy_config.h */

enum cfg_xdp_mode { CFG_XDP_AUTO, CFG_XDP_NATIVE, CFG_XDP_GENERIC };

struct cfg_iface {
	char name[16];
	enum cfg_xdp_mode mode;
	int line;			/* where it was declared, for aegisd's errors */
};

struct cfg_cidr {
	struct aegis_lpm_key key;
	char text[64];			/* as written */
	int line;
};

struct cfg_policy {
	char name[32];
	int line;
	bool tcp, udp;			/* protocol: tcp | udp | tcp-udp */
	struct cfg_port_range *ports;
	size_t n_ports;
	struct cfg_limit src[AEGIS_LIM_MAX];	/* indexed by enum aegis_lim */
	struct cfg_limit global_syn, global_conn;
	uint32_t max_conn_per_src, max_conn_total;	/* 0 = no cap */
	uint32_t strike_limit, strike_window_ms, ban_ttl_s;	/* limit 0 = off, ban 0 = permanent */
	uint32_t flow_idle_s, syn_timeout_s;
	enum aegis_syn_cookies syn_cookies;	/* default off */
	struct cfg_limit cookie_syn;		/* syn_cookies_above: auto's threshold */
};

/* The metrics endpoint (metrics: block, config_metrics.c). */
#define CFG_DEF_METRICS_LISTEN	"127.0.0.1:9464"

struct cfg_metrics {
	bool enabled;			/* a metrics: block turns it on; default off */
	struct aegis_addr addr;		/* listen address, default 127.0.0.1 */
	uint16_t port;			/* default 9464 */
	bool allow_remote;		/* a non-loopback address needs it */
	char listen[64];		/* as written, for messages */
};

/* The management API (api: block, config_api.c). */
struct cfg_api_key {
	char label[AEGIS_API_LABEL_MAX];	/* names the key in the audit log */
	uint8_t hash[AEGIS_API_HASH_LEN];	/* SHA-256 of the key */
	uint32_t scopes;			/* bits of enum aegis_api_scope */
};

struct cfg_api {
	bool tcp;			/* serve TCP: an api: block turns it on */
	struct aegis_addr addr;		/* default 127.0.0.1 */
	uint16_t port;			/* default 9091 */
	char listen[64];		/* as written, for messages */
	char socket[108];		/* Unix socket; "" = off; default state_dir/api.sock */
	bool socket_set;		/* written in the file (else follows state_dir) */
	struct cfg_api_key *keys;
	size_t n_keys;
};

struct aegis_config {
	char path[4096];		/* file (or name) it was loaded from */
	struct cfg_iface *ifaces;
	size_t n_ifaces;
	char state_dir[256];		/* default /var/lib/aegis */
	char pin_dir[256];		/* default /sys/fs/bpf/aegis */
	enum cfg_log_format log_format;
	enum cfg_log_level log_level;
	uint32_t status_interval_s;	/* default 10, 0 = off */
	struct {
		struct cfg_limit limit;	/* rate 0 = no events */
		bool summary;
		char output[256];	/* "" = stdout */
	} events;
	struct {
		uint32_t bans, allow, deny, sources, conns, flows;	/* entries */
		uint32_t event_ring;	/* bytes, power of two */
	} maps;
	struct {
		bool drop_malformed, drop_fragments, tcp_flags, reflection;
		uint8_t ttl_min, ttl_max;			/* 0 = off */
		uint16_t pkt_len_min, pkt_len_max;		/* 0 = off */
		uint16_t udp_payload_min, udp_payload_max;	/* 0 = off */
		uint16_t *refl_ports;	/* default: AEGIS_REFLECTION_PORTS */
		size_t n_refl_ports;
	} sanity;
	/* The proxy engine (proxy_engine: in YAML); used when proxies exist. */
	struct {
		uint32_t workers;	/* 0 = one per online CPU */
		uint32_t max_conns;	/* TCP connections per worker */
		uint32_t max_udp_sessions;	/* per worker */
		uint32_t buffers;	/* provided buffers per worker, power of two */
		uint32_t buffer_size;	/* bytes per buffer */
		uint32_t conn_budget;	/* bytes queued per direction before reads pause */
		uint64_t http_memory;	/* HTTP connection buffers, all workers */
	} engine;
	struct cfg_cidr *allow;
	size_t n_allow;
	struct cfg_cidr *deny;
	size_t n_deny;
	struct cfg_policy *policies;	/* at most CFG_MAX_POLICIES; aegisd assigns ids */
	size_t n_policies;
	/* The `proxies:` list, then each file of proxies_dir in name order. */
	struct proxy_cfg *proxies;	/* see proxy_config.h */
	size_t n_proxies;
	char proxies_dir[256];		/* "" = none (default) */
	struct rep_cfg rep;		/* reputation: (rep_cfg.h) */
	struct cfg_metrics metrics;	/* metrics: */
	struct cfg_api api;		/* api: */
};

/* A scope name ("bans:write", "bans:*", "*") into bits; 0 or -ENOENT. */
int config_api_scope_parse(const char *s, uint32_t *bits);
const char *config_api_scope_name(enum aegis_api_scope s);
/* "sha256:<64 hex>" into out; 0 or -EINVAL. */
int config_api_hash_parse(const char *s, uint8_t out[AEGIS_API_HASH_LEN]);

/*
 * Parses and fully validates. Returns 0 and *out, or a negative errno
 * (-EINVAL for any content error) with "FILE:LINE: message" in err
 * ("FILE: message" when no line applies) and *out = NULL.
 * Interfaces are not required here; aegisd checks that it has some.
 * The files of proxies_dir are read too; their errors name them.
 */
int config_load(const char *path, struct aegis_config **out, char *err, size_t errlen);
/* Same, from a NUL-terminated string; name stands in for FILE. */
int config_load_string(const char *name, const char *yaml, struct aegis_config **out,
		       char *err, size_t errlen);
void config_free(struct aegis_config *cfg);

/*
 * Map values for the XDP program. port_lo/port_hi are the span of the
 * policy's ranges and proto is IPPROTO_TCP, IPPROTO_UDP or 0 for tcp-udp
 * (both informational); the port map, not these, routes packets.
 */
void config_policy_to_map(const struct cfg_policy *p, struct aegis_policy *out);
void config_settings_to_map(const struct aegis_config *c, struct aegis_settings *out);

#endif /* AEGIS_CONFIG_H */

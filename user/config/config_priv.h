/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Internals of the config module, shared by its files and nobody else:
 *   config_yaml.c   YAML text -> a small node tree that keeps line numbers
 *   config_value.c  scalars (numbers, durations, booleans, names) and the
 *                   table-driven mapping walker every section goes through
 *   config_parse.c  the schema: one table per section, cross-checks
 *   config_policy.c the policies list: limits, ports, overlap checks
 *   proxy_config*.c proxies and proxies_dir (proxy_config.h)
 *   http_config*.c  the http: block of http proxies (http_cfg.h)
 *   config_reputation.c, config_metrics.c  the reputation: and metrics: blocks
 *   config_api.c                 the api: block
 *   config.c        public API: load, free, defaults, map translation
 */
#ifndef AEGIS_CONFIG_PRIV_H
#define AEGIS_CONFIG_PRIV_H

#include <stdarg.h>

#include "config/config.h"

/* Deeper than any valid config; bounds recursion on hostile input. */
#define CFG_MAX_DEPTH	32
/* Most keys any one mapping of the schema has (http: has 18). */
#define CFG_MAX_KEYS	24
/* "sanity.reflection.ports" and friends; longer paths are truncated. */
#define CFG_PATH_LEN	128

enum cfg_node_type { CFG_NODE_SCALAR, CFG_NODE_SEQ, CFG_NODE_MAP };

struct cfg_node {
	enum cfg_node_type type;
	int line;			/* 1-based */
	bool plain;			/* unquoted scalar: only then can it be null */
	char *text;			/* scalar value, NUL-free */
	struct cfg_node **kids;		/* seq: items; map: key, value, key, value... */
	size_t n_kids, cap;
};

struct cfg_ctx {
	const char *name;		/* FILE in messages */
	char *err;
	size_t errlen;
	struct aegis_config *cfg;
	enum cfg_xdp_mode default_mode;	/* top-level xdp_mode */
	/* Scratch of the policy being parsed (checked once it is complete). */
	struct cfg_policy *pol;
	int *port_lines;		/* line of each pol->ports[i] */
	int lim_line[AEGIS_LIM_MAX];	/* 0 = key absent */
	int gsyn_line;
	/* Policy index + 1 owning each [slot][port]: overlap detection. */
	uint16_t *owner;
};

struct cfg_field;
typedef int (*cfg_fn)(struct cfg_ctx *c, const struct cfg_field *f,
		      const struct cfg_node *v, const char *path, void *obj);

/* One key of a mapping: the handler stores the value at obj + off. */
struct cfg_field {
	const char *key;
	cfg_fn fn;
	size_t off;
	size_t size;			/* of the integer target, for cfg_set_uint */
	uint64_t min, max;		/* numbers: value; durations: target units */
	const struct cfg_field *sub;	/* cfg_set_section: the nested table */
	size_t n_sub;
	const char *const *names;	/* cfg_set_enum: accepted words, index = value */
};

/* config_yaml.c */
int cfg_yaml_load(struct cfg_ctx *c, const char *buf, size_t len, struct cfg_node **root);
void cfg_node_free(struct cfg_node *n);

/* config_value.c */
int cfg_error(struct cfg_ctx *c, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cfg_oom(struct cfg_ctx *c);
const char *cfg_quote(const char *s, char *buf, size_t len);
const char *cfg_describe(const struct cfg_node *v, char *buf, size_t len);
bool cfg_is_null(const struct cfg_node *v);
void cfg_path_join(char *out, const char *path, const char *key);
const struct cfg_node *cfg_map_find(const struct cfg_node *map, const char *key);

int cfg_need_scalar(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		    const char *what);
int cfg_get_count(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		  uint64_t min, uint64_t max, uint64_t *out);
int cfg_get_enum(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		 const char *const *names, int *out);
int cfg_map_walk(struct cfg_ctx *c, const struct cfg_node *map, const char *path,
		 const struct cfg_field *fields, size_t n, void *obj,
		 const struct cfg_node **seen);
int cfg_seq_check(struct cfg_ctx *c, const struct cfg_node *v, const char *path);
int cfg_get_port_range(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		       struct cfg_port_range *r);
/* CIDRs as in allow/deny: host bits zero, each once. Null or [] = none. */
int cfg_get_cidrs(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		  struct aegis_lpm_key **out, size_t *n);
/* *(void **)dst = a copy of n elements of src (NULL when there are none);
 * 0 or -ENOMEM. For the *_cfg_copy() functions. */
int cfg_dup_array(void *dst, const void *src, size_t n, size_t size);

/* Generic handlers for cfg_field.fn. */
int cfg_set_bool(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		 const char *, void *);
/* [A-Za-z0-9_.-], 1..max_len-1 characters: safe in logs, JSON, paths, labels. */
bool cfg_name_valid(const char *s, size_t max_len);
int cfg_set_uint(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		 const char *, void *);
int cfg_set_secs(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		 const char *, void *);
int cfg_set_msecs(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		  const char *, void *);
int cfg_set_str(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		const char *, void *);
int cfg_set_path(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		 const char *, void *);
int cfg_set_enum(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		 const char *, void *);
int cfg_set_limit(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		  const char *, void *);
int cfg_set_section(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		    const char *, void *);

#define CFG_MEMBER_SIZE(T, m) sizeof(((T *)0)->m)
#define CFG_BOOL(k, T, m)	{ .key = k, .fn = cfg_set_bool, .off = offsetof(T, m) }
#define CFG_UINT(k, T, m, lo, hi) \
	{ .key = k, .fn = cfg_set_uint, .off = offsetof(T, m), \
	  .size = CFG_MEMBER_SIZE(T, m), .min = lo, .max = hi }
#define CFG_SECS(k, T, m, lo, hi) \
	{ .key = k, .fn = cfg_set_secs, .off = offsetof(T, m), .min = lo, .max = hi }
#define CFG_MSECS(k, T, m, lo, hi) \
	{ .key = k, .fn = cfg_set_msecs, .off = offsetof(T, m), .min = lo, .max = hi }
#define CFG_STR(k, T, m) \
	{ .key = k, .fn = cfg_set_str, .off = offsetof(T, m), .size = CFG_MEMBER_SIZE(T, m) }
#define CFG_PATH(k, T, m) \
	{ .key = k, .fn = cfg_set_path, .off = offsetof(T, m), .size = CFG_MEMBER_SIZE(T, m) }
#define CFG_ENUM(k, T, m, words) \
	{ .key = k, .fn = cfg_set_enum, .off = offsetof(T, m), .names = words }
#define CFG_LIMIT(k, T, m)	{ .key = k, .fn = cfg_set_limit, .off = offsetof(T, m) }
#define CFG_SECTION(k, table) \
	{ .key = k, .fn = cfg_set_section, .sub = table, \
	  .n_sub = sizeof(table) / sizeof((table)[0]) }
#define CFG_CUSTOM(k, handler)	{ .key = k, .fn = handler }
#define CFG_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* config_parse.c */
int cfg_parse_root(struct cfg_ctx *c, const struct cfg_node *root);

/* config_policy.c */
int cfg_set_policies(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		     const char *, void *);
/* A proxy's xdp: block: a policy minus name/protocol/ports (p->tcp/udp preset). */
int cfg_parse_policy_body(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
			  struct cfg_policy *p);

/* proxy_config.c, proxy_config_load.c */
int cfg_proxy_add(struct cfg_ctx *c, const struct cfg_node *v);
const char *cfg_proxy_where(const struct cfg_ctx *c, const char *file, int line, char *buf,
			    size_t len);
int cfg_set_proxies(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		    const char *, void *);
int cfg_set_proxies_dir(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
			const char *, void *);
/* After the walk of root: proxies_dir's files, then checks against policies. */
int cfg_proxies_finish(struct cfg_ctx *c, const struct cfg_node *root);
/* balance.algorithm words, index = enum proxy_lb_algo; NULL-terminated. */
extern const char *const cfg_lb_algorithms[];

/* http_config.c */
struct http_cfg;
struct proxy_cfg;
/* The http: block (v) into a new *out, freed with http_cfg_free() + free(). */
int cfg_http_parse(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		   struct http_cfg **out);
/*
 * An http proxy once walked: no upstream or one_to_one keys (their key
 * nodes, or NULL), an http block present; routes without their own
 * balance word take the proxy's algorithm.
 */
int cfg_http_proxy_check(struct cfg_ctx *c, const char *path, int line, struct proxy_cfg *p,
			 const struct cfg_node *upstream, const struct cfg_node *one_to_one);

/* config_reputation.c: the reputation: block */
int cfg_set_reputation(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		       const char *, void *);

/* config_metrics.c: the metrics: block */
void cfg_metrics_defaults(struct cfg_metrics *m);
int cfg_set_metrics(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		    const char *, void *);

/* "127.0.0.1:9464" or "[::1]:9464" into addr and port; 0 or -EINVAL. */
int cfg_parse_listen(const char *s, struct aegis_addr *addr, uint16_t *port);

/* config_api.c: the api: block */
void cfg_api_defaults(struct cfg_api *a);
int cfg_set_api(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		const char *, void *);
/* After the walk: the socket path follows state_dir unless written. */
int cfg_api_finish(struct cfg_ctx *c);

/* config.c */
int cfg_defaults(struct aegis_config *cfg);
/* The whole file, NUL-terminated, with no NUL inside; errors name c->name. */
int cfg_read_path(struct cfg_ctx *c, const char *path, char **buf, size_t *len);

#endif /* AEGIS_CONFIG_PRIV_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Internals of the `http:` block parser, shared by its files only:
 *   http_config.c        the block itself, limits, timeouts, headers
 *   http_config_hosts.c  hosts, routes, upstream URLs
 *   http_config_guard.c  the request guards: rate limits, allow/deny, bots,
 *                        funnels, WAF rules, tarpit, breaker, adaptive rate
 *   http_config_ops.c    copy, free, equal (http_cfg.h)
 * The config module reaches it through config_priv.h (cfg_http_*).
 */
#ifndef AEGIS_HTTP_CONFIG_PRIV_H
#define AEGIS_HTTP_CONFIG_PRIV_H

#include "config/config_priv.h"
#include "config/http_cfg.h"

/* The block being parsed: the result, and what is read after the walk. */
struct http_state {
	struct http_cfg h;		/* the field tables address its members */
	/* Hosts depend on mode, waf.threshold and allow_private_upstreams. */
	const struct cfg_node *hosts;
	char hosts_path[CFG_PATH_LEN];
};

/* http_config.c: "off", "detect", "enforce" (enum http_mode), NULL-terminated. */
extern const char *const http_mode_words[];
/* An RFC 9110 token, non-empty: what a header name may be. */
bool http_token_valid(const char *s);

/* http_config_hosts.c: st->hosts into st->h.hosts, once the walk is done. */
int http_parse_hosts(struct cfg_ctx *c, struct http_state *st);

/* http_config_guard.c: handlers of the top-level table (obj: struct http_state). */
int http_set_rate_limits(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
			 const char *, void *);
int http_set_allow(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		   const char *, void *);
int http_set_deny(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		  const char *, void *);
int http_set_bots(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		  const char *, void *);
int http_set_funnel(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		    const char *, void *);
int http_set_waf(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		 const char *, void *);
int http_set_tarpit(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		    const char *, void *);
int http_set_breaker(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		     const char *, void *);
int http_set_adaptive(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		      const char *, void *);
int http_set_events(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		    const char *, void *);

/* A list of at most HTTP_MAX_LIST distinct strings (prefixes: as
 * http_get_prefix reads them) into new rows of `width` bytes at *out. */
int http_get_strings(struct cfg_ctx *c, const struct cfg_node *v, const char *path, size_t width,
		     bool prefixes, void *out, size_t *n);
/* A list of method names into enum http_method bits. */
int http_get_methods(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		     unsigned *out);

/* http_config_challenge.c: the challenge: block, its defaults, a host's
 * challenge: key (a mode word or a mapping; obj: struct http_host). */
int http_challenge_defaults(struct http_challenge_cfg *ch);
int http_set_challenge(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
		       const char *, void *);
int http_set_host_challenge(struct cfg_ctx *, const struct cfg_field *, const struct cfg_node *,
			    const char *, void *);

/*
 * A path prefix as the router compares it: starts with '/', printable,
 * no whitespace, '?' or '#', shorter than HTTP_MAX_PATH. Copied to out.
 */
int http_get_prefix(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		    char out[HTTP_MAX_PATH]);

#endif /* AEGIS_HTTP_CONFIG_PRIV_H */

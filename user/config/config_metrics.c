// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The `metrics:` block: where aegisd serves /metrics (mgmt/metrics_http.c).
 * A block turns the endpoint on (enabled: false keeps it written but off);
 * without one aegisd opens no metrics port. The endpoint has no
 * authentication yet (the API keys of issue 13), so a non-loopback
 * listen address is refused unless allow_remote: true says the operator
 * means it. docs/CONFIG.md ("metrics") describes the same keys.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "config/config_priv.h"

#define M struct cfg_metrics

int cfg_parse_listen(const char *s, struct aegis_addr *addr, uint16_t *port)
{
	char host[ADDR_STRLEN];
	const char *colon, *h = s;
	size_t hlen;
	char *end;
	long p;

	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		h = s + 1;
		hlen = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL;	/* IPv6 needs brackets */
		hlen = (size_t)(colon - s);
	}
	if (!hlen || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || p < 1 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return addr_parse(host, addr);
}

static int set_listen(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	M *m = obj;
	char d[64];
	int ret;

	(void)f;
	if ((ret = cfg_need_scalar(c, v, path, "an address:port")))
		return ret;
	if (strlen(v->text) >= sizeof(m->listen) || cfg_parse_listen(v->text, &m->addr, &m->port))
		return cfg_error(c, v->line, "%s: expected ADDRESS:PORT like 127.0.0.1:9464 or "
				 "[::1]:9464, found %s", path, cfg_describe(v, d, sizeof(d)));
	strcpy(m->listen, v->text);
	return 0;
}

static const struct cfg_field metrics_fields[] = {
	CFG_BOOL("enabled", M, enabled),
	CFG_CUSTOM("listen", set_listen),
	CFG_BOOL("allow_remote", M, allow_remote),
};

void cfg_metrics_defaults(struct cfg_metrics *m)
{
	memset(m, 0, sizeof(*m));
	strcpy(m->listen, CFG_DEF_METRICS_LISTEN);
	cfg_parse_listen(m->listen, &m->addr, &m->port);
}

int cfg_set_metrics(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		    const char *path, void *obj)
{
	M *m = &((struct aegis_config *)obj)->metrics;
	const struct cfg_node *seen[CFG_ARRAY_SIZE(metrics_fields)];
	int ret;

	(void)f;
	m->enabled = true;	/* writing the block is asking for the endpoint */
	ret = cfg_map_walk(c, v, path, metrics_fields, CFG_ARRAY_SIZE(metrics_fields), m, seen);
	if (ret)
		return ret;
	if (m->enabled && !m->allow_remote && !addr_is_loopback(&m->addr))
		return cfg_error(c, seen[1] ? seen[1]->line : v->line,
				 "%s.listen: %s is not a loopback address and the endpoint has no "
				 "authentication: set allow_remote: true to serve it there",
				 path, m->listen);
	return 0;
}

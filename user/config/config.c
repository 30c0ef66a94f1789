// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Config module entry points: defaults, loading a file or a string,
 * freeing, and turning the parsed config into the values of the
 * aegis_settings and aegis_policies maps. The parsing itself lives in
 * config_yaml.c, config_value.c, config_parse.c and config_policy.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_priv.h"
#include "config/proxy_config.h"

static const uint16_t default_refl_ports[] = { AEGIS_REFLECTION_PORTS };

int cfg_defaults(struct aegis_config *cfg)
{
	strcpy(cfg->state_dir, "/var/lib/aegis");
	strcpy(cfg->pin_dir, "/sys/fs/bpf/aegis");
	cfg->log_format = CFG_LOG_TEXT;
	cfg->log_level = CFG_LOG_INFO;
	cfg->status_interval_s = 10;
	cfg->events.limit.rate = AEGIS_DEF_EVENT_RATE;
	cfg->events.limit.burst = AEGIS_DEF_EVENT_BURST;
	cfg->events.summary = true;
	cfg->maps.bans = AEGIS_DEF_BAN_ENTRIES;
	cfg->engine.workers = 0;
	cfg->engine.max_conns = CFG_DEF_ENGINE_CONNS;
	cfg->engine.max_udp_sessions = CFG_DEF_ENGINE_UDP;
	cfg->engine.buffers = CFG_DEF_ENGINE_BUFFERS;
	cfg->engine.buffer_size = CFG_DEF_ENGINE_BUFSIZE;
	cfg->engine.conn_budget = CFG_DEF_ENGINE_BUDGET;
	cfg->engine.http_memory = CFG_DEF_ENGINE_HTTP_MEMORY;
	cfg->maps.allow = AEGIS_DEF_ALLOW_ENTRIES;
	cfg->maps.deny = AEGIS_DEF_DENY_ENTRIES;
	cfg->maps.sources = AEGIS_DEF_SRC_ENTRIES;
	cfg->maps.conns = AEGIS_DEF_CONN_ENTRIES;
	cfg->maps.flows = AEGIS_DEF_FLOW_ENTRIES;
	cfg->maps.event_ring = AEGIS_DEF_EVENT_RING_BYTES;
	rep_cfg_defaults(&cfg->rep);
	cfg_metrics_defaults(&cfg->metrics);
	cfg_api_defaults(&cfg->api);
	cfg->sanity.drop_malformed = true;
	cfg->sanity.tcp_flags = true;
	cfg->sanity.reflection = true;
	cfg->sanity.refl_ports = malloc(sizeof(default_refl_ports));
	if (!cfg->sanity.refl_ports)
		return -ENOMEM;
	memcpy(cfg->sanity.refl_ports, default_refl_ports, sizeof(default_refl_ports));
	cfg->sanity.n_refl_ports = CFG_ARRAY_SIZE(default_refl_ports);
	return 0;
}

void config_free(struct aegis_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_policies; i++)
		free(cfg->policies[i].ports);
	free(cfg->policies);
	for (size_t i = 0; i < cfg->n_proxies; i++)
		proxy_cfg_free(&cfg->proxies[i]);
	free(cfg->proxies);
	free(cfg->ifaces);
	free(cfg->allow);
	free(cfg->deny);
	free(cfg->sanity.refl_ports);
	free(cfg->api.keys);
	free(cfg);
}

static int config_parse(const char *name, const char *buf, size_t len,
			struct aegis_config **out, char *err, size_t errlen)
{
	struct cfg_ctx c = { .name = name, .err = err, .errlen = errlen };
	struct cfg_node *root = NULL;
	int ret;

	c.cfg = calloc(1, sizeof(*c.cfg));
	if (!c.cfg || cfg_defaults(c.cfg)) {
		ret = cfg_oom(&c);
		goto out;
	}
	snprintf(c.cfg->path, sizeof(c.cfg->path), "%s", name);
	ret = cfg_yaml_load(&c, buf, len, &root);
	if (!ret)
		ret = cfg_parse_root(&c, root);
	if (!ret)
		ret = cfg_api_finish(&c);
out:
	cfg_node_free(root);
	free(c.owner);
	free(c.port_lines);
	if (ret) {
		config_free(c.cfg);
		c.cfg = NULL;
	}
	*out = c.cfg;
	return ret;
}

static void reset_out(struct aegis_config **out, char *err, size_t errlen)
{
	if (out)
		*out = NULL;
	if (err && errlen)
		err[0] = '\0';
}

int config_load_string(const char *name, const char *yaml, struct aegis_config **out,
		       char *err, size_t errlen)
{
	reset_out(out, err, errlen);
	if (!name || !yaml || !out)
		return -EINVAL;
	return config_parse(name, yaml, strlen(yaml), out, err, errlen);
}

/* The whole file, NUL-terminated, at most CFG_MAX_FILE_BYTES. */
static int read_file(int fd, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = NULL, *nb;
	ssize_t r;

	for (;;) {
		if (n + 1 >= cap || !b) {
			cap = b ? cap * 2 : cap;
			if (!(nb = realloc(b, cap))) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || n + (size_t)r > CFG_MAX_FILE_BYTES) {
			free(b);
			return r < 0 ? -errno : -EFBIG;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

static int read_error(struct cfg_ctx *c, int ret)
{
	if (ret == -EFBIG)
		cfg_error(c, 0, "larger than %u MiB", CFG_MAX_FILE_BYTES >> 20);
	else
		cfg_error(c, 0, "cannot read: %s", strerror(-ret));
	return ret;
}

/* libyaml would stop at a NUL; say where it is rather than parse half a file. */
static int check_nul(struct cfg_ctx *c, const char *buf, size_t len)
{
	size_t off = strlen(buf);
	int line = 1;

	if (off == len)
		return 0;
	for (size_t i = 0; i < off; i++)
		line += buf[i] == '\n';
	return cfg_error(c, line, "NUL byte in the file");
}

int cfg_read_path(struct cfg_ctx *c, const char *path, char **out, size_t *outlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, ret;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer; anything but a
	 * regular file is refused before a read could block. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return read_error(c, -errno);
	if (fstat(fd, &st)) {
		ret = errno ? -errno : -EIO;
	} else if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
	} else if (!S_ISREG(st.st_mode)) {
		close(fd);
		return cfg_error(c, 0, "not a regular file (%s)", S_ISFIFO(st.st_mode) ? "a FIFO" :
				 S_ISSOCK(st.st_mode) ? "a socket" : "a device");
	} else {
		ret = read_file(fd, &buf, &len);
	}
	close(fd);
	if (ret || !buf)
		return read_error(c, ret ? ret : -EIO);
	ret = check_nul(c, buf, len);
	if (ret) {
		free(buf);
		return ret;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int config_load(const char *path, struct aegis_config **out, char *err, size_t errlen)
{
	struct cfg_ctx c = { .name = path, .err = err, .errlen = errlen };
	char *buf = NULL;
	size_t len = 0;
	int ret;

	reset_out(out, err, errlen);
	if (!path || !out)
		return -EINVAL;
	if (strlen(path) >= sizeof(((struct aegis_config *)0)->path)) {
		cfg_error(&c, 0, "path too long");
		return -ENAMETOOLONG;
	}
	ret = cfg_read_path(&c, path, &buf, &len);
	if (!ret)
		ret = config_parse(path, buf, len, out, err, errlen);
	free(buf);
	return ret;
}

void config_policy_to_map(const struct cfg_policy *p, struct aegis_policy *out)
{
	memset(out, 0, sizeof(*out));
	/* Values were range-checked by the parser, so init cannot fail. */
	for (int i = 0; i < AEGIS_LIM_MAX; i++)
		aegis_limit_init(&out->src[i], p->src[i].rate, p->src[i].burst);
	aegis_limit_init(&out->global_syn, p->global_syn.rate, p->global_syn.burst);
	aegis_limit_init(&out->global_conn, p->global_conn.rate, p->global_conn.burst);
	out->max_conn_per_src = p->max_conn_per_src;
	out->max_conn_total = p->max_conn_total;
	out->strike_limit = p->strike_limit;
	out->strike_window_ms = p->strike_window_ms;
	out->ban_ttl_s = p->ban_ttl_s;
	out->flow_idle_s = p->flow_idle_s;
	out->syn_timeout_s = p->syn_timeout_s;
	out->syn_cookies = (__u8)p->syn_cookies;
	aegis_limit_init(&out->cookie_syn, p->cookie_syn.rate, p->cookie_syn.burst);
	for (size_t i = 0; i < p->n_ports; i++) {
		if (!i || p->ports[i].lo < out->port_lo)
			out->port_lo = p->ports[i].lo;
		if (p->ports[i].hi > out->port_hi)
			out->port_hi = p->ports[i].hi;
	}
	out->proto = p->tcp && p->udp ? 0 : p->tcp ? IPPROTO_TCP : IPPROTO_UDP;
	out->active = 1;
}

void config_settings_to_map(const struct aegis_config *c, struct aegis_settings *out)
{
	memset(out, 0, sizeof(*out));
	out->flags = (c->sanity.drop_malformed ? AEGIS_F_DROP_MALFORMED : 0) |
		     (c->sanity.drop_fragments ? AEGIS_F_DROP_FRAGMENTS : 0) |
		     (c->sanity.tcp_flags ? AEGIS_F_TCP_FLAGS : 0) |
		     (c->sanity.reflection ? AEGIS_F_REFLECTION : 0);
	out->ttl_min = c->sanity.ttl_min;
	out->ttl_max = c->sanity.ttl_max;
	out->pkt_len_min = c->sanity.pkt_len_min;
	out->pkt_len_max = c->sanity.pkt_len_max;
	out->udp_payload_min = c->sanity.udp_payload_min;
	out->udp_payload_max = c->sanity.udp_payload_max;
	aegis_limit_init(&out->events, c->events.limit.rate, c->events.limit.burst);
	/* Zero when off, as the map's contract says of every setting. */
	for (size_t i = 0; c->sanity.reflection && i < c->sanity.n_refl_ports; i++) {
		uint16_t port = c->sanity.refl_ports[i];

		out->refl_ports[port / 64] |= 1ull << (port % 64);
	}
}

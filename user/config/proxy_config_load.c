// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Proxies beyond the main file's list: the one-proxy *.yaml files of
 * proxies_dir (in bytewise name order, errors naming the file), then the
 * checks that need every proxy and policy: an xdp block becomes an XDP
 * policy on the proxy's origin ports, so it may not share a port with a
 * policy or another xdp block, and all of them must fit the policy map.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config_priv.h"
#include "config/proxy_config.h"

/* ---- proxies_dir ---- */

int cfg_set_proxies_dir(struct cfg_ctx *c, const struct cfg_field *f,
			const struct cfg_node *v, const char *path, void *obj)
{
	static const struct cfg_field as_path = CFG_PATH("", struct aegis_config, proxies_dir);
	struct aegis_config *cfg = obj;

	(void)f;
	if (cfg_is_null(v) || (v->type == CFG_NODE_SCALAR && !v->text[0])) {
		cfg->proxies_dir[0] = '\0';
		return 0;
	}
	return cfg_set_path(c, &as_path, v, path, obj);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "*.yaml", not hidden (editor lock and swap files start with a dot). */
static bool proxy_file_name(const char *s)
{
	size_t n = strlen(s);

	return s[0] != '.' && n > 5 && !strcmp(s + n - 5, ".yaml");
}

/* The directory's *.yaml names, sorted bytewise (not by locale). */
static int list_dir(struct cfg_ctx *c, int line, char ***names_out, size_t *n_out)
{
	const char *dir = c->cfg->proxies_dir;
	char **names = NULL, **nn, q[48];
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	d = opendir(dir);
	if (!d)
		return cfg_error(c, line, "proxies_dir: cannot open '%s': %s",
				 cfg_quote(dir, q, sizeof(q)), strerror(errno));
	while ((errno = 0, de = readdir(d))) {
		if (!proxy_file_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(nn = realloc(names, cap * sizeof(*nn)))) {
				ret = -ENOMEM;
				break;
			}
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name))) {
			ret = -ENOMEM;
			break;
		}
		n++;
	}
	if (!ret && errno)
		ret = cfg_error(c, line, "proxies_dir: cannot read '%s': %s",
				cfg_quote(dir, q, sizeof(q)), strerror(errno));
	closedir(d);
	if (ret == -ENOMEM)
		cfg_oom(c);
	if (ret) {
		while (n)
			free(names[--n]);
		free(names);
		return ret;
	}
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	*names_out = names;
	*n_out = n;
	return 0;
}

/* One file = one proxy. Messages name the file (c->name is switched to it). */
static int load_file(struct cfg_ctx *c, const char *path)
{
	struct cfg_node *root = NULL;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int ret;

	if (stat(path, &st))
		return cfg_error(c, 0, "cannot read: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cfg_error(c, 0, "not a regular file");
	ret = cfg_read_path(c, path, &buf, &len);
	if (!ret)
		ret = cfg_yaml_load(c, buf, len, &root);
	free(buf);
	if (!ret)
		ret = cfg_proxy_add(c, root);
	cfg_node_free(root);
	return ret;
}

static int load_dir(struct cfg_ctx *c, int line)
{
	const char *dir = c->cfg->proxies_dir, *main_name = c->name;
	size_t n = 0, dlen = strlen(dir);
	char **names = NULL, path[4096];
	int ret;

	ret = list_dir(c, line, &names, &n);
	for (size_t i = 0; !ret && i < n; i++) {
		int len = snprintf(path, sizeof(path), "%.*s/%s",
				   (int)(dlen > 1 && dir[dlen - 1] == '/' ? dlen - 1 : dlen), dir,
				   names[i]);

		if (len < 0 || (size_t)len >= sizeof(path)) {
			ret = cfg_error(c, line, "proxies_dir: path of '%s' is too long", names[i]);
			break;
		}
		c->name = path;
		ret = load_file(c, path);
		c->name = main_name;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

/* ---- xdp blocks against policies and each other ---- */

static bool ranges_overlap(uint16_t alo, uint16_t ahi, uint16_t blo, uint16_t bhi,
			   uint16_t *first)
{
	*first = alo > blo ? alo : blo;
	return alo <= bhi && blo <= ahi;
}

static const char *shared_proto(bool atcp, bool audp, bool btcp, bool budp)
{
	return atcp && btcp ? "tcp" : audp && budp ? "udp" : NULL;
}

/*
 * An xdp block becomes an XDP policy on the origin ports: like policies,
 * no two may cover one protocol and port, and together with the policies
 * they must fit the policy map.
 */
static int check_xdp_one(struct cfg_ctx *c, const char *main_name, size_t idx, size_t n_xdp)
{
	const struct aegis_config *cfg = c->cfg;
	const struct proxy_cfg *p = &cfg->proxies[idx];
	const char *proto;
	char at[300];
	uint16_t port;

	if (cfg->n_policies + n_xdp > CFG_MAX_POLICIES)
		return cfg_error(c, p->xdp.line,
				 "proxies[%s].xdp: more than %d XDP policies (policies and proxies' xdp blocks)",
				 p->name, CFG_MAX_POLICIES);
	for (size_t i = 0; i < cfg->n_policies; i++) {
		const struct cfg_policy *q = &cfg->policies[i];

		proto = shared_proto(p->tcp, p->udp, q->tcp, q->udp);
		for (size_t r = 0; proto && r < q->n_ports; r++)
			if (ranges_overlap(p->origin_lo, p->origin_hi, q->ports[r].lo, q->ports[r].hi,
					   &port))
				return cfg_error(c, p->xdp.line,
						 "proxies[%s].xdp: %s port %u is already covered by policy '%s' (%s)",
						 p->name, proto, port, q->name,
						 cfg_proxy_where(c, main_name, q->line, at, sizeof(at)));
	}
	for (size_t i = 0; i < idx; i++) {
		const struct proxy_cfg *o = &cfg->proxies[i];

		if (!o->enabled || !o->has_xdp)
			continue;
		proto = shared_proto(p->tcp, p->udp, o->tcp, o->udp);
		if (proto && ranges_overlap(p->origin_lo, p->origin_hi, o->origin_lo, o->origin_hi,
					    &port))
			return cfg_error(c, p->xdp.line,
					 "proxies[%s].xdp: %s port %u is already covered by the xdp block of proxy '%s' (%s)",
					 p->name, proto, port, o->name,
					 cfg_proxy_where(c, o->file, o->xdp.line, at, sizeof(at)));
	}
	return 0;
}

static int check_xdp(struct cfg_ctx *c)
{
	const struct aegis_config *cfg = c->cfg;
	const char *main_name = c->name;
	size_t n_xdp = 0;
	int ret = 0;

	for (size_t i = 0; !ret && i < cfg->n_proxies; i++) {
		const struct proxy_cfg *p = &cfg->proxies[i];

		if (!p->enabled || !p->has_xdp)
			continue;
		c->name = p->file;	/* the error is the proxy's */
		ret = check_xdp_one(c, main_name, i, ++n_xdp);
		c->name = main_name;
	}
	return ret;
}

int cfg_proxies_finish(struct cfg_ctx *c, const struct cfg_node *root)
{
	int ret;

	if (c->cfg->proxies_dir[0]) {
		const struct cfg_node *key = NULL;

		/* The key's line, for "cannot open" (root is a mapping here). */
		for (size_t i = 0; i + 1 < root->n_kids && !key; i += 2)
			if (!strcmp(root->kids[i]->text, "proxies_dir"))
				key = root->kids[i];
		ret = load_dir(c, key ? key->line : 0);
		if (ret)
			return ret;
	}
	return check_xdp(c);
}

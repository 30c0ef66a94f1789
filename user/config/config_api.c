// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The `api:` block: where aegisd serves the management API
 * (user/mgmt/api*.c) and which keys it accepts. Without a block aegisd
 * serves the API on its Unix socket only (state_dir/api.sock, mode 0600:
 * the file mode is the access control); a block also opens the TCP
 * listener (default 127.0.0.1:9091), where every call but /v1/health needs
 * a key. Keys are stored as their SHA-256 (`aegisctl api-key new` prints
 * a key and its hash), each with a label for the audit log and scopes
 * (include/aegis/api.h). A non-loopback listen address without keys is
 * refused: it would be an API nobody can use or, worse, one somebody can.
 * docs/CONFIG.md ("api") describes the same keys.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/units.h"
#include "config/config_priv.h"

#define A struct cfg_api

static const char *const scope_names[] = {
#define SCOPE_NAME(e, n) n,
	AEGIS_API_SCOPES(SCOPE_NAME)
#undef SCOPE_NAME
	NULL
};

int config_api_scope_parse(const char *s, uint32_t *bits)
{
	size_t n = strlen(s);

	if (!strcmp(s, "*")) {
		*bits |= AEGIS_API_SCOPE_ALL;
		return 0;
	}
	/* "bans:*": every scope of one resource. */
	if (n > 2 && !strcmp(s + n - 2, ":*")) {
		uint32_t found = 0;

		for (int i = 0; scope_names[i]; i++)
			if (!strncmp(scope_names[i], s, n - 1))
				found |= 1u << i;
		*bits |= found;
		return found ? 0 : -ENOENT;
	}
	for (int i = 0; scope_names[i]; i++)
		if (!strcmp(scope_names[i], s)) {
			*bits |= 1u << i;
			return 0;
		}
	return -ENOENT;
}

const char *config_api_scope_name(enum aegis_api_scope s)
{
	return (unsigned int)s < AEGIS_API_SCOPE__COUNT ? scope_names[s] : "?";
}

int config_api_hash_parse(const char *s, uint8_t out[AEGIS_API_HASH_LEN])
{
	size_t plen = strlen(AEGIS_API_HASH_PREFIX);

	if (strncmp(s, AEGIS_API_HASH_PREFIX, plen) || strlen(s + plen) != 2 * AEGIS_API_HASH_LEN)
		return -EINVAL;
	for (int i = 0; i < AEGIS_API_HASH_LEN; i++) {
		int hi = units_hex_digit(s[plen + 2 * i]), lo = units_hex_digit(s[plen + 2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int set_listen(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	A *a = obj;
	char d[64];
	int ret;

	(void)f;
	if ((ret = cfg_need_scalar(c, v, path, "an address:port or off")))
		return ret;
	if (!strcmp(v->text, "off")) {
		a->tcp = false;
		return 0;
	}
	if (strlen(v->text) >= sizeof(a->listen) ||
	    cfg_parse_listen(v->text, &a->addr, &a->port))
		return cfg_error(c, v->line, "%s: expected ADDRESS:PORT like 127.0.0.1:9091 or "
				 "[::1]:9091, or off, found %s", path,
				 cfg_describe(v, d, sizeof(d)));
	strcpy(a->listen, v->text);
	return 0;
}

static int set_socket(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	struct cfg_field p = CFG_PATH("", A, socket);
	A *a = obj;
	int ret;

	(void)f;
	a->socket_set = true;
	if (v->type == CFG_NODE_SCALAR && !strcmp(v->text, "off")) {
		a->socket[0] = '\0';
		return 0;
	}
	if ((ret = cfg_set_path(c, &p, v, path, obj)))
		return ret;
	if (a->socket[0] != '/')
		return cfg_error(c, v->line, "%s: expected an absolute path or off", path);
	return 0;
}

struct key_scratch {
	struct cfg_api_key k;
	char hash[128];
};

static int set_scopes(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	struct key_scratch *ks = obj;
	char d[64];
	int ret;

	(void)f;
	if ((ret = cfg_seq_check(c, v, path)))
		return ret;
	if (!v->n_kids)
		return cfg_error(c, v->line, "%s: a key needs at least one scope", path);
	for (size_t i = 0; i < v->n_kids; i++) {
		if ((ret = cfg_need_scalar(c, v->kids[i], path, "a scope")))
			return ret;
		if (config_api_scope_parse(v->kids[i]->text, &ks->k.scopes))
			return cfg_error(c, v->kids[i]->line, "%s: unknown scope %s (one of *, "
					 "RESOURCE:*, status:read, metrics:read, proxies:read|write, "
					 "bans:read|write, lists:read|write, reputation:read|write, "
					 "waf:test, config:write, toggles:read|write)", path,
					 cfg_describe(v->kids[i], d, sizeof(d)));
	}
	return 0;
}

static const struct cfg_field key_fields[] = {
	CFG_STR("label", struct key_scratch, k.label),
	CFG_STR("hash", struct key_scratch, hash),
	CFG_CUSTOM("scopes", set_scopes),
};

static int parse_key(struct cfg_ctx *c, const struct cfg_node *v, const char *path, A *a)
{
	const struct cfg_node *seen[CFG_ARRAY_SIZE(key_fields)];
	struct key_scratch ks = { 0 };
	int ret;

	if ((ret = cfg_map_walk(c, v, path, key_fields, CFG_ARRAY_SIZE(key_fields), &ks, seen)))
		return ret;
	if (!seen[0] || !seen[1] || !seen[2])
		return cfg_error(c, v->line, "%s: a key needs label, hash and scopes", path);
	if (!cfg_name_valid(ks.k.label, sizeof(ks.k.label)))
		return cfg_error(c, seen[0]->line, "%s.label: use letters, digits, '_', '.', '-'",
				 path);
	if (config_api_hash_parse(ks.hash, ks.k.hash))
		return cfg_error(c, seen[1]->line, "%s.hash: expected sha256: and 64 hex digits "
				 "(aegisctl api-key new prints one); never the key itself", path);
	for (size_t i = 0; i < a->n_keys; i++) {
		if (!strcmp(a->keys[i].label, ks.k.label))
			return cfg_error(c, seen[0]->line, "%s.label: %s is used twice", path,
					 ks.k.label);
		if (!memcmp(a->keys[i].hash, ks.k.hash, sizeof(ks.k.hash)))
			return cfg_error(c, seen[1]->line, "%s.hash: the same key twice", path);
	}
	a->keys[a->n_keys++] = ks.k;
	return 0;
}

static int set_keys(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		    const char *path, void *obj)
{
	A *a = obj;
	char p[CFG_PATH_LEN];
	int ret;

	(void)f;
	if ((ret = cfg_seq_check(c, v, path)))
		return ret;
	if (v->n_kids > AEGIS_API_MAX_KEYS)
		return cfg_error(c, v->line, "%s: at most %d keys", path, AEGIS_API_MAX_KEYS);
	free(a->keys);
	a->n_keys = 0;
	a->keys = calloc(v->n_kids + 1, sizeof(*a->keys));
	if (!a->keys)
		return cfg_oom(c);
	for (size_t i = 0; i < v->n_kids; i++) {
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if ((ret = parse_key(c, v->kids[i], p, a)))
			return ret;
	}
	return 0;
}

static const struct cfg_field api_fields[] = {
	CFG_CUSTOM("listen", set_listen),
	CFG_CUSTOM("socket", set_socket),
	CFG_CUSTOM("keys", set_keys),
};

void cfg_api_defaults(struct cfg_api *a)
{
	memset(a, 0, sizeof(*a));
	strcpy(a->listen, AEGIS_API_DEF_LISTEN);
	cfg_parse_listen(a->listen, &a->addr, &a->port);
}

int cfg_set_api(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		const char *path, void *obj)
{
	A *a = &((struct aegis_config *)obj)->api;
	const struct cfg_node *seen[CFG_ARRAY_SIZE(api_fields)];
	int ret;

	(void)f;
	a->tcp = true;	/* writing the block is asking for the TCP listener */
	ret = cfg_map_walk(c, v, path, api_fields, CFG_ARRAY_SIZE(api_fields), a, seen);
	if (ret)
		return ret;
	if (a->tcp && !a->n_keys && !addr_is_loopback(&a->addr))
		return cfg_error(c, seen[0] ? seen[0]->line : v->line,
				 "%s.listen: %s is not a loopback address: the API there needs "
				 "keys (api.keys)", path, a->listen);
	return 0;
}

int cfg_api_finish(struct cfg_ctx *c)
{
	struct cfg_api *a = &c->cfg->api;
	size_t n = strlen(c->cfg->state_dir);

	if (a->socket_set)
		return 0;
	if (n + 1 + strlen(AEGIS_API_SOCKET_NAME) >= sizeof(a->socket))
		return cfg_error(c, 0, "state_dir is too long for the API socket in it (at most "
				 "%zu characters): set api.socket, or api.socket: off",
				 sizeof(a->socket) - 2 - strlen(AEGIS_API_SOCKET_NAME));
	memcpy(a->socket, c->cfg->state_dir, n);
	a->socket[n] = '/';
	strcpy(a->socket + n + 1, AEGIS_API_SOCKET_NAME);
	return 0;
}

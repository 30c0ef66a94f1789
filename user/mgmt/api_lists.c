// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * API: bans and the allow and deny lists, in the XDP maps (the same ones
 * `aegisctl ban|allow|deny` edits). Entries the config owns (note
 * "config") are reapplied by every reload; PUT replaces only the entries
 * added at run time and leaves the config's alone. Without an XDP plane
 * (proxy-only mode) these answer 409.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/names.h"
#include "mgmt/api_priv.h"
#include "xdp/maps.h"
#include "xdp/shield.h"

#define API_BAN_TTL_MAX_S	(366u * 24 * 3600)
#define API_LIST_PUT_MAX	4096

static struct aegis_maps *need_maps(struct api_call *c)
{
	if (!c->api->d.maps)
		api_fail(c, 409, NULL, "no XDP plane (proxy-only mode): bans and lists live in "
			 "the XDP maps");
	return c->api->d.maps;
}

struct ban_walk {
	struct api_call *c;
	uint64_t now;
};

static int ban_json(const struct aegis_addr *a, const struct aegis_ban *b, void *ctx)
{
	struct ban_walk *w = ctx;
	char s[ADDR_STRLEN], note[AEGIS_NOTE_LEN + 1];

	snprintf(note, sizeof(note), "%.*s", AEGIS_NOTE_LEN, b->note);
	json_obj_open(&w->c->j);
	json_kstr(&w->c->j, "address", addr_format(a, s, sizeof(s)));
	json_kstr(&w->c->j, "origin", names_origin(b->origin));
	json_kstr(&w->c->j, "reason", b->reason ? names_stat(b->reason) : "manual");
	json_kstr(&w->c->j, "note", note);
	json_key(&w->c->j, "expires_in_seconds");
	if (b->expires_ns)
		json_u64(&w->c->j, b->expires_ns > w->now ? (b->expires_ns - w->now) / 1000000000 : 0);
	else
		json_null_value(&w->c->j);
	json_obj_close(&w->c->j);
	return 0;
}

int api_bans_list(struct api_call *c)
{
	struct ban_walk w = { .c = c, .now = maps_now_ns() };
	struct aegis_maps *m = need_maps(c);
	int ret;

	if (!m)
		return c->status;
	json_arr_open(&c->j);
	ret = maps_ban_foreach(m, ban_json, &w);
	json_arr_close(&c->j);
	if (ret < 0)
		return api_fail(c, 500, NULL, "reading bans: %s", strerror(-ret));
	return 200;
}

static int need_addr(struct api_call *c, const char *s, const char *field, struct aegis_addr *a)
{
	if (!s || addr_parse(s, a))
		return api_fail(c, field ? 400 : 404, field, "'%.64s' is not an IP address",
				s ? s : "");
	return 0;
}

int api_bans_add(struct api_call *c)
{
	const char *reason = api_str(c, "reason");
	uint64_t ttl = api_uint(c, "ttl", 0);
	struct aegis_maps *m = need_maps(c);
	struct aegis_addr a;
	char s[ADDR_STRLEN];
	int ret;

	if (!m || need_addr(c, api_str(c, "address"), "address", &a))
		return c->status;
	if (ttl > API_BAN_TTL_MAX_S)
		return api_fail(c, 400, "ttl", "ttl: at most %u seconds (0 or absent: permanent)",
				API_BAN_TTL_MAX_S);
	if (reason && strlen(reason) >= AEGIS_NOTE_LEN)
		return api_fail(c, 400, "reason", "reason: at most %d characters",
				AEGIS_NOTE_LEN - 1);
	ret = maps_ban_add(m, &a, ttl * 1000, AEGIS_BAN_OPERATOR, 0, reason ? reason : "api");
	if (ret)
		return api_fail(c, ret == -E2BIG || ret == -ENOSPC ? 507 : 500, NULL,
				"ban: %s", strerror(-ret));
	addr_format(&a, s, sizeof(s));
	snprintf(c->audit, sizeof(c->audit), "ban %s for %llus%s", s, (unsigned long long)ttl,
		 ttl ? "" : " (permanent)");
	c->status = 201;
	json_obj_open(&c->j);
	json_kstr(&c->j, "address", s);
	json_key(&c->j, "ttl");
	if (ttl)
		json_u64(&c->j, ttl);
	else
		json_null_value(&c->j);
	json_obj_close(&c->j);
	return 201;
}

int api_bans_delete(struct api_call *c)
{
	struct aegis_maps *m = need_maps(c);
	struct aegis_addr a;
	int ret;

	if (!m || need_addr(c, c->params[0], NULL, &a))
		return c->status;
	ret = maps_ban_del(m, &a);
	if (ret == -ENOENT)
		return api_fail(c, 404, NULL, "%s is not banned", c->params[0]);
	if (ret)
		return api_fail(c, 500, NULL, "unban: %s", strerror(-ret));
	snprintf(c->audit, sizeof(c->audit), "unban %s", c->params[0]);
	json_obj_open(&c->j);
	json_kstr(&c->j, "unbanned", c->params[0]);
	json_obj_close(&c->j);
	return 200;
}

/* ---- allow / deny ---- */

static int which_list(struct api_call *c, enum maps_id *which)
{
	if (!strcmp(c->params[0], "allow"))
		*which = MAPS_ALLOW;
	else if (!strcmp(c->params[0], "deny"))
		*which = MAPS_DENY;
	else
		return api_fail(c, 404, NULL, "no list '%s': allow or deny", c->params[0]);
	return need_maps(c) ? 0 : c->status;
}

static int entry_json(const struct aegis_lpm_key *k, const struct aegis_list_entry *e, void *ctx)
{
	struct api_call *c = ctx;
	char s[ADDR_STRLEN + 4], note[AEGIS_NOTE_LEN + 1];

	snprintf(note, sizeof(note), "%.*s", AEGIS_NOTE_LEN, e->note);
	json_obj_open(&c->j);
	json_kstr(&c->j, "cidr", addr_format_cidr(k, s, sizeof(s)));
	json_kstr(&c->j, "note", note);
	json_kbool(&c->j, "from_config", !strcmp(note, SHIELD_NOTE_CONFIG));
	json_obj_close(&c->j);
	return 0;
}

int api_list_get(struct api_call *c)
{
	enum maps_id which;
	int ret;

	if (which_list(c, &which))
		return c->status;
	json_arr_open(&c->j);
	ret = maps_list_foreach(c->api->d.maps, which, entry_json, c);
	json_arr_close(&c->j);
	if (ret < 0)
		return api_fail(c, 500, NULL, "reading the list: %s", strerror(-ret));
	return 200;
}

static int parse_cidr(struct api_call *c, const char *s, const char *field,
		      struct aegis_lpm_key *k)
{
	if (!s || addr_parse_cidr(s, k, false))
		return api_fail(c, field ? 400 : 404, field, "'%.64s' is not a CIDR with its host "
				"bits zero (or an address)", s ? s : "");
	return 0;
}

static int note_of(struct api_call *c, const char **note)
{
	*note = api_str(c, "note");
	if (!*note)
		*note = "api";
	if (strlen(*note) >= AEGIS_NOTE_LEN || !strcmp(*note, SHIELD_NOTE_CONFIG))
		return api_fail(c, 400, "note", "note: at most %d characters, and not '%s'",
				AEGIS_NOTE_LEN - 1, SHIELD_NOTE_CONFIG);
	return 0;
}

int api_list_add(struct api_call *c)
{
	struct aegis_lpm_key k;
	enum maps_id which;
	const char *note;
	int ret;

	if (which_list(c, &which) || parse_cidr(c, api_str(c, "cidr"), "cidr", &k) ||
	    note_of(c, &note))
		return c->status;
	ret = maps_list_add(c->api->d.maps, which, &k, note);
	if (ret)
		return api_fail(c, 500, NULL, "%s add: %s", c->params[0], strerror(-ret));
	snprintf(c->audit, sizeof(c->audit), "%s add %s", c->params[0], api_str(c, "cidr"));
	c->status = 201;
	json_obj_open(&c->j);
	json_kstr(&c->j, "list", c->params[0]);
	json_kstr(&c->j, "added", api_str(c, "cidr"));
	json_obj_close(&c->j);
	return 201;
}

int api_list_delete(struct api_call *c)
{
	struct aegis_lpm_key k;
	enum maps_id which;
	int ret;

	if (which_list(c, &which) || parse_cidr(c, c->params[1], NULL, &k))
		return c->status;
	ret = maps_list_del(c->api->d.maps, which, &k);
	if (ret == -ENOENT)
		return api_fail(c, 404, NULL, "%s is not on the %s list", c->params[1],
				c->params[0]);
	if (ret)
		return api_fail(c, 500, NULL, "%s del: %s", c->params[0], strerror(-ret));
	snprintf(c->audit, sizeof(c->audit), "%s del %s", c->params[0], c->params[1]);
	json_obj_open(&c->j);
	json_kstr(&c->j, "list", c->params[0]);
	json_kstr(&c->j, "deleted", c->params[1]);
	json_obj_close(&c->j);
	return 200;
}

/* The run-time entries (not the config's) that are not in want. */
struct stale {
	const struct aegis_lpm_key *want;
	size_t n_want;
	struct aegis_lpm_key *gone;
	size_t n_gone, cap;
};

static int collect_stale(const struct aegis_lpm_key *k, const struct aegis_list_entry *e,
			 void *ctx)
{
	struct stale *s = ctx;

	if (!strncmp(e->note, SHIELD_NOTE_CONFIG, AEGIS_NOTE_LEN))
		return 0;
	for (size_t i = 0; i < s->n_want; i++)
		if (!memcmp(&s->want[i], k, sizeof(*k)))
			return 0;
	if (s->n_gone == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct aegis_lpm_key *g = realloc(s->gone, cap * sizeof(*g));

		if (!g)
			return -ENOMEM;
		s->gone = g;
		s->cap = cap;
	}
	s->gone[s->n_gone++] = *k;
	return 0;
}

/* Every entry of the body, parsed first: a bad one changes nothing. */
static int parse_entries(struct api_call *c, struct aegis_lpm_key **out, size_t *n)
{
	json_t *arr = json_object_get(c->body, "entries"), *v;
	size_t i;

	*n = json_array_size(arr);
	if (*n > API_LIST_PUT_MAX)
		return api_fail(c, 400, "entries", "entries: at most %d", API_LIST_PUT_MAX);
	*out = calloc(*n + 1, sizeof(**out));
	if (!*out)
		return api_fail(c, 500, NULL, "out of memory");
	json_array_foreach(arr, i, v)
		if (parse_cidr(c, json_string_value(v), "entries", &(*out)[i]))
			return c->status;
	return 0;
}

int api_list_replace(struct api_call *c)
{
	struct stale s = { 0 };
	struct aegis_lpm_key *want = NULL;
	enum maps_id which;
	const char *note;
	size_t n = 0;
	int ret = 0;

	if (which_list(c, &which) || note_of(c, &note) || parse_entries(c, &want, &n))
		goto out;
	s.want = want;
	s.n_want = n;
	/* Additions first, removals last: the list never has fewer entries than
	 * both the old and the new set share. */
	for (size_t i = 0; !ret && i < n; i++)
		ret = maps_list_add(c->api->d.maps, which, &want[i], note);
	if (!ret)
		ret = maps_list_foreach(c->api->d.maps, which, collect_stale, &s);
	for (size_t i = 0; !ret && i < s.n_gone; i++)
		ret = maps_list_del(c->api->d.maps, which, &s.gone[i]);
	if (ret) {
		api_fail(c, 500, NULL, "%s replace: %s", c->params[0], strerror(-ret));
		goto out;
	}
	snprintf(c->audit, sizeof(c->audit), "%s replaced: %zu entries, %zu removed",
		 c->params[0], n, s.n_gone);
	json_obj_open(&c->j);
	json_kstr(&c->j, "list", c->params[0]);
	json_ku64(&c->j, "entries", n);
	json_ku64(&c->j, "removed", s.n_gone);
	json_obj_close(&c->j);
out:
	free(want);
	free(s.gone);
	return c->status;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The browser challenge of the `http:` block (http_cfg.h,
 * docs/CHALLENGES.md): the proxy-wide `challenge:` mapping (triggers,
 * exemptions, cookie, keys, the no-JS fallback, the page) and a host's
 * `challenge:` key, a mode word or a mapping of mode, difficulty,
 * always, title and text. Lifetimes are checked against the key
 * rotation: a cookie must not outlive the key that signed it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/http_config_priv.h"
#include "config/proxy_config.h"

#define HS struct http_state
#define CH struct http_challenge_cfg

static const char *const exempt_default[] = { "/robots.txt", "/.well-known/", "/favicon.ico" };

static const char *const binding_words[] = {
	[AEGIS_CHAL_BIND_IP] = "ip", [AEGIS_CHAL_BIND_PREFIX] = "prefix", NULL
};

int http_challenge_defaults(struct http_challenge_cfg *ch)
{
	ch->mode = HTTP_MODE_OFF;
	ch->difficulty = AEGIS_CHAL_DEF_DIFFICULTY;
	ch->reputation = true;
	ch->cookie_ttl_s = AEGIS_CHAL_DEF_COOKIE_TTL_S;
	ch->binding = AEGIS_CHAL_BIND_IP;
	ch->rotation_s = AEGIS_CHAL_DEF_ROTATION_S;
	ch->solve_s = AEGIS_CHAL_DEF_SOLVE_S;
	ch->spent = AEGIS_CHAL_DEF_SPENT;
	ch->nojs_ttl_s = AEGIS_CHAL_DEF_NOJS_TTL_S;
	snprintf(ch->cookie_name, sizeof(ch->cookie_name), "%s", AEGIS_CHAL_DEF_COOKIE_NAME);
	snprintf(ch->title, sizeof(ch->title), "Checking your browser");
	snprintf(ch->text, sizeof(ch->text),
		 "This site is protected against automated traffic. Your browser is solving a "
		 "short puzzle; you will be on your way in a moment.");
	ch->exempt = calloc(CFG_ARRAY_SIZE(exempt_default), sizeof(*ch->exempt));
	if (!ch->exempt)
		return -ENOMEM;
	for (size_t i = 0; i < CFG_ARRAY_SIZE(exempt_default); i++)
		snprintf(ch->exempt[i], sizeof(ch->exempt[i]), "%s", exempt_default[i]);
	ch->n_exempt = CFG_ARRAY_SIZE(exempt_default);
	return 0;
}

/* ---- lists ---- */

#define LIST_SETTER(fn, member, prefixes)						\
static int fn(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,	\
	      const char *path, void *obj)						\
{											\
	CH *ch = obj;									\
											\
	(void)f;									\
	free(ch->member);								\
	ch->member = NULL;								\
	ch->n_##member = 0;								\
	return http_get_strings(c, v, path, sizeof(*ch->member), prefixes, &ch->member,	\
				&ch->n_##member);					\
}
LIST_SETTER(set_paths, paths, true)
LIST_SETTER(set_exempt, exempt, true)
LIST_SETTER(set_api_paths, api_paths, true)
LIST_SETTER(set_user_agents, user_agents, false)

static int set_methods(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		       const char *path, void *obj)
{
	(void)f;
	return http_get_methods(c, v, path, &((CH *)obj)->methods);
}

static int set_ips(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		   const char *path, void *obj)
{
	(void)f;
	return cfg_get_cidrs(c, v, path, &((CH *)obj)->ips, &((CH *)obj)->n_ips);
}

/* One crawler {name, ranges} appended to the flat range list. */
struct crawler_walk {
	char name[32];
	struct aegis_lpm_key *ranges;
	size_t n_ranges;
};

static int set_ranges(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	struct crawler_walk *w = obj;

	(void)f;
	return cfg_get_cidrs(c, v, path, &w->ranges, &w->n_ranges);
}

static const struct cfg_field crawler_fields[] = {
	CFG_STR("name", struct crawler_walk, name),
	CFG_CUSTOM("ranges", set_ranges),
};

static int add_crawler(struct cfg_ctx *c, const struct cfg_node *v, const char *path, CH *ch)
{
	const struct cfg_node *seen[CFG_ARRAY_SIZE(crawler_fields)];
	struct crawler_walk w = { .name = "" };
	struct http_crawler_range *grown;
	int ret = cfg_map_walk(c, v, path, crawler_fields, CFG_ARRAY_SIZE(crawler_fields), &w,
			       seen);

	if (!ret && (!seen[0] || !seen[1] || !w.n_ranges))
		ret = cfg_error(c, v->line, "%s: a crawler needs a name and its ranges", path);
	if (!ret && !cfg_name_valid(w.name, sizeof(w.name)))
		ret = cfg_error(c, seen[0]->line, "%s.name: use letters, digits, '_', '.', '-'",
				path);
	if (!ret && ch->n_crawlers + w.n_ranges > HTTP_MAX_LIST * 16)
		ret = cfg_error(c, v->line, "%s: more than %d crawler ranges in all", path,
				HTTP_MAX_LIST * 16);
	if (!ret && !(grown = realloc(ch->crawlers, (ch->n_crawlers + w.n_ranges) *
					       sizeof(*grown))))
		ret = cfg_oom(c);
	if (!ret) {
		ch->crawlers = grown;
		for (size_t i = 0; i < w.n_ranges; i++) {
			struct http_crawler_range *r = &ch->crawlers[ch->n_crawlers++];

			snprintf(r->name, sizeof(r->name), "%s", w.name);
			r->net = w.ranges[i];
		}
	}
	free(w.ranges);
	return ret;
}

static int set_crawlers(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
			const char *path, void *obj)
{
	char sub[CFG_PATH_LEN];
	int ret;

	(void)f;
	if (cfg_is_null(v))
		return 0;
	if ((ret = cfg_seq_check(c, v, path)))
		return ret;
	for (size_t i = 0; i < v->n_kids; i++) {
		snprintf(sub, sizeof(sub), "%.100s[%zu]", path, i);
		if ((ret = add_crawler(c, v->kids[i], sub, obj)))
			return ret;
	}
	return 0;
}

/* ---- cookie, page ---- */

/* RFC 6265 cookie-name: an RFC 9110 token. */
static int set_cookie_name(struct cfg_ctx *c, const struct cfg_field *f,
			   const struct cfg_node *v, const char *path, void *obj)
{
	char d[64];
	int ret = cfg_set_str(c, f, v, path, obj);

	if (!ret && !http_token_valid(((CH *)obj)->cookie_name))
		return cfg_error(c, v->line, "%s: %s is not a valid cookie name", path,
				 cfg_describe(v, d, sizeof(d)));
	return ret;
}

/* Page text goes into HTML escaped; control characters have no place. */
static int set_text(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		    const char *path, void *obj)
{
	int ret = cfg_set_str(c, f, v, path, obj);

	for (const char *s = (const char *)obj + f->off; !ret && *s; s++)
		if (iscntrl((unsigned char)*s))
			return cfg_error(c, v->line, "%s: control characters are not allowed", path);
	return ret;
}

static const struct cfg_field cookie_fields[] = {
	{ .key = "name", .fn = set_cookie_name, .off = offsetof(CH, cookie_name),
	  .size = CFG_MEMBER_SIZE(CH, cookie_name) },
	CFG_SECS("ttl", CH, cookie_ttl_s, 1, 30 * 86400),
	CFG_ENUM("binding", CH, binding, binding_words),
};

static const struct cfg_field nojs_fields[] = {
	CFG_SECS("wait", CH, nojs_wait_s, 1, 600),
	CFG_SECS("ttl", CH, nojs_ttl_s, 1, 30 * 86400),
};

static const struct cfg_field page_fields[] = {
	{ .key = "title", .fn = set_text, .off = offsetof(CH, title),
	  .size = CFG_MEMBER_SIZE(CH, title) },
	{ .key = "text", .fn = set_text, .off = offsetof(CH, text),
	  .size = CFG_MEMBER_SIZE(CH, text) },
};

enum { CF_MODE, CF_DIFF, CF_ALWAYS, CF_REP, CF_PATHS, CF_METHODS, CF_UAS, CF_IPS, CF_EXEMPT,
       CF_API, CF_CRAWLERS, CF_COOKIE, CF_ROTATION, CF_SOLVE, CF_SPENT, CF_SECRET, CF_NOJS,
       CF_PAGE, CF_MAX };

static const struct cfg_field challenge_fields[] = {
	[CF_MODE] = CFG_ENUM("mode", CH, mode, http_mode_words),
	[CF_DIFF] = CFG_UINT("difficulty", CH, difficulty, AEGIS_CHAL_MIN_DIFFICULTY,
			     AEGIS_CHAL_MAX_DIFFICULTY),
	[CF_ALWAYS] = CFG_BOOL("always", CH, always),
	[CF_REP] = CFG_BOOL("reputation", CH, reputation),
	[CF_PATHS] = CFG_CUSTOM("paths", set_paths),
	[CF_METHODS] = CFG_CUSTOM("methods", set_methods),
	[CF_UAS] = CFG_CUSTOM("user_agents", set_user_agents),
	[CF_IPS] = CFG_CUSTOM("ips", set_ips),
	[CF_EXEMPT] = CFG_CUSTOM("exempt_paths", set_exempt),
	[CF_API] = CFG_CUSTOM("api_paths", set_api_paths),
	[CF_CRAWLERS] = CFG_CUSTOM("crawlers", set_crawlers),
	[CF_COOKIE] = CFG_SECTION("cookie", cookie_fields),
	[CF_ROTATION] = CFG_SECS("key_rotation", CH, rotation_s, 10, 30 * 86400),
	[CF_SOLVE] = CFG_SECS("solve_timeout", CH, solve_s, 5, 86400),
	[CF_SPENT] = CFG_UINT("spent_tokens", CH, spent, AEGIS_CHAL_MIN_SPENT, AEGIS_CHAL_MAX_SPENT),
	[CF_SECRET] = CFG_PATH("secret_file", CH, secret_file),
	[CF_NOJS] = CFG_SECTION("nojs", nojs_fields),
	[CF_PAGE] = CFG_SECTION("page", page_fields),
};
_Static_assert(CFG_ARRAY_SIZE(challenge_fields) == CF_MAX, "challenge table complete");

static int check_lifetimes(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
			   const CH *ch, const struct cfg_node *const *seen)
{
	const struct cfg_node *at = seen[CF_ROTATION] ? seen[CF_ROTATION] : v;
	uint32_t longest = ch->cookie_ttl_s > ch->nojs_ttl_s ? ch->cookie_ttl_s : ch->nojs_ttl_s;

	if (ch->solve_s > ch->rotation_s)
		return cfg_error(c, at->line, "%s: solve_timeout %us is longer than key_rotation %us",
				 path, ch->solve_s, ch->rotation_s);
	if (longest > ch->rotation_s)
		return cfg_error(c, at->line,
				 "%s: key_rotation %us is shorter than the cookie ttl %us (a cookie "
				 "must not outlive its key): raise key_rotation or lower the ttl",
				 path, ch->rotation_s, longest);
	return 0;
}

int http_set_challenge(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		       const char *path, void *obj)
{
	const struct cfg_node *seen[CF_MAX];
	CH *ch = &((HS *)obj)->h.challenge;
	int ret;

	(void)f;
	if ((ret = cfg_map_walk(c, v, path, challenge_fields, CF_MAX, ch, seen)))
		return ret;
	return check_lifetimes(c, v, path, ch, seen);
}

/* ---- a host's challenge: key ---- */

struct host_chal {
	enum http_mode mode;
	uint32_t difficulty;
	bool always;
	char title[AEGIS_CHAL_TITLE_MAX + 1];
	char text[AEGIS_CHAL_TEXT_MAX + 1];
};

static const struct cfg_field host_fields[] = {
	CFG_ENUM("mode", struct host_chal, mode, http_mode_words),
	CFG_UINT("difficulty", struct host_chal, difficulty, AEGIS_CHAL_MIN_DIFFICULTY,
		 AEGIS_CHAL_MAX_DIFFICULTY),
	CFG_BOOL("always", struct host_chal, always),
	{ .key = "title", .fn = set_text, .off = offsetof(struct host_chal, title),
	  .size = CFG_MEMBER_SIZE(struct host_chal, title) },
	{ .key = "text", .fn = set_text, .off = offsetof(struct host_chal, text),
	  .size = CFG_MEMBER_SIZE(struct host_chal, text) },
};

int http_set_host_challenge(struct cfg_ctx *c, const struct cfg_field *f,
			    const struct cfg_node *v, const char *path, void *obj)
{
	static const struct cfg_field as_mode = CFG_ENUM("", struct host_chal, mode,
							 http_mode_words);
	struct http_host *host = obj;
	struct host_chal w = { .mode = host->chal_mode, .difficulty = host->chal_difficulty,
			       .always = host->chal_always };
	int ret;

	(void)f;
	memcpy(w.title, host->chal_title, sizeof(w.title));
	memcpy(w.text, host->chal_text, sizeof(w.text));
	if (v->type == CFG_NODE_MAP)
		ret = cfg_map_walk(c, v, path, host_fields, CFG_ARRAY_SIZE(host_fields), &w, NULL);
	else
		ret = cfg_set_enum(c, &as_mode, v, path, &w);
	if (ret)
		return ret;
	host->chal_mode = w.mode;
	host->chal_difficulty = w.difficulty;
	host->chal_always = w.always;
	memcpy(host->chal_title, w.title, sizeof(w.title));
	memcpy(host->chal_text, w.text, sizeof(w.text));
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * WAF engine: rule table, one Hyperscan block-mode database over all rules
 * (the Hyperscan id is the rule id), and the request walker that decodes
 * each field and scans it once. Target filtering happens in the match
 * callback: one scan per field over one database is cheaper than a
 * database per target, and a field can belong to several targets at once
 * (a User-Agent is UA, HEADER and HEADER_ALL).
 */
#include <errno.h>
#include <hs/hs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/errbuf.h"
#include "http/http_decode.h"
#include "guard/waf_priv.h"

struct waf_rule {
	struct waf_rule_info info;
	char *pattern;
	unsigned hs_flags;
};

struct waf {
	struct waf_rule *rules; /* sorted by id once compiled */
	size_t n, cap;
	uint32_t next_custom;
	hs_database_t *db;
};

struct waf_scratch {
	hs_scratch_t *hs;
	uint8_t *seen;           /* per rule index, cleared per request */
	size_t n_rules;
	char buf[WAF_FIELD_MAX + 1];
	char json[WAF_FIELD_MAX + 1];
	char plain[WAF_FIELD_MAX + 1]; /* hd_deobfuscate() of buf */
};

struct scan_ctx {
	const struct waf *w;
	struct waf_scratch *s;
	struct waf_result *res;
	unsigned target; /* the bits the current field belongs to */
};

const char *waf_class_name(enum waf_class c)
{
	static const char *const names[] = {
		[WAF_SQLI] = "sqli", [WAF_XSS] = "xss", [WAF_RCE] = "rce",
		[WAF_LFI] = "lfi", [WAF_RFI] = "rfi", [WAF_PHP] = "php",
		[WAF_JAVA] = "java", [WAF_SCANNER] = "scanner",
		[WAF_GENERIC] = "generic", [WAF_CUSTOM] = "custom",
	};
	if ((unsigned)c < sizeof(names) / sizeof(names[0]) && names[c])
		return names[c];
	return "?";
}

const char *waf_target_name(unsigned bit)
{
	switch (bit) {
	case WAF_T_PATH: return "path";
	case WAF_T_QUERY_NAME: return "query-name";
	case WAF_T_QUERY_VAL: return "query-value";
	case WAF_T_BODY_NAME: return "body-name";
	case WAF_T_BODY_VAL: return "body-value";
	case WAF_T_COOKIE: return "cookie";
	case WAF_T_HEADER: return "header";
	case WAF_T_HEADER_ALL: return "header-any";
	case WAF_T_UA: return "user-agent";
	}
	return "?";
}

static int push_rule(struct waf *w, uint32_t id, enum waf_class cls, unsigned targets,
		     int score, const char *desc, const char *pattern, unsigned hs_flags)
{
	struct waf_rule *r;

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 128;
		struct waf_rule *nr = realloc(w->rules, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		w->rules = nr;
		w->cap = cap;
	}
	r = &w->rules[w->n];
	r->pattern = strdup(pattern);
	r->info.desc = strdup(desc ? desc : "custom rule");
	if (!r->pattern || !r->info.desc) {
		free(r->pattern);
		free((char *)r->info.desc);
		return -ENOMEM;
	}
	r->info.id = id;
	r->info.cls = cls;
	r->info.targets = targets;
	r->info.score = score;
	r->hs_flags = hs_flags;
	w->n++;
	return 0;
}

#define HS_BASE (HS_FLAG_CASELESS | HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH)

struct waf *waf_new(void)
{
	struct waf *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->next_custom = WAF_CUSTOM_ID_MIN;
	for (size_t i = 0; i < waf_builtin_count; i++) {
		const struct waf_builtin *b = &waf_builtin_rules[i];

		if (push_rule(w, b->id, b->cls, b->targets, b->score, b->desc, b->pattern, HS_BASE)) {
			waf_free(w);
			return NULL;
		}
	}
	return w;
}

void waf_free(struct waf *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		free(w->rules[i].pattern);
		free((char *)w->rules[i].info.desc);
	}
	free(w->rules);
	hs_free_database(w->db);
	free(w);
}

const struct waf_rule_info *waf_rule_find(const struct waf *w, uint32_t id)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->rules[i].info.id == id)
			return &w->rules[i].info;
	return NULL;
}

/* Regex metacharacters of a literal escaped as \xHH, so any byte is safe. */
static char *escape_literal(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ')
			*o++ = (char)c;
		else
			o += sprintf(o, "\\x%02x", c);
	}
	*o = '\0';
	return out;
}

/* Compiles pat alone: an error names this rule, not the database. */
static int check_pattern(const char *pat, unsigned hs_flags, char *err, size_t errlen)
{
	hs_database_t *db = NULL;
	hs_compile_error_t *ce = NULL;

	if (hs_compile(pat, hs_flags, HS_MODE_BLOCK, NULL, &db, &ce) != HS_SUCCESS) {
		errbuf_set(err, errlen, "bad pattern: %s", ce ? ce->message : "?");
		hs_free_compile_error(ce);
		return -EINVAL;
	}
	hs_free_database(db);
	return 0;
}

long waf_rule_add(struct waf *w, uint32_t id, const char *pattern, unsigned targets,
		  int score, unsigned flags, const char *desc, char *err, size_t errlen)
{
	char *pat;
	unsigned hs_flags = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH;
	int rc;

	if (w->db) {
		errbuf_set(err, errlen, "rules are compiled already");
		return -EBUSY;
	}
	if (!pattern || !*pattern || !(targets & WAF_T_ALL) || (targets & ~WAF_T_ALL)) {
		errbuf_set(err, errlen, "empty pattern or bad target");
		return -EINVAL;
	}
	if (flags & WAF_RULE_BLOCK)
		score = WAF_SCORE_BLOCK;
	if (score <= 0) {
		errbuf_set(err, errlen, "score must be positive (or action block)");
		return -EINVAL;
	}
	if (id == 0)
		id = w->next_custom;
	if (id < WAF_CUSTOM_ID_MIN || waf_rule_find(w, id)) {
		errbuf_set(err, errlen, "rule id %ld is reserved or taken", (long)id);
		return -EEXIST;
	}
	if (!(flags & WAF_RULE_CASE))
		hs_flags |= HS_FLAG_CASELESS;
	pat = (flags & WAF_RULE_LITERAL) ? escape_literal(pattern) : strdup(pattern);
	rc = pat ? check_pattern(pat, hs_flags, err, errlen) : -ENOMEM;
	if (!rc)
		rc = push_rule(w, id, WAF_CUSTOM, targets, score, desc, pat, hs_flags);
	free(pat);
	if (rc == -ENOMEM)
		errbuf_set(err, errlen, "out of memory");
	if (rc)
		return rc;
	if (id >= w->next_custom)
		w->next_custom = id + 1;
	return (long)id;
}

static int cmp_rule(const void *a, const void *b)
{
	uint32_t x = ((const struct waf_rule *)a)->info.id, y = ((const struct waf_rule *)b)->info.id;

	return x < y ? -1 : x > y;
}

int waf_compile(struct waf *w, char *err, size_t errlen)
{
	const char **pats;
	unsigned *flags, *ids;
	hs_compile_error_t *ce = NULL;
	int rc = -ENOMEM;

	if (w->db)
		return 0;
	qsort(w->rules, w->n, sizeof(w->rules[0]), cmp_rule);
	pats = calloc(w->n, sizeof(*pats));
	flags = calloc(w->n, sizeof(*flags));
	ids = calloc(w->n, sizeof(*ids));
	if (!pats || !flags || !ids)
		goto out;
	for (size_t i = 0; i < w->n; i++) {
		pats[i] = w->rules[i].pattern;
		flags[i] = w->rules[i].hs_flags;
		ids[i] = w->rules[i].info.id;
	}
	if (hs_compile_multi(pats, flags, ids, (unsigned)w->n, HS_MODE_BLOCK, NULL,
			     &w->db, &ce) != HS_SUCCESS) {
		errbuf_set(err, errlen, "hyperscan: %s (rule index %ld)", ce ? ce->message : "?",
			   ce ? (long)ce->expression : -1L);
		hs_free_compile_error(ce);
		w->db = NULL;
		rc = -EINVAL;
		goto out;
	}
	rc = 0;
out:
	if (rc == -ENOMEM)
		errbuf_set(err, errlen, "out of memory");
	free(pats);
	free(flags);
	free(ids);
	return rc;
}

size_t waf_rule_count(const struct waf *w)
{
	return w->n;
}

const struct waf_rule_info *waf_rule_get(const struct waf *w, size_t i)
{
	return i < w->n ? &w->rules[i].info : NULL;
}

struct waf_scratch *waf_scratch_new(const struct waf *w)
{
	struct waf_scratch *s;

	if (!w->db)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->n_rules = w->n;
	s->seen = calloc(w->n ? w->n : 1, 1);
	if (!s->seen || hs_alloc_scratch(w->db, &s->hs) != HS_SUCCESS) {
		waf_scratch_free(s);
		return NULL;
	}
	return s;
}

void waf_scratch_free(struct waf_scratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	free(s->seen);
	free(s);
}

/* Rules are sorted by id after compile: binary search from the match id. */
static long rule_index(const struct waf *w, uint32_t id)
{
	size_t lo = 0, hi = w->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->rules[mid].info.id == id)
			return (long)mid;
		if (w->rules[mid].info.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *ctx)
{
	struct scan_ctx *c = ctx;
	long i = rule_index(c->w, id);
	const struct waf_rule_info *r;
	struct waf_result *res = c->res;

	(void)from, (void)to, (void)flags;
	if (i < 0)
		return 0;
	r = &c->w->rules[i].info;
	if (!(r->targets & c->target) || c->s->seen[i])
		return 0;
	c->s->seen[i] = 1;
	res->total += r->score;
	if (res->n_hits < WAF_MAX_HITS) {
		struct waf_hit *h = &res->hits[res->n_hits++];
		unsigned t = r->targets & c->target;

		h->id = r->id;
		h->cls = (uint8_t)r->cls;
		h->target = (uint16_t)(t & -t);
		h->score = r->score;
	}
	return 0;
}

static int scan(struct scan_ctx *c, const char *data, size_t len)
{
	if (len == 0)
		return 0;
	return hs_scan(c->w->db, data, (unsigned)len, 0, c->s->hs, on_match, c) == HS_SUCCESS ? 0 : -EIO;
}

/* The decoded field, then its evasion-free reading when that differs: the
 * rules describe plain SQL and shell, and one more scan of a short string
 * costs less than teaching every rule every quoting and comment trick. */
static int scan_decoded(struct scan_ctx *c, unsigned target, const char *p, size_t n, unsigned hd)
{
	size_t m = hd_decode(p, n, c->s->buf, sizeof(c->s->buf), hd);

	c->target = target;
	if (scan(c, c->s->buf, m))
		return -EIO;
	m = hd_deobfuscate(c->s->buf, m, c->s->plain, sizeof(c->s->plain));
	return scan(c, c->s->plain, m);
}

/* name=value pairs split on sep (query strings, forms, cookies). */
static int scan_pairs(struct scan_ctx *c, const char *p, size_t n, char sep,
		      unsigned tname, unsigned tval, unsigned hd)
{
	size_t i = 0;

	while (i < n) {
		size_t s = i, eq;

		while (i < n && p[i] != sep)
			i++;
		while (s < i && sep == ';' && p[s] == ' ')
			s++;
		for (eq = s; eq < i && p[eq] != '='; eq++)
			;
		if (scan_decoded(c, tname, p + s, eq - s, hd))
			return -EIO;
		if (eq < i && scan_decoded(c, tval, p + eq + 1, i - eq - 1, hd))
			return -EIO;
		i++;
	}
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch |= 0x20;
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Every JSON string of a (possibly truncated) document: keys as names,
 * other strings as values. Not a validator: it only needs the strings. */
static int scan_json(struct scan_ctx *c, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t o = 0, k;

		if (p[i] != '"') {
			i++;
			continue;
		}
		for (i++; i < n && p[i] != '"'; i++) {
			char ch = p[i];

			if (ch == '\\' && i + 1 < n) {
				ch = p[++i];
				switch (ch) {
				case 'n': ch = '\n'; break;
				case 't': ch = '\t'; break;
				case 'r': ch = '\r'; break;
				case 'b': ch = '\b'; break;
				case 'f': ch = '\f'; break;
				case 'u': {
					unsigned cp = 0;
					int ok = i + 4 < n, v;

					for (int d = 1; ok && d <= 4; d++) {
						v = hexval(p[i + d]);
						if (v < 0)
							ok = 0;
						else
							cp = cp << 4 | (unsigned)v;
					}
					if (ok) {
						i += 4;
						/* ASCII is what matters for signatures. */
						ch = cp < 0x80 ? (char)cp : '?';
					}
					break;
				}
				}
			}
			if (o < WAF_FIELD_MAX)
				c->s->json[o++] = ch;
		}
		i++; /* closing quote */
		for (k = i; k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r' || p[k] == '\n'); k++)
			;
		if (scan_decoded(c, k < n && p[k] == ':' ? WAF_T_BODY_NAME : WAF_T_BODY_VAL,
				 c->s->json, o, HD_UTF8 | HD_HTML | HD_NUL))
			return -EIO;
	}
	return 0;
}

/* XML: attribute values and text between tags, each a value (entities and
 * percent-escapes decoded), so quote-anchored rules see the payload alone. */
static int scan_xml(struct scan_ctx *c, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (p[i] == '<') {
			for (i++; i < n && p[i] != '>'; i++) {
				if ((p[i] == '"' || p[i] == '\'') && i > 0 && p[i - 1] == '=') {
					char q = p[i];
					size_t s = ++i;

					while (i < n && p[i] != q)
						i++;
					if (scan_decoded(c, WAF_T_BODY_VAL, p + s, i - s, HD_ARG & ~HD_PLUS))
						return -EIO;
				}
			}
			i++;
		} else {
			size_t s = i;

			while (i < n && p[i] != '<')
				i++;
			if (scan_decoded(c, WAF_T_BODY_VAL, p + s, i - s, HD_ARG & ~HD_PLUS))
				return -EIO;
		}
	}
	return 0;
}

static bool ct_is(const struct waf_request *r, const char *type)
{
	size_t l = strlen(type);

	if (!r->content_type || r->content_type_len < l)
		return false;
	for (size_t i = 0; i + l <= r->content_type_len; i++)
		if (!strncasecmp(r->content_type + i, type, l))
			return true;
	return false;
}

static int scan_body(struct scan_ctx *c, const struct waf_request *r)
{
	size_t n = r->body_len < WAF_BODY_PREFIX ? r->body_len : WAF_BODY_PREFIX;
	const char *b = r->body;

	if (!b || n == 0)
		return 0;
	if (ct_is(r, "json"))
		return scan_json(c, b, n);
	if (ct_is(r, "x-www-form-urlencoded"))
		return scan_pairs(c, b, n, '&', WAF_T_BODY_NAME, WAF_T_BODY_VAL, HD_ARG);
	/* Untyped: the backend may read it as a form or as one blob; both. */
	/* A trailing line end (curl -d @file) does not make a form a blob. */
	while (!r->content_type && n > 1 && (b[n - 1] == '\n' || b[n - 1] == '\r'))
		n--;
	if (!r->content_type && !memchr(b, '\n', n) && !(b[0] == '<' || b[0] == '{')) {
		if (scan_pairs(c, b, n, '&', WAF_T_BODY_NAME, WAF_T_BODY_VAL, HD_ARG))
			return -EIO;
		return scan_decoded(c, WAF_T_BODY_VAL, b, n, HD_ARG);
	}
	if (ct_is(r, "xml") || (n > 5 && !memcmp(b, "<?xml", 5)))
		return scan_xml(c, b, n);
	/* multipart, text: the prefix as one value. */
	return scan_decoded(c, WAF_T_BODY_VAL, b, n, HD_ARG & ~HD_PLUS);
}

/* Headers whose values have a fixed grammar: only HEADER_ALL rules (Log4j,
 * Shellshock) look at them; free-form ones (User-Agent, Referer, X-*) also
 * get the injection rules. */
static bool structured_header(const char *name, size_t len)
{
	static const char *const fixed[] = {
		"host", "accept", "accept-encoding", "accept-language", "accept-charset",
		"connection", "content-length", "content-type", "cache-control", "pragma",
		"if-modified-since", "if-none-match", "if-match", "range", "upgrade-insecure-requests",
		"sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest", "sec-fetch-user",
		"sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "te", "dnt",
		"authorization", "origin", "keep-alive", "priority", "content-encoding",
		"transfer-encoding", "date", "expect",
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strlen(fixed[i]) == len && !strncasecmp(name, fixed[i], len))
			return true;
	return false;
}

static bool name_is(const struct waf_header *h, const char *name)
{
	return strlen(name) == h->name_len && !strncasecmp(h->name, name, h->name_len);
}

int waf_inspect(const struct waf *w, struct waf_scratch *s,
		const struct waf_request *req, struct waf_result *res)
{
	struct scan_ctx c = { .w = w, .s = s, .res = res };

	memset(res, 0, sizeof(*res) - sizeof(res->hits));
	if (!w->db || !s || s->n_rules != w->n)
		return -EINVAL;
	memset(s->seen, 0, s->n_rules);

	if (req->path && scan_decoded(&c, WAF_T_PATH, req->path, req->path_len, HD_PATHS))
		return -EIO;
	if (req->query && scan_pairs(&c, req->query, req->query_len, '&',
				     WAF_T_QUERY_NAME, WAF_T_QUERY_VAL, HD_ARG))
		return -EIO;
	for (size_t i = 0; i < req->n_headers; i++) {
		const struct waf_header *h = &req->headers[i];
		unsigned t = WAF_T_HEADER_ALL;

		if (!h->value)
			continue;
		if (name_is(h, "cookie")) {
			if (scan_pairs(&c, h->value, h->value_len, ';', WAF_T_COOKIE, WAF_T_COOKIE,
				       HD_ARG & ~HD_PLUS))
				return -EIO;
			continue;
		}
		/* Upload file names sent in a header read like a multipart
		 * filename= parameter, so the upload rules cover both. */
		if (name_is(h, "x-filename") || name_is(h, "x_filename") || name_is(h, "x-file-name")) {
			char fn[WAF_FIELD_MAX + 1];
			size_t n = h->value_len < WAF_FIELD_MAX - 9 ? h->value_len : WAF_FIELD_MAX - 9;

			memcpy(fn, "filename=", 9);
			memcpy(fn + 9, h->value, n);
			if (scan_decoded(&c, WAF_T_HEADER | WAF_T_HEADER_ALL, fn, n + 9, HD_URL | HD_UTF8 | HD_NUL))
				return -EIO;
			continue;
		}
		if (name_is(h, "user-agent"))
			t |= WAF_T_UA | WAF_T_HEADER;
		else if (!structured_header(h->name, h->name_len))
			t |= WAF_T_HEADER;
		if (scan_decoded(&c, t, h->value, h->value_len, HD_URL | HD_MULTI | HD_UTF8 | HD_NUL))
			return -EIO;
	}
	return scan_body(&c, req);
}

int waf_scan_field(const struct waf *w, struct waf_scratch *s, unsigned target,
		   const char *data, size_t len, struct waf_result *res)
{
	struct scan_ctx c = { .w = w, .s = s, .res = res, .target = target };

	memset(res, 0, sizeof(*res) - sizeof(res->hits));
	if (!w->db || !s || s->n_rules != w->n)
		return -EINVAL;
	memset(s->seen, 0, s->n_rules);
	return scan(&c, data, len);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Header fingerprints, bot scores, the blocklist and UA lists; see fingerprint.h. */
#include <errno.h>
#include <hs/hs.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/errbuf.h"
#include "guard/fingerprint.h"

/* Scanners and attack tools: nothing legitimate sends these. */
static const char *const fp_ua_block[] = {
	"sqlmap", "nikto", "nmap", "masscan", "zgrab", "zmap", "nuclei", "wpscan",
	"dirbuster", "gobuster", "feroxbuster", "ffuf", "wfuzz", "acunetix", "nessus",
	"openvas", "w3af", "havij", "arachni", "skipfish", "fimap", "commix", "xsstrike",
	"netsparker", "appscan", "zmeu", "morfeus", "jorgee", "hydra", "l9explore",
	"interactsh",
};

/* Generic automation: APIs are called with these, so they only score. */
static const char *const fp_ua_automation[] = {
	"python-requests", "python-urllib", "python-httpx", "aiohttp", "go-http-client",
	"curl/", "wget/", "libwww-perl", "lwp::simple", "scrapy", "okhttp", "java/",
	"apache-httpclient", "node-fetch", "axios/", "undici", "guzzlehttp", "httpie",
	"headlesschrome", "phantomjs", "selenium", "puppeteer", "playwright",
};

#define N_BLOCK (sizeof(fp_ua_block) / sizeof(fp_ua_block[0]))
#define N_AUTO (sizeof(fp_ua_automation) / sizeof(fp_ua_automation[0]))

struct fingerprint {
	hs_database_t *db;		/* NULL: no UA list */
	const char **names;		/* by Hyperscan id */
	enum fp_ua_kind *kinds;
	char (*custom)[128];		/* copy of bots.user_agents */
	size_t n;
	struct keytab *seen;		/* id -> struct fp_state */
	uint32_t block_after, window_ms, block_ms;
};

struct fingerprint_scratch {
	hs_scratch_t *hs;
};

struct fp_state {
	uint64_t win_start_ms;
	uint64_t blocked_until_ms;
	uint32_t count;
};

/* ---- fingerprint and score ---- */

enum { FP_P_ACCEPT, FP_P_LANGUAGE, FP_P_ENCODING, FP_P_SEC_FETCH, FP_P_COOKIE, FP_P_UA,
       FP_P__COUNT };

/* Position (1-based) of the first header of each kind; 0 = absent. */
struct fp_pos {
	unsigned at[FP_P__COUNT];
	const struct http_header *ua;
};

static bool span_ieq(const struct http_span *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->len == n && strncasecmp(s->p, lit, n) == 0;
}

static int fp_kind(const struct http_span *name)
{
	static const char *const names[] = {
		[FP_P_ACCEPT] = "accept", [FP_P_LANGUAGE] = "accept-language",
		[FP_P_ENCODING] = "accept-encoding", [FP_P_COOKIE] = "cookie",
		[FP_P_UA] = "user-agent",
	};

	if (name->len > 10 && strncasecmp(name->p, "sec-fetch-", 10) == 0)
		return FP_P_SEC_FETCH;
	for (int k = 0; k < FP_P__COUNT; k++)
		if (names[k] && span_ieq(name, names[k]))
			return k;
	return -1;
}

#define FNV_OFF 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv_byte(uint64_t h, unsigned char c)
{
	return (h ^ c) * FNV_PRIME;
}

static uint64_t fnv_lower(uint64_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		h = fnv_byte(h, c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	return h;
}

/* The id hashes "METHOD|1.1|name,name,...|bits". */
static uint64_t fp_id(const struct http_req_head *h, const struct fp_pos *pos)
{
	uint64_t id = fnv_lower(FNV_OFF, h->method.p, h->method.len);
	unsigned bits = 0;

	id = fnv_byte(id, '|');
	id = fnv_byte(id, (unsigned char)('0' + h->version_major));
	id = fnv_byte(id, (unsigned char)('0' + h->version_minor));
	id = fnv_byte(id, '|');
	for (unsigned i = 0; i < h->nheaders; i++) {
		id = fnv_lower(id, h->headers[i].name.p, h->headers[i].name.len);
		id = fnv_byte(id, ',');
	}
	for (int k = 0; k < FP_P_UA; k++)
		bits |= (pos->at[k] != 0) << k;
	id = fnv_byte(id, '|');
	return fnv_byte(id, (unsigned char)('0' + bits));
}

/* Major version after "Chrome/" or "Firefox/" in a UA, 0 if absent. */
static unsigned ua_version(const struct http_span *ua, const char *tok)
{
	size_t n = strlen(tok);
	unsigned v = 0;

	for (size_t i = 0; i + n <= ua->len; i++) {
		if (memcmp(ua->p + i, tok, n) != 0)
			continue;
		for (i += n; i < ua->len && ua->p[i] >= '0' && ua->p[i] <= '9' && v < 100000; i++)
			v = v * 10 + (unsigned)(ua->p[i] - '0');
		return v;
	}
	return 0;
}

enum fp_browser { FP_B_NONE, FP_B_CHROMIUM, FP_B_FIREFOX, FP_B_OTHER };

static enum fp_browser fp_claimed(const struct http_span *ua, unsigned *version)
{
	*version = 0;
	if (ua->len < 11 || memcmp(ua->p, "Mozilla/5.0", 11) != 0)
		return FP_B_NONE;
	if ((*version = ua_version(ua, "Firefox/")))
		return FP_B_FIREFOX;
	if ((*version = ua_version(ua, "Chrome/")))
		return FP_B_CHROMIUM;
	return FP_B_OTHER;
}

static bool before(const struct fp_pos *p, int a, int b)
{
	return !p->at[a] || !p->at[b] || p->at[a] < p->at[b];
}

/* The relative order both browsers have kept for years over HTTP/1.1:
 * Chromium sends Accept-Encoding before Accept-Language, Firefox after. */
static bool fp_order_ok(const struct fp_pos *p, enum fp_browser b)
{
	if (!before(p, FP_P_UA, FP_P_ACCEPT))
		return false;
	if (b == FP_B_CHROMIUM)
		return before(p, FP_P_ACCEPT, FP_P_ENCODING) &&
		       before(p, FP_P_ENCODING, FP_P_LANGUAGE);
	return before(p, FP_P_ACCEPT, FP_P_LANGUAGE) && before(p, FP_P_LANGUAGE, FP_P_ENCODING);
}

static unsigned fp_browser_signals(const struct fp_pos *pos, const struct http_span *ua)
{
	unsigned v, sig = 0;
	enum fp_browser b = fp_claimed(ua, &v);

	if (b == FP_B_NONE)
		return 0;
	if (!pos->at[FP_P_ACCEPT] || !pos->at[FP_P_LANGUAGE] || !pos->at[FP_P_ENCODING])
		sig |= FP_SIG_BROWSER_INCOMPLETE;
	if (b == FP_B_OTHER)
		return sig;
	if (!pos->at[FP_P_SEC_FETCH] &&
	    ((b == FP_B_CHROMIUM && v >= 76) || (b == FP_B_FIREFOX && v >= 90)))
		sig |= FP_SIG_NO_SEC_FETCH;
	if (!fp_order_ok(pos, b))
		sig |= FP_SIG_ORDER;
	return sig;
}

static int fp_weight(unsigned sig)
{
	static const struct { unsigned bit; int w; } w[] = {
		{ FP_SIG_NO_UA, FP_W_NO_UA }, { FP_SIG_NO_ACCEPT, FP_W_NO_ACCEPT },
		{ FP_SIG_NO_LANGUAGE, FP_W_NO_LANGUAGE }, { FP_SIG_NO_ENCODING, FP_W_NO_ENCODING },
		{ FP_SIG_HTTP10, FP_W_HTTP10 },
		{ FP_SIG_BROWSER_INCOMPLETE, FP_W_BROWSER_INCOMPLETE },
		{ FP_SIG_NO_SEC_FETCH, FP_W_NO_SEC_FETCH }, { FP_SIG_ORDER, FP_W_ORDER },
		{ FP_SIG_AUTOMATION, FP_W_AUTOMATION },
	};
	int score = 0;

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (sig & w[i].bit)
			score += w[i].w;
	return score;
}

void fingerprint_compute(const struct http_req_head *h, struct fp_result *out)
{
	struct fp_pos pos = { 0 };
	struct http_span ua = { "", 0 };
	unsigned sig = 0;

	for (unsigned i = 0; i < h->nheaders; i++) {
		int k = fp_kind(&h->headers[i].name);

		if (k >= 0 && !pos.at[k])
			pos.at[k] = i + 1;
		if (k == FP_P_UA && !pos.ua)
			pos.ua = &h->headers[i];
	}
	if (pos.ua)
		ua = pos.ua->value;
	if (!ua.len)
		sig |= FP_SIG_NO_UA;
	if (!pos.at[FP_P_ACCEPT])
		sig |= FP_SIG_NO_ACCEPT;
	if (!pos.at[FP_P_LANGUAGE])
		sig |= FP_SIG_NO_LANGUAGE;
	if (!pos.at[FP_P_ENCODING])
		sig |= FP_SIG_NO_ENCODING;
	if (h->version_major == 1 && h->version_minor == 0)
		sig |= FP_SIG_HTTP10;
	sig |= fp_browser_signals(&pos, &ua);
	out->id = fp_id(h, &pos);
	out->signals = sig;
	out->score = fp_weight(sig);
}

const char *fingerprint_hex(uint64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%016" PRIx64, id);
	return buf;
}

/* ---- UA lists ---- */

static void fp_add(struct fingerprint *f, const char *name, enum fp_ua_kind kind)
{
	f->names[f->n] = name;
	f->kinds[f->n] = kind;
	f->n++;
}

static int fp_compile(struct fingerprint *f, char *err, size_t errlen)
{
	unsigned *flags = calloc(f->n, sizeof(*flags)), *ids = calloc(f->n, sizeof(*ids));
	size_t *lens = calloc(f->n, sizeof(*lens));
	hs_compile_error_t *ce = NULL;
	int rc = -ENOMEM;

	if (!flags || !ids || !lens)
		goto out;
	for (size_t i = 0; i < f->n; i++) {
		flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		ids[i] = (unsigned)i;
		lens[i] = strlen(f->names[i]);
	}
	rc = 0;
	if (hs_compile_lit_multi(f->names, flags, ids, lens, (unsigned)f->n, HS_MODE_BLOCK,
				 NULL, &f->db, &ce) != HS_SUCCESS) {
		errbuf_set(err, errlen, "bots.user_agents: %s",
			   ce && ce->message ? ce->message : "Hyperscan compile error");
		hs_free_compile_error(ce);
		rc = -EINVAL;
	}
out:
	free(flags);
	free(ids);
	free(lens);
	return rc;
}

static int fp_lists(struct fingerprint *f, const struct http_cfg *cfg, char *err, size_t errlen)
{
	size_t max = N_BLOCK + N_AUTO + cfg->bots.n_user_agents;

	f->names = calloc(max, sizeof(*f->names));
	f->kinds = calloc(max, sizeof(*f->kinds));
	if (cfg->bots.n_user_agents)
		f->custom = calloc(cfg->bots.n_user_agents, sizeof(*f->custom));
	if (!f->names || !f->kinds || (cfg->bots.n_user_agents && !f->custom)) {
		errbuf_set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; cfg->bots.default_user_agents && i < N_BLOCK; i++)
		fp_add(f, fp_ua_block[i], FP_UA_BLOCK);
	for (size_t i = 0; cfg->bots.default_user_agents && i < N_AUTO; i++)
		fp_add(f, fp_ua_automation[i], FP_UA_AUTOMATION);
	for (size_t i = 0; i < cfg->bots.n_user_agents; i++) {
		memcpy(f->custom[i], cfg->bots.user_agents[i], sizeof(f->custom[i]));
		f->custom[i][sizeof(f->custom[i]) - 1] = '\0';
		if (!f->custom[i][0]) {
			errbuf_set(err, errlen, "bots.user_agents: empty entry");
			return -EINVAL;
		}
		fp_add(f, f->custom[i], FP_UA_BLOCK);
	}
	return f->n ? fp_compile(f, err, errlen) : 0;
}

int fingerprint_new(const struct http_cfg *cfg, uint32_t capacity, struct fingerprint **out,
		    char *err, size_t errlen)
{
	struct fingerprint *f = calloc(1, sizeof(*f));
	int rc = -ENOMEM;

	*out = NULL;
	if (!f) {
		errbuf_set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	f->block_after = cfg->bots.block_after;
	f->window_ms = cfg->bots.window_ms;
	f->block_ms = cfg->bots.block_ms;
	f->seen = keytab_new(capacity, sizeof(struct fp_state));
	if (!f->seen) {
		errbuf_set(err, errlen, "out of memory");
		goto fail;
	}
	rc = fp_lists(f, cfg, err, errlen);
	if (rc)
		goto fail;
	*out = f;
	return 0;
fail:
	fingerprint_free(f);
	return rc;
}

void fingerprint_free(struct fingerprint *f)
{
	if (!f)
		return;
	hs_free_database(f->db);
	keytab_free(f->seen);
	free(f->names);
	free(f->kinds);
	free(f->custom);
	free(f);
}

struct fingerprint_scratch *fingerprint_scratch_new(const struct fingerprint *f)
{
	struct fingerprint_scratch *s = calloc(1, sizeof(*s));

	if (s && f->db && hs_alloc_scratch(f->db, &s->hs) != HS_SUCCESS) {
		free(s);
		return NULL;
	}
	return s;
}

void fingerprint_scratch_free(struct fingerprint_scratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	free(s);
}

struct fp_scan {
	const struct fingerprint *f;
	struct fp_ua_hit *hit;
};

static int fp_on_match(unsigned id, unsigned long long from, unsigned long long to,
		       unsigned flags, void *ctx)
{
	struct fp_scan *c = ctx;
	enum fp_ua_kind k = c->f->kinds[id];

	(void)from, (void)to, (void)flags;
	if (k > c->hit->kind) {
		c->hit->kind = k;
		c->hit->name = c->f->names[id];
	}
	return k == FP_UA_BLOCK;	/* nothing beats a block: stop */
}

int fingerprint_ua(const struct fingerprint *f, struct fingerprint_scratch *s,
		   const char *ua, size_t len, struct fp_ua_hit *hit)
{
	struct fp_scan c = { f, hit };
	hs_error_t e;

	hit->kind = FP_UA_NONE;
	hit->name = NULL;
	if (!f->db || !ua || !len)
		return 0;
	if (len > UINT32_MAX)
		len = UINT32_MAX;
	e = hs_scan(f->db, ua, (unsigned)len, 0, s->hs, fp_on_match, &c);
	return e == HS_SUCCESS || e == HS_SCAN_TERMINATED ? 0 : -EIO;
}

/* ---- accumulation and blocklist ---- */

static int fp_peek(void *val, bool fresh, uint64_t *expire_ms, void *arg)
{
	const struct fp_state *st = val;

	(void)fresh, (void)expire_ms;
	return st->blocked_until_ms > *(const uint64_t *)arg;
}

bool fingerprint_blocked(struct fingerprint *f, uint64_t id, uint64_t now_ms)
{
	return keytab_update(f->seen, &id, sizeof(id), now_ms, false, fp_peek, &now_ms) == 1;
}

struct fp_flag_op {
	const struct fingerprint *f;
	uint64_t now;
};

static int fp_count(void *val, bool fresh, uint64_t *expire_ms, void *arg)
{
	const struct fp_flag_op *op = arg;
	struct fp_state *st = val;
	int listed = 0;

	(void)fresh;
	if (st->count == 0 || op->now - st->win_start_ms >= op->f->window_ms) {
		st->win_start_ms = op->now;
		st->count = 0;
	}
	if (++st->count >= op->f->block_after && st->blocked_until_ms <= op->now) {
		st->blocked_until_ms = op->now + op->f->block_ms;
		st->count = 0;
		listed = 1;
	}
	*expire_ms = st->win_start_ms + op->f->window_ms;
	if (st->blocked_until_ms > *expire_ms)
		*expire_ms = st->blocked_until_ms;
	return listed;
}

bool fingerprint_flag(struct fingerprint *f, uint64_t id, uint64_t now_ms)
{
	struct fp_flag_op op = { f, now_ms };

	if (!f->block_after || !f->window_ms)
		return false;
	return keytab_update(f->seen, &id, sizeof(id), now_ms, true, fp_count, &op) == 1;
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * waf: the HTTP proxy's signature stage (see docs/WAF.md).
 *
 * Rules are Hyperscan patterns with an id, an attack class, a target mask
 * and a score. All built-in rules (SQLi, XSS, RCE, LFI, RFI, PHP, Java,
 * scanners) plus any custom rule go into ONE database compiled by
 * waf_compile(); each worker thread owns a scratch (waf_scratch_new()).
 * waf_inspect() decodes every field of an already-parsed request itself
 * (http_decode), runs one hs_scan per decoded field, and adds the score of
 * each rule that fired (a rule counts once per request, however many fields
 * it fires on). The caller blocks when total >= its threshold
 * (WAF_THRESHOLD_DEFAULT): a strong signature scores 5 alone, weak signals
 * (2-3) only block in combination.
 *
 * Life cycle: waf_new -> [waf_rule_add ...] -> waf_compile -> (per thread)
 * waf_scratch_new -> waf_inspect ... -> waf_scratch_free -> waf_free.
 * A compiled waf is read-only and shared by all threads.
 */
#ifndef AEGIS_WAF_H
#define AEGIS_WAF_H

#include <stddef.h>
#include <stdint.h>

#define WAF_THRESHOLD_DEFAULT 5
#define WAF_MAX_HITS 32          /* rules reported per request */
#define WAF_BODY_PREFIX 8192     /* body bytes inspected at most */
#define WAF_FIELD_MAX 8192       /* decoded bytes per field */
#define WAF_CUSTOM_ID_MIN 100000 /* custom rule ids start here */

enum waf_class {
	WAF_SQLI = 1, WAF_XSS, WAF_RCE, WAF_LFI, WAF_RFI, WAF_PHP, WAF_JAVA,
	WAF_SCANNER, WAF_GENERIC, WAF_CUSTOM,
};

/* Where a rule looks. Arguments of the query and of the body are kept
 * apart so a rule can, say, ignore body names. */
enum waf_target {
	WAF_T_PATH       = 1u << 0, /* decoded path (not normalised: '..' stays) */
	WAF_T_QUERY_NAME = 1u << 1,
	WAF_T_QUERY_VAL  = 1u << 2,
	WAF_T_BODY_NAME  = 1u << 3, /* urlencoded names, JSON keys */
	WAF_T_BODY_VAL   = 1u << 4, /* urlencoded values, JSON strings, raw body */
	WAF_T_COOKIE     = 1u << 5, /* cookie names and values */
	WAF_T_HEADER     = 1u << 6, /* free-form headers: User-Agent, Referer, X-* ... */
	WAF_T_HEADER_ALL = 1u << 7, /* every header value (structured ones too) */
	WAF_T_UA         = 1u << 8, /* User-Agent only */
};
#define WAF_T_ARGS (WAF_T_QUERY_NAME | WAF_T_QUERY_VAL | WAF_T_BODY_NAME | \
		    WAF_T_BODY_VAL | WAF_T_COOKIE)
#define WAF_T_VALUES (WAF_T_QUERY_VAL | WAF_T_BODY_VAL | WAF_T_COOKIE)
#define WAF_T_ALL 0x1ffu

/* Custom rule kinds and actions. */
enum waf_rule_flags {
	WAF_RULE_LITERAL = 1u << 0, /* pattern is a plain string, not a regex */
	WAF_RULE_CASE    = 1u << 1, /* case-sensitive (default: caseless) */
	WAF_RULE_BLOCK   = 1u << 2, /* action block: score = WAF_SCORE_BLOCK */
};
#define WAF_SCORE_BLOCK 1000

struct waf;
struct waf_scratch;

struct waf_header {
	const char *name, *value;
	size_t name_len, value_len;
};

/* A parsed request; pointer+length views, nothing NUL-terminated needed.
 * cookies: the raw Cookie header value (or NULL), also found in headers
 * (it is inspected once, as cookies). */
struct waf_request {
	const char *method;     size_t method_len;
	const char *path;       size_t path_len;   /* without '?query' */
	const char *query;      size_t query_len;  /* after '?', may be NULL */
	const struct waf_header *headers; size_t n_headers;
	const char *body;       size_t body_len;   /* the prefix the proxy read */
	const char *content_type; size_t content_type_len; /* or NULL */
};

struct waf_hit {
	uint32_t id;
	uint8_t cls;       /* enum waf_class */
	uint16_t target;   /* the one enum waf_target bit it fired on first */
	int score;
};

struct waf_result {
	int total;
	unsigned n_hits;
	struct waf_hit hits[WAF_MAX_HITS];
};

/* Rule metadata for listings and `aegisctl waf test`. */
struct waf_rule_info {
	uint32_t id;
	enum waf_class cls;
	unsigned targets;
	int score;
	const char *desc;
};

/* Functions that can fail return a negative errno; setup ones also fill
 * an optional error buffer (err, errlen: lib/errbuf.h). */
struct waf *waf_new(void);
void waf_free(struct waf *w);
/* Before waf_compile(). id 0 picks the next id from WAF_CUSTOM_ID_MIN.
 * score <= 0 with WAF_RULE_BLOCK unset is rejected. Returns the id, or
 * -EBUSY (compiled already), -EINVAL (empty or bad pattern, bad target,
 * score), -EEXIST (id reserved or taken), -ENOMEM. */
long waf_rule_add(struct waf *w, uint32_t id, const char *pattern, unsigned targets,
		  int score, unsigned flags, const char *desc, char *err, size_t errlen);
/* 0, -EINVAL (Hyperscan refused the set) or -ENOMEM. */
int waf_compile(struct waf *w, char *err, size_t errlen);

struct waf_scratch *waf_scratch_new(const struct waf *w);
void waf_scratch_free(struct waf_scratch *s);

/* 0 on success (res filled); -EINVAL before waf_compile() or with another
 * waf's scratch, -EIO on a Hyperscan error. waf_scan_field() likewise. */
int waf_inspect(const struct waf *w, struct waf_scratch *s,
		const struct waf_request *req, struct waf_result *res);

/* One decoded string against the rules of the given target (testing). */
int waf_scan_field(const struct waf *w, struct waf_scratch *s, unsigned target,
		   const char *data, size_t len, struct waf_result *res);

size_t waf_rule_count(const struct waf *w);
const struct waf_rule_info *waf_rule_get(const struct waf *w, size_t i);
const struct waf_rule_info *waf_rule_find(const struct waf *w, uint32_t id);
const char *waf_class_name(enum waf_class c);
const char *waf_target_name(unsigned target_bit);

#endif

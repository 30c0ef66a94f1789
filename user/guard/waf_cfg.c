// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * waf_cfg: builds the compiled WAF of one HTTP proxy (built-in rules plus
 * its http.waf.rules). aegisd and `aegisctl waf test` both call this, so
 * what the CLI reports is what the daemon enforces.
 */
#include <errno.h>

#include "lib/errbuf.h"
#include "config/http_cfg.h"
#include "guard/waf.h"
#include "guard/waf_cfg.h"

/* Errors name the rule by id (or "#n" when the id is auto-assigned) and
 * by its config line: the operator has to find it in the YAML. */
static int add_custom(struct waf *w, const struct http_waf_rule_cfg *r, size_t idx,
		      char *err, size_t errlen)
{
	char why[256] = "out of memory";
	long rc = waf_rule_add(w, r->id, r->pattern, r->targets, r->score, r->flags,
			       r->desc[0] ? r->desc : NULL, why, sizeof(why));

	if (rc >= 0)
		return 0;
	if (r->id)
		errbuf_set(err, errlen, "waf rule %u (line %d): %s", r->id, r->line, why);
	else
		errbuf_set(err, errlen, "waf rule #%zu (line %d): %s", idx + 1, r->line, why);
	return rc == -ENOMEM ? -ENOMEM : -EINVAL;
}

int waf_build(const struct http_cfg *h, struct waf **out, char *err, size_t errlen)
{
	struct waf *w;
	int rc;

	*out = NULL;
	w = waf_new();
	if (!w) {
		errbuf_set(err, errlen, "waf: out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; h && i < h->waf.n_rules; i++) {
		rc = add_custom(w, &h->waf.rules[i], i, err, errlen);
		if (rc)
			goto fail;
	}
	rc = waf_compile(w, err, errlen);
	if (rc)
		goto fail;
	*out = w;
	return 0;
fail:
	waf_free(w);
	return rc;
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* waf internals shared by waf.c and waf_rules.c. */
#ifndef AEGIS_WAF_PRIV_H
#define AEGIS_WAF_PRIV_H

#include "guard/waf.h"

struct waf_builtin {
	uint32_t id;
	enum waf_class cls;
	unsigned targets;
	int score;
	const char *desc;
	const char *pattern;
};

extern const struct waf_builtin waf_builtin_rules[];
extern const size_t waf_builtin_count;

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * waf_cfg: the one place a compiled WAF is built from an HTTP proxy's
 * config (built-in rules plus http.waf.rules), used by aegisd's HTTP
 * guard and by `aegisctl waf test`, so both run the same rules.
 */
#ifndef AEGIS_WAF_CFG_H
#define AEGIS_WAF_CFG_H

#include <stddef.h>

struct http_cfg;
struct waf;

/* 0 with *out compiled and ready, or -EINVAL/-ENOMEM with err set. */
int waf_build(const struct http_cfg *h, struct waf **out, char *err, size_t errlen);

#endif /* AEGIS_WAF_CFG_H */

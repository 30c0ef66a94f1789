/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * funnel: navigation-order checks of the HTTP proxy (config `funnel:`).
 * Each rule names a gate path and a target path: a request for the
 * target from an entity (ratelimit_entity_key(): IP/24 or /48 plus
 * User-Agent) that has not requested the gate within the rule's memory_ms
 * is a violation, the signature of a script posting straight to
 * /register. Paths match exactly (the normalised path, no query).
 *
 * Gate visits live in one bounded sharded table (keytab.h) shared by all
 * workers; a visit is forgotten memory_ms after the entity's last gate
 * request (visiting the target does not extend it), or earlier if a full
 * table reuses its slot (counted as evicted in funnel_stats()).
 */
#ifndef AEGIS_FUNNEL_H
#define AEGIS_FUNNEL_H

#include <stddef.h>
#include <stdint.h>

#include "config/http_cfg.h"
#include "lib/keytab.h"

struct funnel;

/* Copies the rules. capacity: gate visits remembered. NULL on ENOMEM/EINVAL. */
struct funnel *funnel_new(const struct http_funnel_cfg *rules, size_t n, uint32_t capacity);
void funnel_free(struct funnel *f);

/*
 * Records gate visits and checks targets for one request. Returns the
 * index of the first rule the request violates (its action is
 * rules[i].action), -1 if none, or -errno.
 */
int funnel_check(struct funnel *f, const void *entity, size_t entity_len,
		 const char *path, size_t path_len, uint64_t now_ms);

/* The rule as configured (for its action and paths). */
const struct http_funnel_cfg *funnel_rule(const struct funnel *f, size_t i);

void funnel_stats(struct funnel *f, struct keytab_stats *out);

#endif /* AEGIS_FUNNEL_H */

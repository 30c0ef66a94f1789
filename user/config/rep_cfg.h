/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The `reputation:` block of the main file, parsed and validated by
 * config_reputation.c; docs/CONFIG.md ("reputation") is the reference.
 */
#ifndef AEGIS_REP_CFG_H
#define AEGIS_REP_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aegis/reputation.h"

enum rep_webhook_kind { REP_HOOK_JSON, REP_HOOK_SLACK, REP_HOOK_DISCORD };

struct rep_webhook_cfg {
	char url[512];			/* a secret: never logged */
	enum rep_webhook_kind kind;
	uint32_t min_score;		/* alert when a score first reaches it; 0 = bans only */
	bool bans;			/* alert on every ban (default true) */
	int line;
};

struct rep_cfg {
	bool enabled;			/* default false */
	bool detect;			/* mode: detect (score, log, never act) | enforce */
	int32_t weight[AEGIS_REP_IN_MAX];
	uint32_t half_life_s;
	uint32_t throttle, challenge, ban;	/* thresholds in points; 0 = action off */
	uint32_t credit_max;		/* credit in points at most */
	uint32_t throttle_pct, clean_pct;	/* rate-limit multipliers */
	uint32_t table_size;		/* sources tracked */
	uint8_t prefix_v4, prefix_v6;	/* grouping: /32 and /128 = per address */
	uint32_t escalation_s[AEGIS_REP_MAX_ESCALATION];
	size_t n_escalation;
	uint32_t offence_memory_s;	/* ban history forgotten after */
	uint32_t bans_per_sec;		/* ban map writes at most */
	struct rep_webhook_cfg webhooks[AEGIS_REP_MAX_WEBHOOKS];
	size_t n_webhooks;
	char socket[108];		/* control socket path; "" = STATE_DIR/aegisd.sock */
	uint32_t socket_mode;		/* 0600 default */
	enum rep_softblock { REP_SOFTBLOCK_403, REP_SOFTBLOCK_CLOSE } softblock;	/* L7 fast reject */
};

/* Shipped defaults (enabled false). */
void rep_cfg_defaults(struct rep_cfg *c);

#endif /* AEGIS_REP_CFG_H */

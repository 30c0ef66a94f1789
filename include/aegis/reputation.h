/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The reputation engine's vocabulary: the inputs that score a source
 * (with their shipped weights), the actions scores map to, and the
 * defaults and bounds of its table. user/guard/reputation.h is the engine;
 * the config, aegisctl and the control socket name inputs from this list.
 */
#ifndef AEGIS_REPUTATION_H
#define AEGIS_REPUTATION_H

/*
 * X(ENUM_SUFFIX, "name", default weight in points). A negative weight is
 * credit. XDP drop inputs are sampled (at most the event rate per CPU),
 * so each weighs what a handful of packets would.
 */
#define AEGIS_REP_INPUT_LIST(X)						\
	/* HTTP guard verdicts */					\
	X(WAF_SQLI,         "waf_sqli",         25)			\
	X(WAF_XSS,          "waf_xss",          25)			\
	X(WAF_RCE,          "waf_rce",          40)			\
	X(WAF_LFI,          "waf_lfi",          25)			\
	X(WAF_SCANNER,      "waf_scanner",      15)			\
	X(WAF_PROTOCOL,     "waf_protocol",     10)			\
	X(WAF_OTHER,        "waf_other",        15)			\
	X(HTTP_RATE,        "http_rate",         5)			\
	X(BOT_UA,           "bot_ua",           10)			\
	X(FINGERPRINT,      "fingerprint",      10)			\
	X(FUNNEL,           "funnel",           10)			\
	X(DENY_LIST,        "deny_list",        20)			\
	/* HTTP hygiene refusals */					\
	X(SMUGGLING,        "smuggling",        50)			\
	X(BAD_FRAMING,      "bad_framing",      15)			\
	X(OVERSIZE_HEAD,    "oversize_head",    10)			\
	X(SLOWLORIS,        "slowloris",        20)			\
	X(STALLED_BODY,     "stalled_body",     15)			\
	X(SLOW_READ,        "slow_read",        10)			\
	/* TCP/UDP proxy events */					\
	X(CONN_LIMIT,       "conn_limit",        5)			\
	X(CONN_RATE,        "conn_rate",         5)			\
	X(IDLE_TIMEOUT,     "idle_timeout",      2)			\
	X(HANDSHAKE_TIMEOUT, "handshake_timeout", 5)			\
	/* XDP sampled drop events */					\
	X(XDP_RATE,         "xdp_rate",          4)			\
	X(XDP_CONN,         "xdp_conn",          4)			\
	X(XDP_MALFORMED,    "xdp_malformed",     6)			\
	X(XDP_REFLECTION,   "xdp_reflection",    6)			\
	X(XDP_OTHER,        "xdp_other",         1)			\
	/* Challenges, games (inputs to come) */			\
	X(CHALLENGE_PASSED, "challenge_passed", -30)			\
	X(CHALLENGE_FAILED, "challenge_failed",  20)			\
	X(CHALLENGE_ABANDONED, "challenge_abandoned", 5)			\
	X(GAME_VIOLATION,   "game_violation",   20)			\
	/* Good behaviour */						\
	X(CLEAN_REQUEST,    "clean_request",    -1)

#define AEGIS__ENUM_REP_IN(s, n, w) AEGIS_REP_IN_##s,
enum aegis_rep_input { AEGIS_REP_INPUT_LIST(AEGIS__ENUM_REP_IN) AEGIS_REP_IN_MAX };
#undef AEGIS__ENUM_REP_IN

/* What a score leads to; ordered by severity. */
#define AEGIS_REP_ACTION_LIST(X)					\
	X(NONE,      "none")						\
	X(THROTTLE,  "throttle")	/* rate limits x throttle multiplier */ \
	X(CHALLENGE, "challenge")	/* browser challenge (engine to come) */ \
	X(SOFTBLOCK, "softblock")	/* L7 fast reject: behind a trusted proxy */ \
	X(BAN,       "ban")		/* aegis_bans: dropped in XDP */

#define AEGIS__ENUM_REP_ACT(s, n) AEGIS_REP_##s,
enum aegis_rep_action { AEGIS_REP_ACTION_LIST(AEGIS__ENUM_REP_ACT) AEGIS_REP_ACTION_MAX };
#undef AEGIS__ENUM_REP_ACT

/* Defaults (docs/CONFIG.md, "reputation"). Scores are points. */
#define AEGIS_REP_DEF_TABLE_SIZE	65536	/* sources tracked */
#define AEGIS_REP_MIN_TABLE_SIZE	64
#define AEGIS_REP_MAX_TABLE_SIZE	(1u << 24)
#define AEGIS_REP_DEF_HALF_LIFE_S	600
#define AEGIS_REP_DEF_THROTTLE		50
#define AEGIS_REP_DEF_BAN		100
#define AEGIS_REP_DEF_CREDIT_MAX	50	/* points of credit at most */
#define AEGIS_REP_MAX_POINTS		1000000
#define AEGIS_REP_DEF_PREFIX_V4		32
#define AEGIS_REP_DEF_PREFIX_V6		64
#define AEGIS_REP_DEF_BANS_PER_SEC	100
#define AEGIS_REP_MAX_ESCALATION	16
/* Ban TTLs for a source's 1st, 2nd, 3rd, 4th+ ban, in seconds. */
#define AEGIS_REP_DEF_ESCALATION	{ 60, 600, 3600, 86400 }
#define AEGIS_REP_DEF_OFFENCE_MEMORY_S	(7 * 86400)	/* history forgotten after */
#define AEGIS_REP_MAX_WEBHOOKS		8
#define AEGIS_REP_WEBHOOK_QUEUE		256
/* Rate-limit multipliers in percent: suspicious sources and long-clean ones. */
#define AEGIS_REP_MULT_THROTTLE		50
#define AEGIS_REP_MULT_CLEAN		200

#endif /* AEGIS_REPUTATION_H */

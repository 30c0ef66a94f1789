/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Verdict reasons and error codes: the one list of them.
 *
 * Every packet the XDP program sees is counted under exactly one
 * AEGIS_STAT_* index (packets and bytes, per CPU). Every insert or
 * emit that fails is counted under one AEGIS_ERR_* index. The X-macros
 * give userspace the names without restating the list.
 */
#ifndef AEGIS_REASONS_H
#define AEGIS_REASONS_H

/* X(ENUM_SUFFIX, "name", "what it means") */
#define AEGIS_STAT_LIST(X)						\
	X(PASS,            "pass",            "no rule applied")		\
	X(PASS_ALLOW,      "pass_allow",      "source on the allow-list")	\
	X(PASS_POLICY,     "pass_policy",     "within protected-port limits") \
	X(PASS_COOKIE_ACK, "syncookie_ack_ok", "ACK carrying a valid SYN cookie") \
	X(DROP_DENY,       "deny",            "source on the deny-list")	\
	X(DROP_BAN,        "ban",             "source banned")		\
	X(DROP_MALFORMED,  "malformed",       "truncated or invalid headers") \
	X(DROP_FRAGMENT,   "fragment",        "IP fragment")		\
	X(DROP_TTL,        "ttl",             "TTL/hop limit out of bounds") \
	X(DROP_SIZE,       "size",            "packet size out of bounds")	\
	X(DROP_TCP_FLAGS,  "tcp_flags",       "invalid TCP flag combination") \
	X(DROP_UDP_SIZE,   "udp_size",        "UDP payload out of bounds")	\
	X(DROP_REFLECTION, "reflection",      "UDP from a reflection port")	\
	X(DROP_RATE_PPS,   "rate_pps",        "per-source packets/s")	\
	X(DROP_RATE_SYN,   "rate_syn",        "per-source TCP SYN/s")	\
	X(DROP_RATE_CONN,  "rate_newconn",    "per-source new connections/s") \
	X(DROP_RATE_RST,   "rate_rst",        "per-source TCP RST/s")	\
	X(DROP_RATE_UDP,   "rate_udp_pps",    "per-source UDP packets/s")	\
	X(DROP_RATE_UDP_BYTES, "rate_udp_bps", "per-source UDP bytes/s")	\
	X(DROP_GLOBAL_SYN, "global_syn",      "policy-wide TCP SYN/s")	\
	X(DROP_GLOBAL_CONN, "global_newconn", "policy-wide new connections/s") \
	X(DROP_CONN_SRC,   "conn_per_source", "per-source concurrent connections") \
	X(DROP_CONN_TOTAL, "conn_total",      "policy-wide concurrent connections") \
	X(DROP_COOKIE_ACK, "syncookie_ack_bad", "ACK to a cookie port without a valid cookie") \
	X(TX_COOKIE,       "syncookie_sent",  "SYN answered with a cookie SYN-ACK (XDP_TX)")

#define AEGIS_ERR_LIST(X)						\
	X(BAN_FULL,        "ban_table_full",  "strike ban not stored: ban table full") \
	X(FLOW_FULL,       "flow_table_full", "flow not tracked: flow table full") \
	X(SRC_FULL,        "src_table_full",  "source state not stored")	\
	X(CONN_FULL,       "conn_table_full", "per-source connection count not stored") \
	X(TIMER,           "flow_timer",      "flow sweeper timer could not be armed (retried)") \
	X(EVENT_RING_FULL, "event_ring_full", "event lost: ring buffer full") \
	X(EVENT_SAMPLED,   "event_sampled_out", "event skipped by the rate limit") \
	X(STRIKE_BAN,      "strike_bans",     "bans written by the strike rule (not an error)")

#define AEGIS__ENUM_STAT(s, n, d) AEGIS_STAT_##s,
#define AEGIS__ENUM_ERR(s, n, d) AEGIS_ERR_##s,
enum aegis_stat { AEGIS_STAT_LIST(AEGIS__ENUM_STAT) AEGIS_STAT_MAX };
enum aegis_err { AEGIS_ERR_LIST(AEGIS__ENUM_ERR) AEGIS_ERR_MAX };
#undef AEGIS__ENUM_STAT
#undef AEGIS__ENUM_ERR

/* First index that is a drop: everything below it passed. One of the
 * "drops" is answered instead (XDP_TX): AEGIS_STAT_TX_COOKIE, a SYN that
 * never reaches the stack, as a drop's does not. */
#define AEGIS_STAT_FIRST_DROP AEGIS_STAT_DROP_DENY

/* Who wrote a ban (struct aegis_ban.origin). */
#define AEGIS_BAN_ORIGIN_LIST(X)		\
	X(OPERATOR, "operator")			\
	X(XDP,      "xdp")			\
	X(DAEMON,   "daemon")			\
	X(REPUTATION, "reputation")

#define AEGIS__ENUM_ORIGIN(s, n) AEGIS_BAN_##s,
enum aegis_ban_origin { AEGIS_BAN_ORIGIN_LIST(AEGIS__ENUM_ORIGIN) AEGIS_BAN_ORIGIN_MAX };
#undef AEGIS__ENUM_ORIGIN

#endif /* AEGIS_REASONS_H */

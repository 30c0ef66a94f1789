/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Game-protocol validation: the constants the daemon's validators
 * (user/games/) and the XDP program share, so a verdict reason or a
 * validator id means the same in a packet counter, a proxy's access log
 * and a reputation score.
 *
 * A validator looks at the first bytes of a TCP connection (its
 * handshake) and at every client datagram of a UDP session; the XDP
 * program will run the cheap part of the same checks on the first
 * AEGIS_GAME_FIRST_MAX payload bytes of a packet.
 */
#ifndef AEGIS_GAMES_H
#define AEGIS_GAMES_H

/* Validator ids (0: none). Each validator adds its id here, once. */
enum aegis_game_id {
	AEGIS_GAME_NONE = 0,
	AEGIS_GAME_ID_MAX,
};

/* The most payload a validator may need before it decides a TCP
 * connection (and the most the XDP program parses of a packet). */
#define AEGIS_GAME_FIRST_MAX	256

/* Why a validator refused bytes. X(ENUM_SUFFIX, "name", "what it means") */
#define AEGIS_GAME_REASON_LIST(X)					\
	X(NONE,      "none",             "accepted")			\
	X(MALFORMED, "game_malformed",   "does not parse as the protocol") \
	X(HANDSHAKE, "game_handshake",   "not what a client sends first") \
	X(TOO_LONG,  "game_too_long",    "no verdict within the first-bytes bound") \
	X(STATE,     "game_state",       "out of order for the session")

#define AEGIS__ENUM_GAME_REASON(s, n, d) AEGIS_GAME_R_##s,
enum aegis_game_reason { AEGIS_GAME_REASON_LIST(AEGIS__ENUM_GAME_REASON) AEGIS_GAME_R_MAX };
#undef AEGIS__ENUM_GAME_REASON

#endif /* AEGIS_GAMES_H */

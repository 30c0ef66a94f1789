/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The games seam: what a game-protocol validator gives the engine. A
 * proxy with a validator attached (proxy_game_attach) asks it
 *   - for a TCP connection, about the client's first bytes, before an
 *     upstream is chosen: PASS starts the relay with those bytes, MORE
 *     reads on (up to AEGIS_GAME_FIRST_MAX bytes), DROP or CLOSE ends
 *     the connection;
 *   - for a UDP session, about every datagram from the client: PASS
 *     forwards it, DROP discards it, CLOSE discards it and ends the
 *     session (first: the datagram would open the session).
 * A verdict carries a reason (include/aegis/games.h) so it can be
 * counted, logged and fed to a reputation score. Validators run on a
 * worker thread, on bytes the engine owns: no I/O, no blocking, no
 * state but what ctx holds (shared by every worker: read-only or atomic).
 *
 * May include lib/ and include/aegis/ only: never the worker's header.
 */
#ifndef AEGIS_GAME_H
#define AEGIS_GAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aegis/games.h"

enum game_verdict_kind {
	GAME_VERDICT_PASS,
	GAME_VERDICT_MORE,	/* TCP first bytes only: not enough to decide yet */
	GAME_VERDICT_DROP,
	GAME_VERDICT_CLOSE,
};

struct game_verdict {
	enum game_verdict_kind kind;
	enum aegis_game_reason reason;	/* AEGIS_GAME_R_NONE with PASS and MORE */
};

struct game_validator {
	const char *name;
	enum aegis_game_id id;
	/* Either hook may be NULL: that path passes everything. */
	struct game_verdict (*tcp_first)(const struct game_validator *v, const uint8_t *buf,
					 size_t len);
	struct game_verdict (*udp_datagram)(const struct game_validator *v, const uint8_t *buf,
					    size_t len, bool first);
	void *ctx;
};

/* The engine's calls: a NULL validator or hook passes; MORE at the bound
 * (len >= AEGIS_GAME_FIRST_MAX) becomes CLOSE, AEGIS_GAME_R_TOO_LONG. */
struct game_verdict game_tcp_first(const struct game_validator *v, const void *buf, size_t len);
/* MORE means nothing for a datagram: it is taken as DROP. */
struct game_verdict game_udp_datagram(const struct game_validator *v, const void *buf, size_t len,
				      bool first);

/* The reason's name, as logs and counters print it ("game_malformed"). */
const char *game_reason_name(enum aegis_game_reason r);

#endif /* AEGIS_GAME_H */

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The engine's side of the games seam; see game.h.
 */
#include "games/game.h"

#define GAME__NAME(s, n, d) n,
static const char *const reason_names[] = { AEGIS_GAME_REASON_LIST(GAME__NAME) };
#undef GAME__NAME

_Static_assert(sizeof(reason_names) / sizeof(reason_names[0]) == AEGIS_GAME_R_MAX,
	       "one name per game reason");

static const struct game_verdict pass = { GAME_VERDICT_PASS, AEGIS_GAME_R_NONE };

struct game_verdict game_tcp_first(const struct game_validator *v, const void *buf, size_t len)
{
	struct game_verdict r;

	if (!v || !v->tcp_first)
		return pass;
	r = v->tcp_first(v, buf, len);
	if (r.kind == GAME_VERDICT_MORE && len >= AEGIS_GAME_FIRST_MAX)
		r = (struct game_verdict){ GAME_VERDICT_CLOSE, AEGIS_GAME_R_TOO_LONG };
	return r;
}

struct game_verdict game_udp_datagram(const struct game_validator *v, const void *buf, size_t len,
				      bool first)
{
	struct game_verdict r;

	if (!v || !v->udp_datagram)
		return pass;
	r = v->udp_datagram(v, buf, len, first);
	if (r.kind == GAME_VERDICT_MORE)
		r.kind = GAME_VERDICT_DROP;
	return r;
}

const char *game_reason_name(enum aegis_game_reason r)
{
	return (unsigned int)r < AEGIS_GAME_R_MAX ? reason_names[r] : "game_unknown";
}

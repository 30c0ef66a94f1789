/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * secevent: the HTTP proxy's security events, one JSON line per decision
 * (docs/HTTP-DETECTION.md, "Events"):
 *
 *   {"time":"2026-11-23T14:44:23.123Z","source":"198.18.0.7","host":"example.com",
 *    "method":"GET","path":"/login","stage":"rate","rule":"per_ip","rule_id":0,
 *    "action":"block","mode":"enforce","request_id":"...","status":429,"score":0}
 *
 * Strings are what the client sent, so they are made safe here: cut to a
 * bound per field, invalid UTF-8 and NUL bytes replaced by U+FFFD, then
 * escaped by json_write_string() (quotes, backslash, control bytes).
 *
 * Lines go to an fd from secevent_open() (an O_APPEND file, or stdout),
 * each with one write(), from any thread: lines up to PIPE_BUF bytes never
 * interleave on a pipe either. Per fd at most SECEVENT_PER_SEC lines a
 * second are written; the rest are counted and reported by one
 * {"time":...,"suppressed":N} line when that fd's next second begins (its
 * next event or secevent_tick()), so a flood cannot fill the disk. The cap
 * state lives here, keyed by fd (SECEVENT_MAX_FDS of them; fds beyond
 * share one cap): close with secevent_close() so a reused fd number
 * starts clean.
 */
#ifndef AEGIS_SECEVENT_H
#define AEGIS_SECEVENT_H

#include <stddef.h>
#include <stdint.h>

#include "aegis/maps.h"
#include "config/http_cfg.h"
#include "guard/http_guard.h"

#define SECEVENT_LINE_MAX	16384
#define SECEVENT_PER_SEC	1000	/* lines per second per fd */
#define SECEVENT_MAX_FDS	256

struct secevent {
	uint64_t wall_ms;		/* Unix ms; 0 = now (CLOCK_REALTIME) */
	const struct aegis_addr *source;	/* NULL prints "" */
	struct http_span host, method, path;
	enum http_stage stage;
	const char *rule;		/* may be NULL */
	uint32_t rule_id;
	enum http_action action;
	enum http_mode mode;
	const char *request_id;		/* may be NULL */
	int status;
	int score;
};

/*
 * The event of a guard verdict for the request in `in` (which must stay
 * valid while ev is used). request_id may be NULL.
 */
void secevent_from_verdict(struct secevent *ev, const struct http_verdict *v,
			   const struct http_guard_in *in, const char *request_id);

/* One line, '\n' included, NUL-terminated. Returns its length or -ENOSPC. */
int secevent_format(const struct secevent *ev, char *buf, size_t cap);

/* path "" = STDOUT_FILENO. The fd, or -errno. */
int secevent_open(const char *path);

/* Forgets fd's cap state and closes it (unless it is stdin/out/err). */
void secevent_close(int fd);

/*
 * Formats and writes ev; now_ms (CLOCK_MONOTONIC) drives the cap.
 * 0, -EAGAIN (suppressed by the cap), or -errno from formatting or write().
 */
int secevent_write(int fd, const struct secevent *ev, uint64_t now_ms);

/* Writes fd's pending "suppressed" line once its second is over. Call ~1/s. */
void secevent_tick(int fd, uint64_t now_ms);

/* Lines of fd suppressed since it was opened. */
uint64_t secevent_suppressed(int fd);

#endif /* AEGIS_SECEVENT_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-upstream circuit breakers of the HTTP proxy, shared by every worker
 * thread (C11 atomics, no locks).
 *
 *   CLOSED     every request goes; `failures` consecutive failures open it;
 *   OPEN       nothing goes for open_ms;
 *   HALF_OPEN  then up to `half_open` trial requests go: the first trial
 *              success closes it, a trial failure opens it for open_ms
 *              again. Trials that never report (a caller that forgot, a
 *              client gone) are re-issued after another open_ms.
 *
 * The caller reports 5xx responses, connect errors and timeouts as
 * failures. Reports carry no ticket, so results of requests admitted
 * before a state change are tolerated, not tracked: while OPEN every
 * report is ignored (a late success cannot close it, a late failure
 * cannot extend it); in HALF_OPEN the first report decides, be it a
 * trial's or a late one (either is news from the upstream at that time).
 * failures == 0 turns the breaker off (always CLOSED).
 * A target index out of range is always allowed (the breaker never
 * invents an outage) and its reports are ignored.
 */
#ifndef AEGIS_BREAKER_H
#define AEGIS_BREAKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BREAKER_MAX_HALF_OPEN	1023	/* trial requests at once */

enum breaker_state { BREAKER_CLOSED, BREAKER_OPEN, BREAKER_HALF_OPEN };

struct breaker_set;

/* 0, -EINVAL (half_open 0 or > BREAKER_MAX_HALF_OPEN with failures > 0,
 * n_targets 0) or -ENOMEM. now_ms below: any monotonic millisecond clock. */
int breaker_set_new(struct breaker_set **out, size_t n_targets, uint32_t failures,
		    uint32_t open_ms, uint32_t half_open);
void breaker_set_free(struct breaker_set *b);

/* true = the request may be sent; in HALF_OPEN it takes a trial slot. */
bool breaker_allow(struct breaker_set *b, size_t target, uint64_t now_ms);
void breaker_report(struct breaker_set *b, size_t target, bool ok, uint64_t now_ms);

/* The state allow() would act on (OPEN past open_ms reads HALF_OPEN). */
enum breaker_state breaker_state(const struct breaker_set *b, size_t target,
				 uint64_t now_ms);
const char *breaker_state_name(enum breaker_state s);	/* "closed", "open", "half-open" */

#endif /* AEGIS_BREAKER_H */

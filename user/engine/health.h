/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Active health checks, per upstream target: the eject/readmit state
 * machine and the probe schedule. Pure logic; the engine runs the probes
 * (a TCP connect) and feeds the outcomes in, with CLOCK_MONOTONIC now_ns.
 *
 * State machine (as RouteX): a target starts healthy (optimistic).
 *   - a failure resets the pass streak; fail_threshold consecutive
 *     failures while healthy -> unhealthy (ejected);
 *   - a pass resets the failure streak; pass_threshold consecutive passes
 *     while unhealthy -> healthy (readmitted; readmitted_ns = now, which
 *     starts the balancer's slow-start ramp).
 * Each transition is written to the balancer's shared per-target state
 * (struct lb_target_state, atomics) through lb_state_set_healthy(): the
 * balancer owns that state, the checker is its only health writer.
 *
 * Schedule: target k's first probe is at init time + stagger(k), then one
 * per interval on that grid (no drift). stagger(k) = frac(k * phi) *
 * interval, a low-discrepancy sequence: any number of targets spread
 * roughly evenly over the interval without knowing how many there are,
 * so probes do not all fire together. At most one probe per target is in
 * flight; a probe still running when its next slot comes delays that
 * probe until it ends. A probe with no outcome by its deadline (start +
 * timeout) counts as a failure, and so does a pass reported after it.
 */
#ifndef AEGIS_HEALTH_H
#define AEGIS_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/balancer.h"

struct health_params {
	uint64_t interval_ns;		/* > 0 */
	uint64_t timeout_ns;		/* 0 < timeout <= interval */
	unsigned int fail_threshold;	/* >= 1: failures_before_eject */
	unsigned int pass_threshold;	/* >= 1: passes_before_readmit */
};

struct health {
	struct health_params p;
	struct lb_target_state *shared;	/* may be NULL (tests, no balancer) */
	bool healthy;
	unsigned int fails;		/* consecutive, saturating */
	unsigned int passes;		/* consecutive, saturating */
	uint64_t changed_ns;		/* last transition; 0 = none yet */
	uint64_t readmitted_ns;		/* last unhealthy -> healthy; 0 = never */
	uint64_t next_probe_ns;		/* next slot on the probe grid */
	bool in_flight;
	uint64_t deadline_ns;		/* of the probe in flight */
};

/* 0, or -EINVAL with the reason in err. */
int health_params_validate(const struct health_params *p, char *err, size_t errlen);

/* Offset of target stagger_index's first probe into the interval. */
uint64_t health_stagger_ns(uint64_t interval_ns, unsigned int stagger_index);

/* Healthy, no streaks, first probe at now_ns + stagger; marks shared healthy. */
void health_init(struct health *h, const struct health_params *p,
		 struct lb_target_state *shared, uint64_t now_ns,
		 unsigned int stagger_index);

/* Applies one probe outcome; true if healthy/unhealthy changed. */
bool health_report(struct health *h, bool ok, uint64_t now_ns);

/* When the next probe should start. */
uint64_t health_next_probe(const struct health *h);
/* When the engine must next call in: the next probe or the deadline. */
uint64_t health_next_event(const struct health *h);
bool health_probe_due(const struct health *h, uint64_t now_ns);

/*
 * Starts a probe: sets its deadline (returned in *deadline_ns) and moves
 * the next probe to the first grid slot after now_ns. -EBUSY if one is
 * already in flight.
 */
int health_probe_begin(struct health *h, uint64_t now_ns, uint64_t *deadline_ns);
/*
 * The probe in flight ended with ok; a pass after the deadline is a
 * failure. Returns health_report()'s result; false if none was in flight
 * (a stale outcome, already timed out).
 */
bool health_probe_end(struct health *h, bool ok, uint64_t now_ns);
/* Fails the probe in flight if its deadline has passed; true if state changed. */
bool health_probe_expire(struct health *h, uint64_t now_ns);

#endif /* AEGIS_HEALTH_H */

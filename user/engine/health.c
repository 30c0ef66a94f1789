// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Health-check state machine and probe schedule; see health.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "engine/health.h"

int health_params_validate(const struct health_params *p, char *err, size_t errlen)
{
	const char *why = NULL;

	if (p->interval_ns == 0)
		why = "health check interval must be above 0";
	else if (p->timeout_ns == 0)
		why = "health check timeout must be above 0";
	else if (p->timeout_ns > p->interval_ns)
		why = "health check timeout must not exceed the interval";
	else if (p->fail_threshold == 0)
		why = "failures_before_eject must be at least 1";
	else if (p->pass_threshold == 0)
		why = "passes_before_readmit must be at least 1";
	if (!why)
		return 0;
	if (err && errlen)
		snprintf(err, errlen, "%s", why);
	return -EINVAL;
}

uint64_t health_stagger_ns(uint64_t interval_ns, unsigned int stagger_index)
{
	/* frac(k * phi) as a 32-bit fraction (2^32 / phi = 0x9e3779b9). */
	uint64_t frac = (uint32_t)(stagger_index * 0x9e3779b9U);

	return (uint64_t)(((unsigned __int128)interval_ns * frac) >> 32);
}

void health_init(struct health *h, const struct health_params *p,
		 struct lb_target_state *shared, uint64_t now_ns,
		 unsigned int stagger_index)
{
	*h = (struct health){
		.p = *p,
		.shared = shared,
		.healthy = true,
		.next_probe_ns = now_ns + health_stagger_ns(p->interval_ns, stagger_index),
	};
	if (shared)
		lb_state_set_healthy(shared, true, now_ns);
}

static void transition(struct health *h, bool healthy, uint64_t now_ns)
{
	h->healthy = healthy;
	h->changed_ns = now_ns;
	if (healthy)
		h->readmitted_ns = now_ns;
	if (h->shared)
		lb_state_set_healthy(h->shared, healthy, now_ns);
}

bool health_report(struct health *h, bool ok, uint64_t now_ns)
{
	if (ok) {
		h->fails = 0;
		if (h->passes < UINT_MAX)
			h->passes++;
		if (!h->healthy && h->passes >= h->p.pass_threshold) {
			transition(h, true, now_ns);
			return true;
		}
		return false;
	}
	h->passes = 0;
	if (h->fails < UINT_MAX)
		h->fails++;
	if (h->healthy && h->fails >= h->p.fail_threshold) {
		transition(h, false, now_ns);
		return true;
	}
	return false;
}

uint64_t health_next_probe(const struct health *h)
{
	return h->next_probe_ns;
}

uint64_t health_next_event(const struct health *h)
{
	if (h->in_flight && h->deadline_ns < h->next_probe_ns)
		return h->deadline_ns;
	return h->next_probe_ns;
}

bool health_probe_due(const struct health *h, uint64_t now_ns)
{
	return !h->in_flight && now_ns >= h->next_probe_ns;
}

int health_probe_begin(struct health *h, uint64_t now_ns, uint64_t *deadline_ns)
{
	uint64_t iv = h->p.interval_ns;

	if (h->in_flight)
		return -EBUSY;
	h->in_flight = true;
	h->deadline_ns = now_ns + h->p.timeout_ns;
	/* Next slot on the grid strictly after now: late starts skip
	 * missed slots instead of bursting to catch up. */
	if (h->next_probe_ns <= now_ns)
		h->next_probe_ns += ((now_ns - h->next_probe_ns) / iv + 1) * iv;
	if (deadline_ns)
		*deadline_ns = h->deadline_ns;
	return 0;
}

bool health_probe_end(struct health *h, bool ok, uint64_t now_ns)
{
	if (!h->in_flight)
		return false;
	h->in_flight = false;
	if (now_ns > h->deadline_ns)
		ok = false;
	return health_report(h, ok, now_ns);
}

bool health_probe_expire(struct health *h, uint64_t now_ns)
{
	if (!h->in_flight || now_ns < h->deadline_ns)
		return false;
	return health_probe_end(h, false, now_ns);
}

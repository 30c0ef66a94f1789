/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Adaptive per-IP rate factor of the HTTP proxy: when the upstreams slow
 * down, every client's per-IP rate is scaled down; when they recover, it
 * comes back step by step. Shared by all worker threads.
 *
 * Workers record each upstream response latency. The module keeps the
 * P95 over a sliding window of ADAPTIVE_SLOTS slots of ADAPTIVE_SLOT_MS
 * (a log-scale histogram per slot, ADAPTIVE_SUB_BUCKETS per power of two,
 * so a P95 is at most one bucket, ~6%, above the true value). Once per
 * slot step the factor (percent, 100 = normal) is re-evaluated:
 *   P95 > p95_ms             halve it, not below min_factor;
 *   P95 < 80% of p95_ms      for recover_ms (measured from the first such
 *                            step): double it, at most to 100, and the
 *                            next doubling needs another recover_ms;
 *   in between               nothing changes (hysteresis), and the
 *                            recovery clock restarts;
 *   < ADAPTIVE_MIN_SAMPLES in the window: nothing changes (the recovery
 *                            clock restarts: no evidence of health).
 * p95_ms == 0 turns it off: the factor is always 100.
 *
 * Recording is lock-free (atomic counters); the slot being reused is
 * cleared, and the factor evaluated, under a mutex taken once per slot.
 */
#ifndef AEGIS_ADAPTIVE_H
#define AEGIS_ADAPTIVE_H

#include <stdint.h>

#define ADAPTIVE_SLOT_MS	1000
#define ADAPTIVE_SLOTS		10
#define ADAPTIVE_SUB_BUCKETS	16
#define ADAPTIVE_MAX_MS		((1u << 20) - 1)	/* longer latencies count as this */
#define ADAPTIVE_MIN_SAMPLES	20

struct adaptive;

/* 0, -EINVAL (p95_ms > 0 with min_factor 0 or > 100) or -ENOMEM. */
int adaptive_new(struct adaptive **out, uint32_t p95_ms, uint32_t min_factor,
		 uint32_t recover_ms);
void adaptive_free(struct adaptive *a);

/* now_ms: a monotonic millisecond clock shared by all callers. */
void adaptive_record(struct adaptive *a, uint32_t latency_ms, uint64_t now_ms);
/* Percent of the configured per-IP rate, min_factor..100. */
uint32_t adaptive_factor(struct adaptive *a, uint64_t now_ms);
/* P95 over the window in ms (a bucket's upper bound); 0 if too few samples. */
uint32_t adaptive_p95(struct adaptive *a, uint64_t now_ms);

#endif /* AEGIS_ADAPTIVE_H */

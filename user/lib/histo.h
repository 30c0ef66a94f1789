/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * histo: a latency histogram in milliseconds with fixed bucket bounds,
 * recorded by any thread with relaxed atomics (the proxy workers) and
 * read by another (the metrics endpoint). The bounds follow Prometheus's
 * usual latency buckets, 5 ms to 10 s; slower goes to +Inf.
 */
#ifndef AEGIS_HISTO_H
#define AEGIS_HISTO_H

#include <stdatomic.h>
#include <stdint.h>

#define HISTO_BUCKETS 11

extern const uint32_t histo_bounds_ms[HISTO_BUCKETS];

struct histo {
	_Atomic uint64_t n[HISTO_BUCKETS + 1];	/* per bucket; [HISTO_BUCKETS]: above the last */
	_Atomic uint64_t sum_ms;
};

/* Cumulative counts, as Prometheus wants them. */
struct histo_snap {
	uint64_t le[HISTO_BUCKETS];	/* observations <= histo_bounds_ms[i] */
	uint64_t count;
	uint64_t sum_ms;
};

void histo_record(struct histo *h, uint64_t ms);
void histo_read(const struct histo *h, struct histo_snap *out);

#endif /* AEGIS_HISTO_H */

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Latency histograms; see histo.h. */
#include "lib/histo.h"

const uint32_t histo_bounds_ms[HISTO_BUCKETS] = {
	5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
};

void histo_record(struct histo *h, uint64_t ms)
{
	unsigned int i = 0;

	while (i < HISTO_BUCKETS && ms > histo_bounds_ms[i])
		i++;
	atomic_fetch_add_explicit(&h->n[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_ms, ms, memory_order_relaxed);
}

void histo_read(const struct histo *h, struct histo_snap *out)
{
	uint64_t run = 0;

	for (unsigned int i = 0; i < HISTO_BUCKETS; i++) {
		run += atomic_load_explicit(&h->n[i], memory_order_relaxed);
		out->le[i] = run;
	}
	out->count = run + atomic_load_explicit(&h->n[HISTO_BUCKETS], memory_order_relaxed);
	out->sum_ms = atomic_load_explicit(&h->sum_ms, memory_order_relaxed);
}

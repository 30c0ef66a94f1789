/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * GCRA rate limiting (see struct aegis_limit in include/aegis/limits.h).
 * One __u64 per bucket, updated with compare-and-swap so two CPUs seeing
 * the same source cannot both spend the same token. No locks.
 */
#ifndef AEGIS_BPF_RATE_H
#define AEGIS_BPF_RATE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "aegis/limits.h"

/*
 * Returns true when `units` more would exceed the limit. A lost race is
 * retried once; losing twice admits the unit (over-admits by at most one
 * unit rather than dropping a packet that was within its limit).
 */
static __always_inline bool rate_exceeded(__u64 *tat, const struct aegis_limit *l,
					  __u64 units, __u64 now)
{
	__u64 interval = l->interval_fp;
	__u64 cost, old, next;

	if (!interval)
		return false;
	cost = (interval * units) >> AEGIS_FP_SHIFT;

#pragma unroll
	for (int i = 0; i < 2; i++) {
		old = *(volatile __u64 *)tat;
		next = (old > now ? old : now) + cost;
		if (next - now > l->tau_ns)
			return true;
		if (__sync_val_compare_and_swap(tat, old, next) == old)
			return false;
	}
	return false;
}

/* The same for state only one CPU touches (a per-CPU map): no atomics. */
static __always_inline bool rate_exceeded_local(__u64 *tat, const struct aegis_limit *l,
						__u64 units, __u64 now)
{
	__u64 interval = l->interval_fp;
	__u64 old = *tat, next;

	if (!interval)
		return false;
	next = (old > now ? old : now) + ((interval * units) >> AEGIS_FP_SHIFT);
	if (next - now > l->tau_ns)
		return true;
	*tat = next;
	return false;
}

#endif /* AEGIS_BPF_RATE_H */

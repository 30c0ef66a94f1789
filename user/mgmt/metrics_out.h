/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * metrics_out: writes metric families in the Prometheus text exposition
 * format 0.0.4 or as JSON, one writer for both so the two can never list
 * different numbers. A family is announced with metrics_family() and
 * written (HELP, TYPE) only when its first sample comes, so a family with
 * nothing to say (no XDP plane, no HTTP proxy) is simply absent. Labels
 * are given as a NULL-terminated list of name, value pairs; values are
 * escaped, names must be valid Prometheus label names (callers use
 * literals). Knows nothing of aegisd: mgmt/metrics.c fills it.
 */
#ifndef AEGIS_METRICS_OUT_H
#define AEGIS_METRICS_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/json.h"

enum metrics_format { METRICS_TEXT, METRICS_JSON };

enum metrics_type { METRICS_COUNTER, METRICS_GAUGE, METRICS_HISTOGRAM };

struct metrics_out {
	FILE *f;
	enum metrics_format fmt;
	struct json j;
	const char *name, *help;	/* the family announced */
	enum metrics_type type;
	bool written;			/* its HELP/TYPE (JSON: its object) is out */
	bool open;			/* JSON: a family object is open */
	unsigned int families, samples;
};

/* Starts the document on f (JSON: the outer object). */
void metrics_begin(struct metrics_out *m, FILE *f, enum metrics_format fmt);
/* Ends the document (JSON: closes what is open). */
void metrics_end(struct metrics_out *m);
/* Announces the family the next samples belong to; name and help are
 * kept by pointer until the next family (string literals). */
void metrics_family(struct metrics_out *m, const char *name, enum metrics_type type,
		    const char *help);
/* One sample of the current family; labels: "k", "v", ..., NULL or NULL. */
void metrics_u64(struct metrics_out *m, const char *const *labels, uint64_t v);
void metrics_double(struct metrics_out *m, const char *const *labels, double v);
/* One histogram of the current family (METRICS_HISTOGRAM): le[i] the
 * cumulative count at upper bound bounds[i] (n of them), then the total
 * count (+Inf) and the sum. Text: NAME_bucket{...,le="B"}, NAME_sum,
 * NAME_count. JSON: {"labels", "buckets": {"B": count, ..., "+Inf"},
 * "sum", "count"}. */
void metrics_histogram(struct metrics_out *m, const char *const *labels, const double *bounds,
		       const uint64_t *le, size_t n, uint64_t count, double sum);

/* "text/plain; version=0.0.4; charset=utf-8" or "application/json". */
const char *metrics_content_type(enum metrics_format fmt);

#endif /* AEGIS_METRICS_OUT_H */

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The exposition writer; see metrics_out.h. */
#include <math.h>
#include <string.h>

#include "mgmt/metrics_out.h"

static const char *const type_names[] = { "counter", "gauge", "histogram" };

void metrics_begin(struct metrics_out *m, FILE *f, enum metrics_format fmt)
{
	memset(m, 0, sizeof(*m));
	m->f = f;
	m->fmt = fmt;
	if (fmt != METRICS_JSON)
		return;
	json_init(&m->j, f);
	json_obj_open(&m->j);
	json_key(&m->j, "metrics");
	json_arr_open(&m->j);
}

static void family_close(struct metrics_out *m)
{
	if (m->fmt == METRICS_JSON && m->open) {
		json_arr_close(&m->j);
		json_obj_close(&m->j);
	}
	m->open = false;
}

void metrics_end(struct metrics_out *m)
{
	family_close(m);
	if (m->fmt == METRICS_JSON) {
		json_arr_close(&m->j);
		json_obj_close(&m->j);
		fputc('\n', m->f);
	}
}

void metrics_family(struct metrics_out *m, const char *name, enum metrics_type type,
		    const char *help)
{
	family_close(m);
	m->name = name;
	m->type = type;
	m->help = help;
	m->written = false;
}

/* HELP text escapes backslash and newline; label values also the quote. */
static void text_escaped(FILE *f, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (quote && *s == '"')
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

static void family_header(struct metrics_out *m)
{
	if (m->written)
		return;
	m->written = true;
	m->families++;
	if (m->fmt == METRICS_JSON) {
		json_obj_open(&m->j);
		json_kstr(&m->j, "name", m->name);
		json_kstr(&m->j, "type", type_names[m->type]);
		json_kstr(&m->j, "help", m->help);
		json_key(&m->j, "samples");
		json_arr_open(&m->j);
		m->open = true;
		return;
	}
	fprintf(m->f, "# HELP %s ", m->name);
	text_escaped(m->f, m->help, false);
	fprintf(m->f, "\n# TYPE %s %s\n", m->name, type_names[m->type]);
}

/* Text: NAME[SUFFIX]{labels[,le="LE"]} and the space before the value. */
static void text_series(struct metrics_out *m, const char *suffix, const char *const *labels,
			const char *le)
{
	size_t i = 0;

	fprintf(m->f, "%s%s", m->name, suffix);
	for (; labels && labels[i] && labels[i + 1]; i += 2) {
		fprintf(m->f, "%s%s=\"", i ? "," : "{", labels[i]);
		text_escaped(m->f, labels[i + 1], true);
		fputc('"', m->f);
	}
	if (le)
		fprintf(m->f, "%sle=\"%s\"", i ? "," : "{", le);
	if (i || le)
		fputc('}', m->f);
	fputc(' ', m->f);
}

static void json_labels(struct metrics_out *m, const char *const *labels)
{
	json_obj_open(&m->j);
	json_key(&m->j, "labels");
	json_obj_open(&m->j);
	for (size_t i = 0; labels && labels[i] && labels[i + 1]; i += 2)
		json_kstr(&m->j, labels[i], labels[i + 1]);
	json_obj_close(&m->j);
}

/* Writes the sample's name and labels (text) or opens its object (JSON). */
static void sample_start(struct metrics_out *m, const char *const *labels)
{
	family_header(m);
	m->samples++;
	if (m->fmt == METRICS_JSON) {
		json_labels(m, labels);
		json_key(&m->j, "value");
		return;
	}
	text_series(m, "", labels, NULL);
}

void metrics_u64(struct metrics_out *m, const char *const *labels, uint64_t v)
{
	sample_start(m, labels);
	if (m->fmt == METRICS_JSON) {
		json_u64(&m->j, v);
		json_obj_close(&m->j);
	} else {
		fprintf(m->f, "%llu\n", (unsigned long long)v);
	}
}

void metrics_double(struct metrics_out *m, const char *const *labels, double v)
{
	sample_start(m, labels);
	if (m->fmt == METRICS_JSON) {
		json_double(&m->j, v);
		json_obj_close(&m->j);
	} else if (isfinite(v)) {
		fprintf(m->f, "%.17g\n", v);
	} else {
		fputs(isnan(v) ? "NaN\n" : v > 0 ? "+Inf\n" : "-Inf\n", m->f);
	}
}

void metrics_histogram(struct metrics_out *m, const char *const *labels, const double *bounds,
		       const uint64_t *le, size_t n, uint64_t count, double sum)
{
	char b[32];

	family_header(m);
	m->samples++;
	if (m->fmt == METRICS_JSON) {
		json_labels(m, labels);
		json_key(&m->j, "buckets");
		json_obj_open(&m->j);
		for (size_t i = 0; i < n; i++) {
			snprintf(b, sizeof(b), "%g", bounds[i]);
			json_ku64(&m->j, b, le[i]);
		}
		json_ku64(&m->j, "+Inf", count);
		json_obj_close(&m->j);
		json_key(&m->j, "sum");
		json_double(&m->j, sum);
		json_ku64(&m->j, "count", count);
		json_obj_close(&m->j);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(b, sizeof(b), "%g", bounds[i]);
		text_series(m, "_bucket", labels, b);
		fprintf(m->f, "%llu\n", (unsigned long long)le[i]);
	}
	text_series(m, "_bucket", labels, "+Inf");
	fprintf(m->f, "%llu\n", (unsigned long long)count);
	text_series(m, "_sum", labels, NULL);
	fprintf(m->f, "%.17g\n", sum);
	text_series(m, "_count", labels, NULL);
	fprintf(m->f, "%llu\n", (unsigned long long)count);
}

const char *metrics_content_type(enum metrics_format fmt)
{
	return fmt == METRICS_JSON ? "application/json" : "text/plain; version=0.0.4; charset=utf-8";
}

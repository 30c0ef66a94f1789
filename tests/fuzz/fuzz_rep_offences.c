// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the reputation offence history (guard/rep_history.c,
 * STATE_DIR/rep_offences.tsv): the first byte picks the grouping, the rest
 * is read as the file. Small tables, so buckets overflow and evict.
 * Checks: no crash, leak or UB; lines loaded + malformed never exceed the
 * lines read; what is written back reads again into a fresh engine with
 * every record loaded and none malformed.
 * Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "guard/reputation.h"

static struct rep *make(uint8_t pick)
{
	static const uint8_t v4[] = { 32, 24, 16, 0 }, v6[] = { 64, 128, 48, 0 };
	struct rep_cfg cfg;
	struct rep *r;
	char err[256];

	rep_cfg_defaults(&cfg);
	cfg.enabled = true;
	cfg.table_size = 64;
	cfg.prefix_v4 = v4[pick & 3];
	cfg.prefix_v6 = v6[(pick >> 2) & 3];
	if (pick & 0x10)
		cfg.offence_memory_s = 0;	/* never forgotten */
	if (rep_create(&r, &cfg, 1, err, sizeof(err)))
		abort();
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rep *a, *b;
	char *out = NULL;
	size_t lines = 1, olen = 0;
	int bad, written, n;
	FILE *f;

	if (!size)
		return 0;
	for (size_t i = 1; i < size; i++)
		lines += data[i] == '\n';
	a = make(data[0]);
	b = make(data[0]);
	f = fmemopen((void *)(data + 1), size - 1, "r");
	n = f ? rep_read_offences(a, f, &bad) : 0;
	if (f)
		fclose(f);
	if (f && (n < 0 || bad < 0 || (size_t)n + (size_t)bad > lines))
		__builtin_trap();
	f = open_memstream(&out, &olen);
	if (!f)
		goto out;
	rep_write_offences(a, f, &written);
	fclose(f);
	if (written > n)
		__builtin_trap();
	f = fmemopen(out, olen, "r");
	if (f) {
		n = rep_read_offences(b, f, &bad);
		fclose(f);
		if (n != written || bad)
			__builtin_trap();
	}
out:
	free(out);
	rep_destroy(a);
	rep_destroy(b);
	return 0;
}

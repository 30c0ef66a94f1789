// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the drop-event ring's decoding (xdp/events.c):
 * the input is a run of records, each a length byte and that many bytes
 * (what a ring hands over: short, long, any reason/proto/address), decoded
 * with and without per-source summaries into /dev/null, then a summary
 * tick. Checks: no crash or UB on any record. Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "xdp/events.h"
#include "xdp/maps.h"

static struct events ev;
static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 1;

	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		return 0;
	if (size < 1)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.out = devnull;
	ev.summary = data[0] & 1;
	ev.window_start_ns = maps_now_ns();
	while (pos < size) {
		size_t len = data[pos++];

		if (len > size - pos)
			len = size - pos;
		events_decode(&ev, data + pos, len);
		pos += len;
	}
	events_tick(&ev);
	return 0;
}

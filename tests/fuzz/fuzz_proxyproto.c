// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the PROXY protocol decoder. Any bytes must give
 * need-more, invalid with a reason, or a header no longer than the input;
 * a shorter prefix of a complete header must never be complete; and a
 * decoded address header must re-encode and decode to the same thing.
 * Built by `make fuzz`.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/proxyproto.h"

static void check_same(const struct pp_header *a, const struct pp_header *b)
{
	size_t len = a->family == AF_INET ? sizeof(struct sockaddr_in)
					  : sizeof(struct sockaddr_in6);

	if (a->family != b->family || a->socktype != b->socktype ||
	    memcmp(&a->src, &b->src, len) || memcmp(&a->dst, &b->dst, len))
		abort();
}

/* Re-encodes in the same version and decodes again. */
static void check_round_trip(const struct pp_header *h)
{
	unsigned char buf[PP_ENCODE_MAX];
	struct pp_header back;
	int n;

	if (h->family == AF_UNSPEC)
		return;
	if (h->version == 1)
		n = pp_encode_v1(buf, sizeof(buf), &h->src, &h->dst);
	else
		n = pp_encode_v2(buf, sizeof(buf), h->cmd, h->socktype, &h->src, &h->dst);
	if (n <= 0 || pp_decode(buf, (size_t)n, &back, NULL, NULL) != n)
		abort();
	check_same(h, &back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_header h, p;
	const char *why = NULL;
	size_t need = 0;
	int ret;

	ret = pp_decode(data, size, &h, &need, &why);
	if (ret == -EINVAL) {
		if (!why)
			abort();
		return 0;
	}
	if (ret == -EAGAIN) {
		if (need && need <= size)
			abort();
		return 0;
	}
	if (ret <= 0 || (size_t)ret > size)
		abort();
	/* Every strict prefix wants more bytes (it cannot be complete). */
	if (pp_decode(data, (size_t)ret - 1, &p, NULL, NULL) != -EAGAIN)
		abort();
	if (h.family != AF_UNSPEC && h.family != AF_INET && h.family != AF_INET6)
		abort();
	check_round_trip(&h);
	return 0;
}

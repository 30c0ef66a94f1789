// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the request field decoders. The first byte picks the
 * flags and an output cap; any input must decode without touching memory
 * outside the output, return a length within the cap, NUL-terminate, and
 * (decoders never grow input) never return more than the input length.
 * Path normalisation must be idempotent and leave no "//", "/./" or "/../".
 * Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned flags;
	size_t cap, n, m;
	char *out, *again;
	bool esc;

	if (size < 2)
		return 0;
	flags = (unsigned)data[0] | ((unsigned)(data[1] & 0x03) << 8);
	cap = (data[1] >> 2) ? (size_t)(data[1] >> 2) * 64 : 1;
	data += 2;
	size -= 2;
	/* exact-size heap buffers so ASan sees any overrun */
	out = malloc(cap);
	n = hd_decode((const char *)data, size, out, cap, flags);
	if (n >= cap || n > size || out[n] != '\0')
		abort();

	n = hd_url_decode((const char *)data, size, out, cap, true);
	if (n > cap || n > size)
		abort();
	n = hd_html_decode((const char *)data, size, out, cap);
	if (n > cap || n > size)
		abort();
	n = hd_utf8_overlong((const char *)data, size, out, cap);
	if (n > cap || n > size)
		abort();
	free(out);

	out = malloc(size + 1);
	memcpy(out, data, size);
	n = hd_path_normalize(out, size, &esc);
	if (n > size)
		abort();
	again = malloc(n + 1);
	memcpy(again, out, n);
	m = hd_path_normalize(again, n, &esc);
	if (m != n || memcmp(again, out, n) || esc)
		abort();
	again[m] = '\0';
	if (memmem(again, m, "//", 2) || memmem(again, m, "/./", 3) || memmem(again, m, "/../", 4))
		abort();
	free(again);
	free(out);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Optional error buffers; see errbuf.h. */
#include <stdarg.h>
#include <stdio.h>

#include "lib/errbuf.h"

void errbuf_set(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

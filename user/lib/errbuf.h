/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The optional error buffer of setup functions (Redis style): callers pass
 * char *err, size_t len (either may be NULL/0) and get one sentence back.
 */
#ifndef AEGIS_ERRBUF_H
#define AEGIS_ERRBUF_H

#include <stddef.h>

void errbuf_set(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* AEGIS_ERRBUF_H */

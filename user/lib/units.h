/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Operator-facing numbers: durations ("90", "30s", "10m", "2h", "7d",
 * "250ms") and counts with SI suffixes ("1000", "10k", "5M", "1G").
 * Shared by the config parser and aegisctl so both accept the same text.
 */
#ifndef AEGIS_UNITS_H
#define AEGIS_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* The longest duration anything accepts (10 years): a ban TTL, a config
 * duration or a state-file expiry beyond it is refused, so adding it to a
 * nanosecond clock can never wrap. */
#define UNITS_MAX_DURATION_MS (3650ull * 86400000ull)
#define UNITS_MAX_DURATION_TEXT "3650d"

/* Duration in milliseconds; a bare number is seconds. 0 or -EINVAL, or
 * -ERANGE above UNITS_MAX_DURATION_MS. */
int units_parse_duration_ms(const char *s, uint64_t *ms);
/* Count with optional k/M/G (x1000) suffix, at most max. 0 or -EINVAL/-ERANGE. */
int units_parse_count(const char *s, uint64_t max, uint64_t *out);
/* The value of one hex digit (either case), or -1. */
int units_hex_digit(char c);
/* "1d2h", "10m", "45s", "250ms", "0s". Returns buf. */
const char *units_format_duration_ms(uint64_t ms, char *buf, size_t len);

#endif /* AEGIS_UNITS_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Addresses and CIDRs in both families, in the 16-byte form of the maps
 * (IPv4 stored IPv4-mapped, prefix 96 + n). Parsing and printing only.
 */
#ifndef AEGIS_ADDR_H
#define AEGIS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include "aegis/maps.h"

/* Long enough for any address or CIDR we print, with NUL. */
#define ADDR_STRLEN 64

/* "198.18.0.1" or "2001:db8::1". Returns 0 or -EINVAL. */
int addr_parse(const char *s, struct aegis_addr *out);

/*
 * "198.18.0.0/15", "2001:db8::/32", or a bare address (a /32 or /128).
 * Host bits below the prefix must be zero unless allow_host_bits.
 * Returns 0 or -EINVAL.
 */
int addr_parse_cidr(const char *s, struct aegis_lpm_key *out, bool allow_host_bits);

bool addr_is_v4(const struct aegis_addr *a);
/* 127.0.0.0/8 (also IPv4-mapped) or ::1. */
bool addr_is_loopback(const struct aegis_addr *a);
void addr_from_ipv4(struct aegis_addr *a, unsigned int v4_be);

/* Prints in the family's own form. Returns buf. */
const char *addr_format(const struct aegis_addr *a, char *buf, size_t len);
/* Prints "a.b.c.d/n" (n = prefixlen - 96) for mapped IPv4, else "x::/n". */
const char *addr_format_cidr(const struct aegis_lpm_key *k, char *buf, size_t len);

/* True if `a` lies inside the prefix `k`. */
bool addr_in_cidr(const struct aegis_addr *a, const struct aegis_lpm_key *k);

#endif /* AEGIS_ADDR_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * srccap: open connections per source address, counted across every
 * worker of a proxy, for a cap at accept (an HTTP proxy's
 * clients.max_per_source). A keytab (lib/keytab.h) under the hood: a
 * fixed pool, so a flood of fresh addresses allocates nothing; past
 * SRCCAP_ENTRIES live sources the least recently seen one's count is
 * forgotten (it may then open up to the cap again: approximate under
 * that pressure, never refusing a source wrongly).
 */
#ifndef AEGIS_SRCCAP_H
#define AEGIS_SRCCAP_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"

#define SRCCAP_ENTRIES 16384

struct srccap;

/* NULL on ENOMEM. */
struct srccap *srccap_new(uint32_t max_per_source);
void srccap_free(struct srccap *s);
/* Counts one more connection of src; false (not counted) at the cap. */
bool srccap_take(struct srccap *s, const struct aegis_addr *src, uint64_t now_ms);
/* One connection of src closed (after a true srccap_take). */
void srccap_put(struct srccap *s, const struct aegis_addr *src, uint64_t now_ms);
/* Open connections counted for src. */
uint32_t srccap_count(struct srccap *s, const struct aegis_addr *src, uint64_t now_ms);

#endif /* AEGIS_SRCCAP_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Names of reasons, error counters, ban origins and limits, as operators
 * read them in aegisctl, logs, events and metrics. Generated from the
 * lists in include/aegis/reasons.h.
 */
#ifndef AEGIS_NAMES_H
#define AEGIS_NAMES_H

#include "aegis/maps.h"

const char *names_stat(unsigned int stat);		/* "ban", "rate_syn", ... */
const char *names_stat_desc(unsigned int stat);
const char *names_err(unsigned int err);
const char *names_err_desc(unsigned int err);
const char *names_origin(unsigned int origin);
const char *names_limit(unsigned int lim);		/* "pps", "syn", ... */
/* Reverse lookups; return -1 when unknown. */
int names_stat_parse(const char *s);
int names_limit_parse(const char *s);

#endif /* AEGIS_NAMES_H */

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Operator-facing names for the enums of include/aegis/; see names.h. */
#include <string.h>

#include "lib/names.h"

#define NAME(s, n, d) n,
#define DESC(s, n, d) d,
#define ONAME(s, n) n,
static const char *const stat_names[] = { AEGIS_STAT_LIST(NAME) };
static const char *const stat_descs[] = { AEGIS_STAT_LIST(DESC) };
static const char *const err_names[] = { AEGIS_ERR_LIST(NAME) };
static const char *const err_descs[] = { AEGIS_ERR_LIST(DESC) };
static const char *const origin_names[] = { AEGIS_BAN_ORIGIN_LIST(ONAME) };
#undef NAME
#undef DESC
#undef ONAME

/* Config keys of enum aegis_lim, in its order. */
static const char *const limit_names[AEGIS_LIM_MAX] = {
	[AEGIS_LIM_PPS] = "pps",
	[AEGIS_LIM_SYN] = "syn",
	[AEGIS_LIM_CONN] = "new_conn",
	[AEGIS_LIM_RST] = "rst",
	[AEGIS_LIM_UDP_PPS] = "udp_pps",
	[AEGIS_LIM_UDP_BPS] = "udp_bps",
};

#define LOOKUP(tbl, i) ((i) < sizeof(tbl) / sizeof(tbl[0]) ? tbl[i] : "unknown")

const char *names_stat(unsigned int s) { return LOOKUP(stat_names, s); }
const char *names_stat_desc(unsigned int s) { return LOOKUP(stat_descs, s); }
const char *names_err(unsigned int e) { return LOOKUP(err_names, e); }
const char *names_err_desc(unsigned int e) { return LOOKUP(err_descs, e); }
const char *names_origin(unsigned int o) { return LOOKUP(origin_names, o); }
const char *names_limit(unsigned int l) { return LOOKUP(limit_names, l); }

static int find(const char *const *tbl, unsigned int n, const char *s)
{
	for (unsigned int i = 0; i < n; i++)
		if (tbl[i] && strcmp(tbl[i], s) == 0)
			return (int)i;
	return -1;
}

int names_stat_parse(const char *s) { return find(stat_names, AEGIS_STAT_MAX, s); }
int names_limit_parse(const char *s) { return find(limit_names, AEGIS_LIM_MAX, s); }

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The state file: bans saved across daemon restarts and reboots.
 * STATE_DIR/bans.tsv, one ban per line with wall-clock expiry (the
 * program's monotonic clock restarts at boot), a header and an end line
 * that counts the bans, so a truncated file is told from a short one.
 * Written atomically (temp file, fsync, rename, fsync of the directory);
 * the file it replaces stays as bans.tsv.prev, the fallback when the
 * current one is missing, empty, truncated or unreadable. Expired bans are
 * not written or restored.
 */
#ifndef AEGIS_STATE_H
#define AEGIS_STATE_H

#include <stdio.h>

#include "xdp/maps.h"

#define STATE_BANS_FILE "bans.tsv"
#define STATE_PREV_SUFFIX ".prev"
/* Longest line accepted; a longer one is refused whole. */
#define STATE_MAX_LINE 511

/* What a load did, for the operator's log line. */
struct state_load_info {
	int restored;		/* bans put into the map */
	int expired;		/* bans whose time had passed */
	int malformed;		/* lines refused (bad field, out of range, too long) */
	bool from_prev;		/* restored from bans.tsv.prev */
	bool partial;		/* the file used was truncated: bans after the cut are lost */
	char problem[384];	/* what was wrong with the current file; "" if nothing */
};

/* Returns the number of bans written, or negative errno (-EISDIR if a
 * directory is in the file's place). */
int state_save_bans(struct aegis_maps *m, const char *state_dir);
/* Returns the number of bans restored (0 if no file), or negative errno;
 * *info says where from and what was refused or lost. */
int state_load_bans(struct aegis_maps *m, const char *state_dir, struct state_load_info *info);

/* One parsed state file, for the loader and the fuzz target. */
struct state_ban {
	struct aegis_addr addr;
	struct aegis_ban ban;
};

struct state_file {
	struct state_ban *bans;
	size_t n, cap;
	int expired, malformed;
	bool versioned;		/* v2 header: the end line is required */
	bool complete;		/* end line present and its count matches */
	bool empty;		/* no bytes at all */
};

/* Parses a state file's text from f. 0 or -ENOMEM; problems are counted
 * in sf, never fatal. now_real_ms is the wall clock used for expiry. */
int state_parse(FILE *f, int64_t now_real_ms, struct state_file *sf);
void state_file_free(struct state_file *sf);

#endif /* AEGIS_STATE_H */

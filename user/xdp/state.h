/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The state file: bans saved across daemon restarts and reboots.
 * STATE_DIR/bans.tsv, one ban per line with wall-clock expiry (the
 * program's monotonic clock restarts at boot). Written atomically
 * (temp file, fsync, rename); expired bans are not written or restored.
 */
#ifndef AEGIS_STATE_H
#define AEGIS_STATE_H

#include "xdp/maps.h"

#define STATE_BANS_FILE "bans.tsv"

/* Returns the number of bans written, or negative errno. */
int state_save_bans(struct aegis_maps *m, const char *state_dir);
/* Returns the number of bans restored (0 if no file), or negative errno;
 * *bad counts malformed lines, which are skipped. */
int state_load_bans(struct aegis_maps *m, const char *state_dir, int *bad);

#endif /* AEGIS_STATE_H */

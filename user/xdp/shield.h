/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Applies a validated config to the live maps, in place, in an order that
 * never opens a gap: stricter changes first (new deny entries, removed
 * allow entries, new policies), looser ones last. Entries an operator
 * added at runtime (aegisctl) are left alone: only entries whose note is
 * SHIELD_NOTE_CONFIG belong to the config. Bans are never touched.
 */
#ifndef AEGIS_SHIELD_H
#define AEGIS_SHIELD_H

#include "config/config.h"
#include "xdp/maps.h"

#define SHIELD_NOTE_CONFIG "config"

struct shield {
	struct aegis_maps *maps;
	char policy_names[AEGIS_MAX_POLICIES][32];	/* id -> config policy name */
	bool policies_off;		/* XDP kill switch: no port points at a policy */
};

void shield_init(struct shield *s, struct aegis_maps *maps);
/* Returns 0, or negative errno with a message in err (maps may then hold
 * a mix of old and new entries, never fewer protections than either). */
int shield_apply(struct shield *s, const struct aegis_config *cfg, char *err, size_t len);

/*
 * The XDP kill switch: off, every port passes without its policy (rate
 * limits, caps, strikes) while lists, bans and sanity checks still apply;
 * on again, the config's policies are pointed at once more. Kept across
 * shield_apply() (a reload) until switched back. 0 or -errno (err set).
 */
int shield_set_policies(struct shield *s, const struct aegis_config *cfg, bool on, char *err,
			size_t len);
bool shield_policies_on(const struct shield *s);

#endif /* AEGIS_SHIELD_H */

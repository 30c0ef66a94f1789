/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Origin -> upstream port mapping for the proxy engine: which
 * (upstream address, upstream port) pairs a connection arriving on a given
 * listener port may be sent to. Pure logic; the balancer picks among the
 * candidates this returns.
 *
 *   one-to-one  origin port lo+k maps to upstream port lo+k on every
 *               upstream address (positional; the ranges must be the same
 *               size): 25565-25567 -> 35565-35567 gives 25566 -> 35566.
 *   fan-out     every origin port maps to every upstream address x every
 *               upstream port; all origin ports share one candidate list,
 *               so the engine can share one balancer between them.
 *
 * Candidates are listed address-major: for each address index in order,
 * each upstream port in ascending order.
 */
#ifndef AEGIS_PORTMAP_H
#define AEGIS_PORTMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Upper bound on candidates per origin port (n_addrs x upstream ports in
 * fan-out): each one becomes a balancer target with its own health probe.
 */
#define PORTMAP_MAX_TARGETS 1024

enum portmap_mode {
	PORTMAP_ONE_TO_ONE,
	PORTMAP_FAN_OUT,
};

/* Inclusive; a single port is lo == hi. */
struct portmap_range {
	uint16_t lo;
	uint16_t hi;
};

struct portmap {
	enum portmap_mode mode;
	struct portmap_range origin;
	struct portmap_range upstream;
	unsigned int n_addrs;	/* upstream addresses, indexed 0..n_addrs-1 */
};

struct portmap_target {
	unsigned int addr_idx;	/* index into the caller's upstream addresses */
	uint16_t port;		/* host byte order */
};

/*
 * "25565", "25565-25575" or "25565:25575" (RouteX's form). lo <= hi, both
 * 1..65535, no signs or spaces. Returns 0, -EINVAL or -ERANGE.
 */
int portmap_parse_range(const char *s, struct portmap_range *out);

/* Number of ports in a range (0 if lo > hi). */
unsigned int portmap_range_size(const struct portmap_range *r);

/*
 * Checks the mapping; on failure writes a sentence to err (e.g. "one-to-one
 * mapping needs equal ranges: origin 25565-25567 has 3 ports, upstream
 * 35565-35566 has 2") and returns -EINVAL.
 */
int portmap_validate(const struct portmap *pm, char *err, size_t errlen);

/* Candidates per origin port: n_addrs (one-to-one) or n_addrs x ports. */
size_t portmap_target_count(const struct portmap *pm);

/*
 * Writes the candidates for a connection that arrived on origin_port.
 * Returns how many were written, -ENOENT if origin_port is not an origin
 * port, -ENOSPC if cap < portmap_target_count(), -EINVAL if pm is invalid.
 */
int portmap_targets(const struct portmap *pm, uint16_t origin_port,
		    struct portmap_target *out, size_t cap);

#endif /* AEGIS_PORTMAP_H */

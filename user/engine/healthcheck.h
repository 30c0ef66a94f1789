/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Active health checks: one thread probes every upstream target of every
 * running proxy with a TCP connect, on the schedule and thresholds of
 * health.h, and flips the balancer's shared health flag on transitions
 * (ejecting and readmitting targets). Each transition is logged.
 */
#ifndef AEGIS_HEALTHCHECK_H
#define AEGIS_HEALTHCHECK_H

struct healthcheck;
struct proxy;

int healthcheck_start(struct healthcheck **out);
/* Starts probing px's targets (if its health_check is enabled). */
void healthcheck_add(struct healthcheck *hc, struct proxy *px);
/* Stops probing px's targets. */
void healthcheck_remove(struct healthcheck *hc, struct proxy *px);
void healthcheck_stop(struct healthcheck *hc);

#endif /* AEGIS_HEALTHCHECK_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * webhook: alerts posted to Slack, Discord or any JSON receiver, off the
 * caller's thread. webhook_post() copies the alert into a bounded queue
 * and returns at once (a full queue drops and counts); one thread posts
 * with libcurl (2 s connect, 5 s total), retrying a failure with backoff
 * (1, 2, 4, 8 s; 5 attempts). URLs carry tokens: they are never logged,
 * only the hook's index and kind.
 */
#ifndef AEGIS_WEBHOOK_H
#define AEGIS_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "config/rep_cfg.h"

#define WEBHOOK_QUEUE		AEGIS_REP_WEBHOOK_QUEUE
#define WEBHOOK_BODY_MAX	2048
#define WEBHOOK_ATTEMPTS	5

struct webhook;

struct webhook_stats {
	uint64_t queued, sent, failed, dropped, retries;
};

int webhook_start(struct webhook **out, const struct rep_webhook_cfg *hooks, size_t n,
		  char *err, size_t errlen);
/* Stops the thread; alerts still queued are dropped (counted). */
void webhook_stop(struct webhook *w);
/*
 * Queues one alert for hook `idx`: `text` is the human line (Slack, Discord),
 * `json` a JSON object (generic receivers). 0, or -ENOSPC when full.
 */
int webhook_post(struct webhook *w, size_t idx, const char *text, const char *json);
void webhook_stats(struct webhook *w, struct webhook_stats *out);

#endif /* AEGIS_WEBHOOK_H */

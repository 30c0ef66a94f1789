// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live switches; see toggles.h. One process-wide table, because the
 * workers read it with nothing but the slot their runtime was given. A
 * host's switches are one atomic word (mode + 1 in bits 0-1, stages off
 * in 8-12, persist in 16), so a reader never sees half a change. The
 * names are written once under the lock, before the slot is published.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "guard/toggles.h"

#define W_MODE_MASK	0x3u
#define W_STAGES_SHIFT	8
#define W_PERSIST	(1u << 16)

struct slot_name {
	char proxy[64];
	char host[HTTP_MAX_HOSTNAME + 1];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot_name names[TOGGLES_MAX_HOSTS];
static atomic_uint words[TOGGLES_MAX_HOSTS];
static atomic_int n_slots;
static atomic_uint kill_word;	/* 1: on; | W_PERSIST */

static const char *const stage_names[] = { "rate", "bots", "funnel", "waf", "reputation", "challenge" };

uint32_t toggles_stage_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(stage_names) / sizeof(stage_names[0]); i++)
		if (!strcmp(name, stage_names[i]))
			return 1u << i;
	return 0;
}

const char *toggles_stage_name(uint32_t bit)
{
	for (size_t i = 0; i < sizeof(stage_names) / sizeof(stage_names[0]); i++)
		if (bit == 1u << i)
			return stage_names[i];
	return "?";
}

static int find_locked(const char *proxy, const char *host)
{
	int n = atomic_load(&n_slots);

	for (int i = 0; i < n; i++)
		if (!strcmp(names[i].proxy, proxy) && !strcmp(names[i].host, host))
			return i;
	return -ENOENT;
}

int toggles_host_find(const char *proxy, const char *host)
{
	int ret;

	pthread_mutex_lock(&lock);
	ret = find_locked(proxy, host);
	pthread_mutex_unlock(&lock);
	return ret;
}

int toggles_host_slot(const char *proxy, const char *host)
{
	int ret;

	pthread_mutex_lock(&lock);
	ret = find_locked(proxy, host);
	if (ret == -ENOENT) {
		int n = atomic_load(&n_slots);

		ret = -ENOSPC;
		if (n < TOGGLES_MAX_HOSTS) {
			snprintf(names[n].proxy, sizeof(names[n].proxy), "%s", proxy);
			snprintf(names[n].host, sizeof(names[n].host), "%s", host);
			atomic_store(&words[n], 0);
			atomic_store(&n_slots, n + 1);
			ret = n;
		}
	}
	pthread_mutex_unlock(&lock);
	return ret;
}

void toggles_host_get(int slot, struct toggles_host *out)
{
	unsigned int w = slot >= 0 && slot < atomic_load(&n_slots) ?
			 atomic_load_explicit(&words[slot], memory_order_relaxed) : 0;

	out->mode = (int)(w & W_MODE_MASK) - 1;
	out->stages_off = (w >> W_STAGES_SHIFT) & TOGGLES_STAGE__ALL;
	out->persist = w & W_PERSIST;
}

void toggles_host_set(int slot, const struct toggles_host *in)
{
	unsigned int w = (unsigned int)(in->mode + 1) & W_MODE_MASK;

	if (slot < 0 || slot >= atomic_load(&n_slots))
		return;
	w |= (in->stages_off & TOGGLES_STAGE__ALL) << W_STAGES_SHIFT;
	if (in->persist && (in->mode >= 0 || in->stages_off))
		w |= W_PERSIST;
	atomic_store_explicit(&words[slot], w, memory_order_relaxed);
}

enum http_mode toggles_mode(int slot, enum http_mode configured, uint32_t *stages_off)
{
	enum http_mode m = configured;
	unsigned int w = 0;

	if (slot >= 0 && slot < TOGGLES_MAX_HOSTS)
		w = atomic_load_explicit(&words[slot], memory_order_relaxed);
	if (w & W_MODE_MASK)
		m = (enum http_mode)((w & W_MODE_MASK) - 1);
	*stages_off = (w >> W_STAGES_SHIFT) & TOGGLES_STAGE__ALL;
	if (m == HTTP_MODE_ENFORCE && (atomic_load_explicit(&kill_word, memory_order_relaxed) & 1))
		m = HTTP_MODE_DETECT;
	return m;
}

enum http_mode toggles_rep_mode(int slot, enum http_mode configured)
{
	uint32_t off;

	toggles_mode(slot, HTTP_MODE_OFF, &off);
	if (off & TOGGLES_REPUTATION)
		return HTTP_MODE_OFF;
	if (configured == HTTP_MODE_ENFORCE && toggles_kill(NULL))
		return HTTP_MODE_DETECT;
	return configured;
}

void toggles_kill_set(bool on, bool persist)
{
	atomic_store(&kill_word, on ? 1u | (persist ? W_PERSIST : 0) : 0);
}

bool toggles_kill(bool *persist)
{
	unsigned int w = atomic_load(&kill_word);

	if (persist)
		*persist = w & W_PERSIST;
	return w & 1;
}

void toggles_reload(void)
{
	int n = atomic_load(&n_slots);

	for (int i = 0; i < n; i++)
		if (!(atomic_load(&words[i]) & W_PERSIST))
			atomic_store(&words[i], 0);
	if (!(atomic_load(&kill_word) & W_PERSIST))
		atomic_store(&kill_word, 0);
}

void toggles_reset(void)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < TOGGLES_MAX_HOSTS; i++)
		atomic_store(&words[i], 0);
	atomic_store(&n_slots, 0);
	atomic_store(&kill_word, 0);
	pthread_mutex_unlock(&lock);
}

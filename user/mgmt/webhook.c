// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Asynchronous webhook alerts with retry; see webhook.h. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "lib/errbuf.h"
#include "lib/log.h"
#include "mgmt/webhook.h"

struct alert {
	size_t idx;
	unsigned int attempts;
	uint64_t due_ns;
	char body[WEBHOOK_BODY_MAX];
};

struct webhook {
	struct rep_webhook_cfg hooks[AEGIS_REP_MAX_WEBHOOKS];
	size_t n;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	struct alert q[WEBHOOK_QUEUE];
	size_t n_q;
	struct webhook_stats st;
	CURL *curl;
};

static const char *const kind_names[] = { "json", "slack", "discord" };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* JSON string escaping for the text of Slack/Discord bodies. */
static void escape(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	for (; *s && n + 7 < cap; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			out[n++] = '\\';
			out[n++] = (char)ch;
		} else if (ch < 0x20) {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", ch);
		} else {
			out[n++] = (char)ch;
		}
	}
	out[n] = '\0';
}

static size_t discard(char *p, size_t sz, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return sz * n;
}

static bool post_one(struct webhook *w, const struct alert *a)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	long code = 0;
	CURLcode rc;

	curl_easy_reset(w->curl);
	curl_easy_setopt(w->curl, CURLOPT_URL, w->hooks[a->idx].url);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, a->body);
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(w->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	rc = curl_easy_perform(w->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	if (rc == CURLE_OK && code >= 200 && code < 300)
		return true;
	/* Never the URL: it holds the token. */
	log_warn("webhook %zu (%s): %s%s%ld", a->idx, kind_names[w->hooks[a->idx].kind],
		 rc == CURLE_OK ? "" : curl_easy_strerror(rc), rc == CURLE_OK ? "HTTP " : " ",
		 code);
	return false;
}

/* Index of the queued alert due first, or -1. Called locked. */
static long next_due(const struct webhook *w)
{
	long best = -1;

	for (size_t i = 0; i < w->n_q; i++)
		if (best < 0 || w->q[i].due_ns < w->q[best].due_ns)
			best = (long)i;
	return best;
}

static void *run(void *arg)
{
	struct webhook *w = arg;

	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		long i = next_due(w);
		uint64_t now = now_ns();

		if (i < 0 || w->q[i].due_ns > now) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += i < 0 ? 1 : (time_t)((w->q[i].due_ns - now) / 1000000000ull) + 0;
			if (i >= 0)
				ts.tv_nsec += (long)((w->q[i].due_ns - now) % 1000000000ull);
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&w->cv, &w->mu, &ts);
			continue;
		}
		struct alert a = w->q[i];

		w->q[i] = w->q[--w->n_q];
		pthread_mutex_unlock(&w->mu);
		bool ok = post_one(w, &a);

		pthread_mutex_lock(&w->mu);
		if (ok) {
			w->st.sent++;
		} else if (++a.attempts >= WEBHOOK_ATTEMPTS || w->n_q == WEBHOOK_QUEUE) {
			w->st.failed++;
		} else {
			a.due_ns = now_ns() + (1000000000ull << (a.attempts - 1));
			w->q[w->n_q++] = a;
			w->st.retries++;
		}
	}
	w->st.dropped += w->n_q;
	w->n_q = 0;
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int webhook_start(struct webhook **out, const struct rep_webhook_cfg *hooks, size_t n,
		  char *err, size_t errlen)
{
	struct webhook *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	w->n = n < AEGIS_REP_MAX_WEBHOOKS ? n : AEGIS_REP_MAX_WEBHOOKS;
	memcpy(w->hooks, hooks, w->n * sizeof(*hooks));
	w->curl = curl_easy_init();
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (!w->curl || pthread_create(&w->thread, NULL, run, w)) {
		errbuf_set(err, errlen, "webhooks: cannot start the sender");
		if (w->curl)
			curl_easy_cleanup(w->curl);
		free(w);
		return -ENOMEM;
	}
	*out = w;
	return 0;
}

void webhook_stop(struct webhook *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	curl_easy_cleanup(w->curl);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}

int webhook_post(struct webhook *w, size_t idx, const char *text, const char *json)
{
	struct alert *a;
	char esc[WEBHOOK_BODY_MAX - 32];
	int ret = 0;

	if (idx >= w->n)
		return -EINVAL;
	pthread_mutex_lock(&w->mu);
	if (w->n_q == WEBHOOK_QUEUE) {
		w->st.dropped++;
		ret = -ENOSPC;
		goto out;
	}
	a = &w->q[w->n_q++];
	a->idx = idx;
	a->attempts = 0;
	a->due_ns = 0;
	switch (w->hooks[idx].kind) {
	case REP_HOOK_SLACK:
		escape(esc, sizeof(esc), text);
		snprintf(a->body, sizeof(a->body), "{\"text\":\"%s\"}", esc);
		break;
	case REP_HOOK_DISCORD:
		escape(esc, sizeof(esc), text);
		snprintf(a->body, sizeof(a->body), "{\"content\":\"%s\"}", esc);
		break;
	default:
		snprintf(a->body, sizeof(a->body), "%s", json);
	}
	w->st.queued++;
	pthread_cond_signal(&w->cv);
out:
	pthread_mutex_unlock(&w->mu);
	return ret;
}

void webhook_stats(struct webhook *w, struct webhook_stats *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->st;
	pthread_mutex_unlock(&w->mu);
}

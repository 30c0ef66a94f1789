// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Gate-before-target checks; see funnel.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guard/funnel.h"

/* An entity key plus the rule index: one gate memory per rule. */
#define FUNNEL_KEY_MAX 256

struct funnel {
	struct http_funnel_cfg *rules;
	size_t n;
	struct keytab *seen;
};

struct funnel *funnel_new(const struct http_funnel_cfg *rules, size_t n, uint32_t capacity)
{
	struct funnel *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	if (n) {
		f->rules = calloc(n, sizeof(*rules));
		if (!f->rules)
			goto fail;
		memcpy(f->rules, rules, n * sizeof(*rules));
	}
	f->n = n;
	f->seen = keytab_new(capacity, 1);
	if (!f->seen)
		goto fail;
	return f;
fail:
	funnel_free(f);
	return NULL;
}

void funnel_free(struct funnel *f)
{
	if (!f)
		return;
	keytab_free(f->seen);
	free(f->rules);
	free(f);
}

const struct http_funnel_cfg *funnel_rule(const struct funnel *f, size_t i)
{
	return i < f->n ? &f->rules[i] : NULL;
}

static int funnel_touch(void *val, bool fresh, uint64_t *expire_ms, void *arg)
{
	(void)val, (void)fresh;
	*expire_ms = *(const uint64_t *)arg;
	return 0;
}

static int funnel_peek(void *val, bool fresh, uint64_t *expire_ms, void *arg)
{
	(void)val, (void)fresh, (void)expire_ms, (void)arg;
	return 0;
}

static bool path_is(const char *rule, const char *path, size_t len)
{
	return strlen(rule) == len && memcmp(rule, path, len) == 0;
}

int funnel_check(struct funnel *f, const void *entity, size_t entity_len,
		 const char *path, size_t path_len, uint64_t now_ms)
{
	unsigned char key[FUNNEL_KEY_MAX];
	int violated = -1;

	if (entity_len > FUNNEL_KEY_MAX - sizeof(uint32_t))
		return -EINVAL;
	memcpy(key + sizeof(uint32_t), entity, entity_len);
	for (size_t i = 0; i < f->n; i++) {
		const struct http_funnel_cfg *r = &f->rules[i];
		uint32_t idx = (uint32_t)i;
		size_t klen = sizeof(idx) + entity_len;
		uint64_t until = now_ms + r->memory_ms;
		int rc;

		memcpy(key, &idx, sizeof(idx));
		if (path_is(r->gate, path, path_len)) {
			rc = keytab_update(f->seen, key, klen, now_ms, true, funnel_touch, &until);
			if (rc)
				return rc;
		} else if (violated < 0 && path_is(r->target, path, path_len)) {
			rc = keytab_update(f->seen, key, klen, now_ms, false, funnel_peek, NULL);
			if (rc == -ENOENT)
				violated = (int)i;
			else if (rc)
				return rc;
		}
	}
	return violated;
}

void funnel_stats(struct funnel *f, struct keytab_stats *out)
{
	keytab_stats(f->seen, out);
}

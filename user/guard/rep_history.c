// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The reputation engine's offence history: how often each source group
 * was banned, which picks the next ban's TTL (escalation). Fixed memory
 * (buckets of 16, the oldest record gives way), forgotten after
 * offence_memory, kept across restarts in STATE_DIR/rep_offences.tsv:
 *   GROUP_ADDRESS  PREFIXLEN  COUNT  LAST_UNIX_MS
 * written like bans.tsv (temp file, fsync, rename).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/addr.h"
#include "guard/rep_priv.h"

#define HIST_WAYS 16
#define REP_HIST_MAX_LINE 511	/* longer than any record written */

static bool hist_stale(const struct rep *r, const struct rep_hist *h, uint64_t now_ns)
{
	return now_ns && r->cfg.offence_memory_s &&
	       now_ns > h->last_ns + r->cfg.offence_memory_s * 1000000000ull;
}

struct rep_hist *rep_hist_find(struct rep *r, const struct aegis_addr *key, bool create,
			       uint64_t now_ns)
{
	size_t base = (rep_hash(r, key) & (r->nhist / HIST_WAYS - 1)) * HIST_WAYS;
	struct rep_hist *free_h = NULL, *oldest = NULL;

	for (size_t i = base; i < base + HIST_WAYS; i++) {
		struct rep_hist *h = &r->hist[i];

		if (h->count && hist_stale(r, h, now_ns))
			h->count = 0;
		if (!h->count) {
			free_h = free_h ? free_h : h;
			continue;
		}
		if (!memcmp(&h->key, key, sizeof(*key)))
			return h;
		if (!oldest || h->last_ns < oldest->last_ns)
			oldest = h;
	}
	if (!create)
		return NULL;
	if (!free_h)
		free_h = oldest;
	*free_h = (struct rep_hist){ .key = *key, .last_ns = now_ns };
	return free_h;
}

void rep_hist_forget(struct rep *r, const struct aegis_addr *key)
{
	struct rep_hist *h = rep_hist_find(r, key, false, 0);

	if (h)
		h->count = 0;
}

static int64_t mono_real_offset_ms(void)
{
	struct timespec re, mo;

	clock_gettime(CLOCK_REALTIME, &re);
	clock_gettime(CLOCK_MONOTONIC, &mo);
	return ((int64_t)re.tv_sec - mo.tv_sec) * 1000 + (re.tv_nsec - mo.tv_nsec) / 1000000;
}

void rep_write_offences(const struct rep *r, FILE *f, int *n)
{
	int64_t off = mono_real_offset_ms();
	char a[ADDR_STRLEN];

	*n = 0;
	fprintf(f, "# aegis reputation offences v1: group prefixlen count last_unix_ms\n");
	for (size_t i = 0; i < r->nhist; i++) {
		const struct rep_hist *h = &r->hist[i];
		uint8_t plen;
		struct aegis_addr k;

		if (!h->count)
			continue;
		rep_group_of(r, &h->key, &k, &plen);
		fprintf(f, "%s\t%u\t%u\t%" PRId64 "\n", addr_format(&h->key, a, sizeof(a)), plen,
			h->count, (int64_t)(h->last_ns / 1000000) + off);
		(*n)++;
	}
}

int rep_save_offences(struct rep *r, const char *dir)
{
	char path[4096], tmp[4200];
	int fd, ret = 0, n = 0;
	FILE *f;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s", dir, REP_OFFENCES_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return -ENOMEM;
	}
	rep_write_offences(r, f, &n);
	if (fflush(f) || fsync(fd))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return ret;
	}
	return n;
}

/* 0 loaded, 1 too old, -EINVAL malformed. */
static int load_line(struct rep *r, char *line, int64_t off, uint64_t now_ns)
{
	char addr[ADDR_STRLEN];
	unsigned int plen, count;
	int64_t last_ms, mono_ms;
	struct aegis_addr a, key;
	struct rep_hist *h;
	uint64_t last_ns;

	if (sscanf(line, "%63s %u %u %" SCNd64, addr, &plen, &count, &last_ms) != 4 ||
	    addr_parse(addr, &a) || plen > 128 || !count || count > 1000000 || last_ms < 0)
		return -EINVAL;
	/* A record from the future (clock stepped back) counts as now. */
	mono_ms = last_ms - off;
	if (mono_ms > (int64_t)(now_ns / 1000000))
		last_ns = now_ns;
	else
		last_ns = mono_ms <= 0 ? 1 : (uint64_t)mono_ms * 1000000;
	/* The grouping may have changed since: regroup. */
	rep_group_of(r, &a, &key, NULL);
	h = rep_hist_find(r, &key, false, now_ns);
	if (!h) {
		if (r->cfg.offence_memory_s &&
		    now_ns > last_ns + r->cfg.offence_memory_s * 1000000000ull)
			return 1;
		h = rep_hist_find(r, &key, true, last_ns);
	}
	if (count > h->count)
		h->count = count;
	if (last_ns > h->last_ns)
		h->last_ns = last_ns;
	return 0;
}

int rep_read_offences(struct rep *r, FILE *f, int *bad)
{
	struct timespec mo;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int64_t off = mono_real_offset_ms();
	uint64_t now_ns;
	int n = 0;

	*bad = 0;
	clock_gettime(CLOCK_MONOTONIC, &mo);
	now_ns = (uint64_t)mo.tv_sec * 1000000000ull + (uint64_t)mo.tv_nsec;
	while ((len = getline(&line, &cap, f)) >= 0) {
		int ret;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		/* Like bans.tsv: an overlong line is refused whole, never split. */
		ret = len > REP_HIST_MAX_LINE ? -EINVAL : load_line(r, line, off, now_ns);
		if (ret < 0)
			(*bad)++;
		else if (!ret)
			n++;
	}
	free(line);
	return n;
}

int rep_load_offences(struct rep *r, const char *dir, int *bad)
{
	char path[4096];
	FILE *f;
	int n;

	*bad = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, REP_OFFENCES_FILE);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	n = rep_read_offences(r, f, bad);
	fclose(f);
	return n;
}

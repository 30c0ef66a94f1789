// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The reputation engine in aegisd: events, bans, alerts; see rep_service.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "config/proxy_config.h"
#include "guard/rep_bans.h"
#include "guard/reputation.h"
#include "lib/addr.h"
#include "lib/errbuf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "mgmt/ctlsock.h"
#include "mgmt/rep_service.h"
#include "mgmt/webhook.h"

#define SAVE_EVERY_S	10
#define DRAIN_EVERY_MS	20	/* a worker's ring holds REP_QUEUE_LEN reports */

struct rep_service {
	struct rep *rep;
	struct rep_cfg cfg;
	struct rep_bans bans;
	struct webhook *wh;
	struct ctlsock cs;
	int epfd, timerfd;		/* the control socket and the drain timer */
	FILE *ev;
	char state_dir[256];
	unsigned int q_main;
	uint64_t ticks, full_seen;
	struct aegis_lpm_key *allow;	/* never banned */
	size_t n_allow;
	struct aegis_addr *ups;		/* upstreams: never banned */
	size_t n_ups;
	bool xdp;			/* false: no interfaces, bans held at L7 only */
	bool actions_off;		/* live switch (API): score and log, never act */
	struct aegis_maps nomaps;	/* the bans writer's maps when !xdp */
};

static uint64_t mono_ns(void)
{
	return maps_now_ns();
}

int rep_input_of_stat(unsigned int stat)
{
	switch (stat) {
	case AEGIS_STAT_DROP_RATE_PPS: case AEGIS_STAT_DROP_RATE_SYN:
	case AEGIS_STAT_DROP_RATE_CONN: case AEGIS_STAT_DROP_RATE_RST:
	case AEGIS_STAT_DROP_RATE_UDP: case AEGIS_STAT_DROP_RATE_UDP_BYTES:
		return AEGIS_REP_IN_XDP_RATE;
	case AEGIS_STAT_DROP_CONN_SRC:
		return AEGIS_REP_IN_XDP_CONN;
	case AEGIS_STAT_DROP_MALFORMED: case AEGIS_STAT_DROP_FRAGMENT:
	case AEGIS_STAT_DROP_TTL: case AEGIS_STAT_DROP_SIZE: case AEGIS_STAT_DROP_TCP_FLAGS:
	case AEGIS_STAT_DROP_UDP_SIZE:
		return AEGIS_REP_IN_XDP_MALFORMED;
	case AEGIS_STAT_DROP_REFLECTION:
		return AEGIS_REP_IN_XDP_REFLECTION;
	default:
		/* Bans, deny-list, policy-wide limits: nothing new about the source. */
		return -1;
	}
}

static bool is_protected(const struct aegis_addr *a, void *ctx)
{
	const struct rep_service *s = ctx;

	for (size_t i = 0; i < s->n_allow; i++)
		if (addr_in_cidr(a, &s->allow[i]))
			return true;
	for (size_t i = 0; i < s->n_ups; i++)
		if (!memcmp(a, &s->ups[i], sizeof(*a)))
			return true;
	return false;
}

static const char *change_word(const struct rep_change *ch)
{
	if (ch->protected_src)
		return "ban_withheld";
	switch (ch->to) {
	case AEGIS_REP_BAN: return "banned";
	case AEGIS_REP_SOFTBLOCK: return "soft_blocked";
	case AEGIS_REP_CHALLENGE: return "challenged";
	case AEGIS_REP_THROTTLE: return ch->from > ch->to ? "unbanned_throttled" : "throttled";
	default:
		return ch->from == AEGIS_REP_BAN ? "unbanned" :
		       ch->from == AEGIS_REP_SOFTBLOCK ? "unblocked" : "cleared";
	}
}

static void write_change(FILE *f, const struct rep_change *ch, const char *type,
			 uint32_t threshold, bool xdp)
{
	char ts[40], src[ADDR_STRLEN], grp[ADDR_STRLEN];
	struct aegis_lpm_key k = { .prefixlen = ch->prefixlen, .addr = ch->key };
	struct json j;

	log_timestamp(ts, sizeof(ts));
	json_init(&j, f);
	json_obj_open(&j);
	json_kstr(&j, "time", ts);
	json_kstr(&j, "type", type);
	json_kstr(&j, "source", addr_format(&ch->src, src, sizeof(src)));
	json_kstr(&j, "group", addr_format_cidr(&k, grp, sizeof(grp)));
	json_kstr(&j, "event", threshold ? "score_threshold" : change_word(ch));
	json_kstr(&j, "from", rep_action_name(ch->from));
	json_kstr(&j, "to", rep_action_name(ch->to));
	json_kstr(&j, "mode", ch->detect ? "detect" : "enforce");
	json_kdouble(&j, "score", ch->score);
	if (threshold)
		json_ku64(&j, "threshold", threshold);
	if (ch->to >= AEGIS_REP_SOFTBLOCK && !ch->detect && !ch->protected_src) {
		json_ku64(&j, "ttl_s", ch->ttl_s);
		json_ku64(&j, "offences", ch->offences);
		if (ch->to == AEGIS_REP_BAN)
			json_kstr(&j, "enforced", xdp ? "xdp" : "l7");
	}
	json_key(&j, "top");
	json_arr_open(&j);
	for (size_t i = 0; i < ch->n_top; i++) {
		json_obj_open(&j);
		json_kstr(&j, "input", rep_input_name(ch->top[i]));
		json_kdouble(&j, "points", ch->top_pts[i]);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_obj_close(&j);
}

static void alert(struct rep_service *s, const struct rep_change *ch, uint32_t threshold)
{
	char *json = NULL, text[512], src[ADDR_STRLEN];
	size_t len = 0;
	FILE *f;

	if (!s->wh)
		return;
	f = open_memstream(&json, &len);
	if (!f)
		return;
	write_change(f, ch, "reputation", threshold, s->xdp);
	fclose(f);
	if (len && json[len - 1] == '\n')
		json[len - 1] = '\0';
	addr_format(&ch->src, src, sizeof(src));
	if (threshold)
		snprintf(text, sizeof(text), "Aegis: %s reached reputation score %.0f (threshold %u), "
			 "top input %s", src, ch->score, threshold,
			 ch->n_top ? rep_input_name(ch->top[0]) : "-");
	else
		snprintf(text, sizeof(text), "Aegis: %s banned for %us (offence %u, score %.0f), "
			 "top input %s", src, ch->ttl_s, ch->offences, ch->score,
			 ch->n_top ? rep_input_name(ch->top[0]) : "-");
	for (size_t i = 0; i < s->cfg.n_webhooks; i++) {
		const struct rep_webhook_cfg *h = &s->cfg.webhooks[i];

		if (threshold ? h->min_score == threshold : h->bans)
			webhook_post(s->wh, i, text, json);
	}
	free(json);
}

static void on_change(const struct rep_change *ch, void *ctx)
{
	struct rep_service *s = ctx;

	if (ch->from != ch->to || ch->protected_src)
		write_change(s->ev, ch, "reputation", 0, s->xdp);
	if (ch->detect || ch->protected_src)
		return;
	if (ch->to == AEGIS_REP_BAN && !s->xdp) {
		/* No XDP plane: the L7 fast reject (rep_softblocked) holds it. */
		if (ch->from != ch->to)
			alert(s, ch, 0);
	} else if (ch->to == AEGIS_REP_BAN) {
		struct rep_ban_req q = { .addr = ch->src, .ttl_s = ch->ttl_s, .score = ch->score,
					 .top = ch->n_top ? ch->top[0] : AEGIS_REP_IN_XDP_OTHER };

		if (rep_bans_submit(&s->bans, &q))
			log_warn("reputation: ban queue full, ban of a source deferred to its next report");
		if (ch->from != ch->to)
			alert(s, ch, 0);
	} else if (ch->from == AEGIS_REP_BAN && s->xdp) {
		rep_bans_lift(&s->bans, &ch->src);
	}
	fflush(s->ev);
}

static void on_score(const struct rep_change *ch, uint32_t threshold, void *ctx)
{
	struct rep_service *s = ctx;

	write_change(s->ev, ch, "reputation", threshold, s->xdp);
	alert(s, ch, threshold);
}

/* Allow-list and every proxy's upstream addresses. */
static int load_protected(struct rep_service *s, const struct aegis_config *cfg)
{
	size_t n_ups = 0, k = 0;

	for (size_t i = 0; i < cfg->n_proxies; i++)
		n_ups += cfg->proxies[i].n_up_addrs;
	free(s->allow);
	free(s->ups);
	s->allow = calloc(cfg->n_allow ? cfg->n_allow : 1, sizeof(*s->allow));
	s->ups = calloc(n_ups ? n_ups : 1, sizeof(*s->ups));
	s->n_allow = s->n_ups = 0;
	if (!s->allow || !s->ups)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_allow; i++)
		s->allow[i] = cfg->allow[i].key;
	s->n_allow = cfg->n_allow;
	for (size_t i = 0; i < cfg->n_proxies; i++)
		for (size_t j = 0; j < cfg->proxies[i].n_up_addrs; j++)
			s->ups[k++] = cfg->proxies[i].up_addrs[j];
	s->n_ups = k;
	return 0;
}

static void set_hooks(struct rep_service *s)
{
	struct rep_hooks h = { .protected_src = is_protected, .on_change = on_change,
			       .on_score = on_score, .ctx = s };

	for (size_t i = 0; i < s->cfg.n_webhooks; i++)
		if (s->cfg.webhooks[i].min_score)
			h.score_alerts[h.n_score_alerts++] = s->cfg.webhooks[i].min_score;
	rep_set_hooks(s->rep, &h);
}

/* ---- control socket: rep list | show ADDR | forget ADDR [-j] ---- */

struct list_ctx {
	struct rep_info *v;
	size_t n, cap;
};

static int collect(const struct rep_info *i, void *ctx)
{
	struct list_ctx *l = ctx;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct rep_info *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *i;
	return 0;
}

static int by_score(const void *a, const void *b)
{
	double x = ((const struct rep_info *)a)->score, y = ((const struct rep_info *)b)->score;

	return (x < y) - (x > y);
}

static void info_json(struct json *j, const struct rep_info *i, uint64_t now, bool full)
{
	char a[ADDR_STRLEN];
	struct aegis_lpm_key k = { .prefixlen = i->prefixlen, .addr = i->key };

	json_obj_open(j);
	json_kstr(j, "group", addr_format_cidr(&k, a, sizeof(a)));
	json_kstr(j, "source", addr_format(&i->src, a, sizeof(a)));
	json_kdouble(j, "score", i->score);
	json_kstr(j, "action", rep_action_name(i->action));
	json_kstr(j, "would_be", rep_action_name(i->wouldbe));
	json_ku64(j, "multiplier_pct", i->mult_pct);
	json_ku64(j, "reports", i->reports);
	json_ku64(j, "offences", i->offences);
	json_kbool(j, "via_proxy", i->via_proxy);
	json_kbool(j, "detect", i->detect_only);
	if (i->action_until_ns > now && i->action_until_ns != UINT64_MAX)
		json_ku64(j, "action_left_s", (i->action_until_ns - now) / 1000000000ull);
	if (i->last_ns && now > i->last_ns)
		json_ku64(j, "idle_s", (now - i->last_ns) / 1000000000ull);
	if (i->last_offence_ns && now > i->last_offence_ns)
		json_ku64(j, "last_ban_ago_s", (now - i->last_offence_ns) / 1000000000ull);
	if (full) {
		json_key(j, "inputs");
		json_obj_open(j);
		for (int k2 = 0; k2 < AEGIS_REP_IN_MAX; k2++)
			if (i->pts[k2] > 0.05)
				json_kdouble(j, rep_input_name((enum aegis_rep_input)k2), i->pts[k2]);
		json_obj_close(j);
	}
	json_obj_close(j);
}

static void info_text(FILE *out, const struct rep_info *i, uint64_t now, bool full,
		      uint32_t half_life)
{
	char a[ADDR_STRLEN], s[ADDR_STRLEN];
	struct aegis_lpm_key k = { .prefixlen = i->prefixlen, .addr = i->key };

	addr_format_cidr(&k, a, sizeof(a));
	addr_format(&i->src, s, sizeof(s));
	if (!full) {
		fprintf(out, "%-44s %9.1f %-10s %4u%% %8u %3u\n", a, i->score,
			rep_action_name(i->action), i->mult_pct, i->reports, i->offences);
		return;
	}
	fprintf(out, "group:      %s (last address %s)\nscore:      %.1f (half-life %us)\n"
		"action:     %s", a, s, i->score, half_life, rep_action_name(i->action));
	if (i->action_until_ns > now && i->action_until_ns != UINT64_MAX)
		fprintf(out, " for %llus more",
			(unsigned long long)((i->action_until_ns - now) / 1000000000ull));
	fprintf(out, "%s\nrate limit: x%.2f\nreports:    %u%s\nban history: %u bans",
		i->detect_only && i->wouldbe ? " (detect mode: would be " : "",
		i->mult_pct / 100.0, i->reports, i->via_proxy ? " (via a trusted proxy)" : "",
		i->offences);
	if (i->detect_only && i->wouldbe)
		fprintf(out, " [would be %s]", rep_action_name(i->wouldbe));
	if (i->last_offence_ns && now > i->last_offence_ns)
		fprintf(out, ", last %llus ago",
			(unsigned long long)((now - i->last_offence_ns) / 1000000000ull));
	fprintf(out, "\ninputs:\n");
	for (int k2 = 0; k2 < AEGIS_REP_IN_MAX; k2++)
		if (i->pts[k2] > 0.05)
			fprintf(out, "  %-20s %9.1f\n", rep_input_name((enum aegis_rep_input)k2),
				i->pts[k2]);
}

static int ctl_list(struct rep_service *s, bool js, size_t limit, FILE *out, char *err,
		    size_t errlen)
{
	struct list_ctx l = { 0 };
	uint64_t now = mono_ns();
	struct json j;

	if (rep_foreach(s->rep, now, collect, &l)) {
		free(l.v);
		errbuf_set(err, errlen, "out of memory");
		return -1;
	}
	if (l.n)	/* qsort(NULL, 0, ...) is undefined */
		qsort(l.v, l.n, sizeof(*l.v), by_score);
	if (js) {
		json_init(&j, out);
		json_arr_open(&j);
	} else {
		fprintf(out, "%-44s %9s %-10s %5s %8s %3s\n", "SOURCE", "SCORE", "ACTION", "RATE",
			"REPORTS", "BANS");
	}
	for (size_t i = 0; i < l.n && i < limit; i++) {
		if (js)
			info_json(&j, &l.v[i], now, false);
		else
			info_text(out, &l.v[i], now, false, 0);
	}
	if (js)
		json_arr_close(&j);
	free(l.v);
	return 0;
}

static int ctl_rep(int argc, char **argv, FILE *out, char *err, size_t errlen, void *ctx)
{
	struct rep_service *s = ctx;
	bool js = argc > 1 && !strcmp(argv[argc - 1], "-j");
	struct aegis_addr a;
	struct rep_info info;
	struct json j;

	argc -= js;
	if (argc < 2 || strcmp(argv[0], "rep"))
		return errbuf_set(err, errlen, "unknown request (rep list|show|forget)"), -1;
	if (!strcmp(argv[1], "list") && argc == 2)
		return ctl_list(s, js, 100, out, err, errlen);
	if (argc != 3 || addr_parse(argv[2], &a))
		return errbuf_set(err, errlen, "rep %s: expected one address", argv[1]), -1;
	if (!strcmp(argv[1], "show")) {
		if (rep_get(s->rep, &a, mono_ns(), &info))
			return errbuf_set(err, errlen, "%s: no reputation record", argv[2]), -1;
		if (js) {
			json_init(&j, out);
			info_json(&j, &info, mono_ns(), true);
		} else {
			info_text(out, &info, mono_ns(), true, s->cfg.half_life_s);
		}
		return 0;
	}
	if (!strcmp(argv[1], "forget")) {
		bool lifted;

		if (rep_service_forget(s, &a, "the operator", &lifted))
			return errbuf_set(err, errlen, "%s: no reputation record", argv[2]), -1;
		if (js) {
			json_init(&j, out);
			json_obj_open(&j);
			json_kstr(&j, "forgotten", argv[2]);
			json_kbool(&j, "ban_lifted", lifted);
			json_obj_close(&j);
		} else {
			fprintf(out, "%s forgotten%s\n", argv[2], lifted ? ", ban lifted" : "");
		}
		return 0;
	}
	return errbuf_set(err, errlen, "rep: unknown verb '%s' (list, show, forget)", argv[1]), -1;
}

int rep_service_forget(struct rep_service *s, const struct aegis_addr *a, const char *who,
		       bool *lifted)
{
	char as[ADDR_STRLEN];

	*lifted = !rep_bans_lift(&s->bans, a);
	if (rep_forget(s->rep, a) && !*lifted)
		return -ENOENT;
	log_info("reputation: %s forgotten by %s%s", addr_format(a, as, sizeof(as)), who,
		 *lifted ? " (its reputation ban lifted)" : "");
	return 0;
}

int rep_service_top_json(struct rep_service *s, size_t limit, FILE *out)
{
	char err[64];

	return ctl_list(s, true, limit, out, err, sizeof(err)) ? -ENOMEM : 0;
}

int rep_service_show_json(struct rep_service *s, const struct aegis_addr *a, FILE *out)
{
	struct rep_info info;
	struct json j;

	if (rep_get(s->rep, a, mono_ns(), &info))
		return -ENOENT;
	json_init(&j, out);
	info_json(&j, &info, mono_ns(), true);
	return 0;
}

/* The engine's config with the live switch applied. */
static void configure(struct rep_service *s)
{
	struct rep_cfg c = s->cfg;

	c.detect |= s->actions_off;
	rep_configure(s->rep, &c);
}

void rep_service_set_actions(struct rep_service *s, bool on)
{
	s->actions_off = !on;
	configure(s);
}

bool rep_service_actions(const struct rep_service *s)
{
	return s && !s->actions_off && !s->cfg.detect;
}

/* ---- lifecycle ---- */

/* One fd for aegisd's loop: the control socket and a drain timer. */
static int open_poll(struct rep_service *s, char *err, size_t errlen)
{
	struct itimerspec its = { .it_interval = { 0, DRAIN_EVERY_MS * 1000000L },
				  .it_value = { 0, DRAIN_EVERY_MS * 1000000L } };
	struct epoll_event ev = { .events = EPOLLIN };

	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->epfd < 0 || s->timerfd < 0 || timerfd_settime(s->timerfd, 0, &its, NULL))
		goto fail;
	ev.data.fd = s->timerfd;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->timerfd, &ev))
		goto fail;
	ev.data.fd = s->cs.fd;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->cs.fd, &ev))
		goto fail;
	return 0;
fail:
	errbuf_set(err, errlen, "reputation: %s", strerror(errno));
	return -errno;
}

int rep_service_start(struct rep_service **out, const struct aegis_config *cfg,
		      struct aegis_maps *maps, unsigned int n_workers, FILE *events,
		      char *err, size_t errlen)
{
	struct rep_service *s;
	char path[512];
	int ret, bad = 0;

	*out = NULL;
	if (!cfg->rep.enabled)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cs.fd = s->epfd = s->timerfd = -1;
	s->cfg = cfg->rep;
	s->ev = events ? events : stdout;
	/* Workers may be started by a later reload: size for the most there can be. */
	if (cfg->engine.workers > n_workers)
		n_workers = cfg->engine.workers;
	if (!cfg->engine.workers && (long)n_workers < sysconf(_SC_NPROCESSORS_ONLN))
		n_workers = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	s->q_main = n_workers;
	s->xdp = maps != NULL;
	if (!maps) {
		maps_init_none(&s->nomaps);
		maps = &s->nomaps;
	}
	snprintf(s->state_dir, sizeof(s->state_dir), "%s", cfg->state_dir);
	if ((ret = rep_create(&s->rep, &cfg->rep, n_workers + 1, err, errlen)) ||
	    (ret = rep_bans_init(&s->bans, maps, cfg->rep.bans_per_sec)) ||
	    (ret = load_protected(s, cfg)))
		goto fail;
	set_hooks(s);
	ret = rep_load_offences(s->rep, s->state_dir, &bad);
	if (ret < 0)
		log_error("reputation: cannot read %s/%s: %s", s->state_dir, REP_OFFENCES_FILE,
			  strerror(-ret));
	else if (ret || bad)
		log_info("reputation: restored the ban history of %d sources (%d malformed lines "
			 "skipped)", ret, bad);
	if (cfg->rep.n_webhooks &&
	    (ret = webhook_start(&s->wh, cfg->rep.webhooks, cfg->rep.n_webhooks, err, errlen)))
		goto fail;
	if (cfg->rep.socket[0])
		snprintf(path, sizeof(path), "%s", cfg->rep.socket);
	else
		snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, CTLSOCK_DEF_NAME);
	if ((ret = ctlsock_open(&s->cs, path, cfg->rep.socket_mode, ctl_rep, s, err, errlen)))
		goto fail;
	if ((ret = open_poll(s, err, errlen)))
		goto fail;
	log_info("reputation: %s mode, %u sources, ban at %u points (half-life %us)%s, control "
		 "socket %s", cfg->rep.detect ? "detect" : "enforce", cfg->rep.table_size,
		 cfg->rep.ban, cfg->rep.half_life_s,
		 s->xdp ? "" : ", bans enforced at L7 (no interfaces)", path);
	*out = s;
	return 0;
fail:
	rep_service_stop(s);
	return ret;
}

void rep_service_stop(struct rep_service *s)
{
	if (!s)
		return;
	if (s->rep) {
		int n = rep_save_offences(s->rep, s->state_dir);

		if (n < 0)
			log_error("reputation: cannot save the ban history to %s: %s", s->state_dir,
				  strerror(-n));
	}
	ctlsock_close(&s->cs);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->timerfd >= 0)
		close(s->timerfd);
	webhook_stop(s->wh);
	rep_bans_free(&s->bans);
	rep_destroy(s->rep);
	free(s->allow);
	free(s->ups);
	free(s);
}

static bool hooks_same(const struct rep_cfg *a, const struct rep_cfg *b)
{
	if (a->n_webhooks != b->n_webhooks)
		return false;
	for (size_t i = 0; i < a->n_webhooks; i++) {
		const struct rep_webhook_cfg *x = &a->webhooks[i], *y = &b->webhooks[i];

		if (strcmp(x->url, y->url) || x->kind != y->kind || x->bans != y->bans ||
		    x->min_score != y->min_score)
			return false;
	}
	return true;
}

void rep_service_reload(struct rep_service *s, const struct aegis_config *cfg)
{
	struct rep_webhook_cfg hooks[AEGIS_REP_MAX_WEBHOOKS];
	size_t n;

	if (!s) {
		if (cfg->rep.enabled)
			log_warn("reload: reputation.enabled takes effect after a restart");
		return;
	}
	/* Webhooks, the socket, table size and grouping are read at start only. */
	n = s->cfg.n_webhooks;
	if (!cfg->rep.enabled || !hooks_same(&s->cfg, &cfg->rep) ||
	    strcmp(s->cfg.socket, cfg->rep.socket) || s->cfg.table_size != cfg->rep.table_size ||
	    s->cfg.prefix_v4 != cfg->rep.prefix_v4 || s->cfg.prefix_v6 != cfg->rep.prefix_v6)
		log_warn("reload: reputation.enabled, webhooks, control_socket, table_size and "
			 "group changes take effect after a restart");

	memcpy(hooks, s->cfg.webhooks, sizeof(hooks));
	s->cfg = cfg->rep;
	memcpy(s->cfg.webhooks, hooks, sizeof(hooks));
	s->cfg.n_webhooks = n;
	configure(s);
	rep_bans_set_rate(&s->bans, s->cfg.bans_per_sec);
	if (load_protected(s, cfg))
		log_error("reputation: out of memory reloading the protected addresses");
	set_hooks(s);
}

void rep_service_tick(struct rep_service *s)
{
	uint64_t now = mono_ns();

	if (!s)
		return;
	rep_tick(s->rep, now);
	rep_bans_flush(&s->bans, now);
	if (s->bans.st.full > s->full_seen) {
		log_warn("reputation: ban table full: %llu bans not written (no lower-score "
			 "reputation ban to replace); raise maps.bans",
			 (unsigned long long)(s->bans.st.full - s->full_seen));
		s->full_seen = s->bans.st.full;
	}
	fflush(s->ev);
	if (++s->ticks % SAVE_EVERY_S == 0) {
		int n = rep_save_offences(s->rep, s->state_dir);

		if (n < 0)
			log_error("reputation: cannot save the ban history: %s", strerror(-n));
	}
}

void rep_service_xdp_event(const struct aegis_event *ev, void *ctx)
{
	struct rep_service *s = ctx;
	int in = rep_input_of_stat(ev->reason);

	if (s && in >= 0)
		rep_report(s->rep, &ev->saddr, (enum aegis_rep_input)in, s->q_main, 0);
}

int rep_service_fd(const struct rep_service *s)
{
	return s ? s->epfd : -1;
}

void rep_service_poll(struct rep_service *s)
{
	struct epoll_event evs[2];
	uint64_t exp;
	int n;

	if (!s)
		return;
	n = epoll_wait(s->epfd, evs, 2, 0);
	for (int i = 0; i < n; i++) {
		if (evs[i].data.fd == s->timerfd) {
			if (read(s->timerfd, &exp, sizeof(exp)) > 0) {
				rep_tick(s->rep, mono_ns());
				rep_bans_flush(&s->bans, mono_ns());
			}
		} else {
			ctlsock_serve(&s->cs);
		}
	}
}

struct rep *rep_service_rep(struct rep_service *s)
{
	return s ? s->rep : NULL;
}

bool rep_service_counters(struct rep_service *s, struct rep_service_counters *out)
{
	if (!s)
		return false;
	rep_stats(s->rep, &out->rep);
	out->ban_writes = s->bans.st.written;
	out->ban_queue_drops = s->bans.st.queue_drops;
	out->ban_table_full = s->bans.st.full;
	out->ban_evicted = s->bans.st.evicted;
	out->ban_errors = s->bans.st.errors;
	return true;
}

void rep_service_status(struct rep_service *s, char *buf, size_t len)
{
	struct rep_stats st;

	if (!s) {
		buf[0] = '\0';
		return;
	}
	rep_stats(s->rep, &st);
	snprintf(buf, len, " rep_sources=%llu rep_bans=%llu rep_softblocks=%llu rep_drops=%llu "
		 "rep_ban_writes=%llu rep_ban_full=%llu",
		 (unsigned long long)st.entries, (unsigned long long)st.bans,
		 (unsigned long long)st.softblocks, (unsigned long long)st.queue_drops,
		 (unsigned long long)s->bans.st.written, (unsigned long long)s->bans.st.full);
}

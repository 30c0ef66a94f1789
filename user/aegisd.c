// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * aegisd: runs the shield from a YAML file. Loads and attaches the XDP
 * program (or adopts one it left attached), applies the config to the
 * maps, logs sampled drop events and a status line, reloads on SIGHUP or
 * when the file changes, and keeps bans across restarts and reboots.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <systemd/sd-daemon.h>
#include <xdp/libxdp.h>

#include "config/config.h"
#include "xdp/events.h"
#include "xdp/loader.h"
#include "lib/errbuf.h"
#include "lib/log.h"
#include "lib/names.h"
#include "config/proxy_config.h"
#include "engine/proxy_set.h"
#include "engine/tcp_proxy.h"
#include "engine/udp_proxy.h"
#include "http/http_proxy.h"
#include "xdp/shield.h"
#include "xdp/state.h"
#include "mgmt/api.h"
#include "mgmt/metrics.h"
#include "mgmt/metrics_http.h"
#include "mgmt/rep_service.h"
#include "engine/engine_rep.h"

#define AEGIS_VERSION		"0.1.0"
#define AEGISD_DEF_CONFIG	"/etc/aegis/aegis.yaml"
#define RELOAD_DEBOUNCE_MS	300
#define STATE_SAVE_EVERY_S	10

enum { EV_SIGNAL = 1, EV_INOTIFY, EV_RING, EV_TICK, EV_DEBOUNCE, EV_REP, EV_METRICS, EV_API };

struct daemon {
	const char *config_path;
	bool keep;
	struct aegis_config *cfg;
	struct loader loader;
	struct shield shield;
	struct events events;
	bool events_on;
	bool xdp;		/* interfaces configured: the XDP plane runs */
	int epfd, sigfd, inofd, tickfd, debfd;
	uint64_t ticks;
	struct aegis_counter last[AEGIS_STAT_MAX];
	struct proxy_set ps;
	struct rep_service *rep;	/* NULL unless reputation.enabled */
	struct mhttp metrics;		/* fd -1 unless metrics.enabled */
	struct api *api;		/* the management API (NULL if it failed to start) */
	double start_time_s;		/* Unix time, for aegis_start_time_seconds */
	uint64_t shed_seen;	/* proxy_set_shed() at the last tick */
	bool stop;		/* leave the loop */
	bool draining;		/* stop requested: proxies finish their connections */
	uint64_t drain_until_ticks;
	int state_err;		/* last state_save_bans() error, 0 if it worked */
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: aegisd [-c FILE] [--check] [--keep]\n"
		"  -c, --config FILE  configuration (default %s)\n"
		"      --check        validate the configuration and exit (0 valid, 1 invalid)\n"
		"      --keep         on SIGTERM/SIGINT leave the program attached: bans\n"
		"                     keep being enforced while aegisd restarts\n"
		"  -V, --version      print the version\n"
		"Signals: SIGHUP reloads the configuration; SIGTERM/SIGINT stop (proxies\n"
		"drain their connections first; a second signal stops at once).\n",
		AEGISD_DEF_CONFIG);
}

/* One line per library message, at warn or debug level. */
static void lib_log(const char *lib, bool warn, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_msg(warn ? CFG_LOG_WARN : CFG_LOG_DEBUG, "%s: %s", lib, msg);
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_DEBUG)
		lib_log("libbpf", level == LIBBPF_WARN, fmt, ap);
	return 0;
}

static int libxdp_log(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBXDP_DEBUG)
		lib_log("libxdp", level == LIBXDP_WARN, fmt, ap);
	return 0;
}

static int epoll_add(int epfd, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void timer_arm(int fd, uint64_t ms, bool periodic)
{
	struct itimerspec its = {
		.it_value = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 },
	};

	if (periodic)
		its.it_interval = its.it_value;
	timerfd_settime(fd, 0, &its, NULL);
}

/* A failing save is logged when it starts failing or its cause changes,
 * and when it works again: not every STATE_SAVE interval for ever. */
static void save_state(struct daemon *d)
{
	int n = state_save_bans(&d->loader.maps, d->cfg->state_dir);

	if (n < 0 && n != d->state_err)
		log_error("state: cannot save bans to %s/%s: %s%s", d->cfg->state_dir,
			  STATE_BANS_FILE, strerror(-n),
			  n == -EISDIR ? " (a directory is in its place: remove it)" : "");
	else if (n >= 0 && d->state_err)
		log_info("state: saving bans to %s works again (%d bans)", d->cfg->state_dir, n);
	else if (n >= 0)
		log_debug("state: saved %d bans", n);
	d->state_err = n < 0 ? n : 0;
}

static void restore_state(struct daemon *d)
{
	struct state_load_info in;
	int n;

	if (!d->loader.bans_fresh)
		return;
	n = state_load_bans(&d->loader.maps, d->cfg->state_dir, &in);
	if (in.problem[0])
		log_warn("state: %s/%s", d->cfg->state_dir, in.problem);
	if (n < 0) {
		log_error("state: cannot restore bans from %s: %s", d->cfg->state_dir,
			  strerror(-n));
		return;
	}
	if (n || in.malformed || in.expired || in.problem[0])
		log_info("state: restored %d bans%s%s, %d expired, %d malformed lines refused%s",
			 n, in.from_prev ? " from " STATE_BANS_FILE STATE_PREV_SUFFIX : "",
			 in.from_prev && !in.partial && in.problem[0] ? " (the previous save)" : "",
			 in.expired, in.malformed,
			 in.partial ? "; bans after the cut are lost" :
			 in.problem[0] && !in.from_prev ? "; no previous copy: earlier bans are lost" :
			 "");
}

/* Proxy-only mode: no XDP counters to read. */
static void status_line_l7(struct daemon *d)
{
	char px[384] = "", rp[256];

	if (d->ps.n_workers)
		proxy_set_status(&d->ps, px, sizeof(px));
	rep_service_status(d->rep, rp, sizeof(rp));
	log_info("status: xdp=off%s%s", px, rp);
}

static void status_line(struct daemon *d)
{
	struct aegis_counter now[AEGIS_STAT_MAX];
	uint64_t errs[AEGIS_ERR_MAX], pass = 0, drop = 0, errsum = 0;
	double secs = d->cfg->status_interval_s ? d->cfg->status_interval_s : 1;
	char top[128] = "";
	uint64_t top_n = 0;

	if (!d->xdp) {
		status_line_l7(d);
		return;
	}
	if (maps_stats_read(&d->loader.maps, now) || maps_errors_read(&d->loader.maps, errs))
		return;
	for (int i = 0; i < AEGIS_STAT_MAX; i++) {
		uint64_t delta = now[i].packets - d->last[i].packets;

		if (i < AEGIS_STAT_FIRST_DROP) {
			pass += delta;
		} else {
			drop += delta;
			if (delta > top_n) {
				top_n = delta;
				snprintf(top, sizeof(top), " top=%s", names_stat(i));
			}
		}
	}
	for (int i = 0; i < AEGIS_ERR_MAX; i++)
		if (i != AEGIS_ERR_STRIKE_BAN && i != AEGIS_ERR_EVENT_SAMPLED)
			errsum += errs[i];
	char px[384] = "", rp[256];

	if (d->ps.n_workers)
		proxy_set_status(&d->ps, px, sizeof(px));
	rep_service_status(d->rep, rp, sizeof(rp));
	log_info("status: pass=%.0fpps drop=%.0fpps%s bans=%ld flows=%ld strike_bans=%llu "
		 "table_errors=%llu events=%llu summarized=%llu summary_overflow=%llu%s%s",
		 pass / secs, drop / secs, top, maps_count(&d->loader.maps, MAPS_BANS),
		 maps_count(&d->loader.maps, MAPS_FLOWS),
		 (unsigned long long)errs[AEGIS_ERR_STRIKE_BAN], (unsigned long long)errsum,
		 (unsigned long long)d->events.total, (unsigned long long)d->events.summarized,
		 (unsigned long long)d->events.dropped_slots, px, rp);
	memcpy(d->last, now, sizeof(now));
}

/* Settings that need a restart: a reload keeps the running values. */
static void warn_restart_only(const struct aegis_config *o, const struct aegis_config *n)
{
	bool ifaces = o->n_ifaces != n->n_ifaces;

	for (size_t i = 0; !ifaces && i < n->n_ifaces; i++)
		ifaces = strcmp(o->ifaces[i].name, n->ifaces[i].name) ||
			 o->ifaces[i].mode != n->ifaces[i].mode;
	if (ifaces || memcmp(&o->maps, &n->maps, sizeof(o->maps)) ||
	    memcmp(&o->engine, &n->engine, sizeof(o->engine)) ||
	    strcmp(o->pin_dir, n->pin_dir) || strcmp(o->state_dir, n->state_dir) ||
	    strcmp(o->events.output, n->events.output) ||
	    memcmp(&o->metrics, &n->metrics, sizeof(o->metrics)))
		log_warn("reload: interfaces, maps, proxy_engine, pin_dir, state_dir, "
			 "events.output and metrics changes take effect after a restart");
}

/* No interfaces (proxy-only mode): what only XDP enforces is refused,
 * never accepted and left undone. */
static int config_l7_only(const struct aegis_config *cfg, char *err, size_t errlen)
{
	const char *what = NULL;
	const char *file = cfg->path;
	int line = 0;

	if (cfg->n_policies)
		what = "policies", line = cfg->policies[0].line;
	else if (cfg->n_allow)
		what = "allow", line = cfg->allow[0].line;
	else if (cfg->n_deny)
		what = "deny", line = cfg->deny[0].line;
	for (size_t i = 0; !what && i < cfg->n_proxies; i++)
		if (cfg->proxies[i].has_xdp) {
			what = "a proxy's xdp: block";
			file = cfg->proxies[i].file[0] ? cfg->proxies[i].file : cfg->path;
			line = cfg->proxies[i].xdp.line;
		}
	if (!what)
		return 0;
	errbuf_set(err, errlen, "%s:%d: %s need an XDP interface; no interfaces are configured "
		   "(proxy-only mode): add interfaces: or remove it", file, line, what);
	return -EINVAL;
}

/* What a start requires beyond config_load(); a reload requires the same,
 * so an empty or half-written file never replaces a running config. */
static int config_runnable(const struct aegis_config *cfg, char *err, size_t errlen)
{
	if (cfg->n_ifaces)
		return 0;
	if (!cfg->n_proxies) {
		errbuf_set(err, errlen, "%s: no interfaces and no proxies configured: nothing to "
			 "run (empty or truncated file?)", cfg->path);
		return -EINVAL;
	}
	return config_l7_only(cfg, err, errlen);
}

/* systemd (Type=notify): a reload is under way until the next READY=1.
 * Without NOTIFY_SOCKET every sd_notify() is a no-op. */
static void notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000);
}

/* The API's listeners are restart-only; its keys reload. */
static void keep_api_listeners(const struct aegis_config *o, struct aegis_config *n)
{
	if (o->api.tcp != n->api.tcp || strcmp(o->api.listen, n->api.listen) ||
	    strcmp(o->api.socket, n->api.socket))
		log_warn("reload: api.listen and api.socket changes take effect after a restart; "
			 "api.keys are reloaded");
	n->api.tcp = o->api.tcp;
	n->api.addr = o->api.addr;
	n->api.port = o->api.port;
	memcpy(n->api.listen, o->api.listen, sizeof(n->api.listen));
	memcpy(n->api.socket, o->api.socket, sizeof(n->api.socket));
}

/* Loads, validates and applies the file: 0, or -errno with err set (the
 * running config then stays). Logged either way. */
static int reload_config(struct daemon *d, const char *why, char *err, size_t errlen)
{
	struct aegis_config *next;
	int ret;

	if (d->draining) {
		errbuf_set(err, errlen, "stopping: reload ignored");
		log_warn("reload (%s) ignored: stopping", why);
		return -EBUSY;
	}
	notify_reloading();
	ret = config_load(d->config_path, &next, err, errlen);
	if (!ret && (ret = config_runnable(next, err, errlen)))
		config_free(next);
	else if (!ret && d->xdp && !next->n_ifaces) {
		errbuf_set(err, errlen, "%s: no interfaces: leaving the XDP plane needs a "
			   "restart (empty or truncated file?)", next->path);
		config_free(next);
		ret = -EINVAL;
	}
	if (ret) {
		log_error("reload (%s) rejected, running config unchanged: %s", why, err);
		sd_notify(0, "READY=1\nSTATUS=reload rejected, running config unchanged");
		return ret;
	}
	warn_restart_only(d->cfg, next);
	/* Keep restart-only values so the running state stays consistent. */
	next->maps = d->cfg->maps;
	next->engine = d->cfg->engine;
	next->metrics = d->cfg->metrics;
	keep_api_listeners(d->cfg, next);
	snprintf(next->pin_dir, sizeof(next->pin_dir), "%s", d->cfg->pin_dir);
	snprintf(next->state_dir, sizeof(next->state_dir), "%s", d->cfg->state_dir);
	ret = d->xdp ? shield_apply(&d->shield, next, err, errlen) : 0;
	if (ret) {
		log_error("reload (%s): applying failed: %s", why, err);
		sd_notify(0, "READY=1\nSTATUS=reload failed, running config unchanged");
		config_free(next);
		return ret;
	}
	if (d->ps.n_workers || next->n_proxies) {
		if (!d->ps.n_workers)
			ret = proxy_set_start(&d->ps, next, err, errlen);
		else
			ret = proxy_set_reload(&d->ps, next, err, errlen);
		if (ret)
			log_error("reload (%s): proxies: %s", why, err);
	}
	err[0] = '\0';
	rep_service_reload(d->rep, next);
	engine_rep_set(rep_service_rep(d->rep), (enum engine_rep_softblock)next->rep.softblock);
	log_setup(next->log_format, next->log_level);
	d->events.summary = next->events.summary;
	config_free(d->cfg);
	d->cfg = next;
	api_reloaded(d->api, &next->api);
	log_info("reloaded %s (%s): %zu policies, %zu proxies, %zu allow, %zu deny",
		 d->config_path, why, next->n_policies, next->n_proxies, next->n_allow, next->n_deny);
	sd_notifyf(0, "READY=1\nSTATUS=running: %zu policies, %zu proxies", next->n_policies,
		   next->n_proxies);
	return 0;
}

static void reload(struct daemon *d, const char *why)
{
	char err[1024];

	reload_config(d, why, err, sizeof(err));
}

/* POST /v1/reload. */
static int api_reload_cb(void *ctx, char *err, size_t errlen)
{
	return reload_config(ctx, "API", err, errlen);
}

static int watch_config(struct daemon *d)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s", d->config_path);
	d->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->inofd < 0)
		return -errno;
	/* Watch the directory: editors replace the file by rename. */
	if (inotify_add_watch(d->inofd, dirname(dir),
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0)
		return -errno;
	return epoll_add(d->epfd, d->inofd, EV_INOTIFY);
}

static void on_inotify(struct daemon *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	char path[4096];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s", d->config_path);
	base = basename(path);
	while ((n = read(d->inofd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->len && !strcmp(ev->name, base))
				timer_arm(d->debfd, RELOAD_DEBOUNCE_MS, false);
			p += sizeof(*ev) + ev->len;
		}
	}
}

/* Stop, gracefully: proxies stop accepting and their connections get up
 * to their drain timeout to finish; the XDP shield stays up meanwhile. */
static void begin_drain(struct daemon *d)
{
	uint32_t longest = 0;

	for (size_t i = 0; i < d->cfg->n_proxies; i++)
		if (d->cfg->proxies[i].drain_timeout_ms > longest)
			longest = d->cfg->proxies[i].drain_timeout_ms;
	d->draining = true;
	sd_notify(0, "STOPPING=1");
	d->drain_until_ticks = d->ticks + longest / 1000 + 2;
	proxy_set_drain_all(&d->ps);
	if (!proxy_set_busy(&d->ps))
		d->stop = true;
	else
		log_info("stopping: draining proxy connections (up to %us; signal again to stop now)",
			 longest / 1000);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(d, "SIGHUP");
		else if (d->draining || !d->ps.n_workers)
			d->stop = true;	/* a second signal does not wait */
		else
			begin_drain(d);
	}
}

static void on_tick(struct daemon *d)
{
	uint64_t exp;

	if (read(d->tickfd, &exp, sizeof(exp)) < 0)
		return;
	d->ticks++;
	if (d->events_on)
		events_tick(&d->events);
	rep_service_tick(d->rep);
	mhttp_tick(&d->metrics);
	api_tick(d->api);
	if (d->ps.n_workers) {
		uint64_t shed = proxy_set_shed(&d->ps);

		/* At most one line a second, however hard the storm. */
		if (shed > d->shed_seen)
			log_warn("proxy engine: shed %llu new connections/sessions in the last "
				 "second (connection, session or buffer limit reached)",
				 (unsigned long long)(shed - d->shed_seen));
		d->shed_seen = shed;
		proxy_set_tick(&d->ps);
		if (d->draining && (!proxy_set_busy(&d->ps) || d->ticks >= d->drain_until_ticks))
			d->stop = true;
	}
	if (d->cfg->status_interval_s && d->ticks % d->cfg->status_interval_s == 0)
		status_line(d);
	if (d->xdp && d->ticks % STATE_SAVE_EVERY_S == 0) {
		int swept = maps_ban_sweep(&d->loader.maps);

		if (swept > 0)
			log_info("%d bans expired", swept);
		save_state(d);
	}
}

static int run_loop(struct daemon *d)
{
	struct epoll_event evs[8];

	while (!d->stop) {
		int n = epoll_wait(d->epfd, evs, 8, -1);

		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++) {
			uint64_t exp;

			switch (evs[i].data.u32) {
			case EV_SIGNAL: on_signal(d); break;
			case EV_INOTIFY: on_inotify(d); break;
			case EV_RING: events_poll(&d->events); break;
			case EV_TICK: on_tick(d); break;
			case EV_REP: rep_service_poll(d->rep); break;
			case EV_METRICS: mhttp_poll(&d->metrics); break;
			case EV_API: api_poll(d->api); break;
			case EV_DEBOUNCE:
				if (read(d->debfd, &exp, sizeof(exp)) > 0)
					reload(d, "file changed");
				break;
			}
		}
	}
	return 0;
}

static int setup_fds(struct daemon *d)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d->tickfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	d->debfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->epfd < 0 || d->sigfd < 0 || d->tickfd < 0 || d->debfd < 0)
		return -errno;
	if (epoll_add(d->epfd, d->sigfd, EV_SIGNAL) || epoll_add(d->epfd, d->tickfd, EV_TICK) ||
	    epoll_add(d->epfd, d->debfd, EV_DEBOUNCE))
		return -errno;
	timer_arm(d->tickfd, 1000, true);
	return watch_config(d);
}

/* The XDP plane: attach, restore the bans, apply lists and policies. */
static int start_xdp(struct daemon *d)
{
	char err[1024];
	int ret;

	ret = loader_start(&d->loader, d->cfg, err, sizeof(err));
	if (ret) {
		log_error("%s", err);
		return ret;
	}
	restore_state(d);
	shield_init(&d->shield, &d->loader.maps);
	ret = shield_apply(&d->shield, d->cfg, err, sizeof(err));
	if (ret)
		log_error("applying %s: %s", d->config_path, err);
	return ret;
}

/* /metrics: rendered on the main thread when a scrape asks. */
static int render_metrics(enum metrics_format fmt, char **body, size_t *len, void *ctx)
{
	struct daemon *d = ctx;
	struct metrics_src src = {
		.version = AEGIS_VERSION,
		.start_time_s = d->start_time_s,
		.maps = d->xdp ? &d->loader.maps : NULL,
		.ps = &d->ps,
		.rep = d->rep,
		.api = d->api,
	};

	return metrics_render(&src, fmt, body, len);
}

static int start_metrics(struct daemon *d)
{
	const struct cfg_metrics *mc = &d->cfg->metrics;
	char err[256];
	int ret;

	if (!mc->enabled)
		return 0;
	ret = mhttp_open(&d->metrics, &mc->addr, mc->port, render_metrics, d, err, sizeof(err));
	if (ret) {
		log_error("%s", err);
		return ret;
	}
	if (epoll_add(d->epfd, mhttp_fd(&d->metrics), EV_METRICS))
		return -errno;
	log_info("metrics: serving http://%s/metrics", mc->listen);
	return 0;
}

/* The management API: its Unix socket always (unless api.socket: off),
 * TCP when an api: block asks. Failing to start it is not fatal: the
 * shield and the proxies matter more than their remote control. */
static int start_api(struct daemon *d)
{
	struct api_deps deps = {
		.version = AEGIS_VERSION,
		.start_time_s = d->start_time_s,
		.maps = d->xdp ? &d->loader.maps : NULL,
		.shield = d->xdp ? &d->shield : NULL,
		.ps = &d->ps,
		.rep = d->rep,
		.cfg = &d->cfg,
		.events = d->events.out,
		.reload = api_reload_cb,
		.render_metrics = render_metrics,
		.ctx = d,
	};
	const struct cfg_api *ac = &d->cfg->api;
	char err[512];
	int fds[2], n;

	if (!ac->tcp && !ac->socket[0])
		return 0;
	if (api_start(&d->api, ac, &deps, err, sizeof(err))) {
		log_error("%s (the API stays off)", err);
		return 0;
	}
	n = api_fds(d->api, fds);
	for (int i = 0; i < n; i++)
		if (epoll_add(d->epfd, fds[i], EV_API))
			return -errno;
	if (ac->tcp)
		log_info("api: serving http://%s/v1 (%zu keys)%s", ac->listen, ac->n_keys,
			 ac->n_keys ? "" : ": no keys, so only /v1/health answers over TCP");
	if (ac->socket[0])
		log_info("api: serving %s (mode 0600)", ac->socket);
	return 0;
}

static int start(struct daemon *d)
{
	char err[1024];
	int ret;

	d->xdp = d->cfg->n_ifaces > 0;
	if (d->xdp && (ret = start_xdp(d)))
		return ret;
	ret = events_open(&d->events, d->loader.maps.fd[MAPS_EVENTS], d->cfg->events.output,
			  d->cfg->events.summary);
	if (ret) {
		log_error("events: %s: %s", d->cfg->events.output[0] ? d->cfg->events.output :
			  "ring buffer", strerror(-ret));
		return ret;
	}
	d->events_on = true;
	if (d->xdp && epoll_add(d->epfd, events_fd(&d->events), EV_RING))
		return -errno;
	ret = proxy_set_start(&d->ps, d->cfg, err, sizeof(err));
	if (ret) {
		log_error("proxies: %s", err);
		return ret;
	}
	ret = rep_service_start(&d->rep, d->cfg, d->xdp ? &d->loader.maps : NULL,
				d->ps.n_workers, d->events.out, err, sizeof(err));
	if (ret) {
		log_error("%s", err);
		return ret;
	}
	if (d->xdp)
		events_set_hook(&d->events, rep_service_xdp_event, d->rep);
	engine_rep_set(rep_service_rep(d->rep), (enum engine_rep_softblock)d->cfg->rep.softblock);
	if (d->rep && epoll_add(d->epfd, rep_service_fd(d->rep), EV_REP))
		return -errno;
	if ((ret = start_metrics(d)) || (ret = start_api(d)))
		return ret;
	if (!d->xdp) {
		log_info("aegisd %s running: no interfaces (proxy-only mode: XDP plane off, "
			 "bans enforced at L7), %zu proxies", AEGIS_VERSION, d->cfg->n_proxies);
		return 0;
	}
	maps_stats_read(&d->loader.maps, d->last);
	log_info("aegisd %s running: %zu interfaces, %zu policies, pins in %s", AEGIS_VERSION,
		 d->cfg->n_ifaces, d->cfg->n_policies, d->cfg->pin_dir);
	return 0;
}

static int parse_args(struct daemon *d, int argc, char **argv, bool *check)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "keep", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	int opt;

	d->config_path = AEGISD_DEF_CONFIG;
	while ((opt = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': d->config_path = optarg; break;
		case 'C': *check = true; break;
		case 'k': d->keep = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("aegisd %s\n", AEGIS_VERSION); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "aegisd: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d = { .epfd = -1, .sigfd = -1, .inofd = -1, .tickfd = -1, .debfd = -1 };
	bool check = false;
	char err[1024];
	int ret;

	struct timespec t0;

	/* The HTTP queues grow to hundreds of KiB and are freed when a slow
	 * reader is shed: a fixed threshold keeps such blocks mmap()ed, so
	 * freeing them returns the memory (glibc's sliding threshold would
	 * move them into arenas, where RSS stays at its peak). */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	clock_gettime(CLOCK_REALTIME, &t0);
	d.start_time_s = (double)t0.tv_sec + (double)t0.tv_nsec / 1e9;
	maps_init_none(&d.loader.maps);	/* loader_stop() closes them even if never started */
	mhttp_init(&d.metrics);
	if (parse_args(&d, argc, argv, &check))
		return 2;
	if (config_load(d.config_path, &d.cfg, err, sizeof(err))) {
		fprintf(stderr, "aegisd: %s\n", err);
		return 1;
	}
	if (config_runnable(d.cfg, err, sizeof(err))) {
		fprintf(stderr, "aegisd: %s\n", err);
		config_free(d.cfg);
		return 1;
	}
	if (check) {
		printf("%s: valid (%zu interfaces%s, %zu policies, %zu allow, %zu deny)\n",
		       d.config_path, d.cfg->n_ifaces, d.cfg->n_ifaces ? "" : ": proxy-only mode",
		       d.cfg->n_policies, d.cfg->n_allow, d.cfg->n_deny);
		config_free(d.cfg);
		return 0;
	}
	log_setup(d.cfg->log_format, d.cfg->log_level);
	/* The protocols the workers serve: the event loop knows them only so. */
	tcp_proxy_register();
	udp_proxy_register();
	http_proxy_register();
	/* Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK, and libxdp
	 * still checks it; lift it so neither fails for a root daemon. */
	setrlimit(RLIMIT_MEMLOCK, &(struct rlimit){ RLIM_INFINITY, RLIM_INFINITY });
	libbpf_set_print(libbpf_log);
	libxdp_set_print(libxdp_log);
	ret = setup_fds(&d);
	if (ret)
		log_error("setup: %s", strerror(-ret));
	if (!ret)
		ret = start(&d);
	if (!ret) {
		sd_notifyf(0, "READY=1\nSTATUS=running: %zu interfaces, %zu policies, %zu proxies",
			   d.cfg->n_ifaces, d.cfg->n_policies, d.cfg->n_proxies);
		ret = run_loop(&d);
	}
	sd_notify(0, "STOPPING=1");
	mhttp_close(&d.metrics);
	api_stop(d.api);
	if (d.loader.n_ifaces)
		save_state(&d);
	proxy_set_stop(&d.ps);
	rep_service_stop(d.rep);
	if (d.events_on)
		events_close(&d.events);
	if (d.keep && !ret)
		log_info("stopping; program stays attached (--keep)");
	loader_stop(&d.loader, d.keep && !ret);
	config_free(d.cfg);
	int fds[] = { d.epfd, d.sigfd, d.inofd, d.tickfd, d.debfd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	log_info("stopped");
	return ret ? 1 : 0;
}

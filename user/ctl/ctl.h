/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * aegisctl internals shared by its subcommand modules (ctl_*.c).
 * Each module exports its do_<command>() entry; aegisctl.c dispatches.
 * Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */
#ifndef AEGIS_CTL_H
#define AEGIS_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/json.h"
#include "xdp/maps.h"

#define CTL_OK		0
#define CTL_ERR		1
#define CTL_USAGE	2

#define CTL_DEF_PIN_DIR "/sys/fs/bpf/aegis"
/* Longest refresh interval of stats/top: beyond it a live view is not live. */
#define CTL_MAX_INTERVAL_MS (3600ull * 1000)
#define CTL_DEF_SOCKET "/var/lib/aegis/aegisd.sock"	/* state_dir's default */
#define CTL_DEF_API_SOCKET "/var/lib/aegis/api.sock"	/* api.socket's default */

struct ctl {
	const char *iface;	/* -i: find maps through the attached program */
	const char *pin_dir;	/* -p: pinned maps (default CTL_DEF_PIN_DIR) */
	const char *sock;	/* -s: aegisd's control socket */
	const char *api_sock;	/* -a: aegisd's API socket (NULL: the default) */
	bool json;		/* -j */
	bool maps_open;
	struct aegis_maps maps;
	struct json j;
};

/* The whole command line (options, then a command): the exit status. */
int ctl_main(int argc, char **argv);
/* One command (argv[0]) with c's options already set. */
int ctl_run(struct ctl *c, int argc, char **argv);

/* Opens the maps on first use. Returns 0 or CTL_ERR (message printed). */
int ctl_maps(struct ctl *c);

/* Print "aegisctl: ..." to stderr and return the code. */
int ctl_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True if argv[0] is "help", "-h" or "--help". */
bool ctl_is_help(int argc, char **argv);

/* Parses "ttl" style durations; prints a usage error naming `what`. */
int ctl_parse_duration(const char *what, const char *s, uint64_t *ms);
int ctl_parse_u32(const char *what, const char *s, uint32_t max, uint32_t *out);
/* "80" or "8000-8100". */
int ctl_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi);

int do_ban(struct ctl *c, int argc, char **argv);
int do_allow(struct ctl *c, int argc, char **argv);
int do_deny(struct ctl *c, int argc, char **argv);
int do_policy(struct ctl *c, int argc, char **argv);
int do_settings(struct ctl *c, int argc, char **argv);
int do_stats(struct ctl *c, int argc, char **argv);
int do_flows(struct ctl *c, int argc, char **argv);
int do_status(struct ctl *c, int argc, char **argv);
int do_events(struct ctl *c, int argc, char **argv);
int do_top(struct ctl *c, int argc, char **argv);
int do_waf(struct ctl *c, int argc, char **argv);
int do_rep(struct ctl *c, int argc, char **argv);
int do_proxies(struct ctl *c, int argc, char **argv);
int do_proxy(struct ctl *c, int argc, char **argv);
int do_toggles(struct ctl *c, int argc, char **argv);
int do_api_key(struct ctl *c, int argc, char **argv);

#endif /* AEGIS_CTL_H */

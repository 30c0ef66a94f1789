// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * aegisctl's command line: options, dispatch to the ctl_*.c modules, and
 * the helpers they share (ctl.h). In the library so a fuzz target can
 * drive it in-process (ctl_run() with a pin directory that holds no maps).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "ctl/ctl.h"
#include "lib/units.h"

#define AEGIS_VERSION "0.1.0"

struct ctl_cmd {
	const char *name;
	int (*fn)(struct ctl *c, int argc, char **argv);
	const char *help;
};

static const struct ctl_cmd cmds[] = {
	{ "ban", do_ban, "ban add|del|list: per-address bans with TTL and reason" },
	{ "allow", do_allow, "allow add|del|list: CIDRs that bypass every rule" },
	{ "deny", do_deny, "deny add|del|list: CIDRs dropped outright" },
	{ "policy", do_policy, "policy show|set|del: protected-port limits" },
	{ "settings", do_settings, "settings show|set: sanity filters and events" },
	{ "stats", do_stats, "stats: packets and bytes by reason, with rates" },
	{ "flows", do_flows, "flows: the connection table and per-source counts" },
	{ "status", do_status, "status: interfaces, program, map fill levels" },
	{ "events", do_events, "events: follow sampled drop events" },
	{ "top", do_top, "top: live view (q quits)" },
	{ "rep", do_rep, "rep list|show|forget: source reputation (from aegisd, -s SOCKET)" },
	{ "waf", do_waf, "waf test: run a request through an http proxy's WAF rules" },
	{ "proxies", do_proxies, "proxies: the running proxies (from aegisd's API, -a SOCKET)" },
	{ "proxy", do_proxy, "proxy NAME [enable|disable|eject|readmit]: one proxy, its upstreams" },
	{ "toggles", do_toggles, "toggles [kill|reputation|host ...]: live switches (API)" },
	{ "api-key", do_api_key, "api-key new: a new API key and the hash for api.keys" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: aegisctl [-i IFACE | -p PINDIR] [-s SOCKET] [-a SOCKET] [-j] COMMAND "
		"[ARGS]\n"
		"  -i IFACE   use the Aegis program attached to IFACE\n"
		"  -p PINDIR  use maps pinned in PINDIR (default %s)\n"
		"  -s SOCKET  aegisd's control socket, for rep (default %s)\n"
		"  -a SOCKET  aegisd's API socket, for proxies, proxy, toggles (default %s)\n"
		"  -j         JSON output for read commands\n"
		"  -V         print the version\n"
		"Commands:\n", CTL_DEF_PIN_DIR, CTL_DEF_SOCKET, CTL_DEF_API_SOCKET);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "'aegisctl COMMAND help' shows a command's arguments.\n"
		"Exit status: 0 ok, 1 runtime error, 2 usage error.\n");
}

static int vreport(int code, const char *fmt, va_list ap)
{
	fputs("aegisctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	return code;
}

int ctl_usage(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vreport(CTL_USAGE, fmt, ap);
	va_end(ap);
	return r;
}

int ctl_fail(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vreport(CTL_ERR, fmt, ap);
	va_end(ap);
	return r;
}

bool ctl_is_help(int argc, char **argv)
{
	return argc > 0 && (!strcmp(argv[0], "help") || !strcmp(argv[0], "-h") ||
			    !strcmp(argv[0], "--help"));
}

int ctl_parse_duration(const char *what, const char *s, uint64_t *ms)
{
	int ret = units_parse_duration_ms(s, ms);

	if (ret == -ERANGE)
		return ctl_usage("%s: '%s' is out of range (at most %s)", what, s,
				 UNITS_MAX_DURATION_TEXT);
	if (ret)
		return ctl_usage("%s: invalid duration '%s' (e.g. 90s, 10m, 2h, 7d)", what, s);
	return 0;
}

int ctl_parse_u32(const char *what, const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (units_parse_count(s, max, &v))
		return ctl_usage("%s: invalid number '%s' (0..%u)", what, s, max);
	*out = (uint32_t)v;
	return 0;
}

static bool parse_port(const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;

	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	*out = v;
	return v >= 1 && v <= 65535;
}

int ctl_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');
	uint32_t a, b;

	if (!dash) {
		if (!parse_port(s, strlen(s), &a))
			return ctl_usage("invalid port '%s' (1..65535 or LO-HI)", s);
		b = a;
	} else if (!parse_port(s, (size_t)(dash - s), &a) ||
		   !parse_port(dash + 1, strlen(dash + 1), &b) || b < a) {
		return ctl_usage("invalid port range '%s' (1..65535, LO <= HI)", s);
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int ctl_maps(struct ctl *c)
{
	char err[512];
	int ret;

	if (c->maps_open)
		return 0;
	if (c->iface)
		ret = maps_open_iface(&c->maps, c->iface, err, sizeof(err));
	else
		ret = maps_open_pinned(&c->maps, c->pin_dir, err, sizeof(err));
	if (ret) {
		if (!c->iface && ret == -ENOENT)
			return ctl_fail("%s (is aegisd running? or use -i IFACE)", err);
		return ctl_fail("%s", err);
	}
	c->maps_open = true;
	return 0;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("AEGIS_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

int ctl_run(struct ctl *c, int argc, char **argv)
{
	int ret;

	if (argc < 1)
		return ctl_usage("missing command (try 'aegisctl help')");
	json_init(&c->j, stdout);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[0], cmds[i].name))
			continue;
		ret = cmds[i].fn(c, argc - 1, argv + 1);
		if (c->maps_open)
			maps_close(&c->maps);
		fflush(stdout);
		return ret;
	}
	return ctl_usage("unknown command '%s' (try 'aegisctl help')", argv[0]);
}

int ctl_main(int argc, char **argv)
{
	struct ctl c = { .pin_dir = CTL_DEF_PIN_DIR, .sock = CTL_DEF_SOCKET };
	int opt;

	libbpf_set_print(libbpf_quiet);
	while ((opt = getopt(argc, argv, "+i:p:s:a:jhV")) != -1) {
		switch (opt) {
		case 'i': c.iface = optarg; break;
		case 'p': c.pin_dir = optarg; break;
		case 's': c.sock = optarg; break;
		case 'a': c.api_sock = optarg; break;
		case 'j': c.json = true; break;
		case 'h': usage(stdout); return CTL_OK;
		case 'V': printf("aegisctl %s\n", AEGIS_VERSION); return CTL_OK;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return CTL_USAGE;
	}
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return CTL_OK;
	}
	return ctl_run(&c, argc, argv);
}

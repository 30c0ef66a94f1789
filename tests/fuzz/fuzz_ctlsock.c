// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for aegisd's control socket (mgmt/ctlsock.c, the
 * `rep` verbs of mgmt/rep_service.c): each input is sent as-is on a real
 * connection to a running reputation service (proxy-only: no maps), which
 * holds a few scored sources, two of them banned, re-scored every run.
 * Checks: no crash, leak, UB or hang; every answer is "OK\n" + body or
 * one "ERR ...\n" line; a JSON body opens and closes its bracket.
 * Built by `make fuzz`; run with -close_fd_mask=3 (it logs).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config/config.h"
#include "guard/reputation.h"
#include "lib/addr.h"
#include "mgmt/ctlsock.h"
#include "mgmt/rep_service.h"
#include "xdp/maps.h"

static struct rep_service *svc;
static char dir[64] = "/tmp/aegis-fuzz-ctlsock-XXXXXX", sock[128];

static void done(void)
{
	char path[256];

	rep_service_stop(svc);
	snprintf(path, sizeof(path), "%s/%s", dir, REP_OFFENCES_FILE);
	unlink(path);
	rmdir(dir);
}

static void start(void)
{
	struct aegis_config *cfg = NULL;
	char yaml[512], err[512];
	FILE *ev = fopen("/dev/null", "we");

	if (!ev || !mkdtemp(dir))
		abort();
	snprintf(sock, sizeof(sock), "%s/%s", dir, CTLSOCK_DEF_NAME);
	snprintf(yaml, sizeof(yaml), "state_dir: %s\nreputation:\n  enabled: true\n"
		 "  table_size: 256\n", dir);
	if (config_load_string("fuzz.yaml", yaml, &cfg, err, sizeof(err)) ||
	    rep_service_start(&svc, cfg, NULL, 1, ev, err, sizeof(err)) || !svc) {
		fprintf(stderr, "fuzz_ctlsock: %s\n", err);
		abort();
	}
	config_free(cfg);
	atexit(done);
}

/* Sources for show/forget/list to find (forget may have removed them). */
static void seed(void)
{
	static const char *const src[] = { "198.18.0.7", "198.18.0.8", "2001:db8::7" };
	struct rep *r = rep_service_rep(svc);
	uint64_t now = maps_now_ns();
	struct aegis_addr a;

	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		if (addr_parse(src[i], &a))
			abort();
		for (size_t k = 0; k <= i * 4; k++)
			rep_apply(r, &a, AEGIS_REP_IN_WAF_SQLI, 0, now);
	}
}

/* The server's rule: the request line's last word is -j (and not its only). */
static bool wants_json(const uint8_t *data, size_t size)
{
	char line[2049], *last = NULL, *save;
	size_t len = 0;
	int argc = 0;

	while (len < size && data[len] != '\n' && data[len])
		len++;
	memcpy(line, data, len);
	line[len] = '\0';
	for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		last = t;
		argc++;
	}
	return argc > 1 && argc <= 16 && !strcmp(last, "-j");
}

static void check_answer(const char *a, size_t n, bool js)
{
	const char *nl;

	if (n >= 4 && !memcmp(a, "ERR ", 4)) {
		nl = memchr(a, '\n', n);
		if (!nl || (size_t)(nl - a) != n - 1)
			__builtin_trap();
		return;
	}
	if (n < 3 || memcmp(a, "OK\n", 3))
		__builtin_trap();
	while (n > 3 && a[n - 1] == '\n')
		n--;
	if (js && (n == 3 || (a[3] != '[' && a[3] != '{') || (a[n - 1] != ']' && a[n - 1] != '}')))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char ans[65536];
	size_t n = 0;
	ssize_t m;
	int fd;

	if (!svc)
		start();
	if (size > 2048)
		return 0;
	seed();
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	shutdown(fd, SHUT_WR);
	rep_service_poll(svc);	/* level-triggered: the waiting connection is served */
	while (n < sizeof(ans) && (m = read(fd, ans + n, sizeof(ans) - n)) > 0)
		n += (size_t)m;
	close(fd);
	check_answer(ans, n, wants_json(data, size));
	return 0;
}

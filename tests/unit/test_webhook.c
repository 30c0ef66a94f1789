// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/mgmt/webhook.c: a local HTTP receiver (python3 http.server on
 * 127.0.0.1) gets each alert once, in the body its kind calls for; a dead
 * receiver never blocks the caller (a full queue drops and counts). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mgmt/webhook.h"

static const char server_py[] =
	"import http.server,sys\n"
	"class H(http.server.BaseHTTPRequestHandler):\n"
	"    def do_POST(self):\n"
	"        n=int(self.headers.get('Content-Length','0'))\n"
	"        b=self.rfile.read(n)\n"
	"        with open(sys.argv[1],'ab') as f: f.write(self.path.encode()+b' '+b+b'\\n')\n"
	"        self.send_response(200); self.end_headers()\n"
	"    def log_message(self,*a): pass\n"
	"s=http.server.HTTPServer(('127.0.0.1',0),H)\n"
	"open(sys.argv[2],'w').write(str(s.server_address[1]))\n"
	"s.serve_forever()\n";

static pid_t srv;
static char dir[] = "/tmp/aegis-hook-XXXXXX", got[256], portf[256];

static int start_server(void)
{
	char py[256], buf[16] = "";
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(py, sizeof(py), "%s/srv.py", dir);
	snprintf(got, sizeof(got), "%s/got", dir);
	snprintf(portf, sizeof(portf), "%s/port", dir);
	f = fopen(py, "w");
	fputs(server_py, f);
	fclose(f);
	srv = fork();
	if (!srv) {
		execlp("python3", "python3", py, got, portf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && !buf[0]; i++) {
		usleep(50000);
		f = fopen(portf, "r");
		if (f) {
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = '\0';
			fclose(f);
		}
	}
	cr_assert(buf[0], "receiver did not start");
	return atoi(buf);
}

static void teardown(void)
{
	char cmd[300];

	if (srv > 0) {
		kill(srv, SIGTERM);
		waitpid(srv, NULL, 0);
	}
	srv = 0;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
	strcpy(dir, "/tmp/aegis-hook-XXXXXX");
}

static int count_lines(const char *needle)
{
	char line[4096];
	int n = 0;
	FILE *f = fopen(got, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

Test(rep_webhook, each_alert_once, .fini = teardown)
{
	struct rep_webhook_cfg h[3] = { 0 };
	struct webhook *w;
	struct webhook_stats st;
	char err[128];
	int port = start_server();

	snprintf(h[0].url, sizeof(h[0].url), "http://127.0.0.1:%d/json", port);
	snprintf(h[1].url, sizeof(h[1].url), "http://127.0.0.1:%d/slack", port);
	h[1].kind = REP_HOOK_SLACK;
	snprintf(h[2].url, sizeof(h[2].url), "http://127.0.0.1:%d/discord", port);
	h[2].kind = REP_HOOK_DISCORD;
	cr_assert_eq(webhook_start(&w, h, 3, err, sizeof(err)), 0, "%s", err);
	for (size_t i = 0; i < 3; i++)
		cr_expect_eq(webhook_post(w, i, "Aegis: 198.18.0.1 \"banned\"",
					  "{\"event\":\"banned\",\"source\":\"198.18.0.1\"}"), 0);
	for (int i = 0; i < 100; i++) {
		webhook_stats(w, &st);
		if (st.sent == 3)
			break;
		usleep(50000);
	}
	webhook_stop(w);
	cr_expect_eq(st.sent, 3);
	cr_expect_eq(count_lines("/json {\"event\":\"banned\",\"source\":\"198.18.0.1\"}"), 1);
	cr_expect_eq(count_lines("/slack {\"text\":\"Aegis: 198.18.0.1 \\\"banned\\\"\"}"), 1);
	cr_expect_eq(count_lines("/discord {\"content\":\"Aegis: 198.18.0.1 \\\"banned\\\"\"}"), 1);
	cr_expect_eq(count_lines("198.18.0.1"), 3, "each alert once");
}

Test(rep_webhook, dead_receiver_never_blocks)
{
	struct rep_webhook_cfg h = { 0 };
	struct webhook *w;
	struct webhook_stats st;
	char err[128];
	int refused = 0;

	/* Port 9 (discard) on loopback: nothing listens, connects are refused. */
	snprintf(h.url, sizeof(h.url), "http://127.0.0.1:9/hook?token=SECRET");
	cr_assert_eq(webhook_start(&w, &h, 1, err, sizeof(err)), 0, "%s", err);
	for (int i = 0; i < WEBHOOK_QUEUE + 50; i++)
		refused += webhook_post(w, 0, "t", "{}") != 0;
	webhook_stats(w, &st);
	cr_expect_geq(refused, 49, "a full queue drops (%d refused)", refused);
	cr_expect_eq(st.dropped, (uint64_t)refused);
	webhook_stop(w);
}

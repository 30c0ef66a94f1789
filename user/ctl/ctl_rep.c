// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * aegisctl rep: the reputation engine's view, asked of aegisd over its
 * control socket (-s, default CTL_DEF_SOCKET):
 *   rep list            top sources by score (100 at most)
 *   rep show ADDR       score, the inputs that made it, action, ban history
 *   rep forget ADDR     reset a source (score, history, its reputation ban)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"
#include "lib/addr.h"
#include "mgmt/ctlsock.h"

static int rep_usage(FILE *f)
{
	fprintf(f, "Usage: aegisctl [-s SOCKET] [-j] rep list | show ADDR | forget ADDR\n"
		"  list         top sources by score\n"
		"  show ADDR    score, inputs, decay, current action, ban history\n"
		"  forget ADDR  reset a source: score, ban history, its reputation ban\n"
		"Needs a running aegisd with reputation.enabled (socket %s by default).\n",
		CTL_DEF_SOCKET);
	return f == stdout ? CTL_OK : CTL_USAGE;
}

int do_rep(struct ctl *c, int argc, char **argv)
{
	char *args[5] = { "rep" };
	struct aegis_addr a;
	int n = 1, ret;

	if (argc < 1 || ctl_is_help(argc, argv))
		return rep_usage(argc < 1 ? stderr : stdout);
	if (!strcmp(argv[0], "list") && argc == 1) {
		args[n++] = argv[0];
	} else if ((!strcmp(argv[0], "show") || !strcmp(argv[0], "forget")) && argc == 2) {
		if (addr_parse(argv[1], &a))
			return ctl_usage("rep %s: '%s' is not an address", argv[0], argv[1]);
		args[n++] = argv[0];
		args[n++] = argv[1];
	} else {
		return rep_usage(stderr);
	}
	if (c->json)
		args[n++] = "-j";
	if (!c->sock)
		c->sock = CTL_DEF_SOCKET;
	ret = ctlsock_request(c->sock, n, args, stdout);
	if (ret < 0)
		return ctl_fail("cannot reach aegisd at %s: %s (is it running with "
				"reputation.enabled?)", c->sock, strerror(-ret));
	return ret ? CTL_ERR : CTL_OK;
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ctlsock: aegisd's local control socket (a Unix stream socket whose file
 * mode is the access control: 0600 by default), served from the main
 * loop. Protocol: the client sends one request line ("rep show 198.18.0.1
 * -j"; anything after its newline is ignored), aegisd answers "OK\n" or "ERR message\n", then the body, and
 * closes. The management API will add verbs; a request is at most
 * CTLSOCK_LINE_MAX bytes and must arrive within a second.
 */
#ifndef AEGIS_CTLSOCK_H
#define AEGIS_CTLSOCK_H

#include <stddef.h>
#include <stdio.h>

#define CTLSOCK_LINE_MAX	1024
#define CTLSOCK_MAX_ARGS	16
#define CTLSOCK_DEF_NAME	"aegisd.sock"

/* Writes the body to out; returns 0, or -1 with a message in err. */
typedef int (*ctlsock_fn)(int argc, char **argv, FILE *out, char *err, size_t errlen,
			  void *ctx);

struct ctlsock {
	int fd;
	char path[108];
	ctlsock_fn fn;
	void *ctx;
};

/* Replaces a stale socket file. 0 or -errno (message in err). */
int ctlsock_open(struct ctlsock *s, const char *path, unsigned int mode, ctlsock_fn fn,
		 void *ctx, char *err, size_t errlen);
/* Serves the connections waiting (non-blocking listen socket). */
void ctlsock_serve(struct ctlsock *s);
void ctlsock_close(struct ctlsock *s);

/* Client side (aegisctl): sends argv joined, copies the body to out.
 * Returns 0, 1 on an ERR answer (printed to stderr), or -errno. */
int ctlsock_request(const char *path, int argc, char **argv, FILE *out);

#endif /* AEGIS_CTLSOCK_H */

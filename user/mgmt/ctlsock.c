// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The local control socket; see ctlsock.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/errbuf.h"
#include "mgmt/ctlsock.h"

static int addr_of(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int ctlsock_open(struct ctlsock *s, const char *path, unsigned int mode, ctlsock_fn fn,
		 void *ctx, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	mode_t old;
	int ret;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if ((ret = addr_of(path, &sa))) {
		errbuf_set(err, errlen, "control socket %s: path too long", path);
		return ret;
	}
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto fail;
	unlink(path);
	old = umask(0177);	/* no window in which the socket is open to all */
	ret = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret || chmod(path, mode) || listen(s->fd, 16))
		goto fail;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->fn = fn;
	s->ctx = ctx;
	return 0;
fail:
	ret = -errno;
	errbuf_set(err, errlen, "control socket %s: %s", path, strerror(errno));
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	return ret;
}

static int split(char *line, char **argv)
{
	int argc = 0;

	for (char *tok = strtok(line, " \t\r\n"); tok && argc < CTLSOCK_MAX_ARGS;
	     tok = strtok(NULL, " \t\r\n"))
		argv[argc++] = tok;
	return argc;
}

static void serve_one(struct ctlsock *s, int fd)
{
	struct timeval tv = { .tv_sec = 1 };
	char line[CTLSOCK_LINE_MAX + 1], err[256] = "", *argv[CTLSOCK_MAX_ARGS];
	char *body = NULL, *nl;
	size_t len = 0, blen = 0;
	FILE *out;
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < CTLSOCK_LINE_MAX && !memchr(line, '\n', len) &&
	       (n = read(fd, line + len, CTLSOCK_LINE_MAX - len)) > 0)
		len += (size_t)n;
	line[len] = '\0';
	nl = memchr(line, '\n', len);
	if (!nl) {
		dprintf(fd, "ERR request must be one line of at most %d bytes\n",
			CTLSOCK_LINE_MAX);
		return;
	}
	*nl = '\0';	/* bytes after the request line are not part of it */
	out = open_memstream(&body, &blen);
	if (!out)
		return;
	int argc = split(line, argv);
	int ret = argc ? s->fn(argc, argv, out, err, sizeof(err), s->ctx) : -1;

	fclose(out);
	if (ret)
		dprintf(fd, "ERR %s\n", err[0] ? err : "empty request");
	else if (dprintf(fd, "OK\n") > 0 && blen)
		(void)!write(fd, body, blen);
	free(body);
}

void ctlsock_serve(struct ctlsock *s)
{
	int fd;

	if (s->fd < 0)
		return;
	while ((fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		serve_one(s, fd);
		close(fd);
	}
}

void ctlsock_close(struct ctlsock *s)
{
	if (s->fd < 0)
		return;
	close(s->fd);
	unlink(s->path);
	s->fd = -1;
}

int ctlsock_request(const char *path, int argc, char **argv, FILE *out)
{
	struct sockaddr_un sa;
	char buf[4096], req[CTLSOCK_LINE_MAX + 2];
	size_t len = 0;
	int fd, ret = 0;
	bool head = true;
	ssize_t n;

	if ((ret = addr_of(path, &sa)))
		return ret;
	for (int i = 0; i < argc; i++) {
		int w = snprintf(req + len, sizeof(req) - len, "%s%s", i ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= sizeof(req) - len - 1)
			return -E2BIG;
		len += (size_t)w;
	}
	req[len++] = '\n';
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) || write(fd, req, len) != (ssize_t)len) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		char *p = buf;
		size_t m = (size_t)n;

		if (head) {
			head = false;
			if (m >= 4 && !memcmp(buf, "ERR ", 4)) {
				fprintf(stderr, "aegisctl: %.*s", (int)m - 4, buf + 4);
				ret = 1;
				p = NULL;
			} else if (m >= 3 && !memcmp(buf, "OK\n", 3)) {
				p += 3;
				m -= 3;
			}
		}
		if (p)
			fwrite(p, 1, m, ret ? stderr : out);
		else if (ret && (size_t)n > 0)
			continue;
	}
	close(fd);
	return head ? -ECONNRESET : ret;
}

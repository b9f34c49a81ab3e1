/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/proto.h"
#include "util/util.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

void hp_conn_init(struct hp_conn *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->passed_fd = -1;
}

void hp_conn_close(struct hp_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->passed_fd >= 0)
		close(c->passed_fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->passed_fd = -1;
}

int hp_conn_send(struct hp_conn *c, json_t *msg)
{
	_cleanup_free_ char *s = json_dumps(msg, JSON_COMPACT);
	size_t len, off = 0;

	if (!s)
		return -ENOMEM;
	len = strlen(s);
	s[len++] = '\n'; /* json_dumps leaves room: we overwrite the NUL */
	while (off < len) {
		ssize_t n = send(c->fd, s + off, len - off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd p = { .fd = c->fd, .events = POLLOUT };

				if (poll(&p, 1, 5000) <= 0)
					return -ETIMEDOUT;
				continue;
			}
			return -errno;
		}
		off += n;
	}
	return 0;
}

int hp_conn_send_fd(struct hp_conn *c, json_t *msg, int fd)
{
	_cleanup_free_ char *s = json_dumps(msg, JSON_COMPACT);
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl = { 0 };
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	size_t len;

	if (!s)
		return -ENOMEM;
	len = strlen(s);
	s[len++] = '\n';
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	/* The answer is short: one sendmsg carries it all, with the descriptor. */
	iov = (struct iovec){ .iov_base = s, .iov_len = len };
	if (sendmsg(c->fd, &mh, MSG_NOSIGNAL) != (ssize_t)len)
		return errno ? -errno : -EIO;
	return 0;
}

int hp_conn_fill(struct hp_conn *c)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (c->cap - c->len < 4096) {
		size_t ncap = c->cap ? c->cap * 2 : 8192;
		char *nb;

		if (ncap > 2 * HP_PROTO_MAX_LINE + 8192)
			return -EMSGSIZE;
		nb = realloc(c->buf, ncap);
		if (!nb)
			return -ENOMEM;
		c->buf = nb;
		c->cap = ncap;
	}
	iov = (struct iovec){ .iov_base = c->buf + c->len, .iov_len = c->cap - c->len };
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		/* Keep the first descriptor; close any other (or a second one). */
		for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (c->passed_fd < 0)
				c->passed_fd = fd;
			else
				close(fd);
		}
	}
	c->len += n;
	return (int)n;
}

int hp_proto_parse_line(const char *line, size_t len, json_t **ret)
{
	json_error_t jerr;
	json_t *j;

	if (len > HP_PROTO_MAX_LINE)
		return -EBADMSG;
	j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return -EBADMSG;
	if (!json_is_object(j)) {
		json_decref(j);
		return -EBADMSG;
	}
	*ret = j;
	return 1;
}

int hp_conn_next(struct hp_conn *c, json_t **ret)
{
	char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
	size_t line;
	int r;

	if (!nl)
		return c->len > HP_PROTO_MAX_LINE ? -EBADMSG : 0;
	line = nl - c->buf;
	r = hp_proto_parse_line(c->buf, line, ret);
	memmove(c->buf, nl + 1, c->len - line - 1);
	c->len -= line + 1;
	return r;
}

int hp_ctl_call(const char *sock_path, json_t *req, json_t **ret_resp, int timeout_ms)
{
	return hp_ctl_call_fd(sock_path, req, ret_resp, NULL, timeout_ms);
}

int hp_ctl_connect(const char *sock_path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(sock_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int hp_conn_recv(struct hp_conn *c, json_t **ret, int timeout_ms)
{
	struct timespec start, now;
	int r = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (r >= 0) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		long left;

		r = hp_conn_next(c, ret);
		if (r != 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_ms - ((now.tv_sec - start.tv_sec) * 1000 +
				     (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0) {
			r = errno == EINTR ? 0 : -errno;
			continue;
		}
		r = hp_conn_fill(c);
		if (r == 0)
			r = -ECONNRESET;
		else if (r == -EAGAIN)
			r = 0;
	}
	return r < 0 ? r : 0;
}

int hp_ctl_call_fd(const char *sock_path, json_t *req, json_t **ret_resp, int *ret_fd,
		   int timeout_ms)
{
	struct hp_conn c;
	json_t *resp = NULL;
	int fd, r;

	fd = hp_ctl_connect(sock_path);
	if (fd < 0)
		return fd;
	hp_conn_init(&c, fd);
	r = hp_conn_send(&c, req);
	if (r >= 0)
		r = hp_conn_recv(&c, &resp, timeout_ms);
	if (r >= 0 && ret_fd) {
		*ret_fd = c.passed_fd;
		c.passed_fd = -1;
	}
	hp_conn_close(&c);
	if (r < 0)
		return r;
	*ret_resp = resp;
	return 0;
}

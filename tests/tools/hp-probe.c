/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hp-probe: a small socket tool the integration tests drive. Built twice,
 * dynamically and as an unmodified static binary, to show hetero-netns works
 * in the kernel and not through any preload library.
 *
 *   hp-probe listen [ADDR:]PORT [--count N] [--ready FILE] [--udp] [--capable]
 *       accept N connections (default 1); for each print
 *       "accepted local=A:P peer=B:Q origdst=C:R|none peer_capable=0|1" and
 *       send back "hello from HOSTNAME\n"
 *   hp-probe connect ADDR:PORT [--bind ADDR] [--udp] [--capable]
 *       print "connected local=A:P peer=B:Q peer_capable=0|1" and the line
 *       the server sent
 *   --capable marks the socket as running hetero-socket (HNETNS_SO_CAPABLE)
 *   before listen()/connect(); peer_capable is HNETNS_SO_PEER_CAPABLE
 *   (0 where no hetero-netns program answers it).
 *   hp-probe bind [ADDR:]PORT [--udp] [--hold SECONDS]
 *       print "bound" (exit 0) or "error: <errno name>" (exit 1)
 *   hp-probe hostname
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Only constants from it: the probe stays a plain (and static) binary. */
#include "../../src/lib/netns/hnetns.h"

#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif

static int parse_addr(const char *s, struct sockaddr_in *sa)
{
	char buf[64];
	const char *colon = strrchr(s, ':');

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (!colon) {
		sa->sin_addr.s_addr = htonl(INADDR_ANY);
		sa->sin_port = htons((unsigned short)atoi(s));
		return 0;
	}
	if ((size_t)(colon - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, colon - s);
	buf[colon - s] = '\0';
	if (inet_pton(AF_INET, buf, &sa->sin_addr) != 1)
		return -1;
	sa->sin_port = htons((unsigned short)atoi(colon + 1));
	return 0;
}

static const char *fmt(const struct sockaddr_in *sa, char *buf, size_t n)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
	snprintf(buf, n, "%s:%u", ip, ntohs(sa->sin_port));
	return buf;
}

static const char *errname(int e)
{
	switch (e) {
	case EADDRINUSE: return "EADDRINUSE";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENETUNREACH: return "ENETUNREACH";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	default: return strerror(e);
	}
}

static void names(int fd, char *local, char *peer, size_t n)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &len);
	fmt(&a, local, n);
	len = sizeof(a);
	if (getpeername(fd, (struct sockaddr *)&a, &len) == 0)
		fmt(&a, peer, n);
	else
		snprintf(peer, n, "none");
}

/* Before listen()/connect(): the SYN or the SYN-ACK carries it. */
static int mark_capable(int fd)
{
	int one = 1;

	if (setsockopt(fd, SOL_TCP, HNETNS_SO_CAPABLE, &one, sizeof(one)) < 0) {
		printf("error: capable %s\n", errname(errno));
		return -1;
	}
	return 0;
}

static const char *peer_capable(int fd, char *buf, size_t n)
{
	int v = 0;
	socklen_t len = sizeof(v);

	/* ENOPROTOOPT: no hetero-netns program here, so nobody negotiated. */
	if (getsockopt(fd, SOL_TCP, HNETNS_SO_PEER_CAPABLE, &v, &len) < 0 && errno != ENOPROTOOPT)
		snprintf(buf, n, "error:%s", errname(errno));
	else
		snprintf(buf, n, "%d", v);
	return buf;
}

static int do_listen(const char *addr, int count, const char *ready, bool udp, bool capable)
{
	struct sockaddr_in sa;
	char hostname[128], reply[256], local[64], peer[64], orig[64], cap[32], buf[256];
	int one = 1, fd;

	if (parse_addr(addr, &sa) < 0)
		return 2;
	fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (capable && mark_capable(fd) < 0)
		return 1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || (!udp && listen(fd, 64) < 0)) {
		printf("error: %s\n", errname(errno));
		return 1;
	}
	gethostname(hostname, sizeof(hostname));
	snprintf(reply, sizeof(reply), "hello from %s\n", hostname);
	if (ready)
		close(open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	fflush(stdout);
	for (int i = 0; i < count; i++) {
		struct sockaddr_in o;
		socklen_t olen = sizeof(o);
		int c;

		if (udp) {
			struct sockaddr_in from;
			socklen_t flen = sizeof(from);
			ssize_t k = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);

			if (k < 0)
				return 1;
			printf("received from=%s\n", fmt(&from, peer, sizeof(peer)));
			sendto(fd, reply, strlen(reply), 0, (struct sockaddr *)&from, flen);
			fflush(stdout);
			continue;
		}
		c = accept(fd, NULL, NULL);
		if (c < 0)
			return 1;
		names(c, local, peer, sizeof(local));
		if (getsockopt(c, SOL_IP, SO_ORIGINAL_DST, &o, &olen) == 0)
			fmt(&o, orig, sizeof(orig));
		else
			snprintf(orig, sizeof(orig), "none");
		printf("accepted local=%s peer=%s origdst=%s peer_capable=%s\n", local, peer, orig,
		       peer_capable(c, cap, sizeof(cap)));
		fflush(stdout);
		if (write(c, reply, strlen(reply)) < 0)
			perror("write");
		close(c);
	}
	return 0;
}

static int do_connect(const char *addr, const char *bind_addr, bool udp, bool capable)
{
	struct sockaddr_in sa, ba;
	char local[64], peer[64], cap[32], buf[256];
	ssize_t n;
	int fd;

	if (parse_addr(addr, &sa) < 0)
		return 2;
	fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (bind_addr) {
		if (parse_addr(bind_addr, &ba) < 0 || bind(fd, (struct sockaddr *)&ba, sizeof(ba)) < 0) {
			printf("error: bind %s\n", errname(errno));
			return 1;
		}
	}
	if (capable && mark_capable(fd) < 0)
		return 1;
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("error: %s\n", errname(errno));
		return 1;
	}
	if (udp && send(fd, "ping\n", 5, 0) < 0) {
		printf("error: %s\n", errname(errno));
		return 1;
	}
	names(fd, local, peer, sizeof(local));
	printf("connected local=%s peer=%s peer_capable=%s\n", local, peer,
	       peer_capable(fd, cap, sizeof(cap)));
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		printf("error: read %s\n", errname(errno));
		return 1;
	}
	buf[n] = '\0';
	printf("%s", buf);
	return 0;
}

static int do_bind(const char *addr, bool udp, int hold)
{
	struct sockaddr_in sa;
	int fd;

	if (parse_addr(addr, &sa) < 0)
		return 2;
	fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("error: %s\n", errname(errno));
		return 1;
	}
	printf("bound\n");
	fflush(stdout);
	if (hold)
		sleep(hold);
	return 0;
}

int main(int argc, char **argv)
{
	const char *ready = NULL, *bind_addr = NULL;
	int count = 1, hold = 0;
	bool udp = false, capable = false;

	if (argc < 2) {
		fprintf(stderr, "usage: hp-probe listen|connect|bind|hostname ...\n");
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--ready") && i + 1 < argc)
			ready = argv[++i];
		else if (!strcmp(argv[i], "--bind") && i + 1 < argc)
			bind_addr = argv[++i];
		else if (!strcmp(argv[i], "--hold") && i + 1 < argc)
			hold = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--udp"))
			udp = true;
		else if (!strcmp(argv[i], "--capable"))
			capable = true;
	}
	if (!strcmp(argv[1], "hostname")) {
		char h[128];

		gethostname(h, sizeof(h));
		printf("%s\n", h);
		return 0;
	}
	if (argc < 3)
		return 2;
	if (!strcmp(argv[1], "listen"))
		return do_listen(argv[2], count, ready, udp, capable);
	if (!strcmp(argv[1], "connect"))
		return do_connect(argv[2], bind_addr, udp, capable);
	if (!strcmp(argv[1], "bind"))
		return do_bind(argv[2], udp, hold);
	return 2;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hp-sockcheck: TCP socket semantics, observed from both ends, so that a run
 * on plain TCP and a run through the hetero-socket interposer can be
 * compared line by line (they must print the same).
 *
 *   hp-sockcheck server PORT --ready FILE   serve every scenario once, then exit
 *   hp-sockcheck client ADDR:PORT            run every scenario
 *
 * Each scenario is its own connection; its first byte names it. Every line
 * printed is an observation that does not depend on timing (counts of
 * retries and the like are never printed).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter_ipv4.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N_SCENARIOS 10
#define BIG (1 << 20)

static const char *side = "?";
static int scenario;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	printf("%s %d: ", side, scenario);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void die(const char *what)
{
	say("FATAL %s: %s", what, strerror(errno));
	exit(1);
}

static void msleep(int ms)
{
	nanosleep(&(struct timespec){ms / 1000, (long)(ms % 1000) * 1000000}, NULL);
}

static const char *err_name(int e)
{
	switch (e) {
	case EAGAIN:
		return "EAGAIN";
	case EPIPE:
		return "EPIPE";
	case ECONNRESET:
		return "ECONNRESET";
	case EINPROGRESS:
		return "EINPROGRESS";
	default:
		return strerror(e);
	}
}

/* Read exactly n bytes (blocking socket). */
static void read_full(int fd, char *buf, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r = read(fd, buf + off, n - off);

		if (r <= 0)
			die("read_full");
		off += (size_t)r;
	}
}

static void write_full(int fd, const void *buf, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r = write(fd, (const char *)buf + off, n - off);

		if (r < 0 && errno == EAGAIN) {
			struct pollfd p = {fd, POLLOUT, 0};

			poll(&p, 1, -1);
			continue;
		}
		if (r <= 0)
			die("write_full");
		off += (size_t)r;
	}
}

/* Everything until EOF; returns the byte count and a simple checksum. */
static size_t drain_eof(int fd, unsigned long *sum)
{
	char buf[65536];
	size_t total = 0;
	ssize_t r;

	*sum = 0;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++)
			*sum = *sum * 31 + (unsigned char)buf[i];
		total += (size_t)r;
	}
	if (r < 0)
		die("drain_eof");
	return total;
}

static void set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

static void fill_pattern(char *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)((i * 7 + seed) & 0xff);
}

/* Large transfers (scenario 10): a byte per file offset, not periodic. */
static unsigned char pat(uint64_t i, unsigned seed)
{
	return (unsigned char)(((i + seed) * 0x9E3779B97F4A7C15ull) >> 56);
}

/* An unlinked temporary file of n pattern bytes. */
static int pattern_file(size_t n, unsigned seed)
{
	char path[] = "/tmp/hp-sockcheck-XXXXXX";
	int f = mkstemp(path);
	char *b = malloc(n);

	if (f < 0 || !b)
		die("pattern_file");
	unlink(path);
	for (size_t i = 0; i < n; i++)
		b[i] = (char)pat(i, seed);
	write_full(f, b, n);
	free(b);
	return f;
}

/* Check n received bytes against the file's bytes from offset *at on. */
static void check_pat(const char *buf, size_t n, uint64_t *at, unsigned seed, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] != pat(*at + i, seed)) {
			fprintf(stderr, "%s: byte %llu differs\n", what,
				(unsigned long long)(*at + i));
			die(what);
		}
	*at += n;
}

/* sendfile() all of [*off, *off + count) on a maybe non-blocking socket;
 * checks that the offset moves by exactly what each call reports. */
static size_t sendfile_all(int fd, int f, off_t *off, size_t count)
{
	size_t done = 0;

	while (done < count) {
		off_t before = off ? *off : lseek(f, 0, SEEK_CUR);
		ssize_t r = sendfile(fd, f, off, count - done);

		if (r < 0 && errno == EAGAIN) {
			struct pollfd p = {fd, POLLOUT, 0};

			poll(&p, 1, -1);
			continue;
		}
		if (r <= 0)
			die("sendfile_all");
		if ((off ? *off : lseek(f, 0, SEEK_CUR)) != before + r)
			die("sendfile offset");
		done += (size_t)r;
	}
	return done;
}

#define LARGE_FILE (24u << 20)
#define LARGE_OFF 12345u

/* ---------------------------------------------------------------- client -- */

static struct sockaddr_in server_addr;

/* Connect (registered with epoll instance ep first, if ep >= 0) and name the scenario. */
static int client_connect_ep(bool nonblock, int ep, struct epoll_event *ev)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	char id = (char)scenario;

	if (fd < 0)
		die("socket");
	if (ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, ev) < 0)
		die("epoll_ctl before connect");
	if (connect(fd, (struct sockaddr *)&server_addr, sizeof(server_addr)) < 0) {
		if (!nonblock || errno != EINPROGRESS)
			die("connect");
		say("connect: EINPROGRESS");
		struct pollfd p = {fd, POLLOUT, 0};
		int err = -1;
		socklen_t l = sizeof(err);

		if (poll(&p, 1, 5000) != 1)
			die("connect poll");
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
		say("connect: SO_ERROR=%d", err);
	}
	if (nonblock) {
		struct pollfd p = {fd, POLLOUT, 0};

		poll(&p, 1, 5000);
	}
	if (write(fd, &id, 1) != 1)
		die("write id");
	return fd;
}

static int client_connect(bool nonblock)
{
	return client_connect_ep(nonblock, -1, NULL);
}

static volatile sig_atomic_t sigpipes;
static void on_sigpipe(int s)
{
	sigpipes++;
}

struct writer {
	int fd;
	char c;
};

static void *thread_writer(void *arg)
{
	struct writer *w = arg;
	char rec[100];

	memset(rec, w->c, sizeof(rec));
	for (int i = 0; i < 500; i++)
		write_full(w->fd, rec, sizeof(rec));
	return NULL;
}

static void client_scenario(int s)
{
	char buf[256];
	unsigned long sum;
	int fd, v;
	socklen_t l;
	ssize_t r;

	scenario = s;
	switch (s) {
	case 1: { /* MSG_WAITALL, MSG_PEEK, FIONREAD, readv, MSG_DONTWAIT */
		struct iovec iov[2] = {{"hello ", 6}, {"wor", 3}};

		fd = client_connect(false);
		writev(fd, iov, 2);
		msleep(50);
		send(fd, "ld", 2, MSG_NOSIGNAL);
		read_full(fd, buf, 2); /* "go" */
		write_full(fd, "0123456789", 10);
		read_full(fd, buf, 4);
		buf[4] = 0;
		say("reply %s", buf);
		r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		say("recv MSG_DONTWAIT on empty: %zd %s", r, r < 0 ? err_name(errno) : "");
		close(fd);
		break;
	}
	case 2: /* half-close both ways */
		fd = client_connect(false);
		write_full(fd, "request", 7);
		shutdown(fd, SHUT_WR);
		r = send(fd, "x", 1, MSG_NOSIGNAL);
		say("send after SHUT_WR: %zd %s", r, r < 0 ? err_name(errno) : "");
		say("read until EOF: %zu bytes", drain_eof(fd, &sum));
		r = read(fd, buf, 1);
		say("read again after EOF: %zd", r);
		close(fd);
		break;
	case 3: { /* EPIPE, SIGPIPE after the peer closed */
		fd = client_connect(false);
		r = read(fd, buf, 1);
		say("peer closed: read %zd", r);
		struct pollfd p = {fd, POLLIN | POLLRDHUP, 0};

		poll(&p, 1, 1000);
		say("poll after peer close: %s%s", p.revents & POLLIN ? "IN " : "",
		    p.revents & POLLRDHUP ? "RDHUP" : "");
		int i, e = 0;

		for (i = 0; i < 1000; i++) {
			if (send(fd, "x", 1, MSG_NOSIGNAL) < 0) {
				e = errno;
				break;
			}
			msleep(2);
		}
		say("send MSG_NOSIGNAL until error: %s", err_name(e));
		signal(SIGPIPE, on_sigpipe);
		r = write(fd, "y", 1);
		say("write: %zd %s, SIGPIPE %d", r, r < 0 ? err_name(errno) : "", (int)sigpipes);
		signal(SIGPIPE, SIG_DFL);
		close(fd);
		break;
	}
	case 4: { /* dup, fork (child writes and exits), exec with CLOEXEC, dup2/dup3,
		     F_DUPFD_CLOEXEC */
		fd = client_connect(false);
		int d = dup(fd), d2 = fcntl(fd, F_DUPFD_CLOEXEC, 100),
		    d3 = dup3(fd, 120, O_CLOEXEC);
		pid_t pid = fork();

		if (pid == 0) {
			write_full(d, "child;", 6);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		pid = fork();
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, &v, 0);
		say("child exec'd /bin/true: status %d", WEXITSTATUS(v));
		write_full(d2, "parent;", 7);
		write_full(d3, "dup3;", 5);
		dup2(d, 130);
		write_full(130, "dup2;", 5);
		close(d);
		close(d2);
		close(d3);
		close(130);
		shutdown(fd, SHUT_WR);
		{
			size_t got = 0;

			while (got < sizeof(buf) - 1 &&
			       (r = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
				got += (size_t)r;
			buf[got] = 0;
		}
		say("server says: %s", buf);
		close(fd);
		break;
	}
	case 5: /* non-blocking connect; the server tests readiness */
		fd = client_connect(true);
		set_nonblock(fd, false);
		write_full(fd, "abcd", 4);
		read_full(fd, buf, 2); /* server: LT checked */
		write_full(fd, "efgh", 4);
		read_full(fd, buf, 2); /* server: ET checked */
		write_full(fd, "ij", 2);
		read_full(fd, buf, 2); /* server: poll/select checked */
		write_full(fd, "kl", 2);
		say("server done: %zu bytes", drain_eof(fd, &sum));
		close(fd);
		break;
	case 6: { /* epoll on the client (registered before connect()): EPOLLOUT, EPOLLIN after
		   * partial reads, EPOLLRDHUP */
		int ep = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.u64 = 42},
				   out[4];

		fd = client_connect_ep(true, ep, &ev);
		int n = epoll_wait(ep, out, 4, 1000);

		say("epoll idle: n=%d OUT=%d IN=%d data=%llu", n, !!(out[0].events & EPOLLOUT),
		    !!(out[0].events & EPOLLIN), (unsigned long long)out[0].data.u64);
		ev.events = EPOLLIN | EPOLLRDHUP;
		epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
		n = epoll_wait(ep, out, 4, 200);
		say("epoll IN only, nothing sent: n=%d", n);
		write_full(fd, "x", 1); /* server answers 6 bytes, then closes */
		for (int i = 0; i < 3; i++) {
			n = epoll_wait(ep, out, 4, 2000);
			say("epoll: n=%d IN=%d", n, n > 0 && (out[0].events & EPOLLIN));
			r = read(fd, buf, 2);
			say("read 2: %zd", r);
		}
		msleep(100); /* the server's close */
		n = epoll_wait(ep, out, 4, 2000);
		say("epoll after close: n=%d IN=%d RDHUP=%d", n, n > 0 && (out[0].events & EPOLLIN),
		    n > 0 && (out[0].events & EPOLLRDHUP));
		say("read at EOF: %zd", read(fd, buf, 2));
		close(ep);
		close(fd);
		break;
	}
	case 7: /* sendfile and splice from the server, checked here */
		fd = client_connect(false);
		{
			int pfd[2];
			size_t total = 0;

			if (pipe(pfd) < 0)
				die("pipe");
			for (;;) {
				r = splice(fd, NULL, pfd[1], NULL, 65536, 0);
				if (r <= 0)
					break;
				while (r > 0) {
					ssize_t m =
					    read(pfd[0], buf,
						 (size_t)r < sizeof(buf) ? (size_t)r : sizeof(buf));

					if (m <= 0)
						die("pipe read");
					for (ssize_t i = 0; i < m; i++)
						if ((unsigned char)buf[i] !=
						    (unsigned char)(((total + i) * 7 + 3) & 0xff))
							die("splice data");
					total += (size_t)m;
					r -= m;
				}
			}
			say("splice socket->pipe: %zu bytes, pattern ok", total);
		}
		close(fd);
		break;
	case 8: { /* close with data in flight; threads sharing a socket */
		fd = client_connect(false);
		msleep(300); /* the server has written 1 MiB and closed by now */
		say("after the peer closed: %zu bytes", drain_eof(fd, &sum));
		close(fd);
		fd = client_connect(false);
		pthread_t t[2];
		struct writer w[2] = {{fd, 'a'}, {fd, 'b'}};

		for (int i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, thread_writer, &w[i]);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		shutdown(fd, SHUT_WR);
		r = read(fd, buf, sizeof(buf) - 1);
		buf[r > 0 ? r : 0] = 0;
		say("two threads: server counted %s", buf);
		close(fd);
		break;
	}
	case 9: { /* socket options and names */
		fd = client_connect(false);
		struct sockaddr_in a;

		v = 1;
		say("TCP_NODELAY set: %d", setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)));
		v = 0;
		l = sizeof(v);
		getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &l);
		say("TCP_NODELAY get: %d", v);
		v = 65536;
		say("SO_SNDBUF set: %d", setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
		l = sizeof(v);
		say("SO_RCVBUF get: %d", getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &l));
		l = sizeof(v);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &l);
		say("SO_ERROR: %d", v);
		l = sizeof(a);
		getpeername(fd, (struct sockaddr *)&a, &l);
		say("getpeername: %s:%d", inet_ntoa(a.sin_addr), ntohs(a.sin_port));
		l = sizeof(a);
		getsockname(fd, (struct sockaddr *)&a, &l);
		say("getsockname: %s", inet_ntoa(a.sin_addr));
		char c[2];

		read_full(fd, c, 2);
		say("server: %.2s", c);
		close(fd);
		break;
	}
	case 10: { /* large transfers: sendfile/splice both ways, offsets, EOF */
		fd = client_connect(false);
		int pfd[2];
		uint64_t at = LARGE_OFF;
		size_t total = 0;
		char *b = malloc(1 << 20);

		/* server -> client: 20 MiB from offset LARGE_OFF, the next 3 MiB
		 * (non-blocking), the last 1000 bytes; spliced through a pipe for
		 * the first 8 MiB, read() after. */
		if (pipe(pfd) < 0 || !b)
			die("pipe");
		while (total < (8u << 20)) {
			r = splice(fd, NULL, pfd[1], NULL, (8u << 20) - total, 0);
			if (r <= 0)
				die("splice socket->pipe");
			for (ssize_t left = r; left > 0;) {
				ssize_t m = read(
				    pfd[0], b, (size_t)left < (1u << 20) ? (size_t)left : 1u << 20);

				if (m <= 0)
					die("pipe read");
				check_pat(b, (size_t)m, &at, 11, "splice data");
				left -= m;
			}
			total += (size_t)r;
		}
		while (total < (23u << 20)) {
			size_t want = (23u << 20) - total;

			r = read(fd, b, want < (1u << 20) ? want : 1u << 20);
			if (r <= 0)
				die("large read");
			check_pat(b, (size_t)r, &at, 11, "large data");
			total += (size_t)r;
		}
		at = LARGE_FILE - 1000;
		while ((r = read(fd, b, 1u << 20)) > 0) {
			check_pat(b, (size_t)r, &at, 11, "tail data");
			total += (size_t)r;
		}
		say("received %zu bytes from the server's file, pattern ok, then EOF: %zd", total,
		    r);
		/* client -> server: a 16 MiB file from offset 777 on a non-blocking
		 * socket, then 1 MiB through a non-blocking pipe. */
		int f = pattern_file(LARGE_FILE, 13);
		off_t off = 777;

		set_nonblock(fd, true);
		total = sendfile_all(fd, f, &off, 16u << 20);
		say("sendfile non-blocking: %zu, offset now %lld", total, (long long)off);
		off = LARGE_FILE;
		say("sendfile at the end of the file: %zd", sendfile(fd, f, &off, 100));
		set_nonblock(fd, false);
		fcntl(pfd[0], F_SETFL, O_NONBLOCK);
		r = splice(pfd[0], NULL, fd, NULL, 4096, SPLICE_F_NONBLOCK);
		say("splice from an empty pipe: %zd %s", r, r < 0 ? err_name(errno) : "");
		total = 0;
		for (size_t put = 0; total < (1u << 20);) {
			if (put < (1u << 20) && put - total < 65536) {
				size_t n = 16384;
				char *c = malloc(n);

				for (size_t i = 0; i < n; i++)
					c[i] = (char)pat(put + i, 17);
				write_full(pfd[1], c, n);
				free(c);
				put += n;
			}
			r = splice(pfd[0], NULL, fd, NULL, 1u << 20, SPLICE_F_NONBLOCK);
			if (r < 0 && errno != EAGAIN)
				die("splice pipe->socket");
			if (r > 0)
				total += (size_t)r;
		}
		say("splice pipe->socket: %zu", total);
		/* The server checks what it got (and has shut down its side). */
		shutdown(fd, SHUT_WR);
		close(f);
		close(pfd[0]);
		close(pfd[1]);
		free(b);
		close(fd);
		break;
	}
	}
}

/* ---------------------------------------------------------------- server -- */

static int listener;

static int server_accept(bool nonblock)
{
	struct pollfd p = {listener, POLLIN, 0};
	char id;
	int fd;

	if (poll(&p, 1, 20000) != 1)
		die("accept poll");
	fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
	if (fd < 0)
		die("accept");
	if (nonblock) {
		/* A non-blocking accepted socket: nothing may block here. */
		ssize_t r = read(fd, &id, 1);

		if (r < 0 && errno != EAGAIN)
			die("read id");
		if (r < 0) {
			struct pollfd q = {fd, POLLIN, 0};

			poll(&q, 1, 5000);
			r = read(fd, &id, 1);
		}
		if (r != 1)
			die("read id (nonblocking)");
	} else if (read(fd, &id, 1) != 1) {
		die("read id");
	}
	scenario = id;
	return fd;
}

static void server_scenario(int s)
{
	char buf[256], *big;
	int fd, n;
	ssize_t r;

	switch (s) {
	case 1:
		fd = server_accept(false);
		r = recv(fd, buf, 11, MSG_WAITALL);
		say("recv MSG_WAITALL 11: %zd '%.*s'", r, (int)(r > 0 ? r : 0), buf);
		write_full(fd, "go", 2);
		{
			struct pollfd p = {fd, POLLIN, 0};

			poll(&p, 1, 5000);
		}
		msleep(100);
		ioctl(fd, FIONREAD, &n);
		say("FIONREAD: %d", n);
		r = recv(fd, buf, 4, MSG_PEEK);
		say("MSG_PEEK 4: %zd '%.4s'", r, buf);
		ioctl(fd, FIONREAD, &n);
		say("FIONREAD after peek: %d", n);
		r = read(fd, buf, 3);
		say("read 3: '%.3s'", buf);
		{
			char a[2], b[100];
			struct iovec iov[2] = {{a, 2}, {b, 100}};

			r = readv(fd, iov, 2);
			say("readv: %zd '%.2s' '%.5s'", r, a, b);
		}
		write_full(fd, "done", 4);
		say("EOF: %zd", read(fd, buf, 1));
		close(fd);
		break;
	case 2: {
		fd = server_accept(false);
		unsigned long sum;
		size_t got = drain_eof(fd, &sum);
		struct pollfd p = {fd, POLLIN | POLLRDHUP | POLLOUT, 0};

		say("read until EOF: %zu bytes", got);
		poll(&p, 1, 0);
		say("poll at EOF: IN=%d RDHUP=%d OUT=%d", !!(p.revents & POLLIN),
		    !!(p.revents & POLLRDHUP), !!(p.revents & POLLOUT));
		write_full(fd, "response", 8);
		say("wrote after the peer's SHUT_WR");
		close(fd);
		break;
	}
	case 3:
		fd = server_accept(false);
		close(fd);
		say("closed");
		break;
	case 4: {
		fd = server_accept(false);
		pid_t pid = fork();

		if (pid == 0) {
			/* The child reads what the client's processes wrote; parent answers. */
			unsigned long sum;
			char all[64] = "";
			size_t got = 0;

			while (got < sizeof(all) - 1) {
				r = read(fd, all + got, sizeof(all) - 1 - got);
				if (r <= 0)
					break;
				got += (size_t)r;
			}
			(void)sum;
			printf("server 4: child read: %s\n", all);
			fflush(stdout);
			write_full(fd, "from-child;", 11);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		write_full(fd, "from-parent", 11);
		close(fd);
		say("parent closed");
		break;
	}
	case 5: {
		fd = server_accept(true);
		int ep = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd}, out[4];

		/* Level-triggered: a partial read leaves data, and epoll must say so. */
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		n = epoll_wait(ep, out, 4, 5000);
		msleep(50);
		r = read(fd, buf, 2);
		say("LT: n=%d, read %zd '%.2s'", n, r, buf);
		n = epoll_wait(ep, out, 4, 1000);
		say("LT after partial read: n=%d IN=%d", n, n > 0 && (out[0].events & EPOLLIN));
		r = read(fd, buf, 10);
		say("LT read rest: %zd '%.2s'", r, buf);
		n = epoll_wait(ep, out, 4, 200);
		say("LT drained: n=%d", n);
		r = read(fd, buf, 10);
		say("read on empty: %zd %s", r, r < 0 ? err_name(errno) : "");
		write_full(fd, "ok", 2);
		/* Edge-triggered: one event per arrival, none for what is left. */
		ev.events = EPOLLIN | EPOLLET;
		epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
		n = epoll_wait(ep, out, 4, 5000);
		msleep(50);
		r = read(fd, buf, 2);
		say("ET: n=%d, read %zd '%.2s'", n, r, buf);
		n = epoll_wait(ep, out, 4, 200);
		say("ET after partial read, nothing new: n=%d", n);
		r = read(fd, buf, 10);
		say("ET read rest: %zd '%.2s'", r, buf);
		write_full(fd, "ok", 2);
		n = epoll_wait(ep, out, 4, 5000);
		say("ET new data: n=%d IN=%d", n, n > 0 && (out[0].events & EPOLLIN));
		/* poll and select after a partial read. */
		msleep(50);
		r = read(fd, buf, 1);
		struct pollfd p = {fd, POLLIN, 0};

		n = poll(&p, 1, 1000);
		say("poll after partial read: %d IN=%d", n, !!(p.revents & POLLIN));
		fd_set rs;
		struct timeval tv = {1, 0};

		FD_ZERO(&rs);
		FD_SET(fd, &rs);
		n = select(fd + 1, &rs, NULL, NULL, &tv);
		say("select after partial read: %d", n);
		r = read(fd, buf, 10);
		say("read rest: %zd", r);
		FD_ZERO(&rs);
		FD_SET(fd, &rs);
		tv = (struct timeval){0, 200000};
		n = select(fd + 1, &rs, NULL, NULL, &tv);
		say("select drained: %d", n);
		write_full(fd, "ok", 2);
		n = epoll_wait(ep, out, 4, 5000);
		r = read(fd, buf, 10);
		say("ET kl: n=%d, read %zd", n, r);
		close(ep);
		close(fd);
		break;
	}
	case 6:
		fd = server_accept(false);
		read_full(fd, buf, 1);
		write_full(fd, "abcdef", 6);
		msleep(500);
		close(fd);
		say("closed");
		break;
	case 7: {
		fd = server_accept(false);
		char path[] = "/tmp/hp-sockcheck-XXXXXX";
		int f = mkstemp(path);
		size_t total = 300000;
		off_t off = 0;

		big = malloc(total);
		fill_pattern(big, total, 3);
		write_full(f, big, total);
		unlink(path);
		/* sendfile with an offset, then from the file position, then a pipe. */
		r = sendfile(fd, f, &off, 100000);
		say("sendfile with offset: %zd, offset now %lld", r, (long long)off);
		lseek(f, 100000, SEEK_SET);
		size_t sent = 0;

		while (sent < 100000) {
			r = sendfile(fd, f, NULL, 100000 - sent);
			if (r <= 0)
				die("sendfile");
			sent += (size_t)r;
		}
		say("sendfile from position: %zu, position now %lld", sent,
		    (long long)lseek(f, 0, SEEK_CUR));
		int pfd[2];

		if (pipe(pfd) < 0)
			die("pipe");
		sent = 0;
		while (sent < 100000) {
			size_t chunk = 100000 - sent < 32768 ? 100000 - sent : 32768;

			write_full(pfd[1], big + 200000 + sent, chunk);
			r = splice(pfd[0], NULL, fd, NULL, chunk, 0);
			if (r != (ssize_t)chunk)
				die("splice pipe->socket");
			sent += chunk;
		}
		say("splice pipe->socket: %zu", sent);
		free(big);
		close(f);
		close(fd);
		break;
	}
	case 8: {
		fd = server_accept(false);
		big = malloc(BIG);
		fill_pattern(big, BIG, 5);
		write_full(fd, big, BIG);
		close(fd);
		free(big);
		say("wrote 1 MiB and closed");
		fd = server_accept(false);
		unsigned long sum;
		char rec[100];
		size_t recs = 0, total = 0;

		(void)sum;
		for (;;) {
			size_t got = 0;

			while (got < sizeof(rec)) {
				r = read(fd, rec + got, sizeof(rec) - got);
				if (r <= 0)
					break;
				got += (size_t)r;
			}
			total += got;
			if (got < sizeof(rec))
				break;
			recs++;
		}
		snprintf(buf, sizeof(buf), "%zu bytes %zu records", total, recs);
		write_full(fd, buf, strlen(buf));
		say("two threads: %s", buf);
		close(fd);
		break;
	}
	case 9:
		fd = server_accept(false);
		{
			struct sockaddr_in a;
			socklen_t l = sizeof(a);

			getpeername(fd, (struct sockaddr *)&a, &l);
			say("getpeername: %s", inet_ntoa(a.sin_addr));
			l = sizeof(a);
			getsockname(fd, (struct sockaddr *)&a, &l);
			say("getsockname: %s:%d", inet_ntoa(a.sin_addr), ntohs(a.sin_port));
			l = sizeof(a);
			if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &a, &l) == 0)
				say("SO_ORIGINAL_DST: %s:%d", inet_ntoa(a.sin_addr),
				    ntohs(a.sin_port));
			else
				say("SO_ORIGINAL_DST: %s", strerror(errno));
		}
		write_full(fd, "ok", 2);
		msleep(100);
		close(fd);
		break;
	case 10: {
		fd = server_accept(false);
		int f = pattern_file(LARGE_FILE, 11);
		off_t off = LARGE_OFF;
		char *b = malloc(1 << 20);
		uint64_t at = 777;
		size_t total = 0;

		r = sendfile(fd, f, &off, 20u << 20); /* blocking: all of it */
		say("sendfile 20 MiB: %zd, offset now %lld", r, (long long)off);
		set_nonblock(fd, true);
		total = sendfile_all(fd, f, &off, 3u << 20);
		say("sendfile non-blocking: %zu, offset now %lld", total, (long long)off);
		total = 0;
		set_nonblock(fd, false);
		lseek(f, LARGE_FILE - 1000, SEEK_SET);
		r = sendfile(fd, f, NULL, 5000); /* short: the file ends */
		say("sendfile past the end: %zd, position now %lld", r,
		    (long long)lseek(f, 0, SEEK_CUR));
		shutdown(fd, SHUT_WR);
		while (total < (16u << 20)) {
			r = read(fd, b, 1u << 20);
			if (r <= 0)
				die("large read");
			size_t k =
			    (size_t)r < (16u << 20) - total ? (size_t)r : (16u << 20) - total;

			check_pat(b, k, &at, 13, "sendfile data");
			total += k;
			if (k < (size_t)r) { /* the pipe's bytes follow the file's */
				at = 0;
				check_pat(b + k, (size_t)r - k, &at, 17, "pipe data");
				total += (size_t)r - k;
			}
		}
		at = total - (16u << 20);
		while ((r = read(fd, b, 1u << 20)) > 0) {
			check_pat(b, (size_t)r, &at, 17, "pipe data");
			total += (size_t)r;
		}
		say("received %zu bytes, pattern ok, then EOF: %zd", total, r);
		free(b);
		close(f);
		close(fd);
		break;
	}
	}
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "server")) {
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons((uint16_t)atoi(argv[2])),
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		int one = 1;

		side = "server";
		listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(listener, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    listen(listener, 16) < 0)
			die("listen");
		if (argc >= 5 && !strcmp(argv[3], "--ready"))
			close(open(argv[4], O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
		for (int s = 1; s <= N_SCENARIOS; s++)
			server_scenario(s);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "client")) {
		char *colon = strrchr(argv[2], ':');

		side = "client";
		if (!colon)
			return 2;
		*colon = 0;
		server_addr.sin_family = AF_INET;
		server_addr.sin_port = htons((uint16_t)atoi(colon + 1));
		inet_pton(AF_INET, argv[2], &server_addr.sin_addr);
		for (int s = 1; s <= N_SCENARIOS; s++)
			client_scenario(s);
		return 0;
	}
	fprintf(stderr, "usage: hp-sockcheck server PORT [--ready FILE] | client ADDR:PORT\n");
	return 2;
}

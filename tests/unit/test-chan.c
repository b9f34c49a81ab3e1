/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hetero-socket channels and connections: rings, elastic buffers, hostile peers. */
#include "check.h"
#include "socket/conn.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char path[64];
static struct hn_win host, dpu;

static void setup(void)
{
	snprintf(path, sizeof(path), "/dev/shm/hn-test-%d", getpid());
	unlink(path);
	CHECK(hn_win_create(path, 16 << 20) == 0);
	CHECK(hn_win_map(path, 0, &host) == 0);
	CHECK(hn_win_map(path, 1, &dpu) == 0);
}

static void test_pages(void)
{
	uint32_t a, b, c;

	CHECK(hn_pages_alloc(&host, 3, &a) == -EINVAL); /* not a power of two */
	CHECK(hn_pages_alloc(&host, 512, &a) == -EINVAL);
	CHECK(hn_pages_alloc(&host, 256, &a) == 0 && a % 256 == 0);
	CHECK(hn_pages_alloc(&host, 1, &b) == 0);
	CHECK(hn_pages_alloc(&host, 128, &c) == 0 && c % 128 == 0);
	CHECK(hn_pages_in_use(&host, 0) == (256 + 1 + 128) * HN_PAGE_SIZE);
	CHECK(hn_pages_in_use(&dpu, 1) == 0); /* the other side's pool is separate */
	hn_pages_free(&host, a, 256);
	hn_pages_free(&host, b, 1);
	hn_pages_free(&host, c, 128);
	CHECK(hn_pages_in_use(&host, 0) == 0);
	/* Exhaustion is an error, not a crash. */
	unsigned n = 0;
	uint32_t pages[64];

	while (n < 64 && hn_pages_alloc(&host, 256, &pages[n]) == 0)
		n++;
	CHECK(n > 0 && n < 64);
	CHECK(hn_pages_alloc(&host, 256, &a) == -ENOSPC);
	while (n--)
		hn_pages_free(&host, pages[n], 256);
	CHECK(hn_pages_in_use(&host, 0) == 0);
}

static void test_basic(void)
{
	struct hn_end a, b;
	uint64_t nonce;
	char buf[64];
	int slot = hn_chan_open(&host, &a, &nonce);

	CHECK(slot >= 0);
	CHECK(hn_chan_accept(&dpu, (uint32_t)slot, nonce + 1, &b) == -EINVAL); /* wrong nonce */
	CHECK(hn_chan_accept(&host, (uint32_t)slot, nonce, &b) == -EINVAL);    /* our own slot */
	CHECK(hn_chan_accept(&dpu, (uint32_t)slot, nonce, &b) == 0);
	CHECK(hn_chan_read(&b, buf, sizeof(buf), false) == -EAGAIN);
	CHECK(hn_chan_write(&a, "hello", 5) == 5);
	CHECK(hn_chan_readable(&b) == 5);
	CHECK(hn_chan_read(&b, buf, 2, true) == 2 && !memcmp(buf, "he", 2)); /* peek */
	CHECK(hn_chan_read(&b, buf, sizeof(buf), false) == 5 && !memcmp(buf, "hello", 5));
	CHECK(hn_chan_write(&b, "back", 4) == 4);
	CHECK(hn_chan_read(&a, buf, sizeof(buf), false) == 4);
	/* Half-close: EOF after the data. */
	CHECK(hn_chan_write(&a, "xy", 2) == 2);
	hn_chan_shutdown_wr(&a);
	CHECK(hn_chan_read(&b, buf, sizeof(buf), false) == 2);
	CHECK(hn_chan_read(&b, buf, sizeof(buf), false) == 0);
	/* The reader closes: writes fail with EPIPE. */
	hn_chan_close(&b);
	CHECK(hn_chan_write(&a, "z", 1) == -EPIPE);
	hn_chan_close(&a);
	CHECK(hn_pages_in_use(&host, 0) == 0 && hn_pages_in_use(&dpu, 1) == 0);
	CHECK(!hn_slot_in_use(&host, (uint32_t)slot));
}

/* Wrap-around and growth under a stream; every byte arrives in order. */
static void test_stream(void)
{
	static uint8_t out[1 << 20], in[1 << 20];
	struct hn_end a, b;
	uint64_t nonce;
	size_t sent = 0, got = 0;
	int slot = hn_chan_open(&host, &a, &nonce);

	CHECK(hn_chan_accept(&dpu, (uint32_t)slot, nonce, &b) == 0);
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + (i >> 9));
	while (got < sizeof(in)) {
		ssize_t n = hn_chan_write(&a, out + sent, (sent + 3000 > sizeof(out) ? sizeof(out) - sent : 3000));

		if (n > 0)
			sent += n;
		/* A slow reader while there is room; a full drain when the writer is stuck. */
		do {
			n = hn_chan_read(&b, in + got, 1777, false);
			if (n > 0)
				got += n;
		} while (n > 0 && (sent == sizeof(out) || hn_chan_write(&a, "", 0) == 0) &&
			 !hn_chan_writable(&a));
		if (n < 0 && n != -EAGAIN)
			break;
	}
	CHECK(got == sizeof(in) && !memcmp(in, out, sizeof(in)));
	CHECK(a.tx_pages > 1); /* it grew under load */
	/* Idle: the buffer goes back to the pool. */
	CHECK(hn_chan_release_idle(&a));
	CHECK(hn_pages_in_use(&host, 0) == 0);
	/* And comes back on the next write. */
	CHECK(hn_chan_write(&a, "again", 5) == 5);
	CHECK(hn_chan_read(&b, in, 5, false) == 5 && !memcmp(in, "again", 5));
	hn_chan_close(&a);
	hn_chan_close(&b);
}

/* A hostile peer scribbles over the channel: we fail the channel, never crash. */
static void test_hostile(void)
{
	struct hn_end a, b;
	uint64_t nonce;
	char buf[64];
	int slot = hn_chan_open(&host, &a, &nonce);
	unsigned seed = 1;

	CHECK(hn_chan_accept(&dpu, (uint32_t)slot, nonce, &b) == 0);
	CHECK(hn_chan_write(&a, "ok", 2) == 2);
	/* Claim 1 GiB in flight. */
	atomic_store(&a.tx->prod, 1u << 30);
	CHECK(hn_chan_read(&b, buf, sizeof(buf), false) == -ECONNRESET);
	CHECK(hn_chan_read(&b, buf, sizeof(buf), false) == -ECONNRESET); /* stays dead */
	hn_chan_close(&b);
	hn_chan_close(&a);

	/* Random garbage in every field, many times: reads stay in bounds (ASan watches). */
	for (int round = 0; round < 2000; round++) {
		slot = hn_chan_open(&host, &a, &nonce);
		CHECK(hn_chan_accept(&dpu, (uint32_t)slot, nonce, &b) == 0);
		uint32_t *words = (uint32_t *)&a.chan->dir[0];

		for (unsigned i = 0; i < sizeof(struct hn_dir) / 4; i++)
			if (rand_r(&seed) % 3 == 0)
				words[i] = (uint32_t)rand_r(&seed) * (rand_r(&seed) % 2 ? 1u : 4096u);
		ssize_t n = hn_chan_read(&b, buf, sizeof(buf), false);

		CHECK(n <= (ssize_t)sizeof(buf));
		(void)hn_chan_readable(&b);
		(void)hn_chan_write(&b, "x", 1);
		hn_chan_close(&b);
		hn_chan_close(&a);
	}
	/* Channels closed with garbage in flight are reclaimed by the sweeps. */
	while (hn_win_sweep(&host) + hn_win_sweep(&dpu))
		;
	CHECK(hn_pages_in_use(&dpu, 1) == 0);
}

/* Connections: ping-pong across threads with doorbells over a socketpair,
 * and EOF when the peer's socket closes while we sleep. */
struct side {
	struct hn_conn c;
	int fd;
	int rounds;
};

static void *pong(void *arg)
{
	struct side *s = arg;
	char buf[64];

	CHECK(hn_conn_upgrade_accept(s->fd, &dpu, &s->c) == 0);
	for (int i = 0; i < s->rounds; i++) {
		if (hn_conn_recv(&s->c, buf, sizeof(buf), false) != 64)
			break;
		if (hn_conn_send(&s->c, buf, 64, false) != 64)
			break;
	}
	/* Sleep until the peer goes away. */
	ssize_t n = hn_conn_recv(&s->c, buf, sizeof(buf), false);

	CHECK(n == 0 || n == -ECONNRESET);
	hn_conn_close(&s->c);
	return NULL;
}

static void test_conn(void)
{
	struct side ping = { .rounds = 2000 }, srv = { .rounds = 2000 };
	char buf[64] = "ping";
	pthread_t t;
	int sv[2], i;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ping.fd = sv[0];
	srv.fd = sv[1];
	pthread_create(&t, NULL, pong, &srv);
	CHECK(hn_conn_upgrade_connect(ping.fd, &host, &ping.c) == 0);
	for (i = 0; i < ping.rounds; i++) {
		if (hn_conn_send(&ping.c, buf, 64, false) != 64 ||
		    hn_conn_recv(&ping.c, buf, sizeof(buf), false) != 64)
			break;
	}
	CHECK(i == ping.rounds);
	/* Non-blocking read on an empty ring. */
	CHECK(hn_conn_recv(&ping.c, buf, sizeof(buf), true) == -EAGAIN);
	/* Our process "dies": the socket closes; the sleeping peer sees EOF quickly. */
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	close(ping.fd);
	pthread_join(t, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;

	printf("peer noticed the close after %.2f ms\n", ms);
	CHECK(ms < 100);
	hn_chan_close(&ping.c.end);
	close(srv.fd);
}

/* A declined offer: the acceptor learns it, and the bytes after it are the application's. */
static void test_decline(void)
{
	struct hn_conn c;
	char buf[8] = "";
	int sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(hn_conn_decline(sv[0]) == 0);
	CHECK(write(sv[0], "plain", 5) == 5);
	CHECK(hn_conn_upgrade_accept(sv[1], &dpu, &c) == -ENOLINK);
	CHECK(read(sv[1], buf, sizeof(buf)) == 5 && !memcmp(buf, "plain", 5));
	/* Not an offer at all. */
	CHECK(write(sv[0], "0123456789abcdef", 16) == 16);
	CHECK(hn_conn_upgrade_accept(sv[1], &dpu, &c) == -EPROTO);
	close(sv[0]);
	close(sv[1]);
}

/* Zero-copy: reserve/commit and view/consume, across the wrap, partial. */
static void test_zerocopy(void)
{
	static char pat[8192], got[8192];
	struct hn_end a, b;
	struct iovec sp[2];
	uint64_t nonce;
	int slot = hn_chan_open(&host, &a, &nonce);

	CHECK(hn_chan_accept(&dpu, (uint32_t)slot, nonce, &b) == 0);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (char)(i * 13 + (i >> 8));
	CHECK(hn_chan_read_view(&b, 100, sp) == -EAGAIN);
	/* Move the indices to 3000 in the 4 KiB buffer, so the room wraps. */
	CHECK(hn_chan_write(&a, pat, 3000) == 3000);
	CHECK(hn_chan_read(&b, got, 3000, false) == 3000);
	CHECK(a.tx_pages == 1);
	CHECK(hn_chan_write_reserve(&a, 10000, sp) == 4096);
	CHECK(sp[0].iov_len == 1096 && sp[1].iov_len == 3000);
	memcpy(sp[0].iov_base, pat, 1096);
	memcpy(sp[1].iov_base, pat + 1096, 3000);
	CHECK(hn_chan_readable(&b) == 0); /* nothing is visible before the commit */
	hn_chan_write_commit(&a, 4000);	  /* a prefix of what was reserved */
	CHECK(hn_chan_readable(&b) == 4000);
	CHECK(hn_chan_read_view(&b, 5000, sp) == 4000);
	CHECK(sp[0].iov_len == 1096 && sp[1].iov_len == 2904);
	CHECK(!memcmp(sp[0].iov_base, pat, 1096) && !memcmp(sp[1].iov_base, pat + 1096, 2904));
	CHECK(hn_chan_read_view(&b, 50, sp) == 50 && sp[1].iov_len == 0); /* capped by len */
	hn_chan_read_consume(&b, 100);
	CHECK(hn_chan_readable(&b) == 3900);
	CHECK(hn_chan_read(&b, got, sizeof(got), false) == 3900 && !memcmp(got, pat + 100, 3900));
	/* Full: no room to reserve. */
	CHECK(hn_chan_write(&a, pat, 4096) > 0);
	while (hn_chan_write_reserve(&a, 1, sp) > 0)
		hn_chan_write_commit(&a, 1);
	CHECK(hn_chan_write_reserve(&a, 1, sp) == -EAGAIN);
	CHECK(hn_chan_read(&b, got, sizeof(got), false) > 0);
	/* EOF after the data, then the reader gone: EPIPE. */
	hn_chan_shutdown_wr(&a);
	while (hn_chan_read(&b, got, sizeof(got), false) > 0)
		;
	CHECK(hn_chan_read_view(&b, 100, sp) == 0);
	hn_chan_close(&b);
	CHECK(hn_chan_write_reserve(&a, 1, sp) == -EPIPE);
	hn_chan_close(&a);
	/* A peer claiming more than its buffer: the view refuses. */
	slot = hn_chan_open(&host, &a, &nonce);
	CHECK(hn_chan_accept(&dpu, (uint32_t)slot, nonce, &b) == 0);
	CHECK(hn_chan_write(&a, "ok", 2) == 2);
	atomic_store(&a.tx->prod, 1u << 30);
	CHECK(hn_chan_read_view(&b, 100, sp) == -ECONNRESET);
	hn_chan_close(&b);
	hn_chan_close(&a);
	while (hn_win_sweep(&host) + hn_win_sweep(&dpu))
		;
}

/* Callbacks for the connection-level zero-copy calls. */
struct src {
	const char *data;
	size_t len, pos;
	int fail; /* return this (-errno) instead */
};

static ssize_t src_fill(void *arg, const struct iovec *sp, int n)
{
	struct src *s = arg;
	size_t done = 0;

	if (s->fail)
		return s->fail;
	for (int i = 0; i < n && s->pos < s->len; i++) {
		size_t k = sp[i].iov_len < s->len - s->pos ? sp[i].iov_len : s->len - s->pos;

		memcpy(sp[i].iov_base, s->data + s->pos, k);
		s->pos += k;
		done += k;
	}
	return (ssize_t)done;
}

struct sink {
	char *buf;
	size_t pos, max; /* take at most max per call (0: nothing) */
};

static ssize_t sink_drain(void *arg, const struct iovec *sp, int n)
{
	struct sink *s = arg;
	size_t done = 0;

	for (int i = 0; i < n && done < s->max; i++) {
		size_t k = sp[i].iov_len < s->max - done ? sp[i].iov_len : s->max - done;

		memcpy(s->buf + s->pos, sp[i].iov_base, k);
		s->pos += k;
		done += k;
	}
	return (ssize_t)done;
}

static void test_conn_zerocopy(void)
{
	static char pat[200000], got[200000];
	struct hn_conn c, d;
	struct src src = {.data = pat, .len = sizeof(pat)};
	struct sink sink = {.buf = got};
	int sv[2];
	ssize_t n;

	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (char)(i * 31 + (i >> 10));
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(hn_conn_upgrade_connect(sv[0], &host, &c) == 0);
	CHECK(hn_conn_upgrade_accept(sv[1], &dpu, &d) == 0);
	/* Nothing there: a drain says EAGAIN and the sink is not called. */
	sink.max = 100;
	CHECK(hn_conn_recv_drain(&d, 100, sink_drain, &sink, true) == -EAGAIN && sink.pos == 0);
	/* A failing source: its error, nothing published. */
	src.fail = -EIO;
	CHECK(hn_conn_send_fill(&c, 1000, src_fill, &src, true) == -EIO);
	CHECK(hn_chan_readable(&d.end) == 0);
	src.fail = 0;
	/* Stream it all: non-blocking fills and drains of odd sizes. */
	while (sink.pos < sizeof(pat)) {
		n = hn_conn_send_fill(&c, src.len - src.pos < 70000 ? src.len - src.pos : 70000,
				      src_fill, &src, true);
		CHECK(n > 0 || n == -EAGAIN || src.pos == src.len);
		sink.max = 33333;
		n = hn_conn_recv_drain(&d, 50000, sink_drain, &sink, true);
		CHECK(n > 0 || n == -EAGAIN);
		/* A sink that takes nothing consumes nothing. */
		sink.max = 0;
		if (hn_chan_readable(&d.end) > 0) {
			ssize_t before = hn_chan_readable(&d.end);

			CHECK(hn_conn_recv_drain(&d, 50000, sink_drain, &sink, true) == -EAGAIN);
			CHECK(hn_chan_readable(&d.end) == before);
		}
	}
	CHECK(sink.pos == sizeof(pat) && !memcmp(got, pat, sizeof(pat)));
	/* A short source (its end) stops a blocking fill without waiting. */
	src = (struct src){.data = pat, .len = 10};
	CHECK(hn_conn_send_fill(&c, 1000, src_fill, &src, false) == 10);
	CHECK(hn_conn_send_fill(&c, 1000, src_fill, &src, false) == 0);
	/* EOF through a drain. */
	hn_conn_shutdown_wr(&c);
	sink = (struct sink){.buf = got, .max = 100};
	CHECK(hn_conn_recv_drain(&d, 100, sink_drain, &sink, false) == 10 && !memcmp(got, pat, 10));
	CHECK(hn_conn_recv_drain(&d, 100, sink_drain, &sink, false) == 0);
	hn_conn_close(&c);
	hn_conn_close(&d);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	setup();
	test_pages();
	test_basic();
	test_stream();
	test_zerocopy();
	test_hostile();
	test_conn();
	test_decline();
	test_conn_zerocopy();
	hn_win_sweep(&host);
	hn_win_sweep(&dpu);
	CHECK(hn_pages_in_use(&host, 0) == 0);
	hn_win_unmap(&host);
	hn_win_unmap(&dpu);
	unlink(path);
	return check_done("test-chan");
}

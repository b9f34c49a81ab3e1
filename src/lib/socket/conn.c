/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "socket/conn.h"
#include "util/util.h"

#include <poll.h>
#include <sys/socket.h>
#include <time.h>

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

int hn_full_io(int fd, void *buf, size_t len, bool out)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = out ? send(fd, (char *)buf + off, len - off, MSG_NOSIGNAL)
				: recv(fd, (char *)buf + off, len - off, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -errno;
		off += n;
	}
	return 1;
}

static void conn_init(struct hn_conn *c, int fd)
{
	c->fd = fd;
	c->spin_ns = HN_SPIN_MAX_NS;
}

int hn_conn_upgrade_connect(int fd, struct hn_win *w, struct hn_conn *ret)
{
	struct hn_hello h = { .magic = HN_HELLO_MAGIC };
	int r, slot;

	memset(ret, 0, sizeof(*ret));
	slot = hn_chan_open(w, &ret->end, &h.nonce);
	if (slot == -ENOSPC && hn_win_sweep(w) > 0)
		slot = hn_chan_open(w, &ret->end, &h.nonce);
	if (slot < 0)
		return slot;
	h.slot = (uint32_t)slot;
	/* No answer is awaited: the channel is usable at once, the acceptor
	 * attaches when it reads the offer (a refusal closes the connection). */
	r = hn_full_io(fd, &h, sizeof(h), true);
	if (r <= 0) {
		r = r ? r : -ECONNRESET;
		hn_chan_close(&ret->end);
		return r;
	}
	conn_init(ret, fd);
	return 0;
}

int hn_conn_upgrade_accept(int fd, struct hn_win *w, struct hn_conn *ret)
{
	struct hn_hello h;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = hn_full_io(fd, &h, sizeof(h), false);
	if (r <= 0)
		return r ? r : -ECONNRESET;
	if (h.magic != HN_HELLO_MAGIC)
		return -EPROTO;
	if (h.slot == HN_HELLO_DECLINE)
		return -ENOLINK;
	r = hn_chan_accept(w, h.slot, h.nonce, &ret->end);
	if (r < 0)
		return r;
	/* What closed channels still hold on our side comes back now and then. */
	if (++w->accepts % 64 == 0)
		hn_win_sweep(w);
	conn_init(ret, fd);
	return 0;
}

int hn_conn_decline(int fd)
{
	struct hn_hello h = { .magic = HN_HELLO_MAGIC, .slot = HN_HELLO_DECLINE };
	int r = hn_full_io(fd, &h, sizeof(h), true);

	return r <= 0 ? (r ? r : -ECONNRESET) : 0;
}

static void doorbell(struct hn_conn *c)
{
	static const char bell = 1;

	if (send(c->fd, &bell, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
		c->doorbells_sent++;
}

/* Swallow doorbells. Returns -ECONNRESET/0 when the TCP side is gone. */
int hn_conn_drain(struct hn_conn *c)
{
	char buf[256];

	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0)
			continue;
		if (n == 0)
			return 0; /* the peer's socket closed: it is gone */
		if (errno == EINTR)
			continue;
		return errno == EAGAIN ? 1 : -errno;
	}
}

/*
 * Learn from one wait. A wait the spin covered keeps the budget at a few
 * times what it took (the peer answers quickly: keep meeting it). A wait
 * that had to sleep halves the budget, down to HN_SPIN_MIN_NS, so a slow or
 * idle peer costs almost nothing; every HN_PROBE_EVERY sleeps the full
 * budget is tried again, in case the peer has become quick.
 */
static void adapt(struct hn_conn *c, uint64_t waited_ns, bool slept)
{
	if (!slept) {
		uint64_t want = waited_ns * 4;

		if (want > c->spin_ns)
			c->spin_ns = want > HN_SPIN_MAX_NS ? HN_SPIN_MAX_NS : (uint32_t)want;
		return;
	}
	if (++c->sleeps % HN_PROBE_EVERY == 0)
		c->spin_ns = HN_SPIN_MAX_NS;
	else if (c->spin_ns / 2 >= HN_SPIN_MIN_NS)
		c->spin_ns /= 2;
	else
		c->spin_ns = HN_SPIN_MIN_NS;
}

static bool ready(struct hn_conn *c, bool rx)
{
	return rx ? hn_chan_rx_ready(&c->end) : hn_chan_writable(&c->end);
}

/* The peer's TCP socket is gone (its process died or closed without a word). */
static bool tcp_gone(struct hn_conn *c)
{
	char b;

	return recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* Wait until we can read (rx) or write, or the peer is gone. Spin, then sleep. */
int hn_conn_wait(struct hn_conn *c, bool rx)
{
	uint64_t start = hp_now_ns(), deadline = start + (c->busy_poll ? UINT64_MAX / 2 : c->spin_ns);
	unsigned spins = 0;
	bool slept = false;
	int r;

	while (!ready(c, rx)) {
		if (hp_now_ns() < deadline) {
			/* A busy poller never sleeps, so it looks for a dead peer itself. */
			if (c->busy_poll && ++spins % 4096 == 0 && tcp_gone(c))
				return -ECONNRESET;
			cpu_relax();
			continue;
		}
		/* Sleep: give idle pages back, announce, re-check, poll the fd. The
		 * peer usually reads our last message at once: wait a moment for
		 * that, so an idle connection holds no buffer. */
		if (rx) {
			uint64_t until = hp_now_ns() + HN_DRAIN_WAIT_NS;

			while (!hn_chan_release_idle(&c->end) && c->end.tx_pages && hp_now_ns() < until &&
			       !ready(c, rx))
				cpu_relax();
		}
		if (rx ? !hn_chan_prepare_sleep_rx(&c->end) : !hn_chan_prepare_sleep_tx(&c->end))
			continue;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };

		slept = true;
		if (poll(&p, 1, c->sleep_ms ? c->sleep_ms : -1) < 0 && errno != EINTR)
			return -errno;
		r = hn_conn_drain(c);
		if (r <= 0) {
			/* TCP is gone: what is still in the ring can be read. */
			if (rx && hn_chan_readable(&c->end) > 0)
				break;
			return r == 0 ? -ECONNRESET : r;
		}
	}
	if (!c->busy_poll)
		adapt(c, hp_now_ns() - start, slept);
	return 0;
}

ssize_t hn_conn_send(struct hn_conn *c, const void *buf, size_t len, bool dontwait)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = hn_chan_write(&c->end, (const char *)buf + done, len - done);

		if (n > 0) {
			done += n;
			if (!c->busy_poll && hn_chan_need_wake_rx(&c->end))
				doorbell(c);
			continue;
		}
		if (n != -EAGAIN)
			return done ? (ssize_t)done : n;
		if (dontwait)
			return done ? (ssize_t)done : -EAGAIN;
		int r = hn_conn_wait(c, false);

		if (r < 0)
			return done ? (ssize_t)done : r;
	}
	return (ssize_t)done;
}

ssize_t hn_conn_send_fill(struct hn_conn *c, size_t len, hn_fill_fn fill, void *arg, bool dontwait)
{
	size_t done = 0;

	while (done < len) {
		struct iovec span[2];
		ssize_t room = hn_chan_write_reserve(&c->end, len - done, span), n;

		if (room == -EAGAIN) {
			if (dontwait)
				return done ? (ssize_t)done : -EAGAIN;
			int r = hn_conn_wait(c, false);

			if (r < 0)
				return done ? (ssize_t)done : r;
			continue;
		}
		if (room <= 0)
			return done ? (ssize_t)done : room;
		/* The source writes straight into the ring: nothing is published
		 * before the commit, so a failing source leaves no trace. */
		n = fill(arg, span, span[1].iov_len ? 2 : 1);
		if (n > room)
			n = -EIO;
		if (n < 0)
			return done ? (ssize_t)done : n;
		if (n > 0) {
			hn_chan_write_commit(&c->end, (size_t)n);
			done += (size_t)n;
			if (!c->busy_poll && hn_chan_need_wake_rx(&c->end))
				doorbell(c);
		}
		if (n < room)
			break; /* the source has no more for now */
	}
	return (ssize_t)done;
}

/*
 * The ring is empty: wait (or arm the doorbell and say -EAGAIN when
 * dontwait). 1 = look again, 0 = EOF, < 0 = error.
 */
static int rx_empty(struct hn_conn *c, bool dontwait)
{
	if (dontwait) {
		/* Arm the doorbell so the fd turns readable with the next data:
		 * swallow the old doorbells first, then announce, so that a
		 * doorbell rung for data after the announcement stays queued
		 * (the other order could swallow it, leaving data in the ring
		 * and a socket that never turns readable). */
		if (hn_conn_drain(c) <= 0 && hn_chan_readable(&c->end) == 0)
			return 0; /* the peer's socket is gone: EOF */
		if (!hn_chan_prepare_sleep_rx(&c->end))
			return 1; /* data or EOF came meanwhile */
		return -EAGAIN;
	}
	int r = hn_conn_wait(c, true);

	if (r < 0)
		return r == -ECONNRESET && hn_chan_readable(&c->end) == 0 ? 0 : r;
	return 1;
}

ssize_t hn_conn_recv(struct hn_conn *c, void *buf, size_t len, bool dontwait)
{
	for (;;) {
		ssize_t n = hn_chan_read(&c->end, buf, len, false);
		int r;

		if (n > 0) {
			if (!c->busy_poll && hn_chan_need_wake_tx(&c->end))
				doorbell(c);
			return n;
		}
		if (n != -EAGAIN)
			return n;
		r = rx_empty(c, dontwait);
		if (r <= 0)
			return r;
	}
}

ssize_t hn_conn_recv_drain(struct hn_conn *c, size_t len, hn_drain_fn drain, void *arg,
			   bool dontwait)
{
	for (;;) {
		struct iovec span[2];
		ssize_t avail = hn_chan_read_view(&c->end, len, span), n;
		int r;

		if (avail > 0) {
			/* The sink reads straight from the ring; only what it took
			 * is consumed. */
			n = drain(arg, span, span[1].iov_len ? 2 : 1);
			if (n > avail)
				n = -EIO;
			if (n <= 0)
				return n ? n : -EAGAIN;
			hn_chan_read_consume(&c->end, (size_t)n);
			if (!c->busy_poll && hn_chan_need_wake_tx(&c->end))
				doorbell(c);
			return n;
		}
		if (avail != -EAGAIN)
			return avail;
		r = rx_empty(c, dontwait);
		if (r <= 0)
			return r;
	}
}

void hn_conn_shutdown_wr(struct hn_conn *c)
{
	hn_chan_shutdown_wr(&c->end);
	if (!c->busy_poll && hn_chan_need_wake_rx(&c->end))
		doorbell(c);
}

void hn_conn_close(struct hn_conn *c)
{
	hn_chan_close(&c->end);
	/* The peer may be asleep waiting for data or EOF. */
	if (!c->busy_poll)
		doorbell(c);
}

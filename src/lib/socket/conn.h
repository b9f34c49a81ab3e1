/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A hetero-socket connection: a channel in the pod's window beside the
 * kernel-path TCP socket it was upgraded from. The TCP socket stays the
 * connection's identity and its notification line:
 *  - data goes through the channel;
 *  - a peer that is about to sleep says so in the channel, and only then
 *    does the other side send it a one-byte doorbell over TCP — which also
 *    makes the file descriptor readable for unmodified epoll/poll/select;
 *  - the peer's death closes its TCP socket, so EOF arrives even when the
 *    window is silent.
 * Waiting is elastic: spin while the peer is likely to answer soon (the
 * budget follows the waits actually observed), then sleep in poll().
 * The kernel-bypass baseline (busy_poll) spins forever and never sleeps.
 */
#ifndef HN_CONN_H
#define HN_CONN_H

#include "socket/chan.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define HN_HELLO_MAGIC 0x31534e48u /* "HNS1" */
#define HN_HELLO_DECLINE 0xffffffffu /* slot of an offer that says "stay on TCP" */
#define HN_SPIN_MAX_NS 50000u      /* never spin longer than this per wait */
#define HN_SPIN_MIN_NS 1000u       /* the budget a slow peer decays to */
#define HN_PROBE_EVERY 64u         /* sleeps between two full-budget probes */
#define HN_DRAIN_WAIT_NS 100000u   /* before sleeping, wait this long for the peer to drain us */

/* The offer the connecting side sends first (host byte order: both PUs agree). */
struct hn_hello {
	uint32_t magic;
	uint32_t slot; /* HN_HELLO_DECLINE: no channel, the connection stays TCP */
	uint64_t nonce;
};

struct hn_conn {
	struct hn_end end;
	int fd;
	bool busy_poll;
	int sleep_ms;         /* longest single sleep (0: until woken); a safety net */
	uint32_t spin_ns;     /* adaptive budget */
	/* counters */
	uint64_t sleeps, doorbells_sent;
};

/* Send or receive exactly len bytes on a socket: 1, 0 at EOF, or -errno. */
int hn_full_io(int fd, void *buf, size_t len, bool out);

/* Upgrade a connected TCP socket (we connected: we open the channel). */
int hn_conn_upgrade_connect(int fd, struct hn_win *w, struct hn_conn *ret);
/* Upgrade an accepted TCP socket (the peer sends its offer); -ENOLINK if it declined. */
int hn_conn_upgrade_accept(int fd, struct hn_win *w, struct hn_conn *ret);
/* Tell the accepting side (which expects an offer) that this connection stays TCP. */
int hn_conn_decline(int fd);
/* Wait until a read (rx) or a write would not block: 0, or -ECONNRESET when the peer is gone. */
int hn_conn_wait(struct hn_conn *c, bool rx);
/* Swallow doorbells: 1, or 0 / -errno when the TCP side is gone. */
int hn_conn_drain(struct hn_conn *c);

/* Blocking unless dontwait: bytes, 0 = EOF, or -errno (-EAGAIN, -EPIPE, -ECONNRESET). */
ssize_t hn_conn_send(struct hn_conn *c, const void *buf, size_t len, bool dontwait);
ssize_t hn_conn_recv(struct hn_conn *c, void *buf, size_t len, bool dontwait);
/*
 * Zero-copy variants for large transfers. A fill callback writes up to the
 * spans' total length of the source straight into the ring's free space
 * (preadv() from a file, readv() from a pipe) and returns the bytes it wrote
 * (0: the source has no more) or -errno; a drain callback writes from the
 * ring's readable spans straight to a sink (pwritev/writev to a file or
 * pipe) and returns the bytes it took (> 0) or -errno.
 * send_fill: loops until len bytes or a short fill; bytes, or -errno if none.
 * recv_drain: one batch of up to len bytes, like a recv(): bytes, 0 = EOF,
 * -errno (a sink that took nothing: its error, or -EAGAIN for 0).
 */
typedef ssize_t (*hn_fill_fn)(void *arg, const struct iovec *span, int n);
typedef ssize_t (*hn_drain_fn)(void *arg, const struct iovec *span, int n);
ssize_t hn_conn_send_fill(struct hn_conn *c, size_t len, hn_fill_fn fill, void *arg, bool dontwait);
ssize_t hn_conn_recv_drain(struct hn_conn *c, size_t len, hn_drain_fn drain, void *arg,
			   bool dontwait);
/* shutdown(SHUT_WR): the peer reads EOF after our data. */
void hn_conn_shutdown_wr(struct hn_conn *c);
void hn_conn_close(struct hn_conn *c); /* closes the channel, not the fd */

#endif

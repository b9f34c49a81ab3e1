/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The interposer's view of one TCP connection of a pod process: its kernel
 * socket, whether it runs on a window channel, and the channel's state.
 *
 * A psock lives in a MAP_SHARED anonymous pool, so a process and the
 * children it forks see one state per connection (nginx's master/worker
 * model, or a parent and child that both keep a socket): the channel end
 * (struct hn_conn, including the producer's buffer bookkeeping), the
 * O_NONBLOCK flag of the open file description, the shutdown flags. The
 * producer side is serialised by `lock`, the consumer side by `rx_lock`
 * (process-shared, robust: a holder that dies does not wedge the others).
 *
 * Life of a connection:
 *   connect() marks the socket hetero-socket capable (HNETNS_SO_CAPABLE)
 *   first; once it is connected (at once, or later for EINPROGRESS) the
 *   negotiation says whether the peer is capable too. If so, the connecting
 *   side sends a 16-byte offer (a channel, or "decline" when the peer is in
 *   this same half or the window is full); the accepting side reads it
 *   lazily (never blocking a non-blocking accept) and attaches. Everything
 *   else stays plain TCP: PS_TCP psocks only pass calls through.
 */
#ifndef HP_PSOCK_H
#define HP_PSOCK_H

#include "socket/conn.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum ps_state {
	PS_TCP,	       /* plain TCP: every call goes to the kernel */
	PS_CONNECTING, /* non-blocking connect() in progress; no offer sent yet */
	PS_ACCEPTING,  /* accepted from a capable peer; its offer is not read yet */
	PS_WINDOW,     /* data flows through the channel; TCP carries doorbells */
	PS_BROKEN,     /* the upgrade failed half-way: ECONNRESET */
};

#define PSF_NONBLOCK 0x1u /* O_NONBLOCK of the open file description */
#define PSF_RD_SHUT 0x2u  /* shutdown(SHUT_RD) */
#define PSF_WR_SHUT 0x4u  /* shutdown(SHUT_WR): the channel says EOF */
#define PSF_TCP_EOF 0x8u  /* the peer's TCP socket is closed: its process is gone */

#define PS_MAX_HOLDERS 16
#define PS_MSG_BLOCK 0x40000000 /* internal send flag: wait for room even if non-blocking */

struct psock {
	_Atomic uint32_t in_use;
	_Atomic int32_t state;
	_Atomic uint32_t flags;
	_Atomic uint32_t tx_full; /* bumped when a write finds no room (edge-triggered EPOLLOUT) */
	bool connector;
	int app_nodelay;	 /* TCP_NODELAY as the application set it (doorbells need it on) */
	pthread_mutex_t lock;	 /* state changes, holders, the producer side */
	pthread_mutex_t rx_lock; /* the consumer side */
	/* Which processes hold descriptors for it, and how many. */
	struct {
		pid_t pid;
		int n;
	} holders[PS_MAX_HOLDERS];
	int forking; /* forks under way whose child has not registered yet */
	struct hn_conn conn;
	_Atomic uint64_t tx_bytes, rx_bytes;
};

/* The process's window, fetched from its agent once: true if we have one. */
bool ps_window(void);
/* A new psock for a socket of this process (one holder: us), or NULL. */
struct psock *ps_new(int fd, enum ps_state state, bool connector);
/* One more descriptor of this process refers to it (dup). */
void ps_hold(struct psock *ps);
/* One descriptor fewer; the last one (over all processes) closes the channel. */
void ps_release(struct psock *ps, int fd);
/* fork(): before (in the parent), and after in the child / the parent. */
void ps_fork_prepare(struct psock *ps);
void ps_fork_child(struct psock *ps, int n);
void ps_fork_parent(struct psock *ps, bool failed);

/* Mark a socket capable before connect()/listen() (false: not in a pod half). */
bool ps_mark_capable(int fd);
/* 1 if both ends of a connected socket run hetero-socket. */
bool ps_peer_capable(int fd);

/*
 * Move a pending socket on: a connected PS_CONNECTING socket negotiates, a
 * PS_ACCEPTING one reads its offer (wait: block until it is there).
 * Returns the state after.
 */
enum ps_state ps_resolve(struct psock *ps, int fd, bool wait);
static inline enum ps_state ps_state(struct psock *ps)
{
	return (enum ps_state)atomic_load_explicit(&ps->state, memory_order_acquire);
}

/* Data, on PS_WINDOW sockets: bytes, or -errno (as the libc call would set). */
ssize_t ps_send(struct psock *ps, const void *buf, size_t len, int flags);
ssize_t ps_recv(struct psock *ps, void *buf, size_t len, int flags);
/* Zero-copy send: fill writes the bytes straight into the ring (conn.h:
 * hn_conn_send_fill); flags and results as ps_send. */
ssize_t ps_send_fill(struct psock *ps, size_t len, hn_fill_fn fill, void *arg, int flags);
/* Room for up to want bytes in the ring now (> 0), or -errno as a send would say. */
ssize_t ps_tx_room(struct psock *ps, size_t want);
/* A non-blocking send found no room (edge-triggered EPOLLOUT). */
void ps_note_full(struct psock *ps);
/* A sink takes bytes from the ring (conn.h: hn_conn_recv_drain); flags and
 * results as ps_recv. */
ssize_t ps_recv_drain(struct psock *ps, size_t len, hn_drain_fn drain, void *arg, int flags);
ssize_t ps_readable(struct psock *ps); /* FIONREAD */
void ps_shutdown(struct psock *ps, int how);

/* Readiness, in poll bits (the same values as EPOLLIN/OUT/RDHUP/ERR/HUP). */
/* What the ring says now (0 unless PS_WINDOW / PS_BROKEN). */
short ps_ready(struct psock *ps);
/* What the kernel must watch for us on the socket, given the app's interest. */
short ps_kernel_events(struct psock *ps, short want);
/* The kernel reported revents: drain doorbells, resolve a pending socket. */
void ps_kernel_event(struct psock *ps, int fd, short revents);
/* About to sleep: ask the peer for a doorbell on news for want (then re-check readiness). */
void ps_arm(struct psock *ps, short want);
/* The producer index of the receive ring (edge-triggered EPOLLIN). */
uint32_t ps_rx_prod(struct psock *ps);

/* Statistics line to $HETERONET_STATS (if set): what happened to a connection. */
void ps_stats(struct psock *ps, int fd, const char *event);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A hetero-socket channel: two single-producer/single-consumer byte rings
 * (one per direction) in a pod's window, plus the flags that make waking
 * the peer cheap and rare.
 *
 * Memory-ordering contract (C11 atomics; on real hardware the window is
 * coherent CXL.mem or PCIe memory with the same guarantees):
 *  - prod is written only by the producer, cons only by the consumer; both
 *    are free-running u32 byte counts (prod - cons = bytes in flight).
 *  - The producer copies data in, then store-releases prod; the consumer
 *    load-acquires prod, copies data out, then store-releases cons. So the
 *    consumer never reads bytes before they are written, and the producer
 *    never overwrites bytes before they are read.
 *  - Sleeping without lost wake-ups (Dekker): a side that is about to sleep
 *    stores its *_waiting flag, issues a seq_cst fence and re-checks the
 *    index it waits on; the other side stores its index, issues a seq_cst
 *    fence and loads the flag. At least one of them sees the other.
 *  - The transmit buffer belongs to the producer's side and is changed only
 *    while the ring is empty (prod == cons), so bytes [cons, prod) always lie
 *    in the current buffer at offset (index mod size).
 *  - Every value read from the other side (indices, buffer descriptor,
 *    flags) is loaded once into a local and checked before use: the other
 *    PU may be buggy or hostile, and can then only break this channel.
 */
#ifndef HN_CHAN_H
#define HN_CHAN_H

#include "socket/hwin.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Buffer descriptor: page << 8 | BUSY | (log2(npages) + 1); 0 = no buffer. */
#define HN_BUF_BUSY 0x80u
#define HN_BUF_LOG_MASK 0x0fu

/* Producer flags. */
#define HN_SHUT_WR 0x1u /* no more data will come (shutdown(SHUT_WR) or close) */
/* Consumer flags. */
#define HN_CLOSED_RD 0x1u /* the reader is gone: writes fail with EPIPE */

struct hn_dir {
	/* Producer's cache line. */
	_Atomic uint32_t prod;
	_Atomic uint32_t buf;
	_Atomic uint32_t pflags;
	_Atomic uint32_t tx_waiting; /* producer sleeps until space frees */
	uint8_t _pad0[HN_CACHELINE - 16];
	/* Consumer's cache line. */
	_Atomic uint32_t cons;
	_Atomic uint32_t cflags;
	_Atomic uint32_t rx_waiting; /* consumer sleeps until data comes */
	uint8_t _pad1[HN_CACHELINE - 12];
} __attribute__((aligned(HN_CACHELINE)));

struct hn_chan {
	/* Written by the opener before it offers the slot. */
	uint64_t nonce;
	uint8_t _pad[HN_CACHELINE - 8];
	/* dir[0]: opener -> acceptor; dir[1]: acceptor -> opener. */
	struct hn_dir dir[2];
	/* One line per side, written by that side: it is done with the slot
	 * (closed), and the pages of its transmit buffer are back (tx_freed).
	 * The side that opened the slot frees it once both sides are done. */
	struct {
		_Atomic uint32_t closed;
		_Atomic uint32_t tx_freed;
		uint8_t _pad[HN_CACHELINE - 8];
	} side[2];
} __attribute__((aligned(HN_CACHELINE)));

/* One end of a channel, in one process. */
struct hn_end {
	struct hn_win *win;
	struct hn_chan *chan;
	uint32_t slot;
	unsigned me;        /* our side: 0 host, 1 DPU */
	struct hn_dir *tx;  /* we produce */
	struct hn_dir *rx;  /* we consume */
	unsigned tx_side, rx_side; /* whose pages each direction's buffer is in */
	/* Our own transmit buffer (we own it; the shared word is a copy). */
	uint32_t tx_page, tx_pages;
	bool tx_grow;       /* the last write found the ring full: grow when empty */
	bool broken;        /* the peer wrote nonsense: the channel is dead */
};

/* Open a fresh channel (our side allocates the slot); offer slot+nonce to the peer. */
int hn_chan_open(struct hn_win *w, struct hn_end *ret, uint64_t *ret_nonce);
/* Attach to a slot the peer offered; nonce must match. */
int hn_chan_accept(struct hn_win *w, uint32_t slot, uint64_t nonce, struct hn_end *ret);
/* Our side is done: stop producing (SHUT_WR), stop consuming, free what we own. */
void hn_chan_close(struct hn_end *e);

/*
 * Copy up to len bytes in. Returns bytes written (> 0), -EAGAIN when the
 * ring is full (or no buffer could be had yet), -EPIPE when the reader is
 * gone, -ENOBUFS when the window has no pages left.
 */
ssize_t hn_chan_write(struct hn_end *e, const void *buf, size_t len);
/*
 * Zero-copy producer: the free space for up to want bytes, as one or two
 * spans of the ring (span[1] is empty unless the room wraps). Returns their
 * total length (> 0) or the errors of hn_chan_write. The caller fills a
 * prefix of the spans (e.g. preadv() from a file straight into the ring) and
 * publishes it with hn_chan_write_commit(n), n <= the reserved length;
 * nothing is visible to the peer before the commit. hn_chan_write is
 * reserve + memcpy + commit.
 */
ssize_t hn_chan_write_reserve(struct hn_end *e, size_t want, struct iovec span[2]);
void hn_chan_write_commit(struct hn_end *e, size_t n);
/*
 * Zero-copy consumer: up to len readable bytes as one or two spans of the
 * peer's buffer (> 0), 0 at EOF, -EAGAIN when empty, -ECONNRESET when
 * corrupt. The bytes stay in the ring until hn_chan_read_consume(n), n <= the
 * length returned: the caller may write() them straight to a file or pipe.
 * They are the peer's memory: it may scribble over them (it can only spoil
 * its own data), never move them outside its half of the pool.
 */
ssize_t hn_chan_read_view(struct hn_end *e, size_t len, struct iovec span[2]);
void hn_chan_read_consume(struct hn_end *e, size_t n);
/* Copy out up to len bytes (peek: leave them). 0 = EOF, -EAGAIN = empty, -EBADMSG = corrupt. */
ssize_t hn_chan_read(struct hn_end *e, void *buf, size_t len, bool peek);
/* Bytes ready to read (FIONREAD); -EBADMSG if corrupt. */
ssize_t hn_chan_readable(struct hn_end *e);
/* A read would not block: data, EOF, or a broken channel. */
bool hn_chan_rx_ready(struct hn_end *e);
/* Room to write (or the reader is gone, so a write will say EPIPE). */
bool hn_chan_writable(struct hn_end *e);
/* Announce end of our data (shutdown(SHUT_WR)). */
void hn_chan_shutdown_wr(struct hn_end *e);

/* Waiting. Return true if the peer must be woken (it announced sleep). */
bool hn_chan_need_wake_rx(struct hn_end *e); /* after a write: reader sleeping? */
bool hn_chan_need_wake_tx(struct hn_end *e); /* after a read: writer sleeping? */
/* Before sleeping: announce, fence, re-check. True = really nothing to do: sleep. */
bool hn_chan_prepare_sleep_rx(struct hn_end *e);
bool hn_chan_prepare_sleep_tx(struct hn_end *e);
void hn_chan_cancel_sleep_rx(struct hn_end *e);

/*
 * Reclaim what closed channels still hold on our side: transmit buffers the
 * peer had not finished reading at close, and slots we opened once both
 * sides are done. Run on allocation failure and periodically by the agent.
 * Returns how many channels it finished.
 */
unsigned hn_win_sweep(struct hn_win *w);

/* Free our transmit buffer if the ring is empty (idle connections hold no pages). */
bool hn_chan_release_idle(struct hn_end *e);

#endif

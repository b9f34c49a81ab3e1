/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "socket/chan.h"
#include "util/util.h"

#include <sys/random.h>

#define INITIAL_PAGES 1u /* 4 KiB: a connection starts small */

_Static_assert(sizeof(struct hn_dir) == 2 * HN_CACHELINE, "hn_dir layout");

static uint32_t buf_encode(uint32_t page, unsigned npages)
{
	return page << 8 | (uint32_t)(__builtin_ctz(npages) + 1);
}

/* Decode a descriptor read from the window; false if it makes no sense. */
static bool buf_decode(uint32_t d, uint32_t *page, unsigned *npages)
{
	unsigned lg = d & HN_BUF_LOG_MASK;

	if (!lg || lg > 9) /* 1..256 pages */
		return false;
	*npages = 1u << (lg - 1);
	*page = d >> 8;
	return true;
}

static void end_init(struct hn_win *w, struct hn_chan *c, uint32_t slot, bool opener,
		     struct hn_end *e)
{
	memset(e, 0, sizeof(*e));
	e->win = w;
	e->chan = c;
	e->slot = slot;
	e->me = w->side;
	e->tx = &c->dir[opener ? 0 : 1];
	e->rx = &c->dir[opener ? 1 : 0];
	/* Each direction's buffer is in its producer's half of the pool. */
	e->tx_side = w->side;
	e->rx_side = 1 - w->side;
	/* Until we first read, a write from the peer should wake us. */
	atomic_store_explicit(&e->rx->rx_waiting, 1, memory_order_relaxed);
}

int hn_chan_open(struct hn_win *w, struct hn_end *ret, uint64_t *ret_nonce)
{
	struct hn_chan *c;
	uint64_t nonce;
	uint32_t slot;
	int r;

	if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
		return -EIO;
	r = hn_slot_alloc(w, &slot);
	if (r < 0)
		return r;
	c = hn_slot_addr(w, slot);
	memset(c, 0, sizeof(*c));
	c->nonce = nonce;
	end_init(w, c, slot, true, ret);
	atomic_thread_fence(memory_order_release);
	*ret_nonce = nonce;
	return (int)slot;
}

int hn_chan_accept(struct hn_win *w, uint32_t slot, uint64_t nonce, struct hn_end *ret)
{
	struct hn_chan *c = hn_slot_addr(w, slot);

	/* The slot must be the peer's, and the nonce proves it was offered to us. */
	if (!c || hn_slot_side(w, slot) == w->side)
		return -EINVAL;
	atomic_thread_fence(memory_order_acquire);
	if (c->nonce != nonce || nonce == 0)
		return -EINVAL;
	end_init(w, c, slot, false, ret);
	return 0;
}

static void tx_release(struct hn_end *e)
{
	if (e->tx_pages) {
		hn_pages_free(e->win, e->tx_page, e->tx_pages);
		e->tx_pages = 0;
	}
}

/* Our transmit pages are back: say so, and free the slot if it is ours and done. */
static void finish_side(struct hn_win *w, struct hn_chan *c, uint32_t slot, unsigned me)
{
	atomic_store_explicit(&c->side[me].tx_freed, 1, memory_order_seq_cst);
	if (hn_slot_side(w, slot) == me &&
	    atomic_load_explicit(&c->side[1 - me].tx_freed, memory_order_seq_cst))
		hn_slot_free(w, slot);
}

void hn_chan_close(struct hn_end *e)
{
	struct hn_chan *c = e->chan;
	bool freed;

	if (!c)
		return;
	hn_chan_shutdown_wr(e);
	atomic_fetch_or_explicit(&e->rx->cflags, HN_CLOSED_RD, memory_order_release);
	/* Bytes the peer has not read yet are still delivered (as TCP does after
	 * close): an empty buffer goes back now, a busy one when the peer is done. */
	freed = !e->tx_pages || hn_chan_release_idle(e);
	atomic_store_explicit(&c->side[e->me].closed, 1, memory_order_seq_cst);
	if (!freed && atomic_load_explicit(&c->side[1 - e->me].closed, memory_order_seq_cst)) {
		atomic_store_explicit(&e->tx->buf, 0, memory_order_release);
		tx_release(e);
		freed = true;
	}
	if (freed)
		finish_side(e->win, c, e->slot, e->me);
	e->chan = NULL;
}

unsigned hn_win_sweep(struct hn_win *w)
{
	unsigned me = w->side, done = 0;

	for (uint32_t slot = 0; slot < w->n_slots; slot++) {
		struct hn_chan *c = hn_slot_addr(w, slot);
		/* dir[0] is produced by the side that opened the slot. */
		struct hn_dir *tx = &c->dir[hn_slot_side(w, slot) == me ? 0 : 1];
		uint32_t desc, page;
		unsigned np;

		if (!hn_slot_in_use(w, slot) ||
		    !atomic_load_explicit(&c->side[0].closed, memory_order_acquire) ||
		    !atomic_load_explicit(&c->side[1].closed, memory_order_acquire))
			continue;
		if (!atomic_load_explicit(&c->side[me].tx_freed, memory_order_acquire)) {
			/* The descriptor is in shared memory: decode it defensively. A
			 * hostile peer can only make us free pages of this same pod. */
			desc = atomic_exchange_explicit(&tx->buf, 0, memory_order_acq_rel);
			if (buf_decode(desc, &page, &np))
				hn_pages_free(w, page, np);
			finish_side(w, c, slot, me);
			done++;
		} else if (hn_slot_side(w, slot) == me &&
			   atomic_load_explicit(&c->side[1 - me].tx_freed, memory_order_acquire)) {
			hn_slot_free(w, slot);
			done++;
		}
	}
	return done;
}

/* Make sure we have a transmit buffer; only called with the ring empty or no buffer. */
static int tx_ensure(struct hn_end *e, size_t want)
{
	unsigned np = e->tx_pages ? e->tx_pages : INITIAL_PAGES;
	uint32_t page;
	int r;

	if (e->tx_pages && !e->tx_grow)
		return 0;
	if (e->tx_grow && np < HN_MAX_BUF_PAGES)
		np = np * 4 > HN_MAX_BUF_PAGES ? HN_MAX_BUF_PAGES : np * 4;
	while (np < HN_MAX_BUF_PAGES && (size_t)np * HN_PAGE_SIZE < want)
		np *= 2;
	if (e->tx_pages == np) {
		e->tx_grow = false;
		return 0;
	}
	r = hn_pages_alloc(e->win, np, &page);
	if (r < 0) {
		if (e->tx_pages) /* keep the smaller buffer */
			return e->tx_grow = false, 0;
		return r;
	}
	tx_release(e);
	e->tx_page = page;
	e->tx_pages = np;
	e->tx_grow = false;
	atomic_store_explicit(&e->tx->buf, buf_encode(page, np), memory_order_release);
	return 0;
}

ssize_t hn_chan_write_reserve(struct hn_end *e, size_t want, struct iovec span[2])
{
	uint32_t prod, cons, size, space, off, first;
	uint8_t *data;
	int r;

	if (e->broken)
		return -ECONNRESET;
	if (atomic_load_explicit(&e->tx->cflags, memory_order_acquire) & HN_CLOSED_RD)
		return -EPIPE;
	if (want == 0)
		return 0;
	prod = atomic_load_explicit(&e->tx->prod, memory_order_relaxed);
	cons = atomic_load_explicit(&e->tx->cons, memory_order_acquire); /* the peer's */
	if ((uint32_t)(prod - cons) > (e->tx_pages ? e->tx_pages * HN_PAGE_SIZE : 0)) {
		e->broken = true; /* the consumer claims to have read what we never wrote */
		return -ECONNRESET;
	}
	if (prod == cons) {
		/* Empty: the only moment the buffer may change (grow, or re-get after idle). */
		r = tx_ensure(e, want);
		if (r < 0)
			return r == -ENOSPC ? -ENOBUFS : r;
	}
	size = e->tx_pages * HN_PAGE_SIZE;
	space = size - (prod - cons);
	/* Full: grow when it is next empty. A buffer that cannot grow any more
	 * takes new bytes as soon as there is room (waiting for the ring to
	 * empty would stop the producer while the consumer drains). */
	if (space == 0) {
		e->tx_grow = e->tx_pages < HN_MAX_BUF_PAGES;
		return -EAGAIN;
	}
	if (want > space) {
		want = space;
		e->tx_grow = e->tx_pages < HN_MAX_BUF_PAGES;
	}
	data = hn_page_addr(e->win, e->tx_side, e->tx_page, e->tx_pages);
	off = prod & (size - 1);
	first = size - off < want ? size - off : (uint32_t)want;
	span[0] = (struct iovec){data + off, first};
	span[1] = (struct iovec){data, want - first};
	return (ssize_t)want;
}

void hn_chan_write_commit(struct hn_end *e, size_t n)
{
	uint32_t prod = atomic_load_explicit(&e->tx->prod, memory_order_relaxed);

	atomic_store_explicit(&e->tx->prod, prod + (uint32_t)n, memory_order_release);
}

ssize_t hn_chan_write(struct hn_end *e, const void *buf, size_t len)
{
	struct iovec span[2];
	ssize_t n = hn_chan_write_reserve(e, len, span);

	if (n <= 0)
		return n;
	memcpy(span[0].iov_base, buf, span[0].iov_len);
	memcpy(span[1].iov_base, (const uint8_t *)buf + span[0].iov_len, span[1].iov_len);
	hn_chan_write_commit(e, (size_t)n);
	return n;
}

/* Validate the reader's view; -EBADMSG on nonsense, 0 with avail/data set. */
static int rx_view(struct hn_end *e, uint32_t *cons, uint32_t *avail, uint8_t **data,
		   uint32_t *size)
{
	uint32_t prod, d, page;
	unsigned np;

	*cons = atomic_load_explicit(&e->rx->cons, memory_order_relaxed);
	prod = atomic_load_explicit(&e->rx->prod, memory_order_acquire);
	*avail = prod - *cons;
	if (*avail == 0)
		return 0;
	d = atomic_load_explicit(&e->rx->buf, memory_order_acquire);
	if (!buf_decode(d, &page, &np))
		return -EBADMSG;
	*size = np * HN_PAGE_SIZE;
	*data = hn_page_addr(e->win, e->rx_side, page, np);
	if (!*data || *avail > *size)
		return -EBADMSG;
	return 0;
}

ssize_t hn_chan_read_view(struct hn_end *e, size_t len, struct iovec span[2])
{
	uint32_t cons, avail, size = 0, off, first;
	uint8_t *data = NULL;

	if (e->broken)
		return -ECONNRESET;
	if (rx_view(e, &cons, &avail, &data, &size) < 0) {
		e->broken = true;
		return -ECONNRESET;
	}
	if (avail == 0) {
		if (atomic_load_explicit(&e->rx->pflags, memory_order_acquire) & HN_SHUT_WR) {
			/* Data published before SHUT_WR is visible: re-check once. */
			if (atomic_load_explicit(&e->rx->prod, memory_order_acquire) == cons)
				return 0;
			return hn_chan_read_view(e, len, span);
		}
		return -EAGAIN;
	}
	if (len > avail)
		len = avail;
	off = cons & (size - 1);
	first = size - off < len ? size - off : (uint32_t)len;
	span[0] = (struct iovec){data + off, first};
	span[1] = (struct iovec){data, len - first};
	return (ssize_t)len;
}

void hn_chan_read_consume(struct hn_end *e, size_t n)
{
	uint32_t cons = atomic_load_explicit(&e->rx->cons, memory_order_relaxed);

	atomic_store_explicit(&e->rx->cons, cons + (uint32_t)n, memory_order_release);
}

ssize_t hn_chan_read(struct hn_end *e, void *buf, size_t len, bool peek)
{
	struct iovec span[2];
	ssize_t n;

	n = hn_chan_read_view(e, len, span);
	if (n <= 0)
		return n;
	memcpy(buf, span[0].iov_base, span[0].iov_len);
	memcpy((uint8_t *)buf + span[0].iov_len, span[1].iov_base, span[1].iov_len);
	if (!peek)
		hn_chan_read_consume(e, (size_t)n);
	return n;
}

ssize_t hn_chan_readable(struct hn_end *e)
{
	uint32_t cons, avail, size;
	uint8_t *data;

	if (rx_view(e, &cons, &avail, &data, &size) < 0)
		return -EBADMSG;
	return avail;
}

bool hn_chan_rx_ready(struct hn_end *e)
{
	return e->broken || hn_chan_readable(e) != 0 ||
	       (atomic_load_explicit(&e->rx->pflags, memory_order_acquire) & HN_SHUT_WR);
}

void hn_chan_shutdown_wr(struct hn_end *e)
{
	atomic_fetch_or_explicit(&e->tx->pflags, HN_SHUT_WR, memory_order_release);
}

bool hn_chan_need_wake_rx(struct hn_end *e)
{
	atomic_thread_fence(memory_order_seq_cst);
	return atomic_load_explicit(&e->tx->rx_waiting, memory_order_relaxed) &&
	       atomic_exchange_explicit(&e->tx->rx_waiting, 0, memory_order_relaxed);
}

bool hn_chan_need_wake_tx(struct hn_end *e)
{
	atomic_thread_fence(memory_order_seq_cst);
	return atomic_load_explicit(&e->rx->tx_waiting, memory_order_relaxed) &&
	       atomic_exchange_explicit(&e->rx->tx_waiting, 0, memory_order_relaxed);
}

bool hn_chan_prepare_sleep_rx(struct hn_end *e)
{
	atomic_store_explicit(&e->rx->rx_waiting, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&e->rx->prod, memory_order_relaxed) !=
		    atomic_load_explicit(&e->rx->cons, memory_order_relaxed) ||
	    (atomic_load_explicit(&e->rx->pflags, memory_order_relaxed) & HN_SHUT_WR)) {
		atomic_store_explicit(&e->rx->rx_waiting, 0, memory_order_relaxed);
		return false;
	}
	return true;
}

void hn_chan_cancel_sleep_rx(struct hn_end *e)
{
	atomic_store_explicit(&e->rx->rx_waiting, 0, memory_order_relaxed);
}

bool hn_chan_prepare_sleep_tx(struct hn_end *e)
{
	atomic_store_explicit(&e->tx->tx_waiting, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	if (hn_chan_writable(e)) {
		atomic_store_explicit(&e->tx->tx_waiting, 0, memory_order_relaxed);
		return false;
	}
	return true;
}

bool hn_chan_writable(struct hn_end *e)
{
	uint32_t size = e->tx_pages * HN_PAGE_SIZE;

	if (!e->tx_pages || e->tx_grow)
		return atomic_load_explicit(&e->tx->prod, memory_order_relaxed) ==
		       atomic_load_explicit(&e->tx->cons, memory_order_acquire);
	return (uint32_t)(atomic_load_explicit(&e->tx->prod, memory_order_relaxed) -
			  atomic_load_explicit(&e->tx->cons, memory_order_acquire)) < size ||
	       (atomic_load_explicit(&e->tx->cflags, memory_order_acquire) & HN_CLOSED_RD);
}

bool hn_chan_release_idle(struct hn_end *e)
{
	if (!e->tx_pages || e->chan == NULL)
		return false;
	if (atomic_load_explicit(&e->tx->prod, memory_order_relaxed) !=
	    atomic_load_explicit(&e->tx->cons, memory_order_acquire))
		return false;
	/* Empty: the reader holds no position inside the buffer. Withdraw it
	 * first, then give the pages back. */
	atomic_store_explicit(&e->tx->buf, 0, memory_order_release);
	tx_release(e);
	return true;
}

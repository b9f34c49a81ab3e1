/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "socket/hwin.h"
#include "socket/chan.h"
#include "util/util.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define SLOT_WORDS (HN_SLOTS / 64)

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int hn_win_create(const char *path, uint64_t size)
{
	_cleanup_close_ int fd = -1;
	struct hn_win_hdr *h;
	uint64_t off, pool, pages, words;

	if (size < (1u << 20) || (size & (size - 1)))
		return -EINVAL;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0)
		return -errno;
	/* The whole file: on hugetlbfs a mapping is made of whole hugepages. */
	h = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED)
		return -errno;
	memset(h, 0, sizeof(*h));
	h->version = 1;
	h->n_slots = HN_SLOTS;
	h->size = size;
	h->slots_off = HN_PAGE_SIZE;
	h->slot_bitmap_words = SLOT_WORDS;
	off = h->slots_off + (uint64_t)HN_SLOTS * sizeof(struct hn_chan);
	/* What is left after the fixed parts is the pool, split evenly. */
	pool = size - off - 2 * HN_PAGE_SIZE * 4;
	pages = pool / HN_PAGE_SIZE / 2;
	pages &= ~63ull; /* whole bitmap words */
	words = pages / 64;
	for (unsigned s = 0; s < 2; s++) {
		h->bitmap_off[s] = off;
		off = align_up(off + (SLOT_WORDS / 2 + words) * 8, HN_CACHELINE);
	}
	off = align_up(off, HN_PAGE_SIZE);
	for (unsigned s = 0; s < 2; s++) {
		h->pool_off[s] = off;
		h->pool_pages[s] = (uint32_t)pages;
		off += pages * HN_PAGE_SIZE;
	}
	if (off > size) {
		munmap(h, size);
		unlink(path);
		return -ENOSPC;
	}
	atomic_store_explicit((_Atomic uint64_t *)&h->magic, HN_WIN_MAGIC, memory_order_release);
	munmap(h, size);
	return 0;
}

int hn_win_map(const char *path, unsigned side, struct hn_win *ret)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return hn_win_map_fd(fd, side, ret);
}

int hn_win_map_fd(int fd_in, unsigned side, struct hn_win *ret)
{
	_cleanup_close_ int fd = fcntl(fd_in, F_DUPFD_CLOEXEC, 3);
	struct hn_win_hdr h;
	struct stat st;
	void *base;

	if (fd < 0)
		return -errno;
	if (side > 1 || fstat(fd, &st) < 0)
		return -EINVAL;
	if ((uint64_t)st.st_size < (1u << 20))
		return -EBADMSG;
	base = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return -errno;
	/* Copy the header once, then check every field against the file. */
	memcpy(&h, base, sizeof(h));
	if (h.magic != HN_WIN_MAGIC || h.version != 1 || h.size != (uint64_t)st.st_size ||
	    h.n_slots != HN_SLOTS || h.slots_off + (uint64_t)HN_SLOTS * sizeof(struct hn_chan) > h.size)
		goto bad;
	for (unsigned s = 0; s < 2; s++) {
		uint64_t words = h.pool_pages[s] / 64;

		if (h.pool_pages[s] % 64 || h.bitmap_off[s] % 8 ||
		    h.bitmap_off[s] + (SLOT_WORDS / 2 + words) * 8 > h.size ||
		    h.pool_off[s] % HN_PAGE_SIZE ||
		    h.pool_off[s] + (uint64_t)h.pool_pages[s] * HN_PAGE_SIZE > h.size)
			goto bad;
	}
	memset(ret, 0, sizeof(*ret));
	ret->base = base;
	ret->size = h.size;
	ret->side = side;
	ret->slots_off = h.slots_off;
	ret->n_slots = h.n_slots;
	for (unsigned s = 0; s < 2; s++) {
		ret->bitmap_off[s] = h.bitmap_off[s];
		ret->pool_off[s] = h.pool_off[s];
		ret->pool_pages[s] = h.pool_pages[s];
	}
	ret->fd = steal_fd(fd);
	return 0;
bad:
	munmap(base, st.st_size);
	return -EBADMSG;
}

void hn_win_unmap(struct hn_win *w)
{
	if (!w || !w->base)
		return;
	munmap(w->base, w->size);
	close(w->fd);
	w->base = NULL;
}

/* Side s's bitmap: SLOT_WORDS/2 words of slots, then its page words. */
static _Atomic uint64_t *bitmap(const struct hn_win *w, unsigned s)
{
	return (_Atomic uint64_t *)(w->base + w->bitmap_off[s]);
}

/* Claim whole words [i, i + n) (all free), or nothing. */
static bool claim_words(_Atomic uint64_t *bm, unsigned i, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		uint64_t zero = 0;

		if (!atomic_compare_exchange_strong_explicit(&bm[i + k], &zero, ~0ull,
							     memory_order_acquire, memory_order_relaxed)) {
			while (k--)
				atomic_store_explicit(&bm[i + k], 0, memory_order_release);
			return false;
		}
	}
	return true;
}

int hn_pages_alloc(struct hn_win *w, unsigned npages, uint32_t *ret_page)
{
	_Atomic uint64_t *bm = bitmap(w, w->side) + SLOT_WORDS / 2;
	unsigned words = w->pool_pages[w->side] / 64;
	uint64_t mask;

	if (npages == 0 || npages > HN_MAX_BUF_PAGES || (npages & (npages - 1)))
		return -EINVAL;
	if (npages > 64) {
		/* Whole words, aligned to the run (buddy style). */
		unsigned n = npages / 64;

		for (unsigned i = 0; i + n <= words; i += n)
			if (claim_words(bm, i, n)) {
				*ret_page = i * 64;
				return 0;
			}
		return -ENOSPC;
	}
	mask = npages == 64 ? ~0ull : ((1ull << npages) - 1);
	/* Buddy-aligned runs inside one word; CAS among this side's processes. */
	for (unsigned i = 0; i < words; i++) {
		uint64_t cur = atomic_load_explicit(&bm[i], memory_order_relaxed);

		for (unsigned bit = 0; bit < 64; bit += npages) {
			uint64_t m = mask << bit;

			while (!(cur & m)) {
				if (atomic_compare_exchange_weak_explicit(&bm[i], &cur, cur | m,
									  memory_order_acquire,
									  memory_order_relaxed)) {
					*ret_page = i * 64 + bit;
					return 0;
				}
			}
		}
	}
	return -ENOSPC;
}

void hn_pages_free(struct hn_win *w, uint32_t page, unsigned npages)
{
	_Atomic uint64_t *bm = bitmap(w, w->side) + SLOT_WORDS / 2;
	uint64_t mask = npages >= 64 ? ~0ull : ((1ull << npages) - 1);

	if (npages == 0 || npages > HN_MAX_BUF_PAGES || (uint64_t)page + npages > w->pool_pages[w->side])
		return;
	for (unsigned k = 0; k < (npages + 63) / 64; k++)
		atomic_fetch_and_explicit(&bm[page / 64 + k], ~(mask << (page % 64)), memory_order_release);
}

uint64_t hn_pages_in_use(const struct hn_win *w, unsigned side)
{
	_Atomic uint64_t *bm = bitmap(w, side) + SLOT_WORDS / 2;
	uint64_t n = 0;

	for (unsigned i = 0; i < w->pool_pages[side] / 64; i++)
		n += __builtin_popcountll(atomic_load_explicit(&bm[i], memory_order_relaxed));
	return n * HN_PAGE_SIZE;
}

void *hn_page_addr(const struct hn_win *w, unsigned side, uint32_t page, unsigned npages)
{
	if (side > 1 || (uint64_t)page + npages > w->pool_pages[side])
		return NULL;
	return w->base + w->pool_off[side] + (uint64_t)page * HN_PAGE_SIZE;
}

int hn_slot_alloc(struct hn_win *w, uint32_t *ret_slot)
{
	_Atomic uint64_t *bm = bitmap(w, w->side);

	for (unsigned i = 0; i < SLOT_WORDS / 2; i++) {
		uint64_t cur = atomic_load_explicit(&bm[i], memory_order_relaxed);

		while (~cur) {
			unsigned bit = __builtin_ctzll(~cur);

			if (atomic_compare_exchange_weak_explicit(&bm[i], &cur, cur | (1ull << bit),
								  memory_order_acquire,
								  memory_order_relaxed)) {
				*ret_slot = w->side * (w->n_slots / 2) + i * 64 + bit;
				return 0;
			}
		}
	}
	return -ENOSPC;
}

void hn_slot_free(struct hn_win *w, uint32_t slot)
{
	_Atomic uint64_t *bm = bitmap(w, w->side);
	uint32_t local = slot - w->side * (w->n_slots / 2);

	if (hn_slot_side(w, slot) != w->side || local >= w->n_slots / 2)
		return;
	atomic_fetch_and_explicit(&bm[local / 64], ~(1ull << (local % 64)), memory_order_release);
}

void *hn_slot_addr(const struct hn_win *w, uint32_t slot)
{
	if (slot >= w->n_slots)
		return NULL;
	return w->base + w->slots_off + (uint64_t)slot * sizeof(struct hn_chan);
}

bool hn_slot_in_use(const struct hn_win *w, uint32_t slot)
{
	unsigned side = hn_slot_side(w, slot);
	uint32_t local = slot - side * (w->n_slots / 2);
	_Atomic uint64_t *bm = bitmap(w, side);

	if (slot >= w->n_slots)
		return false;
	return atomic_load_explicit(&bm[local / 64], memory_order_acquire) & (1ull << (local % 64));
}

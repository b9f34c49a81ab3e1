/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A pod's hetero-socket window: the part of the node's shared-memory window
 * that holds the channels of one pod. Both halves of the pod map it; each
 * side is another trust domain, so everything read from the other side's
 * fields is copied once and bounds-checked.
 *
 * Layout (all offsets from the start, all fields little-endian):
 *
 *   0        struct hn_win_hdr           written once by the creator
 *   4 KiB    channel slots               HN_SLOTS x struct hn_chan (448 B)
 *            [0, HN_SLOTS/2)   opened by side 0 (host) — its allocator
 *            [HN_SLOTS/2, ..)  opened by side 1 (DPU)
 *   ...      per-side allocation bitmaps  one per side, HN_BITMAP_WORDS u64
 *   ...      page pool, two halves         side 0 pages, then side 1 pages
 *
 * Each side allocates only from its own half (slots and pages) with atomics
 * among its own processes: no atomic read-modify-write ever crosses the PU
 * boundary. A channel's transmit buffer belongs to the side that writes it.
 */
#ifndef HN_HWIN_H
#define HN_HWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HN_WIN_MAGIC 0x314e49574b434f53ull /* "SOCKWIN1" */
#define HN_PAGE_SIZE 4096u
#define HN_SLOTS 4096u
#define HN_MAX_BUF_PAGES 256u /* largest buffer: 1 MiB (4 bitmap words) */
#define HN_CACHELINE 64

struct hn_win_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t n_slots;
	uint64_t size;
	uint64_t slots_off;
	uint64_t bitmap_off[2];
	uint64_t pool_off[2];
	uint32_t pool_pages[2]; /* per side */
	uint32_t slot_bitmap_words;
};

struct hn_win {
	uint8_t *base;
	uint64_t size;
	unsigned side; /* 0 = host, 1 = DPU: which half we allocate from */
	/* Validated copies of the header (never re-read from shared memory). */
	uint64_t slots_off, bitmap_off[2], pool_off[2];
	uint32_t pool_pages[2], n_slots;
	int fd;
	unsigned accepts; /* channels accepted through this mapping (sweep pacing) */
};

/* Create a window file of size bytes (power of two, >= 1 MiB). */
int hn_win_create(const char *path, uint64_t size);
/* Map it as side 0 or 1; the header is validated and copied. */
int hn_win_map(const char *path, unsigned side, struct hn_win *ret);
/* The same from a file descriptor (as an agent hands it out); fd stays the caller's. */
int hn_win_map_fd(int fd, unsigned side, struct hn_win *ret);
void hn_win_unmap(struct hn_win *w);

/* Pages: a run of 2^k pages (1..HN_MAX_BUF_PAGES) of our side. */
int hn_pages_alloc(struct hn_win *w, unsigned npages, uint32_t *ret_page);
void hn_pages_free(struct hn_win *w, uint32_t page, unsigned npages);
/* Bytes of our side's pool in use. */
uint64_t hn_pages_in_use(const struct hn_win *w, unsigned side);
/* Address of a page of a side (bounds-checked: NULL when out of range). */
void *hn_page_addr(const struct hn_win *w, unsigned side, uint32_t page, unsigned npages);

/* Channel slots: our side allocates from its half of the table. */
int hn_slot_alloc(struct hn_win *w, uint32_t *ret_slot);
void hn_slot_free(struct hn_win *w, uint32_t slot);
void *hn_slot_addr(const struct hn_win *w, uint32_t slot);
bool hn_slot_in_use(const struct hn_win *w, uint32_t slot);
/* Side that owns a slot (it allocated it). */
static inline unsigned hn_slot_side(const struct hn_win *w, uint32_t slot)
{
	return slot >= w->n_slots / 2;
}

#endif

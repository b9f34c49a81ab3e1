/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The window: memory both PUs map (CXL.mem, or DPU memory exposed over
 * PCIe). Emulated by a file on tmpfs or hugetlbfs that each agent maps.
 *
 * The first 4 KiB are a header; the rest belongs to hetero-socket channels.
 * Every field is little-endian and fixed-width. A PU treats the header as
 * untrusted input (the other PU may be buggy or hostile): it copies a field
 * once and checks it before use, and only ever writes its own slot.
 */
#ifndef HP_WINDOW_H
#define HP_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#define HP_WINDOW_MAGIC 0x31304e4957504852ull /* "RHPWIN01" */
#define HP_WINDOW_VERSION 1
#define HP_WINDOW_HDR_SIZE 4096
#define HP_WINDOW_MAX_PUS 16

struct hp_window_slot {
	/* Written only by the PU that owns the slot; 64 bytes, one cache line. */
	char pu[16];
	uint64_t agent_pid;
	uint64_t attached_ns; /* CLOCK_REALTIME when the agent attached; 0 = empty */
	uint64_t heartbeat;   /* bumped by the agent; proof of life for the peers */
	uint8_t _pad[24];
} __attribute__((aligned(64)));

struct hp_window_header {
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;
	uint64_t size; /* whole window in bytes */
	uint8_t _pad[40];
	struct hp_window_slot slot[HP_WINDOW_MAX_PUS];
};
_Static_assert(sizeof(struct hp_window_header) <= HP_WINDOW_HDR_SIZE, "window header too big");

struct hp_window {
	void *base;
	uint64_t size;    /* the whole window: the budget for the pods' channels */
	uint64_t map_len; /* what we map of it: the header's page */
	int fd;
};

/* Create (or find, when it already has this size) the window file. */
int hp_window_create(const char *path, uint64_t size);
/* Map an existing window's header page (2 MiB, a hugepage's worth); checks it. */
int hp_window_map(const char *path, struct hp_window *ret_win);
void hp_window_unmap(struct hp_window *w);
/* Claim slot `index` for pu (0 = host, 1 + N = dpuN). */
int hp_window_attach(struct hp_window *w, unsigned index, const char *pu, uint64_t pid);
void hp_window_detach(struct hp_window *w, unsigned index);
/* Copy out a validated view of a slot; -ENOENT when empty. */
int hp_window_slot_read(const struct hp_window *w, unsigned index, struct hp_window_slot *ret);

#endif

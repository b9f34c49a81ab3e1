/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "node/window.h"
#include "util/util.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

int hp_window_create(const char *path, uint64_t size)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	struct hp_window_header *h;
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size != 0 && (uint64_t)st.st_size != size)
		return -EEXIST;
	if (st.st_size == 0 && ftruncate(fd, (off_t)size) < 0)
		return -errno;
	size_t len = size < (2u << 20) ? size : (2u << 20); /* hugetlbfs maps whole pages */

	h = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED)
		return -errno;
	if (h->magic != HP_WINDOW_MAGIC) {
		memset(h, 0, sizeof(*h));
		h->version = HP_WINDOW_VERSION;
		h->hdr_size = HP_WINDOW_HDR_SIZE;
		h->size = size;
		/* Publish the magic last: a mapper that sees it sees the rest. */
		atomic_store_explicit((_Atomic uint64_t *)&h->magic, HP_WINDOW_MAGIC,
				      memory_order_release);
	}
	munmap(h, len);
	return 0;
}

int hp_window_map(const char *path, struct hp_window *ret_win)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
	struct hp_window_header *h;
	uint64_t magic, size;
	struct stat st;
	void *base;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	uint64_t len = (uint64_t)st.st_size < (2u << 20) ? (uint64_t)st.st_size : (2u << 20);

	if ((uint64_t)st.st_size < HP_WINDOW_HDR_SIZE)
		return -EBADMSG;
	/* Only the header page: the rest of the budget is handed out as pod
	 * windows, and mapping it all would pin every hugepage. */
	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return -errno;
	h = base;
	magic = atomic_load_explicit((_Atomic uint64_t *)&h->magic, memory_order_acquire);
	size = h->size;
	if (magic != HP_WINDOW_MAGIC || h->version != HP_WINDOW_VERSION ||
	    size != (uint64_t)st.st_size) {
		munmap(base, len);
		return -EBADMSG;
	}
	ret_win->base = base;
	ret_win->size = size;
	ret_win->map_len = len;
	ret_win->fd = steal_fd(fd);
	return 0;
}

void hp_window_unmap(struct hp_window *w)
{
	if (!w || !w->base)
		return;
	munmap(w->base, w->map_len);
	close(w->fd);
	w->base = NULL;
	w->fd = -1;
}

int hp_window_attach(struct hp_window *w, unsigned index, const char *pu, uint64_t pid)
{
	struct hp_window_header *h = w->base;
	struct hp_window_slot *s;
	struct timespec ts;

	if (index >= HP_WINDOW_MAX_PUS)
		return -EINVAL;
	s = &h->slot[index];
	clock_gettime(CLOCK_REALTIME, &ts);
	memset(s, 0, sizeof(*s));
	snprintf(s->pu, sizeof(s->pu), "%s", pu);
	s->agent_pid = pid;
	atomic_store_explicit((_Atomic uint64_t *)&s->attached_ns,
			      (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec, memory_order_release);
	return 0;
}

void hp_window_detach(struct hp_window *w, unsigned index)
{
	struct hp_window_header *h = w->base;

	if (index < HP_WINDOW_MAX_PUS)
		atomic_store_explicit((_Atomic uint64_t *)&h->slot[index].attached_ns, 0,
				      memory_order_release);
}

int hp_window_slot_read(const struct hp_window *w, unsigned index, struct hp_window_slot *ret)
{
	const struct hp_window_header *h = w->base;
	struct hp_window_slot copy;

	if (index >= HP_WINDOW_MAX_PUS)
		return -EINVAL;
	if (!atomic_load_explicit((_Atomic uint64_t *)&h->slot[index].attached_ns,
				  memory_order_acquire))
		return -ENOENT;
	memcpy(&copy, &h->slot[index], sizeof(copy)); /* copy once, then check */
	copy.pu[sizeof(copy.pu) - 1] = '\0';
	*ret = copy;
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netns/bpf-hnetns.h"
#include "netns/hnetns.h"
#include "util/util.h"

#include "hnetns.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/stat.h>

#define MAX_ATTACHED 1024

struct attached {
	uint32_t pod;
	uint64_t cgroup_id;
	struct bpf_link *links[8];
	unsigned n_links;
};

struct hp_hnetns {
	struct hnetns *skel;
	struct ring_buffer *rb;
	hp_hnetns_event_fn fn;
	void *data;
	struct attached att[MAX_ATTACHED];
	unsigned n_att;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct hp_hnetns *h = ctx;
	struct hnetns_event e;

	if (size < sizeof(e))
		return 0;
	memcpy(&e, data, sizeof(e));
	if (h->fn)
		h->fn(h->data, e.pod, e.proto, e.port, e.bound);
	return 0;
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN || getenv("HETEROPOD_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

int hp_hnetns_open(unsigned pod_cgroup_level, hp_hnetns_event_fn fn, void *data,
		   struct hp_hnetns **ret)
{
	struct hp_hnetns *h = calloc(1, sizeof(*h));
	int r;

	if (!h)
		return -ENOMEM;
	libbpf_set_print(silent_print);
	h->fn = fn;
	h->data = data;
	h->skel = hnetns__open();
	if (!h->skel) {
		r = -errno;
		goto fail;
	}
	h->skel->rodata->pod_cgroup_level = pod_cgroup_level;
	r = hnetns__load(h->skel);
	if (r < 0)
		goto fail;
	h->rb = ring_buffer__new(bpf_map__fd(h->skel->maps.events), on_event, h, NULL);
	if (!h->rb) {
		r = -errno;
		goto fail;
	}
	*ret = h;
	return 0;
fail:
	hp_hnetns_close(h);
	return r < 0 ? r : -EIO;
}

void hp_hnetns_close(struct hp_hnetns *h)
{
	if (!h)
		return;
	while (h->n_att)
		hp_hnetns_detach(h, h->att[0].pod);
	ring_buffer__free(h->rb);
	hnetns__destroy(h->skel);
	free(h);
}

int hp_hnetns_attach(struct hp_hnetns *h, const char *cgroup_dir, uint32_t pod)
{
	struct bpf_program *progs[] = {
		h->skel->progs.hnetns_bind4,	   h->skel->progs.hnetns_bind6,
		h->skel->progs.hnetns_post_bind4,  h->skel->progs.hnetns_post_bind6,
		h->skel->progs.hnetns_sock_release, h->skel->progs.hnetns_sockops,
		h->skel->progs.hnetns_setsockopt,  h->skel->progs.hnetns_getsockopt,
	};
	_cleanup_close_ int fd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct attached *a;
	struct stat st;
	int r;

	_Static_assert(ARRAY_SIZE(progs) <= ARRAY_SIZE(((struct attached *)0)->links),
		       "struct attached has no room for every link");
	if (fd < 0)
		return -errno;
	if (h->n_att == MAX_ATTACHED)
		return -ENOSPC;
	if (fstat(fd, &st) < 0)
		return -errno;
	a = &h->att[h->n_att];
	memset(a, 0, sizeof(*a));
	a->pod = pod;
	/* On cgroup v2 a group's id is its kernfs inode number. */
	a->cgroup_id = st.st_ino;
	r = bpf_map_update_elem(bpf_map__fd(h->skel->maps.pods), &a->cgroup_id, &pod, BPF_ANY);
	if (r < 0)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		struct bpf_link *l = bpf_program__attach_cgroup(progs[i], fd);

		if (!l) {
			r = -errno;
			while (a->n_links)
				bpf_link__destroy(a->links[--a->n_links]);
			bpf_map_delete_elem(bpf_map__fd(h->skel->maps.pods), &a->cgroup_id);
			return r;
		}
		a->links[a->n_links++] = l;
	}
	h->n_att++;
	return 0;
}

void hp_hnetns_detach(struct hp_hnetns *h, uint32_t pod)
{
	for (unsigned i = 0; i < h->n_att; i++) {
		struct attached *a = &h->att[i];

		if (a->pod != pod)
			continue;
		while (a->n_links)
			bpf_link__destroy(a->links[--a->n_links]);
		bpf_map_delete_elem(bpf_map__fd(h->skel->maps.pods), &a->cgroup_id);
		h->att[i] = h->att[--h->n_att];
		return;
	}
}

int hp_hnetns_set_remote_port(struct hp_hnetns *h, uint32_t pod, uint8_t proto, uint16_t port,
			      bool held)
{
	struct hnetns_port_key k = { .pod = pod, .port = port, .proto = proto };
	int fd = bpf_map__fd(h->skel->maps.remote_ports);
	uint8_t one = 1;
	int r;

	if (held)
		r = bpf_map_update_elem(fd, &k, &one, BPF_ANY);
	else
		r = bpf_map_delete_elem(fd, &k);
	return r < 0 && !(errno == ENOENT && !held) ? -errno : 0;
}

int hp_hnetns_fd(struct hp_hnetns *h)
{
	return ring_buffer__epoll_fd(h->rb);
}

int hp_hnetns_poll(struct hp_hnetns *h)
{
	int r = ring_buffer__consume(h->rb);

	return r < 0 ? r : 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loader of the hetero-netns eBPF programs (one instance per PU agent). */
#ifndef HP_BPF_HNETNS_H
#define HP_BPF_HNETNS_H

#include <stdbool.h>
#include <stdint.h>

struct hp_hnetns;

/* Called for each port bound/released in a half of this PU. */
typedef void (*hp_hnetns_event_fn)(void *data, uint32_t pod, uint8_t proto, uint16_t port,
				   bool bound);

/* Load the programs; pod_cgroup_level is the depth of pod-half groups. */
int hp_hnetns_open(unsigned pod_cgroup_level, hp_hnetns_event_fn fn, void *data,
		   struct hp_hnetns **ret);
void hp_hnetns_close(struct hp_hnetns *h);

/* Attach every hook to a pod half's cgroup v2 directory. */
int hp_hnetns_attach(struct hp_hnetns *h, const char *cgroup_dir, uint32_t pod);
/* Detach from the pod (its cgroup is about to go). */
void hp_hnetns_detach(struct hp_hnetns *h, uint32_t pod);

/* The other half of pod holds / released (proto, port). */
int hp_hnetns_set_remote_port(struct hp_hnetns *h, uint32_t pod, uint8_t proto, uint16_t port,
			      bool held);

/* Epoll-able fd for the event ring; call hp_hnetns_poll when readable. */
int hp_hnetns_fd(struct hp_hnetns *h);
int hp_hnetns_poll(struct hp_hnetns *h);

#endif

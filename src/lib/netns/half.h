/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One half of a HeteroPod's split network namespace (hetero-netns).
 *
 * Both halves carry the pod IP and a UTS namespace with the pod's hostname.
 * They are joined by a per-pod VXLAN tunnel (VNI = pod id) whose outer
 * packets ride the PU link, so on a real DPU it works unchanged. The tunnel
 * carries the pod's own addresses — 127.0.0.0/8 included (route_localnet)
 * and the pod IP, which both halves own (accept_local) — so a connection
 * between the halves looks like ordinary loopback on both ends.
 *
 * Routing in each half:
 *   pref 10  fwmark 0x4000 -> table 102     replies of connections that came
 *                                            from the other half go back to it
 *   pref 50  to 127/8|podIP, proto, dport P  ports the other half holds
 *            -> table 102                    (added/removed per port event)
 *   pref 100 local, 32766 main, ...          (local moved below our rules)
 *   table 102: everything via the tunnel peer
 * The DPU half owns the wire: its eth0 goes to the DPU's stack; the host
 * half's only interface is the tunnel (named eth0), its default route
 * points at the DPU half. An adopted host half (a CNI runtime's namespace)
 * keeps the primary plugin's eth0 and default route; its tunnel is hpx0.
 */
#ifndef HP_HALF_H
#define HP_HALF_H

#include "config/config.h"
#include "node/node.h"

#include <stdbool.h>
#include <stdint.h>

struct hp_pod {
	char name[HP_POD_NAME_MAX + 1];
	unsigned id;  /* 1.., also the VXLAN VNI */
	uint32_t ip;  /* host byte order */
	unsigned dpu; /* index of the DPU the pod spans */
	bool adopted; /* the host half is a runtime's namespace (CNI) */
	bool wire_fallback; /* adopted, and its containers' binds are not announced
			     * (a runtime other than heteropod-runtime): the DPU half
			     * passes wire connections no socket of its own takes on
			     * to the host half */
};

/* Host half: pu_index 0; DPU half: 1 + pod->dpu. */
int hp_half_create(const struct hp_node *n, const struct hp_pod *pod, unsigned pu_index,
		   struct hp_error *err);
/*
 * Host half in a network namespace someone else made (a container runtime,
 * with a primary CNI plugin's eth0 and pod IP in it): pinned as the half's
 * namespace, with the tunnel named hpx0 beside eth0, our routing rules,
 * netfilter chains and settings. The primary plugin's default route stays.
 */
int hp_half_adopt(const struct hp_node *n, const struct hp_pod *pod, const char *netns_path,
		  struct hp_error *err);
/*
 * Give back every adopted namespace of a node whose host agent is gone
 * (node down after a crash): what the agent would have done for each.
 */
void hp_half_adopted_sweep(const char *node, const char *state_dir);
/* Is the host half of pod an adopted one? */
bool hp_half_adopted(const struct hp_node *n, const char *pod);
/*
 * Remove the half (namespaces, cgroup with what runs in it, node links). An
 * adopted namespace is never removed: only what we added to it goes, and
 * the settings we changed get their old values back.
 */
void hp_half_delete(const struct hp_node *n, const struct hp_pod *pod, unsigned pu_index);
/* Route (proto, port) of pod to the other half, or stop doing so. */
int hp_half_route_port(const struct hp_node *n, const struct hp_pod *pod, unsigned pu_index,
		       uint8_t proto, uint16_t port, bool add);

/* Names of a half's pieces. */
void hp_half_netns(const struct hp_node *n, const char *pod, unsigned pu_index, char *buf,
		   size_t len);
void hp_half_uts(const struct hp_node *n, const char *pod, unsigned pu_index, char *buf,
		 size_t len);
void hp_half_group(const char *pod, char *buf, size_t len);

/* Ephemeral port ranges: disjoint, so the halves never pick the same one. */
#define HP_HOST_EPHEMERAL "32768 46999"
#define HP_DPU_EPHEMERAL "47000 60999"

#endif

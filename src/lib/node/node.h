/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The emulated node: a host PU and N DPU PUs as resource partitions, each
 * with its own network stack; the PU link between host and each DPU; the
 * window; the wire behind the DPUs; and one agent (heteropodd) per PU.
 *
 *   netns <node>.host        host PU's stack        veth pu-dpuN <-> pu-host
 *   netns <node>.dpuN        dpuN's stack           veth wire0   <-> dpuN
 *   netns <node>.wire        the network outside
 *   netns <node>.pod.<P>.<pu> the halves of pod P (made by the agents)
 *   /run/heteropod/<node>/   node.conf, <pu>.pid, <pu>.sock, <pu>.log, uts/
 *   /dev/shm/heteropod.<node>.window  (or hugetlbfs under the state dir)
 */
#ifndef HP_NODE_H
#define HP_NODE_H

#include "config/config.h"
#include "node/cgroup.h"

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#define HP_RUN_DIR "/run/heteropod"

struct hp_node {
	struct hp_node_config cfg;
	struct hp_cgroups cg;
	char state_dir[PATH_MAX];
	char window_path[PATH_MAX];
};

/* Look up a PU by name: 0 = host, 1 + N = dpuN; -ENOENT if not on this node. */
int hp_node_pu_index(const struct hp_node_config *c, const char *pu);
const char *hp_node_pu_name(const struct hp_node_config *c, unsigned index);
const struct hp_pu_config *hp_node_pu(const struct hp_node_config *c, unsigned index);

/* Names and paths (buffers of at least 128 / PATH_MAX bytes). */
void hp_node_netns_name(const char *node, const char *pu, char *buf, size_t n);
void hp_pod_netns_name(const char *node, const char *pod, const char *pu, char *buf, size_t n);
void hp_node_state_dir(const char *node, char *buf, size_t n);
void hp_node_agent_sock(const char *node, const char *pu, char *buf, size_t n);

/* Prepare the in-memory view for a node's config (cgroups detection, paths). */
int hp_node_init(struct hp_node *n, const struct hp_node_config *cfg, struct hp_error *err);
/* Load a running node's config from its state dir; -ENOENT if it's not up. */
int hp_node_open(struct hp_node *n, const char *name, struct hp_error *err);

/*
 * Bring the node up (idempotent). agent_path is the heteropodd executable.
 * On failure everything made so far is removed again.
 */
int hp_node_up(struct hp_node *n, const char *agent_path, struct hp_error *err);
/* Remove everything the node made; fine if nothing is there. */
int hp_node_down(const char *name, struct hp_error *err);

/* Agent of PU index: pid if alive, else 0. */
pid_t hp_node_agent_pid(const struct hp_node *n, unsigned pu_index);

/* Start the agent for one PU, in its partition and network stack. */
int hp_node_start_agent(struct hp_node *n, unsigned pu_index, const char *agent_path,
			struct hp_error *err);

#endif

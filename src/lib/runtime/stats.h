/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What one half of a HeteroPod measures about itself, for `heteropod
 * profile`: CPU time and memory of each container (its cgroup), and the TCP
 * connections of the half with their byte and segment counters (tcp_info,
 * read through ss), each tied to the container whose process holds it.
 * Each PU's agent answers for its own half (op pod-stats).
 */
#ifndef HP_STATS_H
#define HP_STATS_H

#include "node/node.h"

#include <jansson.h>

/*
 * {"containers": {"<id12>": {"cpu_ns": N, "memory": N}},
 *  "sockets": [{"local": "ip:port", "peer": "ip:port", "ctr": "<id12>" | null,
 *               "bytes_received": N, "data_segs_out": N}]}
 */
int hp_half_stats(const struct hp_node *n, unsigned pu_index, const char *pod, json_t **ret);

/* Parse one line of `ss -tinpHO` into a socket object (NULL if it is not one). */
json_t *hp_ss_parse_line(const char *line);

/* The container (first 12 characters of its id) a process of pod runs in, or "". */
void hp_pid_container(pid_t pid, const char *pod, char *buf, size_t n);

#endif

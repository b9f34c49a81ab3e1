/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The emulated node's configuration: an INI file (wireguard-tools style)
 * plus command-line overrides. Parsing never touches the system; the node
 * module checks what only the machine can tell (CPUs online, hugepages).
 *
 *   [node]                      [window]
 *   name = hp                   size = 256M
 *   dpus = 1                    hugepages = no
 *   pod-cidr = 198.18.128.0/17
 *   cgroup = auto               pod-size = 8M
 *                               [host]        [dpu0]
 *   agent-port = 7077           cpus = 0      cpus = 1
 *                               memory = 0    speed = 0.5
 *                                             memory = 2G
 *
 * A [dpu] section sets defaults for every DPU; [dpuN] overrides one.
 */
#ifndef HP_CONFIG_H
#define HP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define HP_MAX_DPUS 8
#define HP_NODE_NAME_MAX 8   /* prefixes interface and namespace names */
#define HP_POD_NAME_MAX 40

enum hp_cgroup_mode { HP_CGROUP_AUTO, HP_CGROUP_V1, HP_CGROUP_V2 };

struct hp_pu_config {
	char name[16];   /* "host", "dpu0", ... */
	char cpus[64];   /* cpuset list, e.g. "0" or "1-3,5" */
	double speed;    /* share of its cpus' time (CPU bandwidth cap); 1 = none */
	uint64_t memory; /* bytes; 0 = no limit */
};

struct hp_node_config {
	char name[HP_NODE_NAME_MAX + 1];
	unsigned n_dpus;
	struct hp_pu_config host;
	struct hp_pu_config dpu[HP_MAX_DPUS];
	uint32_t pod_net;       /* host byte order */
	unsigned pod_prefix;
	uint64_t window_size;     /* the node's window: the budget of every pod's channels */
	uint64_t pod_window_size; /* what each pod gets of it (while the budget lasts) */
	bool window_hugepages;
	enum hp_cgroup_mode cgroup;
	uint16_t agent_port;
};

/* A message naming the field and the problem; filled on -EINVAL. */
struct hp_error {
	char msg[1024]; /* two paths and names: 320 had cut a message after its long path */
};
void hp_error_set(struct hp_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Defaults for a machine with ncpus online CPUs. */
void hp_config_defaults(struct hp_node_config *c, unsigned ncpus);

/* Apply "section.key = value". File name/line only for messages (may be NULL/0). */
int hp_config_set(struct hp_node_config *c, const char *section, const char *key,
		  const char *value, const char *file, unsigned line, struct hp_error *err);

/* Parse an INI text (file is used only in messages). */
int hp_config_parse(struct hp_node_config *c, const char *text, const char *file,
		    struct hp_error *err);
int hp_config_load(struct hp_node_config *c, const char *path, struct hp_error *err);

/* Cross-field checks once everything is applied. */
int hp_config_validate(const struct hp_node_config *c, struct hp_error *err);

/* Serialise (round-trips through hp_config_parse). Caller frees. */
char *hp_config_format(const struct hp_node_config *c);

/* Cpuset list syntax "0-3,5"; ret_max gets the highest CPU named. */
int hp_cpulist_parse(const char *s, unsigned *ret_max);

const char *hp_cgroup_mode_str(enum hp_cgroup_mode m);

#endif

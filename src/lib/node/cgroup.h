/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PU resource partitions as cgroups, on the v1 hierarchy (cpuset, cpu,
 * cpuacct, memory, with eBPF hooks on the v2 mount beside it) or on a pure
 * cgroup v2 machine. Layout, relative to each hierarchy's root:
 *
 *   heteropod.<node>/<pu>          the PU: cpuset, CPU-bandwidth cap, memory
 *   heteropod.<node>/<pu>/<group>  a pod half or an agent, inherits the PU
 *
 * The eBPF hooks of hetero-netns attach to <group> on the v2 hierarchy.
 */
#ifndef HP_CGROUP_H
#define HP_CGROUP_H

#include "config/config.h"

#include <limits.h>
#include <sys/types.h>

struct hp_cgroups {
	enum hp_cgroup_mode mode; /* resolved: V1 (hybrid) or V2 */
	char v1_root[PATH_MAX];   /* e.g. /sys/fs/cgroup (V1 only) */
	char v2_root[PATH_MAX];   /* /sys/fs/cgroup/unified (hybrid) or /sys/fs/cgroup */
	char node[HP_NODE_NAME_MAX + 1];
	bool create_files;        /* tests on a plain directory tree */
};

/* Find the hierarchies under root (normally "/sys/fs/cgroup"). */
int hp_cgroups_detect(struct hp_cgroups *cg, enum hp_cgroup_mode want, const char *root,
		      const char *node, struct hp_error *err);

/* Create the PU partition and set its limits. Idempotent. */
int hp_cgroup_pu_create(const struct hp_cgroups *cg, const struct hp_pu_config *pu,
			struct hp_error *err);
/* Create a group inside a PU (inherits the PU's cpuset). Idempotent. */
int hp_cgroup_group_create(const struct hp_cgroups *cg, const char *pu, const char *group);
/* Move pid into the group (every hierarchy). */
int hp_cgroup_attach(const struct hp_cgroups *cg, const char *pu, const char *group, pid_t pid);
/* Kill what runs in the group and remove it. Missing is fine. */
/* Only the v2 group (hybrid: the controllers are someone else's, the eBPF hooks ours). */
int hp_cgroup_attach_v2(const struct hp_cgroups *cg, const char *pu, const char *group, pid_t pid);
int hp_cgroup_group_remove(const struct hp_cgroups *cg, const char *pu, const char *group);
/* Remove everything under heteropod.<node>, killing what runs there. */
int hp_cgroups_remove_all(const struct hp_cgroups *cg);
/* Path of a group (group may be NULL for the PU) on the v2 hierarchy. */
int hp_cgroup_v2_path(const struct hp_cgroups *cg, const char *pu, const char *group,
		      char *buf, size_t n);
/* CPU time used by the PU (or a group in it), in nanoseconds. */
int hp_cgroup_cpu_usage(const struct hp_cgroups *cg, const char *pu, const char *group,
			uint64_t *ret_ns);
/* Number of processes in a group. */
int hp_cgroup_memory_usage(const struct hp_cgroups *cg, const char *pu, const char *group,
			   uint64_t *ret_bytes);
/* Names of the child groups of group (NULL-terminated; hp_strv_free). */
char **hp_cgroup_children(const struct hp_cgroups *cg, const char *pu, const char *group);
int hp_cgroup_nprocs(const struct hp_cgroups *cg, const char *pu, const char *group);

#endif

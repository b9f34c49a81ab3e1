/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Containers a PU agent runs itself: the containers of its pod halves that
 * the pod's placement puts on this PU. On a DPU this is what makes them run
 * on the DPU's cores: the agent starts them with runc, in the half's network
 * and UTS namespaces and in the half's cgroup (the PU's partition, with the
 * hetero-netns hooks), and streams their output and exit status back to the
 * host, where a stand-in process plays the container for the engine (see
 * src/runtime/).
 */
#ifndef HP_CTR_H
#define HP_CTR_H

#include "node/node.h"
#include "util/util.h"

#include <jansson.h>
#include <sys/types.h>

#define HP_MAX_CTRS 256

struct hp_ctr {
	bool used;
	char id[129];
	char pod[HP_POD_NAME_MAX + 1];
	pid_t pid;  /* the container's first process, once created */
	int out[2]; /* read ends of its stdout and stderr; -1 once closed */
	bool exited;
	int status; /* wait status, once exited */
	char dir[PATH_MAX];
};

struct hp_ctrs {
	char runc_root[PATH_MAX]; /* runc --root, this PU's own */
	char base[PATH_MAX];	  /* where each container's bundle config lives */
	struct hp_ctr c[HP_MAX_CTRS];
};

/* Where a container of a half goes on this PU. */
struct hp_ctr_place {
	const char *netns;   /* the half's network namespace (a path) */
	const char *uts;     /* the half's UTS namespace (a path) */
	const char *cgroups; /* cgroupsPath for runc */
};

void hp_ctrs_init(struct hp_ctrs *t, const char *state_dir, const char *pu);

/*
 * runc create the container of spec (the engine's config.json, whose paths
 * are absolute or relative to bundle) at place. Its output is readable from
 * c->out once this returns.
 */
int hp_ctr_create(struct hp_ctrs *t, const char *id, const char *pod, json_t *spec,
		  const char *bundle, const struct hp_ctr_place *place, struct hp_ctr **ret,
		  struct hp_error *err);
/* runc start | kill SIG [--all] | state | delete --force, for c. */
int hp_ctr_start(struct hp_ctrs *t, struct hp_ctr *c, struct hp_error *err);
int hp_ctr_kill(struct hp_ctrs *t, struct hp_ctr *c, const char *sig, bool all,
		struct hp_error *err);
int hp_ctr_state(struct hp_ctrs *t, struct hp_ctr *c, json_t **ret, struct hp_error *err);
/* Remove c whatever its state (runc delete --force); frees the slot. */
void hp_ctr_delete(struct hp_ctrs *t, struct hp_ctr *c);

/* Remove the containers a previous agent of this PU left (it died). */
void hp_ctrs_remove_orphans(struct hp_ctrs *t);

struct hp_ctr *hp_ctr_find(struct hp_ctrs *t, const char *id);
/* The container whose first process pid was (it exited with status). */
struct hp_ctr *hp_ctr_reaped(struct hp_ctrs *t, pid_t pid, int status);

/* Base64 of n bytes (for output over the JSON-lines PU link); NULL on ENOMEM. */
char *hp_base64(const void *buf, size_t n);
/* Decode; returns the length or -EINVAL. out must hold 3/4 of strlen(in). */
ssize_t hp_unbase64(const char *in, void *out, size_t n);

#endif

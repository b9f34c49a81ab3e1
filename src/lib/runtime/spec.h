/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading and rewriting an OCI runtime spec (a bundle's config.json) for a
 * HeteroPod container: which container it is, which PU the pod's placement
 * annotation gives it, and the edits that put it on that PU.
 *
 * The placement annotation, on the pod (Kubernetes passes pod annotations to
 * every container's spec):
 *   heteropod.io/placement: '{"istio-proxy": "dpu0", "app": "host"}'
 * The container's own name comes from the annotation the engine sets
 * (containerd: io.kubernetes.cri.container-name, CRI-O:
 * io.kubernetes.container.name) or, for podman, which passes neither, from
 * the HETEROPOD_CONTAINER variable `heteropod play` puts in its environment.
 * podman 4.3 passes no template annotation at all for a Deployment, so play
 * also writes the placed PU into the container's HETEROPOD_PU variable; the
 * annotation, when the runtime sees it, wins.
 */
#ifndef HP_SPEC_H
#define HP_SPEC_H

#include "config/config.h"
#include "util/util.h"

#include <jansson.h>

#define HP_ANN_PLACEMENT "heteropod.io/placement"
#define HP_ENV_CONTAINER "HETEROPOD_CONTAINER"
#define HP_ENV_PU "HETEROPOD_PU"

/* The container's name, or NULL when the spec does not say. */
const char *hp_spec_container_name(json_t *spec);

/*
 * The PU the placement annotation gives this container: "host" when there is
 * no annotation or it does not name the container. -EINVAL with err set
 * when the annotation is malformed or names something that is not a PU, or
 * when it places containers but this one's name cannot be known.
 */
int hp_spec_placement(json_t *spec, char *pu, size_t n, struct hp_error *err);

/* Is s a PU name ("host", "dpu0".."dpu99")? */
bool hp_pu_name_valid(const char *s);

/* The path of the namespace of that type the container joins, or NULL. */
const char *hp_spec_ns_path(json_t *spec, const char *type);
/* Join the namespace at path, or (path NULL) get a new one of that type. */
int hp_spec_set_ns(json_t *spec, const char *type, const char *path);

/*
 * Lower the resource limits the spec asks for to what this process may set:
 * these machines refuse raising a hard RLIMIT_NOFILE/RLIMIT_NPROC, which
 * podman asks for by default. Returns how many limits were lowered.
 */
int hp_spec_clamp_rlimits(json_t *spec);

int hp_spec_set_cgroups_path(json_t *spec, const char *path);
/* Add or replace NAME=VALUE in the process environment. */
int hp_spec_setenv(json_t *spec, const char *name, const char *value);
/* Bind-mount src at dst inside the container. */
int hp_spec_add_bind(json_t *spec, const char *src, const char *dst, bool ro);

/*
 * hetero-socket for the container: unless the pod says
 * heteropod.io/accel: "false" (or the container HETEROPOD_ACCEL=0), its TCP
 * connections to the pod's other half use the pod's window. The container
 * then gets the interposer (preload_lib, with the libjansson it links,
 * beside it) and its PU agent's socket bind-mounted under HP_ACCEL_DIR, and
 * LD_PRELOAD, HETERONET_AGENT and HETERONET_POD set.
 */
#define HP_ANN_ACCEL "heteropod.io/accel"
#define HP_ENV_ACCEL "HETEROPOD_ACCEL"
#define HP_ACCEL_DIR "/run/heteropod-accel"
#define HP_PRELOAD_LIB "libheteropod-preload.so" /* installed beside the binaries */
bool hp_spec_accel_wanted(json_t *spec);
int hp_spec_accelerate(json_t *spec, const char *preload_lib, const char *agent_sock,
		       const char *pod);

/* Container ids as runc accepts them, and safe as file names. */
bool hp_ctr_id_valid(const char *id);

#endif

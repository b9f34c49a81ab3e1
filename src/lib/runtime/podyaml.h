/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pod YAML as `heteropod play` hands it to podman: every container of every
 * pod template carries its own name in HETEROPOD_CONTAINER (podman passes
 * the pod's annotations to the runtime but not the container's name), and
 * the pods and their placements are listed for the person playing them.
 */
#ifndef HP_PODYAML_H
#define HP_PODYAML_H

#include "config/config.h"

#include <jansson.h>
#include <stddef.h>

/*
 * Rewrite the manifests in text (file name for messages). ret_text: the YAML
 * to play; ret_pods: [{"workload": "Kind/name", "pod": "name podman gives
 * it", "placement": {container: PU}}]. -EINVAL with err ("file:line: ...")
 * for YAML that is malformed or has no pods podman can play.
 */
int hp_play_prepare(const char *file, const char *text, size_t len, char **ret_text,
		    json_t **ret_pods, struct hp_error *err);

#endif

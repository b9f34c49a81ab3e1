/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/podref.h"
#include "agent/proto.h"
#include "util/util.h"

#include <glob.h>
#include <sys/stat.h>

#define FIND_TIMEOUT_MS 10000

/*
 * Ask every host agent on this machine which pod has its host half in the
 * network namespace at path: 1 and ref filled, 0 if none, -errno.
 */
int hp_pod_of_netns(const char *path, struct hp_pod_ref *ref)
{
	struct stat st;
	glob_t g;
	int found = 0;

	if (stat(path, &st) < 0)
		return -errno;
	if (glob("/run/heteropod/*/host.sock", 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc && !found; i++) {
		json_t *req = json_pack("{s:s, s:I, s:I}", "op", "pod-find", "netns_dev",
					(json_int_t)st.st_dev, "netns_ino", (json_int_t)st.st_ino);
		json_t *resp = NULL, *pod;

		if (hp_ctl_call(g.gl_pathv[i], req, &resp, FIND_TIMEOUT_MS) == 0 &&
		    json_is_true(json_object_get(resp, "ok"))) {
			pod = json_object_get(resp, "pod");
			snprintf(ref->node, sizeof(ref->node), "%s",
				 json_string_value(json_object_get(resp, "node")) ?: "");
			snprintf(ref->pod, sizeof(ref->pod), "%s",
				 json_string_value(json_object_get(pod, "name")) ?: "");
			snprintf(ref->dpu, sizeof(ref->dpu), "%s",
				 json_string_value(json_object_get(pod, "dpu")) ?: "");
			ref->window = json_is_true(json_object_get(pod, "window"));
			found = ref->node[0] && ref->pod[0];
		}
		json_decref(req);
		json_decref(resp);
	}
	globfree(&g);
	return found;
}

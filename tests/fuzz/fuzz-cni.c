/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the network configuration a runtime hands heteronet on
 * stdin (with the primary plugin's prevResult and GC's valid attachments),
 * read as heteronet reads it, and a CNI_ARGS string made into a pod name.
 * FUZZ-SOURCES: cni/cni.c netns/addr.c util/util.c
 * FUZZ-LIBS: -ljansson
 */
#include "cni/cni.h"
#include "util/util.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_cni_error err = {0};
	struct hp_cni_conf c;
	char name[HP_POD_NAME_MAX + 1], *args;
	uint32_t ip;

	if (hp_cni_conf_parse((const char *)data, size, &c, &err) == 0) {
		if (c.prev_result)
			hp_cni_prev_ip4(c.prev_result, "eth0", &ip, &err);
		hp_cni_attachment_valid(c.valid_attachments, "a", "eth0");
		json_decref(hp_cni_error_json(c.version, &err));
		hp_cni_conf_free(&c);
	}
	/* The same bytes as CNI_ARGS: the name must always be a valid pod name. */
	args = strndup((const char *)data, size);
	if (args) {
		hp_cni_pod_name(args, args, name, sizeof(name));
		if (!hp_name_valid(name, HP_POD_NAME_MAX))
			__builtin_trap();
		free(args);
	}
	return 0;
}

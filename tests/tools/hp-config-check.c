/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hp-config-check FILE...: load each node configuration (docs/node.md) as
 * `heteropod node up --config FILE` would, without bringing anything up.
 * Prints "FILE: ok" or the parser's message; exit 0 if all are valid, 2 if
 * one is not. tests/integration/test-deploy.sh checks deploy/node.conf.
 */
#include "config/config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int rc = 0;

	if (argc < 2 || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout, "Usage: hp-config-check FILE...\n");
		return argc < 2 ? 2 : 0;
	}
	for (int i = 1; i < argc; i++) {
		struct hp_node_config cfg;
		struct hp_error err = { "" };

		hp_config_defaults(&cfg, ncpu > 0 ? (unsigned)ncpu : 1);
		if (hp_config_load(&cfg, argv[i], &err) < 0 || hp_config_validate(&cfg, &err) < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], err.msg);
			rc = 2;
			continue;
		}
		printf("%s: ok (node %s, %u DPU%s)\n", argv[i], cfg.name, cfg.n_dpus,
		       cfg.n_dpus == 1 ? "" : "s");
	}
	return rc;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which HeteroPod a network namespace belongs to, asked of the host agents. */
#ifndef HP_PODREF_H
#define HP_PODREF_H

#include "node/node.h"

struct hp_pod_ref {
	char node[HP_NODE_NAME_MAX + 1];
	char pod[HP_POD_NAME_MAX + 1];
	char dpu[16];
	bool window;
};

int hp_pod_of_netns(const char *path, struct hp_pod_ref *ref);

#endif

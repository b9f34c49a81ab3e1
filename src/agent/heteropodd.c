/* SPDX-License-Identifier: GPL-2.0-or-later */
/* heteropodd: the per-PU agent (see src/lib/agent/agent.h). */
#include "agent/agent.h"
#include "util/util.h"

#include <getopt.h>

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "pu", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *node = NULL, *pu = NULL, *fd = getenv("HETEROPOD_READY_FD");
	int c;

	hp_log_init("heteropodd");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			node = optarg;
			break;
		case 'p':
			pu = optarg;
			break;
		case 'h':
			printf("Usage: heteropodd --node NAME --pu host|dpuN\n\n"
			       "The agent of one PU of an emulated HeteroPod node. 'heteropod node up'\n"
			       "starts one per PU; it is not meant to be started by hand.\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!node || !pu) {
		fprintf(stderr, "heteropodd: error: --node and --pu are required\n");
		return 2;
	}
	unsetenv("HETEROPOD_READY_FD");
	return hp_agent_run(node, pu, fd ? atoi(fd) : -1) < 0 ? 1 : 0;
}

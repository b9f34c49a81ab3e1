/* SPDX-License-Identifier: GPL-2.0-or-later */
/* heteropod plan — placeholder until the planner lands (issue 4). */
#include "cli.h"
#include "util/util.h"

int cmd_plan(struct cli *cli, int argc, char **argv)
{
	log_err("plan: the planner is not built yet");
	return EXIT_FAIL;
}

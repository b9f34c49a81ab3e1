/* SPDX-License-Identifier: GPL-2.0-or-later */
/* heteropod bench plan — placeholder until the planner lands (issue 4). */
#include "cli.h"
#include "util/util.h"

int bench_plan(struct cli *cli, int argc, char **argv)
{
	log_err("bench plan: the planner is not built yet");
	return EXIT_FAIL;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* heteropod bench plan — filled in below. */
#include "cli.h"
#include "util/util.h"

int bench_plan(struct cli *cli, int argc, char **argv)
{
	log_err("bench plan: not built yet");
	return EXIT_FAIL;
}

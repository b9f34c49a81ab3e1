/* SPDX-License-Identifier: GPL-2.0-or-later */
/* heteropod bench NAME: benchmarks, each in its own file (bench-NAME.c). */
#include "cli.h"
#include "util/util.h"

static const struct {
	const char *name;
	int (*fn)(struct cli *, int, char **);
	const char *summary;
} benches[] = {
	{ "xpu", bench_xpu, "hetero-socket against kernel-bypass, kernel path and loopback" },
	{ "plan", bench_plan, "planner solve time and optimality, greedy gap on real manifests" },
};

int cmd_bench(struct cli *cli, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		FILE *f = argc < 2 ? stderr : stdout;

		fprintf(f, "Usage: heteropod bench NAME [--json]\n\nBenchmarks:\n");
		for (size_t i = 0; i < ARRAY_SIZE(benches); i++)
			fprintf(f, "  %-6s %s\n", benches[i].name, benches[i].summary);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(benches); i++)
		if (!strcmp(argv[1], benches[i].name))
			return benches[i].fn(cli, argc - 1, argv + 1);
	return cli_usage_error("unknown benchmark '%s'", argv[1]);
}

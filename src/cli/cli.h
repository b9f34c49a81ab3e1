/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The heteropod CLI: one file per verb, dispatched from heteropod.c. */
#ifndef HP_CLI_H
#define HP_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* Exit statuses (the command-line contract). */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

struct cli {
	const char *node; /* --node NAME, $HETEROPOD_NODE, or "hp" */
	bool node_set;    /* given by --node or $HETEROPOD_NODE */
	const char *prog; /* argv[0] of heteropod */
};

int cmd_node(struct cli *cli, int argc, char **argv);
int cmd_pod(struct cli *cli, int argc, char **argv);
int cmd_exec(struct cli *cli, int argc, char **argv);
int cmd_client(struct cli *cli, int argc, char **argv);
int cmd_plan(struct cli *cli, int argc, char **argv);
int cmd_bench(struct cli *cli, int argc, char **argv);
int cmd_play(struct cli *cli, int argc, char **argv);
int cmd_profile(struct cli *cli, int argc, char **argv);
/* Benchmarks under `heteropod bench NAME`, each in its own file. */
int bench_plan(struct cli *cli, int argc, char **argv);
int bench_xpu(struct cli *cli, int argc, char **argv);

/* Print "heteropod: error: ..." and return EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Path of a sibling executable of heteropod (e.g. heteropodd). */
int cli_sibling(const char *name, char *buf, size_t n);

#endif

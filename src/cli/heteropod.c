/* SPDX-License-Identifier: GPL-2.0-or-later */
/* heteropod: the command-line front end. Verbs are dispatched from a table. */
#include "cli.h"
#include "util/util.h"

#include <getopt.h>
#include <limits.h>

static const struct {
	const char *name;
	int (*fn)(struct cli *, int, char **);
	const char *summary;
} verbs[] = {
	{ "node", cmd_node, "bring the emulated node up or down, show its status" },
	{ "pod", cmd_pod, "create, delete and list HeteroPods (split network namespaces)" },
	{ "exec", cmd_exec, "run a command in one half of a pod" },
	{ "client", cmd_client, "run a command on the wire side (outside the node)" },
	{ "play", cmd_play, "run Kubernetes Pod YAML split across the PUs (podman)" },
	{ "profile", cmd_profile, "measure a running pod's containers for the planner" },
	{ "plan", cmd_plan, "decide which containers of Kubernetes manifests go to the DPU" },
	{ "bench", cmd_bench, "benchmarks that report side by side (bench plan)" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: heteropod [--node NAME] COMMAND [ARGS...]\n\n"
		   "HeteroPod runs Kubernetes Pods split across a host and its DPUs.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		fprintf(f, "  %-8s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f, "\nOptions:\n"
		   "  --node NAME  the emulated node to act on (default: $HETEROPOD_NODE or 'hp')\n"
		   "  -h, --help   this help; 'heteropod COMMAND --help' for a command's\n"
		   "\nExit status: 0 ok, 1 the work failed, 2 bad usage or bad input.\n");
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "heteropod: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int cli_sibling(const char *name, char *buf, size_t n)
{
	int r = hp_exe_sibling(name, buf, n);

	if (r < 0)
		return r;
	return access(buf, X_OK) == 0 ? 0 : -ENOENT;
}

/*
 * What a command wrote to standard output, flushed: a status of 0 becomes 1
 * where that failed (--help > /dev/full had exited 0), said once; a command
 * that failed has said why.
 */
static int finish(int status)
{
	int e = 0;

	errno = 0;
	if (fflush(stdout) == EOF)
		e = errno ? errno : EIO;
	if ((e || ferror(stdout)) && status == EXIT_OK) {
		/* an earlier write's error is gone from errno: none named */
		if (e)
			log_err("writing standard output: %s", strerror(e));
		else
			log_err("writing standard output failed");
		return 1;
	}
	return status;
}

int main(int argc, char **argv)
{
	struct cli cli = { .node = getenv("HETEROPOD_NODE"), .prog = argv[0] };
	bool node_arg = false; /* --node given here, not by the environment */
	int i = 1;

	hp_log_init("heteropod");
	cli.node_set = cli.node && *cli.node;
	if (!cli.node_set)
		cli.node = "hp";
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return finish(EXIT_OK);
		} else if (!strcmp(argv[i], "--node") && i + 1 < argc) {
			cli.node = argv[i + 1];
			cli.node_set = node_arg = true;
			i += 2;
		} else if (!strncmp(argv[i], "--node=", 7)) {
			cli.node = argv[i] + 7;
			cli.node_set = node_arg = true;
			i++;
		} else if (!strcmp(argv[i], "--version")) {
			printf("heteropod 0.1.0\n");
			return finish(EXIT_OK);
		} else {
			usage(stderr);
			return cli_usage_error("unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* plan's --node is a node description and comes after it; this one would be lost */
	if (node_arg && !strcmp(argv[i], "plan"))
		return cli_usage_error("--node before 'plan' names an emulated node, which plan "
				       "does not use; a node description goes after it: heteropod "
				       "plan FILE... --node FILE");
	if (node_arg && !strcmp(argv[i], "bench"))
		return cli_usage_error("--node before 'bench' names an emulated node; the "
				       "benchmarks run on their own");
	for (size_t v = 0; v < ARRAY_SIZE(verbs); v++)
		if (!strcmp(argv[i], verbs[v].name))
			return finish(verbs[v].fn(&cli, argc - i, argv + i));
	usage(stderr);
	return cli_usage_error("unknown command '%s'", argv[i]);
}

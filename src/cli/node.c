/* SPDX-License-Identifier: GPL-2.0-or-later */
/* heteropod node up | down | status */
#include "agent/proto.h"
#include "cli.h"
#include "node/node.h"
#include "node/window.h"
#include "util/util.h"

#include <getopt.h>
#include <jansson.h>

static void node_usage(FILE *f)
{
	fprintf(f,
		"Usage: heteropod [--node NAME] node up [--config FILE] [FLAGS]\n"
		"       heteropod [--node NAME] node down\n"
		"       heteropod [--node NAME] node status [--json]\n\n"
		"Flags of 'node up' (each overrides the config file):\n"
		"  --dpus N            number of DPU PUs (default 1)\n"
		"  --host-cpus LIST    host PU cpuset (default 0)\n"
		"  --dpu-cpus LIST     cpuset of every DPU (default 1 on a 2-CPU machine)\n"
		"  --dpu-speed F       DPU core speed relative to a host core, (0, 1] (CPU cap)\n"
		"  --dpu-memory SIZE   memory limit of every DPU (e.g. 2G; 0 = none)\n"
		"  --host-memory SIZE  memory limit of the host PU\n"
		"  --window-size SIZE  shared-memory window (power of two, default 64M)\n"
		"  --hugepages         back the window with 2M hugepages\n"
		"  --pod-cidr CIDR     pod addresses (default 198.18.128.0/17)\n"
		"  --cgroup MODE       auto, v1 or v2\n"
		"See docs/node.md for the config file format.\n");
}

static int node_up(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dpus", required_argument, NULL, 'd' },
		{ "host-cpus", required_argument, NULL, 'H' },
		{ "dpu-cpus", required_argument, NULL, 'D' },
		{ "dpu-speed", required_argument, NULL, 's' },
		{ "dpu-memory", required_argument, NULL, 'm' },
		{ "host-memory", required_argument, NULL, 'M' },
		{ "window-size", required_argument, NULL, 'w' },
		{ "hugepages", no_argument, NULL, 'g' },
		{ "pod-cidr", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static const struct {
		int opt;
		const char *section, *key;
	} map[] = {
		{ 'd', "node", "dpus" },	{ 'H', "host", "cpus" },     { 'D', "dpu", "cpus" },
		{ 's', "dpu", "speed" },	{ 'm', "dpu", "memory" },    { 'M', "host", "memory" },
		{ 'w', "window", "size" },	{ 'p', "node", "pod-cidr" }, { 'C', "node", "cgroup" },
	};
	struct { int opt; const char *val; } flags[32];
	struct hp_node_config cfg;
	struct hp_error err = { "" };
	struct hp_node n;
	const char *config = NULL;
	char agent[PATH_MAX];
	unsigned nflags = 0;
	bool huge = false;
	int c, r;

	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	hp_config_defaults(&cfg, ncpu > 0 ? (unsigned)ncpu : 1);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'g':
			huge = true;
			break;
		case 'h':
			node_usage(stdout);
			return EXIT_OK;
		case '?':
			node_usage(stderr);
			return EXIT_USAGE;
		default:
			if (nflags < ARRAY_SIZE(flags))
				flags[nflags++] = (typeof(flags[0])){ c, optarg };
		}
	}
	if (optind < argc)
		return cli_usage_error("node up: unexpected argument '%s'", argv[optind]);
	if (config && hp_config_load(&cfg, config, &err) < 0)
		return cli_usage_error("%s", err.msg);
	for (unsigned i = 0; i < nflags; i++)
		for (size_t k = 0; k < ARRAY_SIZE(map); k++)
			if (map[k].opt == flags[i].opt &&
			    hp_config_set(&cfg, map[k].section, map[k].key, flags[i].val, "flag", 0,
					  &err) < 0)
				return cli_usage_error("%s", err.msg);
	if (huge)
		cfg.window_hugepages = true;
	if (cli->node_set) {
		if (!hp_name_valid(cli->node, HP_NODE_NAME_MAX))
			return cli_usage_error("node name '%s' must be 1-%d characters of a-z, 0-9 and '-'",
					       cli->node, HP_NODE_NAME_MAX);
		strcpy(cfg.name, cli->node);
	}
	if (hp_config_validate(&cfg, &err) < 0)
		return cli_usage_error("%s", err.msg);
	if (cli_sibling("heteropodd", agent, sizeof(agent)) < 0)
		return cli_usage_error("cannot find heteropodd beside heteropod (%s)", agent);

	r = hp_node_init(&n, &cfg, &err);
	if (r < 0)
		return r == -EINVAL ? cli_usage_error("%s", err.msg)
				    : (log_err("%s", err.msg), EXIT_FAIL);
	fprintf(stderr, "heteropod: bringing node '%s' up (host + %u DPU%s)...\n", cfg.name,
		cfg.n_dpus, cfg.n_dpus > 1 ? "s" : "");
	r = hp_node_up(&n, agent, &err);
	if (r < 0) {
		log_err("%s", err.msg);
		return r == -EINVAL || r == -EEXIST ? EXIT_USAGE : EXIT_FAIL;
	}
	printf("node %s is up: host cpus %s", cfg.name, cfg.host.cpus);
	for (unsigned i = 0; i < cfg.n_dpus; i++)
		printf(", %s cpus %s speed %.2g", cfg.dpu[i].name, cfg.dpu[i].cpus, cfg.dpu[i].speed);
	printf("; window %llu MiB at %s\n", (unsigned long long)(cfg.window_size >> 20),
	       n.window_path);
	return EXIT_OK;
}

static int node_down(struct cli *cli, int argc, char **argv)
{
	struct hp_error err = { "" };

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		node_usage(stdout);
		return EXIT_OK;
	}
	if (argc > 1)
		return cli_usage_error("node down: unexpected argument '%s'", argv[1]);
	if (!hp_name_valid(cli->node, HP_NODE_NAME_MAX))
		return cli_usage_error("node name '%s' is not valid", cli->node);
	if (hp_node_down(cli->node, &err) < 0) {
		log_err("%s", err.msg);
		return EXIT_FAIL;
	}
	printf("node %s is down\n", cli->node);
	return EXIT_OK;
}

static json_t *pu_json(const struct hp_node *n, unsigned i)
{
	const struct hp_pu_config *pu = hp_node_pu(&n->cfg, i);
	pid_t pid = hp_node_agent_pid(n, i);
	uint64_t cpu_ns = 0;
	json_t *j;

	hp_cgroup_cpu_usage(&n->cg, pu->name, NULL, &cpu_ns);
	j = json_pack("{s:s, s:s, s:f, s:I, s:b, s:I, s:f}", "name", pu->name, "cpus", pu->cpus,
		      "speed", pu->speed, "memory", (json_int_t)pu->memory, "agent", pid > 0,
		      "agent_pid", (json_int_t)pid, "cpu_seconds", cpu_ns / 1e9);
	if (pid > 0) {
		char sock[PATH_MAX];
		json_t *req = json_pack("{s:s}", "op", "status"), *resp = NULL;

		hp_node_agent_sock(n->cfg.name, pu->name, sock, sizeof(sock));
		if (hp_ctl_call(sock, req, &resp, 3000) == 0) {
			json_object_set(j, "pods", json_object_get(resp, "pods"));
			json_object_set(j, "pu_link", json_object_get(resp, "pu_link"));
		}
		json_decref(req);
		json_decref(resp);
	}
	return j;
}

static int node_status(struct cli *cli, int argc, char **argv)
{
	struct hp_error err = { "" };
	struct hp_node n;
	bool as_json = false, healthy = true;
	json_t *pus, *out;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			as_json = true;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			node_usage(stdout);
			return EXIT_OK;
		} else
			return cli_usage_error("node status: unexpected argument '%s'", argv[i]);
	}
	if (hp_node_open(&n, cli->node, &err) < 0) {
		if (as_json) {
			printf("{\"node\": \"%s\", \"up\": false}\n", cli->node);
			return EXIT_FAIL;
		}
		log_err("%s", err.msg);
		return EXIT_FAIL;
	}
	pus = json_array();
	for (unsigned i = 0; i <= n.cfg.n_dpus; i++) {
		json_t *pu = pu_json(&n, i);

		healthy &= json_is_true(json_object_get(pu, "agent"));
		json_array_append_new(pus, pu);
	}
	out = json_pack("{s:s, s:b, s:s, s:o, s:{s:s, s:I, s:b}}", "node", n.cfg.name, "up",
			healthy, "cgroup", hp_cgroup_mode_str(n.cg.mode), "pus", pus, "window",
			"path", n.window_path, "size", (json_int_t)n.cfg.window_size, "hugepages",
			n.cfg.window_hugepages);
	if (as_json) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		size_t i;
		json_t *pu;

		printf("node %s: %s (cgroup %s)\n", n.cfg.name, healthy ? "up" : "DEGRADED",
		       hp_cgroup_mode_str(n.cg.mode));
		json_array_foreach(pus, i, pu) {
			printf("  %-6s cpus %-6s speed %-4.2g agent %-8s pods %-3lld cpu %.2fs\n",
			       json_string_value(json_object_get(pu, "name")),
			       json_string_value(json_object_get(pu, "cpus")),
			       json_real_value(json_object_get(pu, "speed")),
			       json_is_true(json_object_get(pu, "agent")) ? "running" : "DOWN",
			       (long long)json_integer_value(json_object_get(pu, "pods")),
			       json_real_value(json_object_get(pu, "cpu_seconds")));
		}
		printf("  window %llu MiB at %s%s\n", (unsigned long long)(n.cfg.window_size >> 20),
		       n.window_path, n.cfg.window_hugepages ? " (hugepages)" : "");
	}
	json_decref(out);
	return healthy ? EXIT_OK : EXIT_FAIL;
}

int cmd_node(struct cli *cli, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		node_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (!strcmp(argv[1], "up"))
		return node_up(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "down"))
		return node_down(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "status"))
		return node_status(cli, argc - 1, argv + 1);
	node_usage(stderr);
	return cli_usage_error("unknown node command '%s'", argv[1]);
}

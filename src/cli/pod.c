/* SPDX-License-Identifier: GPL-2.0-or-later */
/* heteropod pod create | delete | list — requests to the host agent. */
#include "agent/proto.h"
#include "cli.h"
#include "node/node.h"
#include "util/util.h"

#include <jansson.h>

static void pod_usage(FILE *f)
{
	fprintf(f, "Usage: heteropod [--node NAME] pod create NAME [--dpu dpu0]\n"
		   "       heteropod [--node NAME] pod delete NAME\n"
		   "       heteropod [--node NAME] pod list [--json]\n\n"
		   "A pod has a host half and a half on one DPU, with one pod IP, one port\n"
		   "space and one localhost across both (see docs/hetero-netns.md).\n");
}

/*
 * Send a request to an agent of the node and turn its answer into an exit
 * status: the agent's own "code" (2 = bad input) or 1.
 */
static int call_agent(const char *node, const char *pu, json_t *req, json_t **ret)
{
	struct hp_error err = { "" };
	struct hp_node n;
	char sock[PATH_MAX];
	json_t *resp = NULL;
	int r;

	if (hp_node_open(&n, node, &err) < 0) {
		log_err("%s", err.msg);
		return EXIT_FAIL;
	}
	hp_node_agent_sock(node, pu, sock, sizeof(sock));
	r = hp_ctl_call(sock, req, &resp, 60000);
	if (r < 0) {
		log_err("cannot reach the %s agent of node %s (%s): %s", pu, node, sock, strerror(-r));
		return EXIT_FAIL;
	}
	if (!json_is_true(json_object_get(resp, "ok"))) {
		json_int_t code = json_integer_value(json_object_get(resp, "code"));

		log_err("%s", json_string_value(json_object_get(resp, "error")) ?: "request failed");
		json_decref(resp);
		return code == EXIT_USAGE ? EXIT_USAGE : EXIT_FAIL;
	}
	*ret = resp;
	return EXIT_OK;
}

static int pod_create(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL, *dpu = "dpu0";
	json_t *req, *resp = NULL;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dpu") && i + 1 < argc)
			dpu = argv[++i];
		else if (!strncmp(argv[i], "--dpu=", 6))
			dpu = argv[i] + 6;
		else if (argv[i][0] == '-')
			return cli_usage_error("pod create: unknown option '%s'", argv[i]);
		else if (!name)
			name = argv[i];
		else
			return cli_usage_error("pod create: unexpected argument '%s'", argv[i]);
	}
	if (!name)
		return cli_usage_error("pod create: missing pod NAME");
	req = json_pack("{s:s, s:s, s:s}", "op", "pod-create", "pod", name, "dpu", dpu);
	r = call_agent(cli->node, "host", req, &resp);
	json_decref(req);
	if (r == EXIT_OK) {
		json_t *pod = json_object_get(resp, "pod");

		printf("pod %s created: ip %s, halves host + %s\n", name,
		       json_string_value(json_object_get(pod, "ip")),
		       json_string_value(json_object_get(pod, "dpu")));
		json_decref(resp);
	}
	return r;
}

static int pod_delete(struct cli *cli, int argc, char **argv)
{
	json_t *req, *resp = NULL;
	int r;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage_error("pod delete: expected exactly one pod NAME");
	req = json_pack("{s:s, s:s}", "op", "pod-delete", "pod", argv[1]);
	r = call_agent(cli->node, "host", req, &resp);
	json_decref(req);
	if (r == EXIT_OK) {
		const char *w = json_string_value(json_object_get(resp, "warning"));

		if (w)
			log_warn("%s", w);
		printf("pod %s deleted\n", argv[1]);
		json_decref(resp);
	}
	return r;
}

static int pod_list(struct cli *cli, int argc, char **argv)
{
	bool as_json = argc > 1 && !strcmp(argv[1], "--json");
	json_t *req, *resp = NULL, *pods, *p;
	size_t i;
	int r;

	if (argc > (as_json ? 2 : 1))
		return cli_usage_error("pod list: unexpected argument '%s'", argv[argc - 1]);
	req = json_pack("{s:s}", "op", "pod-list");
	r = call_agent(cli->node, "host", req, &resp);
	json_decref(req);
	if (r != EXIT_OK)
		return r;
	pods = json_object_get(resp, "pods");
	if (as_json) {
		json_t *out = json_pack("{s:s, s:O}", "node", cli->node, "pods", pods);

		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(out);
	} else {
		printf("%-24s %-16s %-6s %s\n", "NAME", "IP", "DPU", "ID");
		json_array_foreach(pods, i, p)
			printf("%-24s %-16s %-6s %lld\n", json_string_value(json_object_get(p, "name")),
			       json_string_value(json_object_get(p, "ip")),
			       json_string_value(json_object_get(p, "dpu")),
			       (long long)json_integer_value(json_object_get(p, "id")));
	}
	json_decref(resp);
	return EXIT_OK;
}

int cmd_pod(struct cli *cli, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		pod_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			pod_usage(stdout);
			return EXIT_OK;
		}
	if (!strcmp(argv[1], "create"))
		return pod_create(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "delete"))
		return pod_delete(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return pod_list(cli, argc - 1, argv + 1);
	pod_usage(stderr);
	return cli_usage_error("unknown pod command '%s'", argv[1]);
}

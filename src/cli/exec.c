/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * heteropod exec NAME --pu PU -- CMD...   and   heteropod client -- CMD...
 *
 * The command replaces this process after it has joined the half's cgroup
 * (its PU partition and the hetero-netns hooks), UTS namespace (hostname)
 * and network namespace: stdio and the exit status pass straight through.
 * The agent of that PU names the half; on a real DPU this runs there.
 */
#include "agent/proto.h"
#include "cli.h"
#include "node/node.h"
#include "node/ns.h"
#include "runtime/spec.h"
#include "util/util.h"

#include <jansson.h>
#include <sched.h>


/* Whether pods get hetero-socket (the interposer) unless told otherwise. */
#define ACCEL_DEFAULT true

static void exec_usage(FILE *f)
{
	fprintf(f, "Usage: heteropod [--node NAME] exec POD --pu host|dpuN [--accel|--no-accel] -- CMD [ARGS...]\n\n"
		   "Runs CMD in one half of POD: its PU's partition, network namespace and\n"
		   "hostname. If the pod has a window, CMD's TCP connections to the pod's\n"
		   "other half use it (hetero-socket: " HP_PRELOAD_LIB " is preloaded and\n"
		   "learns where to ask for the window from HETERONET_AGENT, HETERONET_POD);\n"
		   "--no-accel leaves all that out (plain TCP), --accel asks for it%s.\n",
		ACCEL_DEFAULT ? " (the default)" : "");
}

/* LD_PRELOAD without the interposer (a --no-accel run from inside an accelerated one). */
static void strip_preload(void)
{
	const char *old = getenv("LD_PRELOAD");
	_cleanup_free_ char *copy = NULL, *out = NULL;
	char *tok, *save = NULL;
	size_t n = 0;

	if (!old || !strstr(old, HP_PRELOAD_LIB))
		return;
	copy = strdup(old);
	out = calloc(1, strlen(old) + 1);
	if (!copy || !out)
		return;
	for (tok = strtok_r(copy, ": ", &save); tok; tok = strtok_r(NULL, ": ", &save)) {
		if (strstr(tok, HP_PRELOAD_LIB))
			continue;
		n += sprintf(out + n, "%s%s", n ? ":" : "", tok);
	}
	if (n)
		setenv("LD_PRELOAD", out, 1);
	else
		unsetenv("LD_PRELOAD");
}

/* Preload the interposer (it sits beside this binary), before what is there. */
static void inject_preload(void)
{
	char lib[PATH_MAX];
	const char *old = getenv("LD_PRELOAD");

	if (hp_exe_sibling(HP_PRELOAD_LIB, lib, sizeof(lib)) < 0)
		return;
	if (access(lib, R_OK) < 0) {
		log_warn("%s not found: connections stay on the kernel path", lib);
		return;
	}
	if (old && strstr(old, lib))
		return;
	if (old && *old) {
		_cleanup_free_ char *v = hp_sprintf("%s:%s", lib, old);

		if (v)
			setenv("LD_PRELOAD", v, 1);
	} else {
		setenv("LD_PRELOAD", lib, 1);
	}
}

int cmd_exec(struct cli *cli, int argc, char **argv)
{
	const char *pod = NULL, *pu = NULL;
	struct hp_error err = { "" };
	struct hp_node n;
	char sock[PATH_MAX];
	json_t *req, *resp = NULL;
	bool accel = ACCEL_DEFAULT;
	int i, r, idx;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			exec_usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--pu") && i + 1 < argc) {
			pu = argv[++i];
		} else if (!strncmp(argv[i], "--pu=", 5)) {
			pu = argv[i] + 5;
		} else if (!strcmp(argv[i], "--no-accel")) {
			accel = false;
		} else if (!strcmp(argv[i], "--accel")) {
			accel = true;
		} else if (argv[i][0] == '-') {
			return cli_usage_error("exec: unknown option '%s'", argv[i]);
		} else if (!pod) {
			pod = argv[i];
		} else {
			break; /* CMD without '--' */
		}
	}
	if (!pod || !pu || i >= argc) {
		exec_usage(stderr);
		return cli_usage_error("exec: need POD, --pu and a command");
	}
	if (hp_node_open(&n, cli->node, &err) < 0) {
		log_err("%s", err.msg);
		return EXIT_FAIL;
	}
	idx = hp_node_pu_index(&n.cfg, pu);
	if (idx < 0) {
		char known[256] = "host";

		for (unsigned d = 0; d < n.cfg.n_dpus; d++)
			snprintf(known + strlen(known), sizeof(known) - strlen(known), ", %s",
				 n.cfg.dpu[d].name);
		return cli_usage_error("exec: unknown PU '%s' (node %s has %s)", pu, n.cfg.name, known);
	}
	hp_node_agent_sock(n.cfg.name, pu, sock, sizeof(sock));
	req = json_pack("{s:s, s:s}", "op", "half", "pod", pod);
	r = hp_ctl_call(sock, req, &resp, 10000);
	json_decref(req);
	if (r < 0) {
		log_err("cannot reach the %s agent: %s", pu, strerror(-r));
		return EXIT_FAIL;
	}
	if (!json_is_true(json_object_get(resp, "ok"))) {
		int code = (int)json_integer_value(json_object_get(resp, "code"));

		log_err("%s", json_string_value(json_object_get(resp, "error")));
		json_decref(resp);
		return code == EXIT_USAGE ? EXIT_USAGE : EXIT_FAIL;
	}

	/* Where hetero-socket asks for the pod's window (the agent checks who asks). */
	unsetenv("HETERONET_AGENT");
	unsetenv("HETERONET_POD");
	strip_preload();
	if (accel && json_is_true(json_object_get(resp, "window"))) {
		setenv("HETERONET_AGENT", sock, 1);
		setenv("HETERONET_POD", pod, 1);
		inject_preload();
	}
	r = hp_cgroup_attach(&n.cg, pu, json_string_value(json_object_get(resp, "group")), getpid());
	if (r >= 0)
		r = hp_ns_enter(json_string_value(json_object_get(resp, "uts")), CLONE_NEWUTS);
	if (r >= 0)
		r = hp_netns_enter(json_string_value(json_object_get(resp, "netns")));
	json_decref(resp);
	if (r < 0) {
		log_err("cannot enter the %s half of pod %s: %s", pu, pod, strerror(-r));
		return EXIT_FAIL;
	}
	execvp(argv[i], argv + i);
	log_err("cannot run %s: %s", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

int cmd_client(struct cli *cli, int argc, char **argv)
{
	struct hp_error err = { "" };
	struct hp_node n;
	char wire[64];
	int i = 1;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: heteropod [--node NAME] client -- CMD [ARGS...]\n\n"
		       "Runs CMD on the wire side: outside the node, reaching pods only\n"
		       "through the DPU that owns the node's port.\n");
		return EXIT_OK;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		return cli_usage_error("client: need a command (heteropod client -- CMD...)");
	if (hp_node_open(&n, cli->node, &err) < 0) {
		log_err("%s", err.msg);
		return EXIT_FAIL;
	}
	hp_node_netns_name(n.cfg.name, "wire", wire, sizeof(wire));
	if (hp_netns_enter(wire) < 0) {
		log_err("cannot enter the wire side %s: %s", wire, strerror(errno));
		return EXIT_FAIL;
	}
	execvp(argv[i], argv + i);
	log_err("cannot run %s: %s", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

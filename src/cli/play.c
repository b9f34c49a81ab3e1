/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * heteropod play FILE [--down] [--no-plan] [--plan-node FILE]
 *
 * Plan (unless the pods say where their containers go), annotate, and play
 * Kubernetes YAML with podman on the emulated node: podman's CNI backend
 * with the node's network (a bridge, then the heteronet plugin that makes
 * each pod a HeteroPod) and heteropod-runtime as the OCI runtime. --down
 * removes what play made. The YAML played is kept in the node's state
 * directory, so --down needs only the same FILE name.
 */
#include "agent/proto.h"
#include "cli.h"
#include "node/node.h"
#include "runtime/podyaml.h"
#include "runtime/spec.h"
#include "util/run.h"
#include "util/util.h"

#include <libgen.h>
#include <sys/stat.h>

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: heteropod [--node NAME] play FILE [--down] [--no-plan] [--plan-node FILE]\n\n"
	    "Runs the Pods and Deployments of FILE with podman on the node, each container\n"
	    "on the PU its pod's heteropod.io/placement annotation gives it. Pods without\n"
	    "that annotation are planned first (heteropod plan --annotate).\n\n"
	    "  --down            stop and remove what 'play FILE' started\n"
	    "  --no-plan         do not plan: containers without a placement run on the host\n"
	    "  --plan-node FILE  node description for the planner (heteropod plan --node)\n"
	    "  --json            print the pods and their placements as JSON\n");
}

/* Where play keeps what it made for a file: the node's state directory. */
static void play_dir(const char *node, char *buf, size_t n)
{
	hp_node_state_dir(node, buf, n);
	strncat(buf, "/play", n - strlen(buf) - 1);
}

/*
 * podman's configuration for this node: the CNI backend, our plugins next
 * to the reference ones, and one network whose pods are HeteroPods.
 */
static int write_network(const char *node, const char *dir, const char *plugin_dir, char *conf,
			 size_t n, char *netname, size_t nn)
{
	char cni_dir[PATH_MAX];
	_cleanup_free_ char *containers_conf = NULL, *conflist = NULL, *path = NULL;
	unsigned h = 0;
	int r;

	/* A /24 of 10.89.0.0/16 per node name, so two nodes' bridges differ. */
	for (const char *p = node; *p; p++)
		h = h * 31 + (unsigned char)*p;
	snprintf(netname, nn, "heteropod-%s", node);
	snprintf(cni_dir, sizeof(cni_dir), "%s/cni", dir);
	snprintf(conf, n, "%s/containers.conf", dir);
	r = hp_mkdir_p(cni_dir, 0755);
	if (r < 0)
		return r;
	containers_conf =
	    hp_sprintf("# Written by heteropod play for node %s.\n"
		       "[network]\n"
		       "network_backend = \"cni\"\n"
		       "cni_plugin_dirs = [\"%s\", \"/usr/lib/cni\", \"/opt/cni/bin\"]\n"
		       "network_config_dir = \"%s\"\n",
		       node, plugin_dir, cni_dir);
	conflist = hp_sprintf(
	    "{\n"
	    "  \"cniVersion\": \"1.0.0\",\n"
	    "  \"name\": \"%s\",\n"
	    "  \"plugins\": [\n"
	    "    {\"type\": \"bridge\", \"bridge\": \"hpbr%u\", \"isGateway\": true, \"ipMasq\": "
	    "false,\n"
	    "     \"hairpinMode\": true,\n"
	    "     \"ipam\": {\"type\": \"host-local\", \"routes\": [{\"dst\": \"0.0.0.0/0\"}],\n"
	    "              \"ranges\": [[{\"subnet\": \"10.89.%u.0/24\"}]],\n"
	    "              \"dataDir\": \"%s/ipam\"}},\n"
	    "    {\"type\": \"heteronet\", \"node\": \"%s\"}\n"
	    "  ]\n"
	    "}\n",
	    netname, h % 10000, h % 250 + 1, dir, node);
	path = hp_sprintf("%s/%s.conflist", cni_dir, netname);
	if (!containers_conf || !conflist || !path)
		return -ENOMEM;
	r = hp_write_file_create(conf, containers_conf);
	if (r >= 0)
		r = hp_write_file_create(path, conflist);
	return r;
}

static int run_podman(const char *conf, char **argv)
{
	setenv("CONTAINERS_CONF", conf, 1);
	return hp_run(argv, &(struct hp_run_opts){.quiet = false});
}

int cmd_play(struct cli *cli, int argc, char **argv)
{
	const char *file = NULL, *plan_node = NULL;
	bool down = false, plan = true, json = false;
	char dir[PATH_MAX], conf[PATH_MAX], netname[96], runtime[PATH_MAX], self_dir[PATH_MAX],
	    played[PATH_MAX];
	_cleanup_free_ char *text = NULL, *planned = NULL, *out = NULL, *base = NULL;
	struct hp_error err = {""};
	struct hp_node n;
	json_t *pods = NULL;
	size_t i;
	int r;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[a], "--down")) {
			down = true;
		} else if (!strcmp(argv[a], "--no-plan")) {
			plan = false;
		} else if (!strcmp(argv[a], "--json")) {
			json = true;
		} else if (!strcmp(argv[a], "--plan-node") && a + 1 < argc) {
			plan_node = argv[++a];
		} else if (argv[a][0] == '-' && argv[a][1]) {
			return cli_usage_error("play: unknown option '%s'", argv[a]);
		} else if (!file) {
			file = argv[a];
		} else {
			return cli_usage_error("play: one FILE at a time");
		}
	}
	if (!file) {
		usage(stderr);
		return cli_usage_error("play: need a FILE");
	}
	r = hp_node_open(&n, cli->node, &err);
	if (r < 0) {
		log_err("%s (is the node up? heteropod --node %s node up)", err.msg, cli->node);
		return EXIT_USAGE;
	}
	if (cli_sibling("heteropod-runtime", runtime, sizeof(runtime)) < 0)
		return log_err("heteropod-runtime is not installed next to heteropod"), EXIT_FAIL;
	snprintf(self_dir, sizeof(self_dir), "%s", runtime);
	dirname(self_dir);
	play_dir(cli->node, dir, sizeof(dir));
	base = strdup(file);
	if (!base)
		return EXIT_FAIL;
	{
		/* Two files of one name in different folders are two plays. */
		_cleanup_free_ char *abs = realpath(file, NULL);
		const char *key = abs ? abs : file;
		uint32_t h = 2166136261u; /* FNV-1a */

		for (const char *p = key; *p; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
		snprintf(played, sizeof(played), "%s/%08x-%s", dir, h, basename(base));
	}
	r = write_network(cli->node, dir, self_dir, conf, sizeof(conf), netname, sizeof(netname));
	if (r < 0) {
		log_err("cannot write podman's configuration in %s: %s", dir, strerror(-r));
		return EXIT_FAIL;
	}

	if (down) {
		char *args[] = {"podman", "kube", "down", played, NULL};

		if (access(played, F_OK) < 0) {
			log_err("nothing played from %s on node %s", file, cli->node);
			return EXIT_USAGE;
		}
		fprintf(stderr, "heteropod: stopping and removing the pods of %s...\n", file);
		r = run_podman(conf, args);
		if (r != 0)
			return EXIT_FAIL;
		unlink(played);
		fprintf(stderr, "heteropod: %s is down\n", file);
		return EXIT_OK;
	}

	if (!strcmp(file, "-") ? (r = -ENOTSUP) : (r = hp_read_file(file, &text)) < 0) {
		log_err("cannot read %s: %s", file, strerror(-r));
		return EXIT_USAGE;
	}
	/* Bad YAML is reported against FILE, before anything else runs. */
	r = hp_play_prepare(file, text, strlen(text), &out, &pods, &err);
	if (r < 0) {
		log_err("%s", err.msg);
		return EXIT_USAGE;
	}
	free(steal_ptr(out));
	json_decref(steal_ptr(pods));
	/* Plan the pods that do not say where their containers go. */
	if (plan && !strstr(text, "heteropod.io/placement")) {
		char self[PATH_MAX];
		char *pargs[] = {self, "plan", "--annotate", "-", NULL, NULL, NULL};
		_cleanup_free_ char *perr = NULL;

		snprintf(self, sizeof(self), "%s/heteropod", self_dir);
		if (plan_node) {
			pargs[4] = "--node";
			pargs[5] = (char *)plan_node;
		}
		fprintf(stderr, "heteropod: planning %s...\n", file);
		r = hp_run(pargs, &(struct hp_run_opts){
				      .input = text, .ret_output = &planned, .ret_errout = &perr});
		if (r != 0) {
			log_err("planning %s failed: %s", file, perr ? perr : "");
			return r == EXIT_USAGE ? EXIT_USAGE : EXIT_FAIL;
		}
	}
	r = hp_play_prepare(file, planned ? planned : text, strlen(planned ? planned : text), &out,
			    &pods, &err);
	if (r < 0) {
		log_err("%s", err.msg);
		return EXIT_USAGE;
	}
	/* Every PU a placement names must be one of this node's. */
	for (i = 0; i < json_array_size(pods); i++) {
		json_t *p = json_array_get(pods, i), *v;
		const char *k;

		json_object_foreach(json_object_get(p, "placement"), k, v)
		{
			const char *pu = json_string_value(v);

			if (!pu || !hp_pu_name_valid(pu) || hp_node_pu_index(&n.cfg, pu) < 0) {
				log_err("%s: %s places container '%s' on '%s', which node %s does "
					"not have (host, dpu0..dpu%u)",
					file, json_string_value(json_object_get(p, "workload")), k,
					pu ? pu : "?", cli->node, n.cfg.n_dpus - 1);
				json_decref(pods);
				return EXIT_USAGE;
			}
		}
	}
	r = hp_mkdir_p(dir, 0755);
	if (r >= 0)
		r = hp_write_file_create(played, out);
	if (r < 0) {
		log_err("cannot write %s: %s", played, strerror(-r));
		json_decref(pods);
		return EXIT_FAIL;
	}
	for (i = 0; i < json_array_size(pods); i++) {
		json_t *p = json_array_get(pods, i), *pl = json_object_get(p, "placement");
		const char *k;
		json_t *v;

		fprintf(stderr, "heteropod: %s (pod %s):",
			json_string_value(json_object_get(p, "workload")),
			json_string_value(json_object_get(p, "pod")));
		if (!json_object_size(pl))
			fprintf(stderr, " every container on the host");
		json_object_foreach(pl, k, v) fprintf(stderr, " %s->%s", k, json_string_value(v));
		fputc('\n', stderr);
		if (json_object_get(p, "note"))
			fprintf(stderr, "heteropod:   note: %s\n",
				json_string_value(json_object_get(p, "note")));
	}
	{
		char *args[] = {"podman",    "kube",  "play", "--runtime", runtime,
				"--network", netname, played, NULL};

		fprintf(stderr, "heteropod: playing %s on node %s (podman, CNI network %s)...\n",
			file, cli->node, netname);
		r = run_podman(conf, args);
	}
	if (json) {
		json_dumpf(pods, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(pods);
	if (r != 0) {
		/* Nothing half-created: take down whatever did start. */
		char *args[] = {"podman", "kube", "down", played, NULL};

		log_err("podman could not play %s; removing what started", file);
		run_podman(conf, args);
		unlink(played);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * heteropod profile POD [--seconds N] [--workload KIND/NAME] [-o FILE]
 *
 * Measure a running HeteroPod (a pod `heteropod play` started) and write the
 * profile `heteropod plan --profile` reads (docs/planner.md): each
 * container's CPU and memory from its cgroup, and the traffic between
 * containers from the TCP counters of the connections that join them. Each
 * half is measured by its own PU's agent.
 */
#include "agent/proto.h"
#include "cli.h"
#include "node/node.h"
#include "runtime/podref.h"
#include "util/run.h"
#include "util/util.h"

#include <jansson.h>
#include <time.h>

static void usage(FILE *f)
{
	fprintf(f, "Usage: heteropod profile POD [--seconds N] [--workload KIND/NAME] [-o FILE]\n\n"
		   "Measures the containers of POD (a podman pod on a HeteroPod node) for N\n"
		   "seconds (default 10) and prints the planner's profile (JSON):\n"
		   "CPU in host cores (a DPU's cores times its speed), memory in bytes, and the\n"
		   "messages and bytes per second between containers.\n\n"
		   "  --workload KIND/NAME  the workload the profile is for (default Pod/POD)\n"
		   "  -o FILE               write the profile to FILE instead of stdout\n");
}

static json_t *run_json(char **argv)
{
	_cleanup_free_ char *out = NULL, *errout = NULL;

	if (hp_run(argv, &(struct hp_run_opts){.ret_output = &out, .ret_errout = &errout}) != 0) {
		log_err("%s: %s", argv[0], errout ? errout : "failed");
		return NULL;
	}
	return json_loads(out ? out : "", 0, NULL);
}

static json_t *stats(const struct hp_pod_ref *ref, const char *pu)
{
	char sock[PATH_MAX];
	json_t *req = json_pack("{s:s, s:s, s:s}", "op", "pod-stats", "pod", ref->pod, "pu", pu),
	       *resp = NULL;
	int r;

	hp_node_agent_sock(ref->node, "host", sock, sizeof(sock));
	r = hp_ctl_call(sock, req, &resp, 10000);
	json_decref(req);
	if (r < 0 || !json_is_true(json_object_get(resp, "ok"))) {
		log_err("cannot measure the %s half of pod %s: %s", pu, ref->pod,
			r < 0 ? strerror(-r) : json_string_value(json_object_get(resp, "error")));
		json_decref(resp);
		return NULL;
	}
	return resp;
}

/*
 * Remember each connection seen in a sample: its counters when first seen
 * (0 for one that opened after the first sample) and when last seen, so a
 * connection that closes during the measurement still counts.
 */
static void observe(json_t *seen, json_t *stats, const char *pu, bool first)
{
	size_t i;
	json_t *s;

	json_array_foreach(json_object_get(stats, "sockets"), i, s)
	{
		const char *l = json_string_value(json_object_get(s, "local"));
		const char *p = json_string_value(json_object_get(s, "peer"));
		json_int_t rx = json_integer_value(json_object_get(s, "bytes_received"));
		json_int_t segs = json_integer_value(json_object_get(s, "data_segs_out"));
		_cleanup_free_ char *key = hp_sprintf("%s|%s", l, p);
		json_t *e;

		if (!key)
			continue;
		e = json_object_get(seen, key);
		if (!e) {
			e = json_pack("{s:s, s:s, s:s, s:I, s:I}", "pu", pu, "local", l, "peer", p,
				      "rx0", first ? rx : 0, "segs0", first ? segs : 0);
			json_object_set_new(seen, key, e);
		}
		json_object_set_new(e, "rx", json_integer(rx));
		json_object_set_new(e, "segs", json_integer(segs));
		if (json_is_string(json_object_get(s, "ctr")))
			json_object_set(e, "ctr", json_object_get(s, "ctr"));
	}
}

static json_int_t delta(json_t *e, const char *last, const char *first)
{
	json_int_t d = json_integer_value(json_object_get(e, last)) -
		       json_integer_value(json_object_get(e, first));

	return d > 0 ? d : 0;
}

int cmd_profile(struct cli *cli, int argc, char **argv)
{
	const char *pod = NULL, *workload = NULL, *out_file = NULL;
	double seconds = 10;
	struct hp_pod_ref ref = {.window = false};
	struct hp_error err = {""};
	struct hp_node n;
	json_t *inspect = NULL, *names = json_object(), *t0[2] = {0}, *t1[2] = {0}, *edges,
	       *seen = json_object(), *ctrs, *prof = NULL;
	char infra_ns[64], dpu_pu[16];
	double speed = 1;
	int rc = EXIT_FAIL;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[a], "--seconds") && a + 1 < argc) {
			char *end;

			seconds = strtod(argv[++a], &end);
			if (*end || !(seconds > 0 && seconds <= 3600))
				return cli_usage_error("profile: --seconds wants 0 < N <= 3600");
		} else if (!strcmp(argv[a], "--workload") && a + 1 < argc) {
			workload = argv[++a];
			if (!strchr(workload, '/'))
				return cli_usage_error("profile: --workload wants KIND/NAME");
		} else if (!strcmp(argv[a], "-o") && a + 1 < argc) {
			out_file = argv[++a];
		} else if (argv[a][0] == '-') {
			return cli_usage_error("profile: unknown option '%s'", argv[a]);
		} else if (!pod) {
			pod = argv[a];
		} else {
			return cli_usage_error("profile: one POD at a time");
		}
	}
	if (!pod) {
		usage(stderr);
		return cli_usage_error("profile: need a POD");
	}

	/* The pod's containers, as podman knows them. */
	{
		char *args[] = {"podman", "pod", "inspect", (char *)pod, NULL};

		inspect = run_json(args);
		if (json_is_array(inspect)) { /* newer podman: a list */
			json_t *first = json_incref(json_array_get(inspect, 0));

			json_decref(inspect);
			inspect = first;
		}
		if (!json_is_object(inspect)) {
			log_err("no podman pod '%s'", pod);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	{
		const char *infra = json_string_value(json_object_get(inspect, "InfraContainerID"));
		char *args[] = {"podman", "inspect", "-f", "{{.State.Pid}}", (char *)infra, NULL};
		_cleanup_free_ char *pid = NULL;

		if (!infra ||
		    hp_run(args, &(struct hp_run_opts){.ret_output = &pid, .quiet = true}) != 0 ||
		    atoi(pid ? pid : "0") <= 0) {
			log_err("pod %s is not running (no infra container)", pod);
			goto out;
		}
		snprintf(infra_ns, sizeof(infra_ns), "/proc/%d/ns/net", atoi(pid));
	}
	if (hp_pod_of_netns(infra_ns, &ref) <= 0) {
		log_err("pod %s is not a HeteroPod (no node's agent knows its network namespace)",
			pod);
		rc = EXIT_USAGE;
		goto out;
	}
	if (hp_node_open(&n, ref.node, &err) == 0) {
		int di = hp_node_pu_index(&n.cfg, ref.dpu);

		if (di > 0)
			speed = n.cfg.dpu[di - 1].speed;
	}
	snprintf(dpu_pu, sizeof(dpu_pu), "%s", ref.dpu);
	{
		size_t i, plen = strlen(pod);
		json_t *c;

		json_array_foreach(json_object_get(inspect, "Containers"), i, c)
		{
			const char *id = json_string_value(json_object_get(c, "Id"));
			const char *name = json_string_value(json_object_get(c, "Name"));
			char id12[16];

			if (!id || !name ||
			    !strcmp(id,
				    json_string_value(json_object_get(inspect, "InfraContainerID"))
					?: ""))
				continue; /* the pod's infra container is podman's, not the
					     workload's */
			if (!strncmp(name, pod, plen) && name[plen] == '-')
				name += plen + 1;
			snprintf(id12, sizeof(id12), "%.12s", id);
			json_object_set_new(names, id12, json_string(name));
		}
	}

	fprintf(stderr,
		"heteropod: measuring pod %s (HeteroPod %s on node %s, host + %s) for %g s...\n",
		pod, ref.pod, ref.node, dpu_pu, seconds);
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0[0] = stats(&ref, "host");
	t0[1] = stats(&ref, dpu_pu);
	if (!t0[0] || !t0[1])
		goto out;
	observe(seen, t0[0], "host", true);
	observe(seen, t0[1], dpu_pu, true);
	/* Connections are sampled ten times a second; CPU and memory at the ends. */
	for (;;) {
		double left;

		clock_gettime(CLOCK_MONOTONIC, &b);
		left = seconds -
		       ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
		if (left <= 0 && t1[0])
			break;
		if (left > 0)
			nanosleep(
			    &(struct timespec){.tv_nsec = (long)((left < 0.1 ? left : 0.1) * 1e9)},
			    NULL);
		json_decref(t1[0]);
		json_decref(t1[1]);
		t1[0] = stats(&ref, "host");
		t1[1] = stats(&ref, dpu_pu);
		if (!t1[0] || !t1[1])
			goto out;
		observe(seen, t1[0], "host", false);
		observe(seen, t1[1], dpu_pu, false);
	}
	double dt = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;

	/* Containers: CPU in host cores, memory at the end. */
	ctrs = json_object();
	for (int side = 0; side < 2; side++) {
		const char *id;
		json_t *c;

		json_object_foreach(json_object_get(t1[side], "containers"), id, c)
		{
			json_t *c0 = json_object_get(json_object_get(t0[side], "containers"), id);
			const char *name = json_string_value(json_object_get(names, id));
			double ns = (double)(json_integer_value(json_object_get(c, "cpu_ns")) -
					     json_integer_value(json_object_get(c0, "cpu_ns")));
			double cores = ns / 1e9 / dt * (side ? speed : 1);

			if (!name)
				continue; /* not one of this podman pod's */
			json_object_set_new(
			    ctrs, name,
			    json_pack("{s:f, s:I}", "cpu", (double)(long)(cores * 1e4 + 0.5) / 1e4,
				      "memory", json_integer_value(json_object_get(c, "memory"))));
			fprintf(stderr, "heteropod:   %-20s on %-5s %.4f host cores, %lld bytes\n",
				name, side ? dpu_pu : "host", cores,
				(long long)json_integer_value(json_object_get(c, "memory")));
		}
	}

	/* Traffic: each connection whose two ends are containers of the pod,
	 * counted once (from the end whose container name sorts first). */
	edges = json_object();
	{
		const char *key;
		json_t *e;

		json_object_foreach(seen, key, e)
		{
			const char *l = json_string_value(json_object_get(e, "local"));
			const char *p = json_string_value(json_object_get(e, "peer"));
			_cleanup_free_ char *okey = hp_sprintf("%s|%s", p, l);
			json_t *o = okey ? json_object_get(seen, okey) : NULL;
			const char *ca = json_string_value(json_object_get(e, "ctr"));
			const char *cb = json_string_value(json_object_get(o, "ctr"));
			const char *na = ca ? json_string_value(json_object_get(names, ca)) : NULL;
			const char *nb = cb ? json_string_value(json_object_get(names, cb)) : NULL;
			char ekey[256];
			json_t *edge;

			if (!na || !nb || strcmp(na, nb) >= 0)
				continue;
			snprintf(ekey, sizeof(ekey), "%s\n%s", na, nb);
			edge = json_object_get(edges, ekey);
			if (!edge) {
				edge = json_pack("{s:s, s:s, s:I, s:I, s:i}", "from", na, "to", nb,
						 "msgs", (json_int_t)0, "bytes", (json_int_t)0,
						 "crossingsPerRequest", 2);
				json_object_set_new(edges, ekey, edge);
			}
			json_object_set_new(
			    edge, "msgs",
			    json_integer(json_integer_value(json_object_get(edge, "msgs")) +
					 delta(e, "segs", "segs0") + delta(o, "segs", "segs0")));
			json_object_set_new(
			    edge, "bytes",
			    json_integer(json_integer_value(json_object_get(edge, "bytes")) +
					 delta(e, "rx", "rx0") + delta(o, "rx", "rx0")));
		}
	}
	{
		json_t *traffic = json_array(), *e;
		const char *k;
		_cleanup_free_ char *wl = workload ? strdup(workload) : hp_sprintf("Pod/%s", pod);

		json_object_foreach(edges, k, e)
		{
			json_object_set_new(
			    e, "msgsPerSec",
			    json_real((double)json_integer_value(json_object_get(e, "msgs")) / dt));
			json_object_set_new(
			    e, "bytesPerSec",
			    json_real((double)json_integer_value(json_object_get(e, "bytes")) /
				      dt));
			json_object_del(e, "msgs");
			json_object_del(e, "bytes");
			json_array_append(traffic, e);
		}
		json_decref(edges);
		prof = json_pack("{s:i, s:{s:{s:o, s:o}}}", "version", 1, "pods", wl ? wl : "",
				 "containers", ctrs, "traffic", traffic);
		fprintf(stderr,
			"heteropod: measured %s for %.2f s: %zu containers, %zu connections "
			"between them\n",
			wl ? wl : "", dt, json_object_size(ctrs), json_array_size(traffic));
	}
	if (out_file ? json_dump_file(prof, out_file, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) < 0
		     : json_dumpf(prof, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) < 0) {
		log_err("cannot write the profile");
		goto out;
	}
	if (!out_file)
		putchar('\n');
	rc = EXIT_OK;
out:
	for (int i = 0; i < 2; i++) {
		json_decref(t0[i]);
		json_decref(t1[i]);
	}
	json_decref(names);
	json_decref(seen);
	json_decref(inspect);
	json_decref(prof);
	return rc;
}

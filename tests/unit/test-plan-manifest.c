/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Manifests: recognising infrastructure, the reasons containers stay, errors
 * with file:line, --annotate splicing, and exact >= greedy on the real
 * manifests in ../shared/manifests (beside the repository).
 */
#include "plan/manifest.h"
#include "check.h"
#include "plan/plan.h"
#include "util/util.h"

#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>


struct plan {
	struct hp_plan_manifests m;
	struct hp_plan_node node;
	struct hp_plan_problem p;
	struct hp_plan_result r;
	struct hp_error err;
};

static int plan_text(struct plan *pl, const char *yaml, bool move_apps)
{
	int r;

	memset(pl, 0, sizeof(*pl));
	hp_plan_node_defaults(&pl->node);
	pl->node.move_apps = move_apps;
	hp_plan_problem_init(&pl->p);
	r = hp_plan_manifests_parse(&pl->m, "t.yaml", yaml, strlen(yaml), &pl->err);
	if (r < 0)
		return r;
	r = hp_plan_build(&pl->p, &pl->m, &pl->node, NULL, NULL, &pl->err);
	if (r < 0)
		return r;
	return hp_plan_solve(&pl->p, HP_PLAN_MILP, &pl->r, &pl->err);
}

static void plan_free(struct plan *pl)
{
	hp_plan_result_free(&pl->r);
	hp_plan_problem_free(&pl->p);
	hp_plan_node_free(&pl->node);
	hp_plan_manifests_free(&pl->m);
}

static int find(const struct plan *pl, const char *name)
{
	for (unsigned i = 0; i < pl->p.n_ctr; i++)
		if (!strcmp(pl->p.ctr[i].name, name))
			return (int)i;
	return -1;
}

static const char *pu_of(const struct plan *pl, const char *name)
{
	int c = find(pl, name);

	return c < 0 ? "?" : pl->p.pu[pl->r.pu[c]].name;
}

static char *annotate(struct plan *pl)
{
	char **texts = NULL;
	char *out;

	if (hp_plan_annotate(&pl->m, &pl->p, pl->r.pu, &texts, &pl->err) < 0)
		return NULL;
	out = texts[0];
	free(texts);
	return out;
}

static void test_basics(void)
{
	static const char *yaml =
		"# a comment that must survive\n"
		"apiVersion: apps/v1\n"
		"kind: Deployment\n"
		"metadata:\n"
		"  name: web\n"
		"spec:\n"
		"  template:\n"
		"    metadata:\n"
		"      labels: {app: web}   # trailing comment\n"
		"    spec:\n"
		"      containers:\n"
		"      - name: app\n"
		"        image: example/app:1\n"
		"        resources: {requests: {cpu: 500m, memory: 128Mi}}\n"
		"      - name: istio-proxy\n"
		"        image: docker.io/istio/proxyv2:1.20\n"
		"        resources: {requests: {cpu: 200m}}\n"
		"      - name: gpu\n"
		"        image: example/gpu\n"
		"        resources: {limits: {nvidia.com/gpu: 1}}\n"
		"---\n"
		"apiVersion: v1\n"
		"kind: Service\n"
		"metadata: {name: web}\n";
	static const char *expect =
		"# a comment that must survive\n"
		"apiVersion: apps/v1\n"
		"kind: Deployment\n"
		"metadata:\n"
		"  name: web\n"
		"spec:\n"
		"  template:\n"
		"    metadata:\n"
		"      annotations:\n"
		"        heteropod.io/placement: '{\"app\": \"host\", \"istio-proxy\": \"dpu0\", "
		"\"gpu\": \"host\"}'\n"
		"      labels: {app: web}   # trailing comment\n";
	struct plan pl;
	_cleanup_free_ char *out = NULL;
	int r = plan_text(&pl, yaml, false);
	int c;

	CHECKF(r == 0, "%s", pl.err.msg);
	if (r < 0)
		goto out;
	CHECKF(pl.r.optimal, "not optimal");
	CHECKF(!strcmp(pu_of(&pl, "istio-proxy"), "dpu0"), "proxy on %s", pu_of(&pl, "istio-proxy"));
	CHECKF(!strcmp(pu_of(&pl, "app"), "host"), "app moved");
	c = find(&pl, "gpu");
	CHECKF(c >= 0 && pl.p.ctr[c].stay_reason && strstr(pl.p.ctr[c].stay_reason, "nvidia.com/gpu"),
	      "gpu reason");
	out = annotate(&pl);
	CHECKF(out && !strncmp(out, expect, strlen(expect)), "annotated:\n%s", out ? out : pl.err.msg);
	CHECKF(out && strstr(out, "kind: Service\nmetadata: {name: web}\n"), "rest kept");
out:
	plan_free(&pl);
}

static void test_annotate_shapes(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		/* annotations exist, the key does not */
		{ "kind: Pod\nmetadata:\n  name: a\n  annotations:\n    x: y\nspec:\n  "
		  "containers:\n  - {name: c, image: i}\n",
		  "kind: Pod\nmetadata:\n  name: a\n  annotations:\n    heteropod.io/placement: "
		  "'{\"c\": \"host\"}'\n    x: y\n" },
		/* the key exists: its value is replaced */
		{ "kind: Pod\nmetadata:\n  annotations: {heteropod.io/placement: \"old\"}\n  name: "
		  "a\nspec:\n  containers:\n  - {name: c, image: i}\n",
		  "kind: Pod\nmetadata:\n  annotations: {heteropod.io/placement: '{\"c\": "
		  "\"host\"}'}\n  name: a\n" },
		/* no template metadata */
		{ "kind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      "
		  "containers:\n      - {name: c, image: i}\n",
		  "kind: Job\nmetadata: {name: j}\nspec:\n  template:\n    metadata:\n      "
		  "annotations:\n        heteropod.io/placement: '{\"c\": \"host\"}'\n    "
		  "spec:\n" },
		/* flow metadata, empty */
		{ "kind: Pod\nmetadata: {}\nspec: {containers: [{name: c, image: i}]}\n",
		  "kind: Pod\nmetadata: {annotations: {heteropod.io/placement: '{\"c\": "
		  "\"host\"}'}}\n" },
		/* a List item: the key shares its line with "- " */
		{ "kind: List\nitems:\n- kind: Pod\n  spec:\n    containers:\n    - {name: c, "
		  "image: i}\n",
		  "kind: List\nitems:\n- metadata:\n    annotations:\n      "
		  "heteropod.io/placement: '{\"c\": \"host\"}'\n  kind: Pod\n" },
		/*
		 * A stream of JSON objects, as kubectl reads one: after a tab, two
		 * on a line (the second's columns after a two-byte character),
		 * CRLF, one without a name
		 */
		{ "\t{\"kind\":\"Pod\",\"metadata\":{\"name\":\"\xc3\xa9\"},\"spec\":{"
		  "\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}} "
		  "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"b\"},\"spec\":{\"containers\":[{"
		  "\"name\":\"c\",\"image\":\"i\"}]}}\r\n"
		  "{\"kind\":\"Pod\",\"metadata\":{},\"spec\":{\"containers\":[{\"name\":\"c\","
		  "\"image\":\"i\"}]}}\r\n",
		  "\t{\"kind\":\"Pod\",\"metadata\":{\"annotations\": {\"heteropod.io/placement\": "
		  "\"{\\\"c\\\": \\\"host\\\"}\"}, \"name\":\"\xc3\xa9\"},"
		  "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}} "
		  "{\"kind\":\"Pod\",\"metadata\":{\"annotations\": {\"heteropod.io/placement\": "
		  "\"{\\\"c\\\": \\\"host\\\"}\"}, \"name\":\"b\"},"
		  "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}\r\n"
		  "{\"kind\":\"Pod\",\"metadata\":{\"annotations\": {\"heteropod.io/placement\": "
		  "\"{\\\"c\\\": \\\"host\\\"}\"}},"
		  "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}\r\n" },
		/* JSON written with indents, CRLF: no blank left at the end of the line */
		{ "{\r\n  \"kind\": \"Pod\",\r\n  \"metadata\": {\r\n    \"name\": \"a\"\r\n  },"
		  "\r\n  \"spec\": {\"containers\": [{\"name\": \"c\", \"image\": "
		  "\"i\"}]}\r\n}\r\n",
		  "{\r\n  \"kind\": \"Pod\",\r\n  \"metadata\": {\"annotations\": "
		  "{\"heteropod.io/placement\": \"{\\\"c\\\": \\\"host\\\"}\"},\r\n    \"name\": "
		  "\"a\"\r\n" },
		/* a blank and a comment after the '{': one blank before the comment */
		{ "kind: Pod\nmetadata: { # c\n  name: a}\nspec: {containers: [{name: c, image: "
		  "i}]}\n",
		  "kind: Pod\nmetadata: {annotations: {heteropod.io/placement: '{\"c\": "
		  "\"host\"}'}, "
		  "# c\n  name: a}\n" },
		/* annotations: null, UTF-8 before it */
		{ "kind: Pod\nmetadata:\n  name: \"é\"\n  annotations:\nspec:\n  containers:\n  - "
		  "{name: c, image: i}\n",
		  "kind: Pod\nmetadata:\n  name: \"é\"\n  annotations: {heteropod.io/placement: "
		  "'{\"c\": \"host\"}'}\n" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct plan pl;
		_cleanup_free_ char *out = NULL;
		int r = plan_text(&pl, cases[i].in, false);

		CHECKF(r == 0, "case %zu: %s", i, pl.err.msg);
		if (r == 0) {
			out = annotate(&pl);
			CHECKF(out && !strncmp(out, cases[i].out, strlen(cases[i].out)),
			      "case %zu:\n%s", i, out ? out : pl.err.msg);
		}
		plan_free(&pl);
	}
}

static void test_errors(void)
{
	static const struct {
		const char *yaml, *msg;
	} cases[] = {
		{ "kind: Pod\nspec:\n  containers:\n  - name: c\n    image: [\n", "t.yaml:6:" },
		{ "kind: Pod\nspec:\n  containers:\n  - image: i\n",
		  "t.yaml:4: container without a name" },
		{ "kind: Pod\nspec:\n  containers:\n  - name: c\n    resources: {requests: {cpu: "
		  "lots}}\n",
		  "t.yaml:5: resources.requests.cpu" },
		{ "kind: Pod\nmetadata:\n  annotations:\n    heteropod.io/pin: '{\"c\": "
		  "\"dpu7\"}'\nspec:\n  containers:\n  - {name: c, image: i}\n",
		  "unknown PU 'dpu7'" },
		{ "kind: Pod\nmetadata:\n  annotations:\n    heteropod.io/pin: '{\"c\": "
		  "\"dpu0\"}'\nspec:\n  containers:\n  - name: c\n    securityContext: "
		  "{privileged: true}\n",
		  "t.yaml:7: c is pinned to dpu0 but cannot move: privileged" },
		{ "kind: Pod\nmetadata:\n  annotations:\n    heteropod.io/pin: '{not "
		  "json'\nspec:\n  containers:\n  - {name: c}\n",
		  "t.yaml:4: heteropod.io/pin: invalid JSON" },
		{ "kind: Deployment\nspec: {}\n", "Deployment without spec.template" },
		{ "kind: Pod\nspec:\n  containers:\n  - name: c\n    resources: {limits: {memory: "
		  "\"-1Gi\"}}\n",
		  "t.yaml:5: resources.limits.memory: -1Gi is below 0" },
		{ "kind: Pod\nspec:\n  containers:\n  - name: c\n    resources: {limits: {memory: "
		  "\"- 1Gi\"}}\n",
		  "t.yaml:5: resources.limits.memory: not a quantity" },
		/* below 0, said so; not a quantity, said so */
		{ "kind: Pod\nspec:\n  containers:\n  - name: c\n    resources: {limits: {cpu: "
		  "\"-0.1n\"}}\n",
		  "t.yaml:5: resources.limits.cpu: -0.1n is below 0" },
		{ "kind: Pod\nspec:\n  containers:\n  - name: c\n    resources: {limits: {memory: "
		  "\"-2E\"}}\n",
		  "t.yaml:5: resources.limits.memory: -2E is below 0" },
		{ "kind: Pod\nspec:\n  containers:\n  - name: c\n    resources: {limits: {cpu: "
		  "\"-+1\"}}\n",
		  "t.yaml:5: resources.limits.cpu: not a quantity" },
		/* a first object that is no JSON: jansson's error, as kubectl's (not YAML's at line
		   2) */
		{ "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\",}}\n{\"kind\":\"Pod\"}\n",
		  "t.yaml:1:38: JSON: string or '}' expected" },
		/* JSON libyaml cannot read (a surrogate pair's escape): why, said */
		{ "{\"kind\":\"Pod\"}\n{\"kind\":\"ConfigMap\",\"data\":{\"i\":\"\\ud83d\\ude00\"}}"
		  "\n",
		  "(libyaml reads each JSON object here and refuses some JSON" },
		/* "\u0000" is JSON, and a value with a NUL is refused with its line */
		{ "{\"kind\":\"Pod\"}\n{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\\u0000\"}}\n",
		  "t.yaml:2: a NUL character in a value" },
		/* lines as the file counts them: a CR alone breaks one (jansson's count does not)
		 */
		{ "{\"kind\":\"Pod\"}\r{\r\"kind\": }\r", "t.yaml:3:9: JSON: unexpected token" },
		/* a JSON stream: a later object's error is jansson's, at its place (characters) */
		{ "{\"kind\":\"Pod\"} {\"kind\":\"\xc3\xa9\", \"x\": y}\n",
		  "t.yaml:1:34: JSON: invalid token" },
		/* ... at the byte that is no UTF-8 (jansson's is the character before), on
		   a line of its own and after a CR alone */
		{ "{\"kind\":\"Pod\"}\n{\"kind\":\"P\xff\"}\n",
		  "t.yaml:2:11: JSON: unable to decode byte 0xff" },
		{ "{\"kind\":\"Pod\"}\r{\r\"kind\": \"\xc3\xa9\xff\"}\r",
		  "t.yaml:3:11: JSON: unable to decode byte 0xff" },
		{ "{\"kind\":\"Pod\"}\n{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\",\"name\":"
		  "\"b\"}}\n",
		  "t.yaml:2: key 'name' given twice" },
		{ "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"c\"}]}}\n"
		  "{\"kind\":\"Pod\",\n \"spec\": {\"containers\":[{\"image\":\"i\"}]}}\n",
		  "t.yaml:3: container without a name" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct plan pl;
		int r = plan_text(&pl, cases[i].yaml, false);

		CHECKF(r == -EINVAL && strstr(pl.err.msg, cases[i].msg), "case %zu: r=%d msg '%s'", i,
		      r, pl.err.msg);
		plan_free(&pl);
	}
}

/*
 * A stream of JSON objects whose first jansson would refuse but for its
 * flags (an integer past 64 bits): a stream all the same, not YAML that
 * fails at its second object.
 */
static void test_json_stream(void)
{
	static const char *json =
	    "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"a\", \"annotations\": {\"n\": "
	    "99999999999999999999}}, \"spec\": {\"containers\": [{\"name\": "
	    "\"c\"}]}}\n{\"kind\": \"Pod\", \"metadata\": {\"name\": \"b\"}, \"spec\": "
	    "{\"containers\": [{\"name\": \"c\"}]}}\n";
	struct plan pl;
	int r = plan_text(&pl, json, false);

	CHECKF(r == 0 && pl.p.n_pods == 2, "r=%d pods %u: %s", r, pl.p.n_pods, pl.err.msg);
	plan_free(&pl);
}

/*
 * Profiles and parameters: errors name the line of what is wrong (here,
 * under the sanitizers too: the check of unused entries had passed
 * memcpy a NULL path).
 */
static void test_json_places(void)
{
	static const char *yaml =
	    "kind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n"
	    "  - {name: app, image: nginx}\n  - {name: envoy, image: envoyproxy/envoy:v1}\n";
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "{\n  \"pods\": {\n    \"Pod/a\": {},\n    \"Pod/nope\": {}\n  }\n}\n",
		  "p.json:4: the profile names workload Pod/nope" },
		{ "{\n  \"pods\": {\"Pod/a\": {\"containers\": {\n    \"app\": {\"cpu\": "
		  "-1}}}}\n}\n",
		  "p.json:3: pods.Pod/a.containers.app.cpu: expected" },
		{ "{\"pods\": {\"Pod/a\": {\"traffic\": [\r\n  {\"from\": \"app\", \"to\": "
		  "\"envoy\"},\r\n  {\"from\": \"app\", \"to\": \"nope\"}]}}}\r\n",
		  "p.json:3: pods.Pod/a.traffic[1].to: Pod/a (t.yaml:1) has no container 'nope'" },
		/* a raw LS in a string: no line break, to an editor */
		{ "{\"_c\": \"a\u2028b\",\n  \"pods\": {\"Pod/a\": {\"containers\":\n"
		  "    {\"nope\": {}}}}}\n",
		  "p.json:3: pods.Pod/a.containers.nope: Pod/a (t.yaml:1) has no container" },
	};

	static const struct {
		const char *json, *msg;
	} params[] = {
		/* jansson's place of an invalid escape is inside the character after it */
		{ "{\n  \"x\": \"\\\xc3\xa9\",\n  \"a\": 1\n}\n", "q.json:2: invalid escape" },
		{ "{\n  \"msgCpuUs\": 1,\n  \"timeLimitS\": 0\n}",
		  "q.json:3: timeLimitS: expected a number > 0" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct hp_plan_profile *prof = NULL;
		struct plan pl;
		int r;

		memset(&pl, 0, sizeof(pl));
		hp_plan_node_defaults(&pl.node);
		hp_plan_problem_init(&pl.p);
		r = hp_plan_manifests_parse(&pl.m, "t.yaml", yaml, strlen(yaml), &pl.err);
		if (r == 0)
			r = hp_plan_profile_parse(&prof, cases[i].json, strlen(cases[i].json),
						  "p.json", &pl.err);
		if (r == 0)
			r = hp_plan_build(&pl.p, &pl.m, &pl.node, prof, NULL, &pl.err);
		CHECKF(r == -EINVAL && strstr(pl.err.msg, cases[i].msg), "case %zu: %d %s", i, r,
		       pl.err.msg);
		hp_plan_profile_free(prof);
		plan_free(&pl);
	}
	for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
		struct hp_plan_params pp;
		struct hp_error err = { "" };
		int r;

		hp_plan_params_defaults(&pp);
		r = hp_plan_params_parse(&pp, params[i].json, strlen(params[i].json), "q.json",
					 &err);
		CHECKF(r == -EINVAL && strstr(err.msg, params[i].msg), "params %zu: %d %s", i, r,
		       err.msg);
	}
}

/* Kubernetes quantities as requests: what each reads as, or refused (< 0). */
static void test_quantities(void)
{
	static const struct {
		const char *field, *q;
		double want; /* < 0: refused with file:line */
	} cases[] = {
		{ "cpu", "100m", 0.1 },
		{ "cpu", "0.5", 0.5 },
		{ "cpu", "2", 2 },
		{ "cpu", "1e1", 10 },
		{ "cpu", ".5", 0.5 },
		{ "cpu", "+1", 1 },
		{ "memory", "128Mi", 134217728 },
		{ "memory", "1G", 1e9 },
		{ "memory", "1E", 1e18 },
		{ "memory", "1.5Ki", 1536 },
		{ "cpu", "1e3m", -1 },
		{ "memory", "1e3Mi", -1 },
		{ "cpu", "0x10", -1 },
		{ "cpu", "inf", -1 },
		{ "cpu", "-1", -1 },
		{ "cpu", "1m5", -1 },
		{ "memory", "2E", -1 },
		{ "cpu", "1e19", -1 },
		/* exactly, as Kubernetes keeps them: nano units, a fraction rounded up */
		{ "memory", "1000000000000000001", -1 },
		{ "memory", "1000000000000000000.000000001", -1 },
		{ "memory", "1Ei", -1 },
		{ "memory", "0.5Ei", 576460752303423488 },
		{ "memory", "999999999999999999", 1e18 },
		{ "cpu", "0.1n", 1e-9 },
		{ "cpu", "1e-20", 1e-9 },
		{ "cpu", "1.", 1 },
		{ "cpu", "+.5", 0.5 },
		{ "cpu", "0e999999999999", 0 },
		{ "cpu", "1e999999999999", -1 },
		{ "cpu", "1e-99999999999999999999", -1 }, /* past 64 bits: Kubernetes refuses it */
		{ "cpu", " 1 ", 1 },			  /* trimmed, as Kubernetes reads it */
		{ "cpu", "1 m", -1 },
		{ "cpu", "1e", -1 },
		{ "cpu", "1e+", -1 },
		{ "cpu", "1e 3", -1 },
		{ "cpu", "1..5", -1 },
		/* no digits: 0, as Kubernetes' reader takes them; empty, refused */
		{ "cpu", ".", 0 },
		{ "cpu", "m", 0 },
		{ "memory", "Ki", 0 },
		{ "cpu", "e3", 0 },
		{ "cpu", "+", 0 },
		{ "cpu", "-", 0 },
		{ "cpu", "", -1 },
		/* Go's white space around it, Unicode's White_Space (not a zero-width space) */
		{ "cpu", "1\\u00a0", 1 },
		{ "cpu", "\\v2\\f", 2 },
		{ "cpu", "\\u00853", 3 },
		{ "cpu", "\\u3000500m\\u2003", 0.5 },
		{ "cpu", "\\u16804\\u2028\\u2029", 4 },
		{ "cpu", "\\u202f\\u205f5\\u200a\\u2000", 5 },
		{ "cpu", "\\u200b1", -1 },
		{ "cpu", "1\\u2020", -1 },
		/* a sign: "-0" is 0, below it refused */
		{ "cpu", "-0", 0 },
		{ "cpu", "-0.0m", 0 },
		{ "cpu", "-1n", -1 },
		{ "cpu", "-0.1n", -1 },
		{ "memory", "-2E", -1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *yaml =
		    hp_sprintf("kind: Pod\nspec:\n  containers:\n  - name: c\n"
			       "    resources: {requests: {%s: \"%s\"}}\n",
			       cases[i].field, cases[i].q);
		struct plan pl;
		int r = plan_text(&pl, yaml, false);

		if (cases[i].want < 0) {
			CHECKF(r == -EINVAL && strstr(pl.err.msg, "t.yaml:5: resources.requests."),
			       "%s %s: r=%d msg '%s'", cases[i].field, cases[i].q, r, pl.err.msg);
		} else {
			double got = r < 0			      ? NAN
				     : !strcmp(cases[i].field, "cpu") ? pl.p.ctr[0].cpu
								      : pl.p.ctr[0].memory;

			CHECKF(r == 0 && fabs(got - cases[i].want) <= 1e-9 * cases[i].want,
			       "%s %s: r=%d read %g, want %g", cases[i].field, cases[i].q, r, got,
			       cases[i].want);
		}
		plan_free(&pl);
	}
}

/*
 * Requests against limits, compared exactly, as Kubernetes' validation does:
 * NULL where the pod is read, or the message's start.
 */
static void test_requests_limits(void)
{
	static const struct {
		const char *res, *want;
	} cases[] = {
		{ "{requests: {cpu: 2}, limits: {cpu: 1500m}}", "requests.cpu is more than" },
		{ "{requests: {cpu: 700m}, limits: {cpu: \"0.7\"}}", NULL },
		/* equal as doubles (both 1e18), not as quantities */
		{ "{requests: {memory: \"999999999999999999\"}, limits: {memory: "
		  "\"999999999999999998\"}}",
		  "requests.memory is more than" },
		{ "{requests: {ephemeral-storage: 2Gi}, limits: {ephemeral-storage: 1Gi}}",
		  "requests.ephemeral-storage is more than" },
		{ "{requests: {ephemeral-storage: 1Gi}}", NULL },
		{ "{requests: {ephemeral-storage: lots}}",
		  "requests.ephemeral-storage: not a quantity" },
		{ "{requests: {hugepages-2Mi: 1Gi}}", "requests.hugepages-2Mi needs a limit" },
		{ "{requests: {hugepages-2Mi: 1Gi}, limits: {hugepages-2Mi: 2Gi}}",
		  "requests.hugepages-2Mi differs from" },
		{ "{requests: {hugepages-2Mi: 1Gi}, limits: {hugepages-2Mi: 1024Mi}}", NULL },
		{ "{requests: {nvidia.com/gpu: 1}}", "requests.nvidia.com/gpu needs a limit" },
		{ "{requests: {nvidia.com/gpu: 1}, limits: {nvidia.com/gpu: 2}}",
		  "requests.nvidia.com/gpu differs from" },
		{ "{limits: {nvidia.com/gpu: 1}}", NULL },
		{ "{limits: {ephemeral-storage: lots}}",
		  "limits.ephemeral-storage: not a quantity" },
		/* a plain number that is no integer is a float64 to kubectl: 0.3 */
		{ "{requests: {cpu: 0.30000000000000001}, limits: {cpu: 300m}}", NULL },
		{ "{requests: {cpu: \"0.30000000000000001\"}, limits: {cpu: 300m}}",
		  "requests.cpu is more than" },
		/* over the cap, compared only: not CPU or memory */
		{ "{limits: {ephemeral-storage: 2E}}", NULL },
		{ "{requests: {ephemeral-storage: 3E}, limits: {ephemeral-storage: 2E}}",
		  "requests.ephemeral-storage is more than" },
		{ "{limits: {cpu: 2E}}", "limits.cpu: not a quantity" },
		{ "{requests: {example.kubernetes.io/x: 2}, limits: {example.kubernetes.io/x: 3}}",
		  NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *yaml =
		    hp_sprintf("kind: Pod\nspec:\n  containers:\n  - name: c\n    resources: %s\n",
			       cases[i].res);
		_cleanup_free_ char *want =
		    cases[i].want ? hp_sprintf("t.yaml:5: resources.%s", cases[i].want) : NULL;
		struct plan pl;
		int r = plan_text(&pl, yaml, false);

		if (want)
			CHECKF(r == -EINVAL && strstr(pl.err.msg, want), "%s: r=%d msg '%s'",
			       cases[i].res, r, pl.err.msg);
		else
			CHECKF(r == 0, "%s: r=%d msg '%s'", cases[i].res, r, pl.err.msg);
		plan_free(&pl);
	}
}

static void test_pins_and_groups(void)
{
#define PINS_YAML(role) \
		"kind: Pod\n" \
		"metadata:\n" \
		"  name: p\n" \
		"  annotations:\n" \
		"    heteropod.io/pin: '{\"app\": \"dpu\"}'\n" \
		"    heteropod.io/role: '{\"envoy\": \"" role "\"}'\n" \
		"spec:\n" \
		"  shareProcessNamespace: true\n" \
		"  containers:\n" \
		"  - {name: app, image: a, resources: {requests: {cpu: 100m}}}\n" \
		"  - {name: envoy, image: envoyproxy/envoy:v1}\n" \
		"  - {name: log, image: fluent/fluent-bit}\n"
	static const char *infra = PINS_YAML("infra"), *app = PINS_YAML("app");
	struct plan pl;
	int r = plan_text(&pl, infra, false);

	/* the pinned app pulls the containers sharing its process namespace along */
	CHECKF(r == 0, "%s", pl.err.msg);
	if (r == 0) {
		CHECKF(!strcmp(pu_of(&pl, "app"), "dpu0"), "pinned app on %s", pu_of(&pl, "app"));
		CHECKF(!strcmp(pu_of(&pl, "envoy"), "dpu0"), "envoy on %s", pu_of(&pl, "envoy"));
		CHECKF(!strcmp(pu_of(&pl, "log"), "dpu0"), "log on %s", pu_of(&pl, "log"));
	}
	plan_free(&pl);
	/* envoy declared an application (may not move): no common PU, an error */
	r = plan_text(&pl, app, false);
	CHECKF(r == -EINVAL && strstr(pl.err.msg, "must share a PU"), "r=%d %s", r, pl.err.msg);
	plan_free(&pl);
}

/*
 * hostPath: under /dev, /sys or /proc (by directory, not by prefix: not
 * /development) is a device, a *.sock file a socket, / and the runtime's
 * and kubelet's socket directories hard too, anything else a directory;
 * and a container kept with a partner that may not move says so.
 */
static void test_reasons(void)
{
	static const struct {
		const char *path;
		const char *reason;
	} paths[] = {
		{ "/dev", "hostPath device /dev" },
		{ "/dev/nvidia0", "hostPath device /dev/nvidia0" },
		{ "/development/data", "mounts host directory /development/data" },
		{ "/proc", "hostPath device /proc" },
		{ "/process", "mounts host directory /process" },
		{ "/var/run/docker.sock", "hostPath socket /var/run/docker.sock" },
		{ "/var/lib/x.socket-dir", "mounts host directory /var/lib/x.socket-dir" },
		{ "/run/containerd/containerd.sock/",
		  "hostPath socket /run/containerd/containerd.sock" },
		{ "/", "hostPath / (the host's root" },
		{ "//./", "hostPath / (the host's root" },
		{ "/var/run", "hostPath /var/run (the node's runtime" },
		{ "/run/containerd", "hostPath /run/containerd (the node's runtime" },
		{ "/var/lib/kubelet/pod-resources",
		  "hostPath /var/lib/kubelet/pod-resources (the" },
		{ "/run/xtables.lock", "mounts host directory /run/xtables.lock" },
		{ "/var/lib/kubeletx", "mounts host directory /var/lib/kubeletx" },
	};
	static const char *shared =
	    "kind: Pod\n"
	    "metadata: {name: s}\n"
	    "spec:\n"
	    "  shareProcessNamespace: true\n"
	    "  containers:\n"
	    "  - {name: app, image: a}\n"
	    "  - {name: istio-proxy, image: docker.io/istio/proxyv2:1.20}\n";
	struct plan pl;
	char yaml[512];
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		int c;

		snprintf(yaml, sizeof(yaml),
			 "kind: Pod\nmetadata: {name: h}\nspec:\n"
			 "  volumes: [{name: v, hostPath: {path: '%s'}}]\n"
			 "  containers:\n"
			 "  - {name: envoy, image: envoyproxy/envoy:v1, volumeMounts: [{name: v, "
			 "mountPath: /x}]}\n",
			 paths[i].path);
		r = plan_text(&pl, yaml, false);
		c = find(&pl, "envoy");
		CHECKF(r == 0 && c >= 0 && pl.p.ctr[c].stay_reason &&
			   strstr(pl.p.ctr[c].stay_reason, paths[i].reason),
		       "%s: r=%d %s, reason '%s'", paths[i].path, r, pl.err.msg,
		       c >= 0 && pl.p.ctr[c].stay_reason ? pl.p.ctr[c].stay_reason : "");
		plan_free(&pl);
	}
	r = plan_text(&pl, shared, false);
	CHECKF(r == 0, "%s", pl.err.msg);
	if (r == 0) {
		_cleanup_free_ char *json = hp_plan_report_json(&pl.p, &pl.r);

		CHECKF(json && strstr(json, "shares a PU with app (") &&
			   strstr(json, "which stays: application container") &&
			   !strstr(json, "fits on no DPU"),
		       "%s", json ? json : "no report");
	}
	plan_free(&pl);
}

static void test_real_manifests(void)
{
	char dir[PATH_MAX], src[PATH_MAX];
	const char *env = getenv("HETEROPOD_MANIFESTS");
	_cleanup_free_ char *pat = NULL;
	unsigned files = 0, compared = 0;
	glob_t gl;

	snprintf(src, sizeof(src), "%s", __FILE__);
	/* tests/unit/test-plan-manifest.c -> <repo>/../shared/manifests */
	snprintf(dir, sizeof(dir), "%s/../shared/manifests",
		 dirname(dirname(dirname(src))));
	if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	pat = hp_sprintf("%s/*/*.yaml", dir);
	if (glob(pat, 0, NULL, &gl) != 0) {
		printf("real manifests: none under %s, skipped\n", dir);
		return;
	}
	for (size_t i = 0; i < gl.gl_pathc; i++) {
		for (int move = 0; move < 2; move++) {
			struct plan pl;
			struct hp_plan_result gr = { 0 };
			_cleanup_free_ char *text = NULL;
			int r;

			memset(&pl, 0, sizeof(pl));
			hp_plan_node_defaults(&pl.node);
			pl.node.move_apps = move;
			if (move) {
				pl.node.pu[1].cores = 0.6; /* small: capacity binds */
			}
			r = hp_plan_manifests_load(&pl.m, gl.gl_pathv[i], &pl.err);
			if (r == 0)
				r = hp_plan_build(&pl.p, &pl.m, &pl.node, NULL, NULL, &pl.err);
			if (r == 0)
				r = hp_plan_solve(&pl.p, HP_PLAN_MILP, &pl.r, &pl.err);
			CHECKF(r == 0, "%s: %s", gl.gl_pathv[i], pl.err.msg);
			if (r == 0 && hp_plan_solve(&pl.p, HP_PLAN_GREEDY, &gr, &pl.err) == 0) {
				CHECKF(pl.r.optimal, "%s: not optimal", gl.gl_pathv[i]);
				CHECKF(pl.r.objective >= gr.objective - 1e-9, "%s: exact %f < greedy %f",
				      gl.gl_pathv[i], pl.r.objective, gr.objective);
				compared++;
			}
			if (r == 0 && pl.p.n_pods) {
				char **texts = NULL;

				r = hp_plan_annotate(&pl.m, &pl.p, pl.r.pu, &texts, &pl.err);
				CHECKF(r == 0, "%s: annotate: %s", gl.gl_pathv[i], pl.err.msg);
				for (unsigned f = 0; texts && f < pl.m.n_files; f++)
					free(texts[f]);
				free(texts);
			}
			hp_plan_result_free(&gr);
			plan_free(&pl);
		}
		files++;
	}
	globfree(&gl);
	printf("real manifests: %u files, %u exact-vs-greedy comparisons, exact never worse\n",
	       files, compared);
	CHECKF(files >= 20, "only %u manifests found", files);
}

static void test_classifier(void)
{
	CHECKF(hp_plan_infra_kind("istio-proxy", "x", false), "istio-proxy");
	CHECKF(hp_plan_infra_kind("sidecar", "docker.io/istio/proxyv2:1.2", false), "proxyv2");
	CHECKF(hp_plan_infra_kind("qp", "img", true), "Knative's queue env");
	CHECKF(!hp_plan_infra_kind("vault", "hashicorp/vault:1.15", false), "the Vault server");
	CHECKF(!hp_plan_infra_kind("injector", "hashicorp/vault-k8s:1.3", false),
	       "the Vault injector");
	CHECKF(hp_plan_infra_kind("vault-agent", "hashicorp/vault:1.15", false), "vault-agent");
	CHECKF(!hp_plan_infra_kind("app", "myorg/vector:2.0", false), "myorg/vector");
	CHECKF(hp_plan_infra_kind("kuma-sidecar", "x", false), "kuma-sidecar");
	CHECKF(!hp_plan_infra_kind("other-sidecar", "fake.docker.io/google-samples/hello-go-gke:1.0",
				  false),
	      "other-sidecar is an application");
	CHECKF(!hp_plan_infra_kind("frontend-check", "busybox:latest", false), "frontend-check");
	CHECKF(hp_plan_infra_kind("sidecar", "docker.io/daprio/daprd:1.14", false), "daprio/daprd");
	CHECKF(hp_plan_infra_kind("agent", "gcr.io/datadoghq/agent:7", false), "datadoghq/agent");
}

int main(void)
{
	test_classifier();
	test_basics();
	test_annotate_shapes();
	test_errors();
	test_json_stream();
	test_json_places();
	test_quantities();
	test_requests_limits();
	test_pins_and_groups();
	test_reasons();
	test_real_manifests();
	hp_plan_solver_cleanup();
	return check_done("test-plan-manifest");
}

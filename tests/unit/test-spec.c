/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runtime's spec handling and play's YAML rewrite (no engine needed). */
#include "agent/ctr.h"
#include "check.h"
#include "runtime/podyaml.h"
#include "runtime/spec.h"

#include <sys/resource.h>

static json_t *spec_with(const char *placement, const char *ann_name, const char *env_name)
{
	json_t *s = json_pack("{s:{s:[s]}, s:{}, s:{s:[{s:s},{s:s,s:s}]}}", "process", "env",
			      "PATH=/bin", "annotations", "linux", "namespaces", "type", "pid",
			      "type", "network", "path", "/proc/1/ns/net");
	json_t *ann = json_object_get(s, "annotations");

	if (placement)
		json_object_set_new(ann, HP_ANN_PLACEMENT, json_string(placement));
	if (ann_name)
		json_object_set_new(ann, "io.kubernetes.cri.container-name", json_string(ann_name));
	if (env_name) {
		char kv[128];

		snprintf(kv, sizeof(kv), "%s=%s", HP_ENV_CONTAINER, env_name);
		json_array_append_new(json_object_get(json_object_get(s, "process"), "env"),
				      json_string(kv));
	}
	return s;
}

static void test_placement(void)
{
	struct hp_error err = {""};
	char pu[16];
	json_t *s;

	/* No annotation: the host. */
	s = spec_with(NULL, NULL, "proxy");
	CHECK(hp_spec_placement(s, pu, sizeof(pu), &err) == 0);
	CHECK_STR(pu, "host");
	json_decref(s);

	/* The name from the CRI annotation wins over the environment. */
	s = spec_with("{\"proxy\": \"dpu0\", \"app\": \"host\"}", "proxy", "app");
	CHECK_STR(hp_spec_container_name(s), "proxy");
	CHECK(hp_spec_placement(s, pu, sizeof(pu), &err) == 0);
	CHECK_STR(pu, "dpu0");
	json_decref(s);

	/* Without the annotation (podman drops a Deployment's), HETEROPOD_PU says. */
	s = spec_with(NULL, NULL, "proxy");
	hp_spec_setenv(s, HP_ENV_PU, "dpu0");
	CHECK(hp_spec_placement(s, pu, sizeof(pu), &err) == 0);
	CHECK_STR(pu, "dpu0");
	hp_spec_setenv(s, HP_ENV_PU, "nowhere");
	CHECK(hp_spec_placement(s, pu, sizeof(pu), &err) == -EINVAL);
	json_decref(s);

	s = spec_with("{\"proxy\": \"dpu1\"}", NULL, "proxy");
	CHECK(hp_spec_placement(s, pu, sizeof(pu), &err) == 0);
	CHECK_STR(pu, "dpu1");
	json_decref(s);

	/* A container the map does not name stays on the host. */
	s = spec_with("{\"proxy\": \"dpu0\"}", NULL, "app");
	CHECK(hp_spec_placement(s, pu, sizeof(pu), &err) == 0);
	CHECK_STR(pu, "host");
	json_decref(s);

	/* Bad annotations say what is wrong. */
	s = spec_with("{\"proxy\": ", NULL, "proxy");
	CHECK(hp_spec_placement(s, pu, sizeof(pu), &err) == -EINVAL);
	CHECK_CONTAINS(err.msg, HP_ANN_PLACEMENT);
	json_decref(s);
	s = spec_with("[\"dpu0\"]", NULL, "proxy");
	CHECK(hp_spec_placement(s, pu, sizeof(pu), &err) == -EINVAL);
	json_decref(s);
	s = spec_with("{\"proxy\": \"gpu0\"}", NULL, "proxy");
	CHECK(hp_spec_placement(s, pu, sizeof(pu), &err) == -EINVAL);
	CHECK_CONTAINS(err.msg, "gpu0");
	json_decref(s);
	/* Containers are placed but this one's name is unknown: refuse, do not guess. */
	s = spec_with("{\"proxy\": \"dpu0\"}", NULL, NULL);
	CHECK(hp_spec_placement(s, pu, sizeof(pu), &err) == -EINVAL);
	CHECK_CONTAINS(err.msg, HP_ENV_CONTAINER);
	json_decref(s);

	CHECK(hp_pu_name_valid("host") && hp_pu_name_valid("dpu0") && hp_pu_name_valid("dpu12"));
	CHECK(!hp_pu_name_valid("dpu") && !hp_pu_name_valid("dpu01") && !hp_pu_name_valid("dpux") &&
	      !hp_pu_name_valid("Host") && !hp_pu_name_valid("dpu123"));
}

static void test_edits(void)
{
	json_t *s = spec_with(NULL, NULL, NULL);
	struct rlimit cur;

	CHECK_STR(hp_spec_ns_path(s, "network"), "/proc/1/ns/net");
	CHECK(hp_spec_ns_path(s, "pid") == NULL);
	CHECK(hp_spec_set_ns(s, "network", "/run/netns/x") == 0);
	CHECK_STR(hp_spec_ns_path(s, "network"), "/run/netns/x");
	CHECK(hp_spec_set_ns(s, "uts", "/run/uts") == 0); /* added */
	CHECK_STR(hp_spec_ns_path(s, "uts"), "/run/uts");
	CHECK(hp_spec_set_ns(s, "network", NULL) == 0); /* a new one */
	CHECK(hp_spec_ns_path(s, "network") == NULL);
	CHECK(json_array_size(json_object_get(json_object_get(s, "linux"), "namespaces")) == 3);

	CHECK(hp_spec_setenv(s, "A", "1") == 0 && hp_spec_setenv(s, "A", "2") == 0);
	CHECK_STR(json_string_value(
		      json_array_get(json_object_get(json_object_get(s, "process"), "env"), 1)),
		  "A=2");
	CHECK(hp_spec_set_cgroups_path(s, "/a/b") == 0);
	CHECK(hp_spec_add_bind(s, "/src", "/dst", true) == 0);
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(s, "mounts"), 0),
						    "destination")),
		  "/dst");

	/* Limits above this process's hard limit come down to it. */
	CHECK(getrlimit(RLIMIT_NOFILE, &cur) == 0);
	json_object_set_new(json_object_get(s, "process"), "rlimits",
			    json_pack("[{s:s, s:I, s:I}]", "type", "RLIMIT_NOFILE", "hard",
				      (json_int_t)cur.rlim_max + 1000, "soft",
				      (json_int_t)cur.rlim_max + 1000));
	CHECK(hp_spec_clamp_rlimits(s) == (cur.rlim_max == RLIM_INFINITY ? 0 : 1));
	if (cur.rlim_max != RLIM_INFINITY) {
		json_t *rl =
		    json_array_get(json_object_get(json_object_get(s, "process"), "rlimits"), 0);

		CHECK(json_integer_value(json_object_get(rl, "hard")) == (json_int_t)cur.rlim_max);
		CHECK(json_integer_value(json_object_get(rl, "soft")) == (json_int_t)cur.rlim_max);
	}
	json_decref(s);

	CHECK(hp_ctr_id_valid("0123abc") && hp_ctr_id_valid("my-ctr_1.x"));
	CHECK(!hp_ctr_id_valid("") && !hp_ctr_id_valid("../x") && !hp_ctr_id_valid("a/b") &&
	      !hp_ctr_id_valid(".hidden"));
}

static void test_accel(void)
{
	json_t *s = spec_with(NULL, NULL, "app"), *mounts;
	const char *env;
	size_t i;
	json_t *m;
	bool lib = false, sock = false, jansson = false;

	CHECK(hp_spec_accel_wanted(s));
	hp_spec_setenv(s, "LD_PRELOAD", "/usr/lib/other.so");
	CHECK(hp_spec_accelerate(s, "/opt/hp/libheteropod-preload.so", "/run/heteropod/n/host.sock",
				 "web") == 0);
	mounts = json_object_get(s, "mounts");
	json_array_foreach(mounts, i, m)
	{
		const char *dst = json_string_value(json_object_get(m, "destination"));

		lib |= !strcmp(dst, HP_ACCEL_DIR "/libheteropod-preload.so");
		sock |= !strcmp(dst, HP_ACCEL_DIR "/agent.sock");
		jansson |=
		    !strncmp(dst, HP_ACCEL_DIR "/libjansson", strlen(HP_ACCEL_DIR "/libjansson"));
	}
	CHECK(lib && sock && jansson);
	env = NULL;
	json_array_foreach(json_object_get(json_object_get(s, "process"), "env"), i,
			   m) if (!strncmp(json_string_value(m), "LD_PRELOAD=", 11)) env =
	    json_string_value(m);
	/* The interposer comes first, what the image preloads stays. */
	CHECK_STR(env, "LD_PRELOAD=" HP_ACCEL_DIR "/libheteropod-preload.so:/usr/lib/other.so");
	json_decref(s);

	s = spec_with(NULL, NULL, "app");
	json_object_set_new(json_object_get(s, "annotations"), HP_ANN_ACCEL, json_string("false"));
	CHECK(!hp_spec_accel_wanted(s));
	json_decref(s);
	s = spec_with(NULL, NULL, "app");
	hp_spec_setenv(s, HP_ENV_ACCEL, "0");
	CHECK(!hp_spec_accel_wanted(s));
	json_decref(s);
}

static void test_base64(void)
{
	const unsigned char data[] = {0, 1, 2, 250, 255, '\n', 'x'};
	char *b = hp_base64(data, sizeof(data));
	unsigned char back[16];

	CHECK(b != NULL);
	CHECK(hp_unbase64(b, back, sizeof(back)) == (ssize_t)sizeof(data));
	CHECK(!memcmp(back, data, sizeof(data)));
	CHECK(hp_unbase64("!!!", back, sizeof(back)) < 0);
	free(b);
}

static void test_play_yaml(void)
{
	const char *yaml = "apiVersion: v1\n"
			   "kind: ConfigMap\n"
			   "metadata: {name: conf}\n"
			   "---\n"
			   "apiVersion: v1\n"
			   "kind: Pod\n"
			   "metadata:\n"
			   "  name: web\n"
			   "  annotations:\n"
			   "    heteropod.io/placement: '{\"proxy\": \"dpu0\"}'\n"
			   "spec:\n"
			   "  initContainers:\n"
			   "  - name: init\n"
			   "    image: x\n"
			   "  containers:\n"
			   "  - name: app\n"
			   "    image: x\n"
			   "    env:\n"
			   "    - name: A\n"
			   "      value: b\n"
			   "  - name: proxy\n"
			   "    image: y\n"
			   "---\n"
			   "apiVersion: apps/v1\n"
			   "kind: Deployment\n"
			   "metadata: {name: dep}\n"
			   "spec:\n"
			   "  template:\n"
			   "    spec:\n"
			   "      containers: [{name: c, image: z}]\n";
	struct hp_error err = {""};
	char *out = NULL;
	json_t *pods = NULL;

	CHECK(hp_play_prepare("t.yaml", yaml, strlen(yaml), &out, &pods, &err) == 0);
	CHECK_CONTAINS(out, "kind: ConfigMap");
	CHECK_CONTAINS(out, "name: HETEROPOD_CONTAINER");
	CHECK_CONTAINS(out, "value: proxy");
	CHECK_CONTAINS(out, "name: HETEROPOD_PU");
	CHECK_CONTAINS(out, "value: dpu0");
	CHECK_CONTAINS(out, "value: init");
	CHECK_CONTAINS(out, "value: c");
	CHECK_CONTAINS(out, "name: A");
	/* podman 4.3 would restart the finished init container forever. */
	CHECK_CONTAINS(out, "restartPolicy: OnFailure");
	CHECK(json_object_get(json_array_get(pods, 0), "note") != NULL);
	CHECK(json_object_get(json_array_get(pods, 1), "note") == NULL);
	CHECK(json_array_size(pods) == 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(pods, 0), "pod")), "web");
	CHECK_STR(json_string_value(json_object_get(json_array_get(pods, 1), "pod")), "dep-pod-0");
	CHECK_STR(json_string_value(json_object_get(
		      json_object_get(json_array_get(pods, 0), "placement"), "proxy")),
		  "dpu0");

	/* Our own output plays again to the same text (the env is not doubled). */
	{
		char *again = NULL;
		json_t *p2 = NULL;

		CHECK(hp_play_prepare("t2.yaml", out, strlen(out), &again, &p2, &err) == 0);
		CHECK_STR(again, out);
		free(again);
		json_decref(p2);
	}
	free(out);
	json_decref(pods);

	/* "env:" with no value becomes the list, not a second key; a changed
	 * placement wins over the HETEROPOD_PU a first play wrote. */
	{
		const char *y = "kind: Pod\nmetadata:\n  name: p\n  annotations:\n"
				"    heteropod.io/placement: '{\"a\": \"host\"}'\n"
				"spec:\n  containers:\n  - name: a\n    env:\n"
				"    - {name: HETEROPOD_CONTAINER, value: a}\n"
				"    - {name: HETEROPOD_PU, value: dpu0}\n"
				"  - name: b\n    image: x\n    env:\n";
		char *o = NULL;
		json_t *p = NULL;
		const char *at;

		CHECK(hp_play_prepare("e.yaml", y, strlen(y), &o, &p, &err) == 0);
		at = o ? strstr(o, "name: b") : NULL;
		CHECK(at && strstr(at, "env:") && !strstr(strstr(at, "env:") + 4, "env:"));
		CHECK(o && !strstr(o, "value: dpu0"));
		free(o);
		json_decref(p);
	}

	/* What podman cannot play, or cannot be read, is refused with a line. */
	const char *bad = "kind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{image: x}]\n";

	CHECK(hp_play_prepare("b.yaml", bad, strlen(bad), &out, &pods, &err) == -EINVAL);
	CHECK_CONTAINS(err.msg, "b.yaml:");
	const char *job = "kind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      "
			  "containers: [{name: c}]\n";

	CHECK(hp_play_prepare("j.yaml", job, strlen(job), &out, &pods, &err) == -EINVAL);
	CHECK_CONTAINS(err.msg, "Job");
	const char *none = "kind: ConfigMap\nmetadata: {name: c}\n";

	CHECK(hp_play_prepare("n.yaml", none, strlen(none), &out, &pods, &err) == -EINVAL);
	const char *broken = "kind: Pod\n  metadata: [\n";

	CHECK(hp_play_prepare("x.yaml", broken, strlen(broken), &out, &pods, &err) < 0);
	const char *badann = "kind: Pod\nmetadata:\n  name: a\n  annotations:\n    "
			     "heteropod.io/placement: 'nope'\nspec:\n  containers: [{name: c}]\n";

	CHECK(hp_play_prepare("a.yaml", badann, strlen(badann), &out, &pods, &err) == -EINVAL);
	CHECK_CONTAINS(err.msg, "heteropod.io/placement");
}

int main(void)
{
	test_placement();
	test_edits();
	test_accel();
	test_base64();
	test_play_yaml();
	return check_done("test-spec");
}

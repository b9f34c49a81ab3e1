/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/spec.h"

#include <ctype.h>
#include <dlfcn.h>
#include <sys/resource.h>

static const char *env_lookup(json_t *spec, const char *name)
{
	json_t *env = json_object_get(json_object_get(spec, "process"), "env");
	size_t i, len = strlen(name);
	json_t *v;

	json_array_foreach(env, i, v)
	{
		const char *s = json_string_value(v);

		if (s && !strncmp(s, name, len) && s[len] == '=')
			return s + len + 1;
	}
	return NULL;
}

const char *hp_spec_container_name(json_t *spec)
{
	static const char *const keys[] = {"io.kubernetes.cri.container-name",
					   "io.kubernetes.container.name"};
	json_t *ann = json_object_get(spec, "annotations");

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *s = json_string_value(json_object_get(ann, keys[i]));

		if (s && *s)
			return s;
	}
	return env_lookup(spec, HP_ENV_CONTAINER);
}

bool hp_pu_name_valid(const char *s)
{
	if (!strcmp(s, "host"))
		return true;
	if (strncmp(s, "dpu", 3) || !s[3] || strlen(s) > 5)
		return false;
	for (const char *p = s + 3; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return s[3] != '0' || !s[4]; /* no leading zero */
}

int hp_spec_placement(json_t *spec, char *pu, size_t n, struct hp_error *err)
{
	const char *text = json_string_value(
	    json_object_get(json_object_get(spec, "annotations"), HP_ANN_PLACEMENT));
	const char *name = hp_spec_container_name(spec), *key;
	json_t *map, *v;
	json_error_t jerr;
	int r = 0;

	snprintf(pu, n, "host");
	if (!text) {
		const char *env = env_lookup(spec, HP_ENV_PU);

		if (!env)
			return 0;
		if (!hp_pu_name_valid(env)) {
			hp_error_set(err, "%s=%s is not a PU (host, dpu0, dpu1, ...)", HP_ENV_PU,
				     env);
			return -EINVAL;
		}
		snprintf(pu, n, "%s", env);
		return 0;
	}
	map = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(map)) {
		hp_error_set(err, "annotation %s is not a JSON object of container name to PU: %s",
			     HP_ANN_PLACEMENT, map ? "not an object" : jerr.text);
		json_decref(map);
		return -EINVAL;
	}
	json_object_foreach(map, key, v)
	{
		const char *want = json_string_value(v);

		if (!want || !hp_pu_name_valid(want)) {
			hp_error_set(err,
				     "annotation %s: container '%s' placed on '%s', which is not a "
				     "PU (host, dpu0, dpu1, ...)",
				     HP_ANN_PLACEMENT, key, want ? want : "(not a string)");
			r = -EINVAL;
			goto out;
		}
		if (name && !strcmp(key, name))
			snprintf(pu, n, "%s", want);
	}
	if (!name && json_object_size(map) > 0) {
		hp_error_set(
		    err,
		    "annotation %s places containers, but this container's name is unknown "
		    "(no CRI container-name annotation and no %s variable)",
		    HP_ANN_PLACEMENT, HP_ENV_CONTAINER);
		r = -EINVAL;
	}
out:
	json_decref(map);
	return r;
}

static json_t *namespaces(json_t *spec)
{
	return json_object_get(json_object_get(spec, "linux"), "namespaces");
}

const char *hp_spec_ns_path(json_t *spec, const char *type)
{
	size_t i;
	json_t *ns;

	json_array_foreach(
	    namespaces(spec), i,
	    ns) if (!strcmp(json_string_value(json_object_get(ns, "type")) ?: "",
			    type)) return json_string_value(json_object_get(ns, "path"));
	return NULL;
}

int hp_spec_set_ns(json_t *spec, const char *type, const char *path)
{
	json_t *arr = namespaces(spec), *ns;
	size_t i;

	if (!json_is_array(arr))
		return -EINVAL;
	json_array_foreach(arr, i, ns)
	{
		if (strcmp(json_string_value(json_object_get(ns, "type")) ?: "", type))
			continue;
		if (path)
			return json_object_set_new(ns, "path", json_string(path)) ? -ENOMEM : 0;
		json_object_del(ns, "path");
		return 0;
	}
	ns = json_pack("{s:s}", "type", type);
	if (path)
		json_object_set_new(ns, "path", json_string(path));
	return json_array_append_new(arr, ns) ? -ENOMEM : 0;
}

static int rlimit_resource(const char *name)
{
	static const struct {
		const char *name;
		int res;
	} map[] = {
	    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
	    {"RLIMIT_NPROC", RLIMIT_NPROC},
	    {"RLIMIT_CORE", RLIMIT_CORE},
	    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	    {"RLIMIT_STACK", RLIMIT_STACK},
	    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	    {"RLIMIT_NICE", RLIMIT_NICE},
	    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
	    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
	    {"RLIMIT_DATA", RLIMIT_DATA},
	    {"RLIMIT_AS", RLIMIT_AS},
	    {"RLIMIT_CPU", RLIMIT_CPU},
	    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
	    {"RLIMIT_RSS", RLIMIT_RSS},
	    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(map[i].name, name))
			return map[i].res;
	return -1;
}

int hp_spec_clamp_rlimits(json_t *spec)
{
	json_t *arr = json_object_get(json_object_get(spec, "process"), "rlimits"), *rl;
	size_t i;
	int lowered = 0;

	json_array_foreach(arr, i, rl)
	{
		int res = rlimit_resource(json_string_value(json_object_get(rl, "type")) ?: "");
		json_int_t hard = json_integer_value(json_object_get(rl, "hard"));
		json_int_t soft = json_integer_value(json_object_get(rl, "soft"));
		struct rlimit cur;

		if (res < 0 || getrlimit(res, &cur) < 0 || cur.rlim_max == RLIM_INFINITY)
			continue;
		/* Raising a hard limit needs CAP_SYS_RESOURCE in the initial user
		 * namespace, which these machines do not grant even to root. */
		if (hard < 0 || (uint64_t)hard > cur.rlim_max) {
			json_object_set_new(rl, "hard", json_integer((json_int_t)cur.rlim_max));
			hard = (json_int_t)cur.rlim_max;
			lowered++;
		}
		if (soft < 0 || soft > hard)
			json_object_set_new(rl, "soft", json_integer(hard));
	}
	return lowered;
}

int hp_spec_set_cgroups_path(json_t *spec, const char *path)
{
	json_t *linux_ = json_object_get(spec, "linux");

	if (!json_is_object(linux_))
		return -EINVAL;
	return json_object_set_new(linux_, "cgroupsPath", json_string(path)) ? -ENOMEM : 0;
}

int hp_spec_setenv(json_t *spec, const char *name, const char *value)
{
	json_t *proc = json_object_get(spec, "process"), *env, *v;
	size_t i, len = strlen(name);
	_cleanup_free_ char *kv = hp_sprintf("%s=%s", name, value);

	if (!kv || !json_is_object(proc))
		return kv ? -EINVAL : -ENOMEM;
	env = json_object_get(proc, "env");
	if (!env) {
		env = json_array();
		json_object_set_new(proc, "env", env);
	}
	json_array_foreach(env, i, v)
	{
		const char *s = json_string_value(v);

		if (s && !strncmp(s, name, len) && s[len] == '=')
			return json_array_set_new(env, i, json_string(kv)) ? -ENOMEM : 0;
	}
	return json_array_append_new(env, json_string(kv)) ? -ENOMEM : 0;
}

int hp_spec_add_bind(json_t *spec, const char *src, const char *dst, bool ro)
{
	json_t *mounts = json_object_get(spec, "mounts");

	if (!mounts) {
		mounts = json_array();
		json_object_set_new(spec, "mounts", mounts);
	}
	return json_array_append_new(mounts,
				     json_pack("{s:s, s:s, s:s, s:[s,s,s]}", "destination", dst,
					       "type", "bind", "source", src, "options", "rbind",
					       ro ? "ro" : "rw", "nosuid"))
		   ? -ENOMEM
		   : 0;
}

bool hp_spec_accel_wanted(json_t *spec)
{
	const char *a =
	    json_string_value(json_object_get(json_object_get(spec, "annotations"), HP_ANN_ACCEL));
	const char *e = env_lookup(spec, HP_ENV_ACCEL);

	if (a && (!strcmp(a, "false") || !strcmp(a, "0")))
		return false;
	return !(e && (!strcmp(e, "false") || !strcmp(e, "0")));
}

int hp_spec_accelerate(json_t *spec, const char *preload_lib, const char *agent_sock,
		       const char *pod)
{
	const char *lib = strrchr(preload_lib, '/') ? strrchr(preload_lib, '/') + 1 : preload_lib;
	_cleanup_free_ char *lib_dst = hp_sprintf(HP_ACCEL_DIR "/%s", lib);
	_cleanup_free_ char *preload = NULL;
	const char *old = env_lookup(spec, "LD_PRELOAD");
	Dl_info info;
	int r;

	if (!lib_dst)
		return -ENOMEM;
	preload = old && *old ? hp_sprintf("%s:%s", lib_dst, old) : strdup(lib_dst);
	if (!preload)
		return -ENOMEM;
	r = hp_spec_add_bind(spec, preload_lib, lib_dst, true);
	/* The interposer finds libjansson beside itself ($ORIGIN): the
	 * container's image need not have it. */
	if (r >= 0 && dladdr((void *)json_object, &info) && info.dli_fname) {
		_cleanup_free_ char *real = realpath(info.dli_fname, NULL);
		const char *base = strrchr(info.dli_fname, '/');
		_cleanup_free_ char *dst =
		    hp_sprintf(HP_ACCEL_DIR "/%s", base ? base + 1 : "libjansson.so.4");

		if (real && dst)
			r = hp_spec_add_bind(spec, real, dst, true);
	}
	if (r >= 0)
		r = hp_spec_add_bind(spec, agent_sock, HP_ACCEL_DIR "/agent.sock", false);
	if (r >= 0)
		r = hp_spec_setenv(spec, "LD_PRELOAD", preload);
	if (r >= 0)
		r = hp_spec_setenv(spec, "HETERONET_AGENT", HP_ACCEL_DIR "/agent.sock");
	if (r >= 0)
		r = hp_spec_setenv(spec, "HETERONET_POD", pod);
	return r;
}

bool hp_ctr_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 128 || id[0] == '.')
		return false;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return true;
}

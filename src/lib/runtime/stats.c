/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/stats.h"
#include "netns/half.h"
#include "node/cgroup.h"
#include "node/ns.h"
#include "util/run.h"
#include "util/util.h"

/* Value of "key:" in a line of ss key:value tokens, or -1. */
static long long ss_field(const char *line, const char *key)
{
	size_t len = strlen(key);

	for (const char *p = line; (p = strstr(p, key)); p += len)
		if ((p == line || p[-1] == ' ') && p[len] == ':')
			return strtoll(p + len + 1, NULL, 10);
	return -1;
}

json_t *hp_ss_parse_line(const char *line)
{
	char local[64], peer[64];
	const char *pid = strstr(line, "pid=");
	long long rx = ss_field(line, "bytes_received"), segs = ss_field(line, "data_segs_out");

	/* "RecvQ SendQ local peer users:((...)) ..." (state filtered, -H, -O) */
	if (sscanf(line, "%*s %*s %63s %63s", local, peer) != 2 || !strchr(local, ':') ||
	    !strchr(peer, ':'))
		return NULL;
	return json_pack("{s:s, s:s, s:i, s:I, s:I}", "local", local, "peer", peer, "pid",
			 pid ? atoi(pid + 4) : 0, "bytes_received", (json_int_t)(rx < 0 ? 0 : rx),
			 "data_segs_out", (json_int_t)(segs < 0 ? 0 : segs));
}

void hp_pid_container(pid_t pid, const char *pod, char *buf, size_t n)
{
	_cleanup_free_ char *cg = NULL, *needle = hp_sprintf("/pod.%s/ctr-", pod);
	char path[64];
	const char *p;

	snprintf(buf, n, "%s", "");
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (!needle || pid <= 0 || hp_read_file(path, &cg) < 0 || !(p = strstr(cg, needle)))
		return;
	p += strlen(needle);
	snprintf(buf, n, "%.*s", (int)strcspn(p, "/\n"), p);
}

int hp_half_stats(const struct hp_node *n, unsigned pu_index, const char *pod, json_t **ret)
{
	const char *pu = hp_node_pu_name(&n->cfg, pu_index);
	char group[80], half[160];
	json_t *ctrs = json_object(), *socks = json_array();
	_cleanup_free_ char *out = NULL;
	char **kids;
	int r;

	hp_half_group(pod, group, sizeof(group));
	kids = hp_cgroup_children(&n->cg, pu, group);
	for (char **k = kids; k && *k; k++) {
		char sub[PATH_MAX];
		uint64_t cpu = 0, mem = 0;

		if (strncmp(*k, "ctr-", 4))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", group, *k);
		hp_cgroup_cpu_usage(&n->cg, pu, sub, &cpu);
		hp_cgroup_memory_usage(&n->cg, pu, sub, &mem);
		json_object_set_new(
		    ctrs, *k + 4,
		    json_pack("{s:I, s:I}", "cpu_ns", (json_int_t)cpu, "memory", (json_int_t)mem));
	}
	hp_strv_free(kids);

	hp_half_netns(n, pod, pu_index, half, sizeof(half));
	{
		char *argv[] = {"ip",	   "netns", "exec",	   half, "ss",
				"-tinpHO", "state", "established", NULL};

		r = hp_run(argv, &(struct hp_run_opts){.ret_output = &out, .quiet = true});
	}
	for (char *line = out, *nl; r == 0 && line && *line; line = nl ? nl + 1 : NULL) {
		json_t *s;
		char ctr[32];

		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		s = hp_ss_parse_line(line);
		if (!s)
			continue;
		hp_pid_container((pid_t)json_integer_value(json_object_get(s, "pid")), pod, ctr,
				 sizeof(ctr));
		json_object_set_new(s, "ctr", ctr[0] ? json_string(ctr) : json_null());
		json_object_del(s, "pid");
		json_array_append_new(socks, s);
	}
	*ret = json_pack("{s:o, s:o}", "containers", ctrs, "sockets", socks);
	return 0;
}

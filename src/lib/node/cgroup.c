/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "node/cgroup.h"
#include "util/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* v1 controllers a PU partition uses. */
static const char *const v1_ctrls[] = { "cpuset", "cpu", "cpuacct", "memory" };

static bool is_cgroup2(const char *path)
{
	struct statfs s;

	return statfs(path, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
}

int hp_cgroups_detect(struct hp_cgroups *cg, enum hp_cgroup_mode want, const char *root,
		      const char *node, struct hp_error *err)
{
	char unified[PATH_MAX];
	bool pure_v2 = is_cgroup2(root);

	memset(cg, 0, sizeof(*cg));
	snprintf(cg->node, sizeof(cg->node), "%s", node);
	snprintf(unified, sizeof(unified), "%s/unified", root);

	if (pure_v2) {
		if (want == HP_CGROUP_V1) {
			hp_error_set(err, "field 'node.cgroup': v1 asked for, but %s is a cgroup v2 mount",
				     root);
			return -EINVAL;
		}
		cg->mode = HP_CGROUP_V2;
		snprintf(cg->v2_root, sizeof(cg->v2_root), "%s", root);
		return 0;
	}
	if (want == HP_CGROUP_V2) {
		hp_error_set(err,
			     "field 'node.cgroup': v2 asked for, but %s is the v1 hierarchy (its controllers cannot move to the v2 mount)",
			     root);
		return -EINVAL;
	}
	if (!is_cgroup2(unified)) {
		hp_error_set(err,
			     "no cgroup v2 mount at %s: hetero-netns attaches its eBPF hooks to cgroup v2",
			     unified);
		return -ENOTSUP;
	}
	cg->mode = HP_CGROUP_V1;
	snprintf(cg->v1_root, sizeof(cg->v1_root), "%s", root);
	snprintf(cg->v2_root, sizeof(cg->v2_root), "%s", unified);
	return 0;
}

/* <hier>/heteropod.<node>[/<pu>[/<group>]] */
static int path_of(const struct hp_cgroups *cg, const char *hier_root, const char *ctrl,
		   const char *pu, const char *group, char *buf, size_t n)
{
	int r = snprintf(buf, n, "%s%s%s/heteropod.%s%s%s%s%s", hier_root, ctrl ? "/" : "",
			 ctrl ? ctrl : "", cg->node, pu ? "/" : "", pu ? pu : "",
			 group ? "/" : "", group ? group : "");

	return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

static int cg_write(const struct hp_cgroups *cg, const char *dir, const char *file,
		    const char *value)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return cg->create_files ? hp_write_file_create(path, value) : hp_write_file(path, value);
}

static int cg_read_trim(const char *dir, const char *file, char *buf, size_t n)
{
	_cleanup_free_ char *s = NULL;
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	r = hp_read_file(path, &s);
	if (r < 0)
		return r;
	s[strcspn(s, "\n")] = '\0';
	snprintf(buf, n, "%s", s);
	return 0;
}

static unsigned cpulist_count(const char *s)
{
	unsigned n = 0;

	while (*s) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		n += b - a + 1;
		s = *end ? end + 1 : end;
	}
	return n;
}

/* v2: a controller must be enabled in every ancestor's subtree_control. */
static int v2_enable_controllers(const struct hp_cgroups *cg, const char *dir)
{
	int r = cg_write(cg, dir, "cgroup.subtree_control", "+cpuset +cpu +memory");

	return r == -EBUSY ? 0 : r; /* EBUSY: processes in the group; it's a leaf then */
}

int hp_cgroup_pu_create(const struct hp_cgroups *cg, const struct hp_pu_config *pu,
			struct hp_error *err)
{
	char node_dir[PATH_MAX], dir[PATH_MAX], val[128];
	unsigned ncpus = cpulist_count(pu->cpus);
	int r;

	if (cg->mode == HP_CGROUP_V1) {
		for (size_t i = 0; i < ARRAY_SIZE(v1_ctrls); i++) {
			if (path_of(cg, cg->v1_root, v1_ctrls[i], pu->name, NULL, dir, sizeof(dir)) < 0 ||
			    path_of(cg, cg->v1_root, v1_ctrls[i], NULL, NULL, node_dir,
				    sizeof(node_dir)) < 0)
				return -ENAMETOOLONG;
			r = hp_mkdir_p(dir, 0755);
			if (r < 0) {
				hp_error_set(err, "cannot create cgroup %s: %s", dir, strerror(-r));
				return r;
			}
			if (strcmp(v1_ctrls[i], "cpuset"))
				continue;
			/* v1 cpusets start empty: fill the node level from the root first. */
			char root_dir[PATH_MAX], mems[64], cpus[256];

			snprintf(root_dir, sizeof(root_dir), "%s/cpuset", cg->v1_root);
			if (cg_read_trim(root_dir, "cpuset.mems", mems, sizeof(mems)) < 0)
				strcpy(mems, "0");
			if (cg_read_trim(root_dir, "cpuset.cpus", cpus, sizeof(cpus)) < 0)
				strcpy(cpus, pu->cpus);
			cg_write(cg, node_dir, "cpuset.mems", mems);
			cg_write(cg, node_dir, "cpuset.cpus", cpus);
			cg_write(cg, node_dir, "cgroup.clone_children", "1");
			r = cg_write(cg, dir, "cpuset.mems", mems);
			if (r >= 0)
				r = cg_write(cg, dir, "cpuset.cpus", pu->cpus);
			if (r < 0) {
				hp_error_set(err, "field '%s.cpus': cannot use CPUs '%s': %s", pu->name,
					     pu->cpus, strerror(-r));
				return r;
			}
			cg_write(cg, dir, "cgroup.clone_children", "1");
		}
		if (path_of(cg, cg->v1_root, "cpu", pu->name, NULL, dir, sizeof(dir)) < 0)
			return -ENAMETOOLONG;
		cg_write(cg, dir, "cpu.cfs_period_us", "100000");
		snprintf(val, sizeof(val), "%lld",
			 pu->speed < 1.0 ? (long long)(pu->speed * 100000 * ncpus) : -1LL);
		r = cg_write(cg, dir, "cpu.cfs_quota_us", val);
		if (r < 0) {
			hp_error_set(err, "field '%s.speed': cannot set CPU quota %s: %s", pu->name, val,
				     strerror(-r));
			return r;
		}
		if (path_of(cg, cg->v1_root, "memory", pu->name, NULL, dir, sizeof(dir)) < 0)
			return -ENAMETOOLONG;
		snprintf(val, sizeof(val), "%lld", pu->memory ? (long long)pu->memory : -1LL);
		r = cg_write(cg, dir, "memory.limit_in_bytes", val);
		if (r < 0) {
			hp_error_set(err, "field '%s.memory': cannot set limit %s: %s", pu->name, val,
				     strerror(-r));
			return r;
		}
		/* BPF side: the v2 mirror of the tree, no controllers. */
		if (path_of(cg, cg->v2_root, NULL, pu->name, NULL, dir, sizeof(dir)) < 0)
			return -ENAMETOOLONG;
		r = hp_mkdir_p(dir, 0755);
		if (r < 0) {
			hp_error_set(err, "cannot create cgroup %s: %s", dir, strerror(-r));
			return r;
		}
		return 0;
	}

	/* cgroup v2: one tree, controllers enabled top-down. */
	if (path_of(cg, cg->v2_root, NULL, NULL, NULL, node_dir, sizeof(node_dir)) < 0 ||
	    path_of(cg, cg->v2_root, NULL, pu->name, NULL, dir, sizeof(dir)) < 0)
		return -ENAMETOOLONG;
	r = hp_mkdir_p(dir, 0755);
	if (r < 0) {
		hp_error_set(err, "cannot create cgroup %s: %s", dir, strerror(-r));
		return r;
	}
	v2_enable_controllers(cg, cg->v2_root);
	v2_enable_controllers(cg, node_dir);
	v2_enable_controllers(cg, dir);
	r = cg_write(cg, dir, "cpuset.cpus", pu->cpus);
	if (r < 0) {
		hp_error_set(err, "field '%s.cpus': cannot use CPUs '%s': %s", pu->name, pu->cpus,
			     strerror(-r));
		return r;
	}
	if (pu->speed < 1.0)
		snprintf(val, sizeof(val), "%lld 100000", (long long)(pu->speed * 100000 * ncpus));
	else
		snprintf(val, sizeof(val), "max 100000");
	r = cg_write(cg, dir, "cpu.max", val);
	if (r < 0) {
		hp_error_set(err, "field '%s.speed': cannot set cpu.max '%s': %s", pu->name, val,
			     strerror(-r));
		return r;
	}
	if (pu->memory)
		snprintf(val, sizeof(val), "%llu", (unsigned long long)pu->memory);
	else
		snprintf(val, sizeof(val), "max");
	r = cg_write(cg, dir, "memory.max", val);
	if (r < 0) {
		hp_error_set(err, "field '%s.memory': cannot set memory.max: %s", pu->name,
			     strerror(-r));
		return r;
	}
	return 0;
}

int hp_cgroup_group_create(const struct hp_cgroups *cg, const char *pu, const char *group)
{
	char dir[PATH_MAX];
	int r;

	if (cg->mode == HP_CGROUP_V1) {
		for (size_t i = 0; i < ARRAY_SIZE(v1_ctrls); i++) {
			if (path_of(cg, cg->v1_root, v1_ctrls[i], pu, group, dir, sizeof(dir)) < 0)
				return -ENAMETOOLONG;
			r = hp_mkdir_p(dir, 0755);
			if (r < 0)
				return r;
		}
	}
	if (path_of(cg, cg->v2_root, NULL, pu, group, dir, sizeof(dir)) < 0)
		return -ENAMETOOLONG;
	return hp_mkdir_p(dir, 0755);
}

int hp_cgroup_attach(const struct hp_cgroups *cg, const char *pu, const char *group, pid_t pid)
{
	char dir[PATH_MAX], val[32];
	int r;

	snprintf(val, sizeof(val), "%d", (int)pid);
	if (cg->mode == HP_CGROUP_V1) {
		for (size_t i = 0; i < ARRAY_SIZE(v1_ctrls); i++) {
			if (path_of(cg, cg->v1_root, v1_ctrls[i], pu, group, dir, sizeof(dir)) < 0)
				return -ENAMETOOLONG;
			r = cg_write(cg, dir, "cgroup.procs", val);
			if (r < 0)
				return r;
		}
	}
	return hp_cgroup_attach_v2(cg, pu, group, pid);
}

int hp_cgroup_attach_v2(const struct hp_cgroups *cg, const char *pu, const char *group, pid_t pid)
{
	char dir[PATH_MAX], val[32];

	snprintf(val, sizeof(val), "%d", (int)pid);
	if (path_of(cg, cg->v2_root, NULL, pu, group, dir, sizeof(dir)) < 0)
		return -ENAMETOOLONG;
	return cg_write(cg, dir, "cgroup.procs", val);
}

/* SIGKILL every process in dir and its children, then rmdir bottom-up. */
static int remove_tree(const char *dir)
{
	_cleanup_free_ char *procs = NULL;
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		int k = remove_tree(path);

		if (k < 0 && r == 0)
			r = k;
	}
	closedir(d);

	for (int attempt = 0; attempt < 200; attempt++) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		free(procs);
		procs = NULL;
		if (hp_read_file(path, &procs) >= 0) {
			for (char *p = procs; *p;) {
				char *end;
				long pid = strtol(p, &end, 10);

				if (end == p)
					break;
				if (pid > 0)
					kill((pid_t)pid, SIGKILL);
				p = end + (*end == '\n');
			}
		}
		if (rmdir(dir) == 0 || errno == ENOENT)
			return r;
		if (errno != EBUSY)
			return -errno;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	return -EBUSY;
}

int hp_cgroup_group_remove(const struct hp_cgroups *cg, const char *pu, const char *group)
{
	char dir[PATH_MAX];
	int r = 0, k;

	if (cg->mode == HP_CGROUP_V1) {
		for (size_t i = 0; i < ARRAY_SIZE(v1_ctrls); i++) {
			if (path_of(cg, cg->v1_root, v1_ctrls[i], pu, group, dir, sizeof(dir)) < 0)
				return -ENAMETOOLONG;
			k = remove_tree(dir);
			if (k < 0 && !r)
				r = k;
		}
	}
	if (path_of(cg, cg->v2_root, NULL, pu, group, dir, sizeof(dir)) < 0)
		return -ENAMETOOLONG;
	k = remove_tree(dir);
	return r ? r : k;
}

int hp_cgroups_remove_all(const struct hp_cgroups *cg)
{
	return hp_cgroup_group_remove(cg, NULL, NULL);
}

int hp_cgroup_v2_path(const struct hp_cgroups *cg, const char *pu, const char *group,
		      char *buf, size_t n)
{
	return path_of(cg, cg->v2_root, NULL, pu, group, buf, n);
}

int hp_cgroup_memory_usage(const struct hp_cgroups *cg, const char *pu, const char *group,
			   uint64_t *ret_bytes)
{
	_cleanup_free_ char *s = NULL;
	char dir[PATH_MAX], path[PATH_MAX + 32];
	bool v1 = cg->mode == HP_CGROUP_V1;
	int r;

	if (path_of(cg, v1 ? cg->v1_root : cg->v2_root, v1 ? "memory" : NULL, pu, group, dir,
		    sizeof(dir)) < 0)
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "%s/%s", dir, v1 ? "memory.usage_in_bytes" : "memory.current");
	r = hp_read_file(path, &s);
	if (r < 0)
		return r;
	*ret_bytes = strtoull(s, NULL, 10);
	return 0;
}

char **hp_cgroup_children(const struct hp_cgroups *cg, const char *pu, const char *group)
{
	bool v1 = cg->mode == HP_CGROUP_V1;
	char dir[PATH_MAX];
	char **v = calloc(1, sizeof(char *));
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	if (!v || path_of(cg, v1 ? cg->v1_root : cg->v2_root, v1 ? "cpuacct" : NULL, pu, group, dir,
			  sizeof(dir)) < 0 ||
	    !(d = opendir(dir)))
		return v;
	while ((de = readdir(d))) {
		char **t;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		t = realloc(v, (n + 2) * sizeof(char *));
		if (!t)
			break;
		v = t;
		v[n] = strdup(de->d_name);
		if (v[n])
			n++;
		v[n] = NULL;
	}
	closedir(d);
	return v;
}

int hp_cgroup_cpu_usage(const struct hp_cgroups *cg, const char *pu, const char *group,
			uint64_t *ret_ns)
{
	_cleanup_free_ char *s = NULL;
	char dir[PATH_MAX], path[PATH_MAX + 32];
	int r;

	if (cg->mode == HP_CGROUP_V1) {
		if (path_of(cg, cg->v1_root, "cpuacct", pu, group, dir, sizeof(dir)) < 0)
			return -ENAMETOOLONG;
		snprintf(path, sizeof(path), "%s/cpuacct.usage", dir);
		r = hp_read_file(path, &s);
		if (r < 0)
			return r;
		*ret_ns = strtoull(s, NULL, 10);
		return 0;
	}
	if (path_of(cg, cg->v2_root, NULL, pu, group, dir, sizeof(dir)) < 0)
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "%s/cpu.stat", dir);
	r = hp_read_file(path, &s);
	if (r < 0)
		return r;
	char *u = strstr(s, "usage_usec ");

	if (!u)
		return -EIO;
	*ret_ns = strtoull(u + 11, NULL, 10) * 1000;
	return 0;
}

int hp_cgroup_nprocs(const struct hp_cgroups *cg, const char *pu, const char *group)
{
	_cleanup_free_ char *s = NULL;
	char dir[PATH_MAX], path[PATH_MAX + 32];
	int n = 0, r;

	if (path_of(cg, cg->v2_root, NULL, pu, group, dir, sizeof(dir)) < 0)
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	r = hp_read_file(path, &s);
	if (r < 0)
		return r;
	for (char *p = s; *p; p++)
		n += *p == '\n';
	return n;
}

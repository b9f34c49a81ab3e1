/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cgroup layout on a plain directory tree, for both hierarchies: the
 * files a PU partition writes, without touching the machine's cgroups.
 */
#include "check.h"
#include "node/cgroup.h"
#include "util/util.h"

#include <errno.h>
#include <sys/stat.h>

static char *slurp(const char *root, const char *rel)
{
	char path[512], *s = NULL;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (hp_read_file(path, &s) < 0)
		return NULL;
	return s;
}

static void test_v1(const char *root)
{
	struct hp_cgroups cg = { .mode = HP_CGROUP_V1, .create_files = true };
	struct hp_pu_config dpu = { .name = "dpu0", .cpus = "1", .speed = 0.5, .memory = 64 << 20 };
	struct hp_error err = { "" };
	char *s;

	snprintf(cg.v1_root, sizeof(cg.v1_root), "%s", root);
	snprintf(cg.v2_root, sizeof(cg.v2_root), "%s/unified", root);
	strcpy(cg.node, "t");
	CHECK(hp_cgroup_pu_create(&cg, &dpu, &err) == 0);
	CHECK_STR(s = slurp(root, "cpuset/heteropod.t/dpu0/cpuset.cpus"), "1");
	free(s);
	/* speed 0.5 on one CPU: half of each 100 ms period. */
	CHECK_STR(s = slurp(root, "cpu/heteropod.t/dpu0/cpu.cfs_quota_us"), "50000");
	free(s);
	CHECK_STR(s = slurp(root, "memory/heteropod.t/dpu0/memory.limit_in_bytes"), "67108864");
	free(s);
	CHECK(hp_cgroup_group_create(&cg, "dpu0", "pod.web") == 0);
	char path[512];

	snprintf(path, sizeof(path), "%s/unified/heteropod.t/dpu0/pod.web", root);
	struct stat st;

	CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(hp_cgroup_v2_path(&cg, "dpu0", "pod.web", path, sizeof(path)) == 0);
	CHECK_CONTAINS(path, "/unified/heteropod.t/dpu0/pod.web");
}

static void test_v2(const char *root)
{
	struct hp_cgroups cg = { .mode = HP_CGROUP_V2, .create_files = true };
	struct hp_pu_config host = { .name = "host", .cpus = "0", .speed = 1.0 };
	struct hp_pu_config dpu = { .name = "dpu0", .cpus = "1-2", .speed = 0.25, .memory = 1 << 30 };
	struct hp_error err = { "" };
	char *s;

	snprintf(cg.v2_root, sizeof(cg.v2_root), "%s", root);
	strcpy(cg.node, "t");
	CHECK(hp_cgroup_pu_create(&cg, &host, &err) == 0);
	CHECK(hp_cgroup_pu_create(&cg, &dpu, &err) == 0);
	CHECK_STR(s = slurp(root, "heteropod.t/host/cpu.max"), "max 100000");
	free(s);
	/* speed 0.25 on two CPUs: half a CPU's worth per period. */
	CHECK_STR(s = slurp(root, "heteropod.t/dpu0/cpu.max"), "50000 100000");
	free(s);
	CHECK_STR(s = slurp(root, "heteropod.t/dpu0/memory.max"), "1073741824");
	free(s);
	CHECK_STR(s = slurp(root, "heteropod.t/host/memory.max"), "max");
	free(s);
	CHECK_STR(s = slurp(root, "heteropod.t/cgroup.subtree_control"), "+cpuset +cpu +memory");
	free(s);
}

static void test_detect_errors(void)
{
	struct hp_cgroups cg;
	struct hp_error err = { "" };

	/* A plain directory has neither hierarchy. */
	CHECK(hp_cgroups_detect(&cg, HP_CGROUP_AUTO, "/tmp", "t", &err) == -ENOTSUP);
	CHECK_CONTAINS(err.msg, "no cgroup v2 mount");
	CHECK(hp_cgroups_detect(&cg, HP_CGROUP_V2, "/tmp", "t", &err) == -EINVAL);
	CHECK_CONTAINS(err.msg, "field 'node.cgroup'");
}

int main(void)
{
	char dir[] = "/tmp/hp-test-cgroup-XXXXXX", v1[600], v2[600], cmd[700];

	if (!mkdtemp(dir))
		return 1;
	snprintf(v1, sizeof(v1), "%s/v1", dir);
	snprintf(v2, sizeof(v2), "%s/v2", dir);
	test_v1(v1);
	test_v2(v2);
	test_detect_errors();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_done("test-cgroup");
}

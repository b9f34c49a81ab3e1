/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check.h"
#include "config/config.h"

#include <errno.h>

static int parse(struct hp_node_config *c, const char *text, struct hp_error *err)
{
	hp_config_defaults(c, 2);
	memset(err, 0, sizeof(*err));
	return hp_config_parse(c, text, "test.conf", err);
}

static void test_defaults(void)
{
	struct hp_node_config c;

	hp_config_defaults(&c, 2);
	CHECK_STR(c.name, "hp");
	CHECK(c.n_dpus == 1);
	CHECK_STR(c.host.cpus, "0");
	CHECK_STR(c.dpu[0].cpus, "1");
	CHECK(c.dpu[0].speed == 1.0);
	CHECK(c.window_size == 256ull << 20);
	CHECK(c.pod_window_size == 8ull << 20);
	CHECK(c.pod_prefix == 17);
	hp_config_defaults(&c, 1);
	CHECK_STR(c.dpu[0].cpus, "0");
}

static void test_full_file(void)
{
	struct hp_node_config c;
	struct hp_error err;
	const char *text = "# comment\n"
			   "[node]\n"
			   "name = edge1 ; trailing comment\n"
			   "dpus = 2\n"
			   "pod-cidr = 10.1.0.0/24\n"
			   "cgroup = v1\n"
			   "\n"
			   "[window]\n"
			   "size = 128M\n"
			   "hugepages = yes\n"
			   "[host]\n"
			   "cpus = 0\n"
			   "memory = 1G\n"
			   "[dpu]\n"
			   "speed = 0.5\n"
			   "[dpu1]\n"
			   "cpus = 1\n"
			   "memory = 512M\n";

	CHECK(parse(&c, text, &err) == 0);
	CHECK_STR(c.name, "edge1");
	CHECK(c.n_dpus == 2);
	CHECK(c.pod_net == 0x0a010000 && c.pod_prefix == 24);
	CHECK(c.cgroup == HP_CGROUP_V1);
	CHECK(c.window_size == 128ull << 20 && c.window_hugepages);
	CHECK(c.host.memory == 1ull << 30);
	CHECK(c.dpu[0].speed == 0.5 && c.dpu[1].speed == 0.5);
	CHECK(c.dpu[1].memory == 512ull << 20);
	CHECK(hp_config_validate(&c, &err) == 0);
}

/* Each bad input: rejected, and the message names the field and the problem. */
static void test_bad_input(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[dpu0]\nspeed = 1.5\n", "test.conf:2: field 'dpu0.speed': '1.5' must be a number in (0, 1]" },
		{ "[dpu0]\nspeed = fast\n", "field 'dpu0.speed'" },
		{ "[host]\nspeed = 0.5\n", "field 'host.speed': only DPUs" },
		{ "[node]\ndpus = 0\n", "field 'node.dpus'" },
		{ "[node]\ndpus = 99\n", "field 'node.dpus'" },
		{ "[node]\nname = Bad_Name\n", "field 'node.name'" },
		{ "[node]\nname = toolongname\n", "field 'node.name'" },
		{ "[node]\npod-cidr = 10.0.0.1/24\n", "host bits set" },
		{ "[node]\npod-cidr = banana\n", "field 'node.pod-cidr'" },
		{ "[node]\ncgroup = v3\n", "field 'node.cgroup'" },
		{ "[node]\nagent-port = 70000\n", "field 'node.agent-port'" },
		{ "[window]\nsize = 3M\n", "power of two" },
		{ "[window]\nsize = 512k\n", "between 1M and 64G" },
		{ "[window]\nhugepages = maybe\n", "field 'window.hugepages'" },
		{ "[window]\npod-size = 1M\n", "field 'window.pod-size': 1M must be a power of two between 4M and 1G" },
		{ "[host]\ncpus = 1-0\n", "field 'host.cpus'" },
		{ "[host]\ncpus = 0,\n", "field 'host.cpus'" },
		{ "[host]\nmemory = 1M\n", "16M minimum" },
		{ "[host]\ncolour = blue\n", "field 'host.colour': unknown field" },
		{ "[gpu0]\ncpus = 1\n", "test.conf:1: unknown section '[gpu0]'" },
		{ "[dpu9]\ncpus = 1\n", "test.conf:1: unknown section '[dpu9]'" },
		{ "cpus = 1\n", "outside any [section]" },
		{ "[node\n", "malformed section header" },
		{ "[node]\njust words\n", "test.conf:2: expected 'key = value'" },
	};
	struct hp_node_config c;
	struct hp_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = parse(&c, cases[i].text, &err);

		CHECK(r == -EINVAL);
		CHECK_CONTAINS(err.msg, cases[i].want);
	}
}

static void test_roundtrip(void)
{
	struct hp_node_config a, b;
	struct hp_error err;
	char *s;

	hp_config_defaults(&a, 2);
	a.n_dpus = 2;
	a.dpu[1].speed = 0.25;
	a.window_hugepages = true;
	s = hp_config_format(&a);
	CHECK(s != NULL);
	hp_config_defaults(&b, 2);
	CHECK(hp_config_parse(&b, s, "roundtrip", &err) == 0);
	CHECK(b.n_dpus == 2 && b.dpu[1].speed == 0.25 && b.window_hugepages);
	CHECK(b.pod_net == a.pod_net && b.pod_prefix == a.pod_prefix);
	/* Formatting again gives the same text: node up compares it to detect changes. */
	char *t = hp_config_format(&b);

	CHECK_STR(s, t);
	free(s);
	free(t);
}

static void test_cpulist(void)
{
	unsigned max;

	CHECK(hp_cpulist_parse("0", &max) == 0 && max == 0);
	CHECK(hp_cpulist_parse("0-3,5", &max) == 0 && max == 5);
	CHECK(hp_cpulist_parse("", &max) < 0);
	CHECK(hp_cpulist_parse("a", &max) < 0);
	CHECK(hp_cpulist_parse("1-", &max) < 0);
	CHECK(hp_cpulist_parse("5000", &max) < 0);
}

static void test_load_missing(void)
{
	struct hp_node_config c;
	struct hp_error err = { "" };

	hp_config_defaults(&c, 2);
	CHECK(hp_config_load(&c, "/nonexistent/heteropod.conf", &err) == -EINVAL);
	CHECK_CONTAINS(err.msg, "/nonexistent/heteropod.conf: cannot read config");
}

int main(void)
{
	test_defaults();
	test_full_file();
	test_bad_input();
	test_roundtrip();
	test_cpulist();
	test_load_missing();
	return check_done("test-config");
}

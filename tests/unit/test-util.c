/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check.h"
#include "netns/addr.h"
#include "util/run.h"
#include "util/util.h"

#include <sys/stat.h>

static void test_sizes(void)
{
	uint64_t v;
	bool b;
	double d;

	CHECK(hp_parse_size("4096", &v) == 0 && v == 4096);
	CHECK(hp_parse_size("64M", &v) == 0 && v == 64ull << 20);
	CHECK(hp_parse_size("1GiB", &v) == 0 && v == 1ull << 30);
	CHECK(hp_parse_size("2k", &v) == 0 && v == 2048);
	CHECK(hp_parse_size("1X", &v) < 0);
	CHECK(hp_parse_size("-1", &v) < 0);
	CHECK(hp_parse_size("99999999999T", &v) == -ERANGE);
	CHECK(hp_parse_u64("12", &v) == 0 && v == 12);
	CHECK(hp_parse_u64("12a", &v) < 0);
	CHECK(hp_parse_u64("", &v) < 0);
	CHECK(hp_parse_bool("Yes", &b) == 0 && b);
	CHECK(hp_parse_bool("off", &b) == 0 && !b);
	CHECK(hp_parse_bool("2", &b) < 0);
	CHECK(hp_parse_double("0.5", &d) == 0 && d == 0.5);
	CHECK(hp_parse_double("nan", &d) < 0);
	CHECK(hp_parse_double(" 1", &d) < 0 && hp_parse_double("1 ", &d) < 0);
	CHECK(hp_parse_double("0x1", &d) < 0 && hp_parse_double("2e-3", &d) == 0 && d == 2e-3);
	CHECK(hp_parse_double("1e999", &d) < 0);
}

static void test_names(void)
{
	CHECK(hp_name_valid("web-1", 40));
	CHECK(!hp_name_valid("", 40));
	CHECK(!hp_name_valid("-web", 40));
	CHECK(!hp_name_valid("web-", 40));
	CHECK(!hp_name_valid("Web", 40));
	CHECK(!hp_name_valid("a.b", 40));
	CHECK(!hp_name_valid("abcdefghi", 8));
}

static void test_addr(void)
{
	char buf[32];
	uint32_t a, net;
	unsigned prefix;

	CHECK(hp_ip4_parse("198.18.128.1", &a) == 0 && a == 0xc6128001);
	CHECK_STR(hp_ip4_format(a, buf, sizeof(buf)), "198.18.128.1");
	CHECK(hp_ip4_parse("300.1.1.1", &a) < 0);
	CHECK(hp_cidr_parse("198.18.128.0/17", &net, &prefix) == 0 && prefix == 17);
	CHECK(hp_cidr_parse("198.18.128.0", &net, &prefix) < 0);
	CHECK(hp_cidr_parse("198.18.128.0/33", &net, &prefix) < 0);
	CHECK(hp_prefix_mask(17) == 0xffff8000 && hp_prefix_mask(0) == 0);
	CHECK(hp_pod_addr(0xc6128000, 17, 1) == 0xc6128001);
	CHECK(hp_pod_addr(0xc6128000, 30, 2) == 0xc6128002);
	CHECK(hp_pod_addr(0xc6128000, 30, 3) == 0); /* broadcast */
	CHECK(hp_pod_addr(0xc6128000, 17, 0) == 0);
	/* PU links and wires of different DPUs never overlap. */
	CHECK(hp_pulink_host_addr(0) != hp_pulink_host_addr(1));
	CHECK((hp_pulink_dpu_addr(1) & ~3u) == (hp_pulink_host_addr(1) & ~3u));
	CHECK((hp_wire_dpu_addr(2) & ~3u) == (hp_wire_client_addr(2) & ~3u));
}

static void test_files(void)
{
	char dir[] = "/tmp/hp-test-util-XXXXXX", path[256], *s = NULL;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	CHECK(hp_mkdir_p(path, 0755) == 0);
	CHECK(hp_mkdir_p(path, 0755) == 0); /* idempotent */
	snprintf(path, sizeof(path), "%s/a/f", dir);
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f)
		fclose(f);
	CHECK(hp_write_file(path, "hello") == 0);
	CHECK(hp_read_file(path, &s) == 5);
	CHECK_STR(s, "hello");
	free(s);
	CHECK(hp_read_file("/nonexistent", &s) == -ENOENT);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK(system(path) == 0);
}

static void test_run(void)
{
	char *out = NULL, *err = NULL;
	char *echo[] = { "sh", "-c", "cat; echo oops >&2; exit 3", NULL };
	char *missing[] = { "hp-no-such-program", NULL };

	CHECK(hp_run(echo, &(struct hp_run_opts){ .input = "in\n", .ret_output = &out,
						   .ret_errout = &err }) == 3);
	CHECK_STR(out, "in\n");
	CHECK_STR(err, "oops\n");
	free(out);
	free(err);
	CHECK(hp_run(missing, &(struct hp_run_opts){ .quiet = true }) == -ENOENT);
}

int main(void)
{
	test_sizes();
	test_names();
	test_addr();
	test_files();
	test_run();
	return check_done("test-util");
}

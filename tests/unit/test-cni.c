/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check.h"
#include "cni/cni.h"
#include "netns/addr.h"
#include "util/util.h"

static int parse(const char *text, struct hp_cni_conf *c, struct hp_cni_error *err)
{
	memset(err, 0, sizeof(*err));
	return hp_cni_conf_parse(text, strlen(text), c, err);
}

static void test_conf(void)
{
	struct hp_cni_conf c;
	struct hp_cni_error err;

	CHECK(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n1\",\"type\":\"heteronet\","
		    "\"future\":{\"x\":1}}",
		    &c, &err) == 0);
	CHECK_STR(c.version, "1.0.0");
	CHECK_STR(c.name, "n1");
	CHECK_STR(c.node, "hp"); /* defaults */
	CHECK_STR(c.dpu, "dpu0");
	CHECK(!c.prev_result && !c.valid_attachments);
	hp_cni_conf_free(&c);

	CHECK(parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"node\":\"n-2\",\"dpu\":\"dpu3\","
		    "\"prevResult\":{\"ips\":[]},"
		    "\"cni.dev/valid-attachments\":[{\"containerID\":\"a\",\"ifname\":\"eth0\"}]}",
		    &c, &err) == 0);
	CHECK_STR(c.node, "n-2");
	CHECK_STR(c.dpu, "dpu3");
	CHECK(json_is_object(c.prev_result));
	CHECK(hp_cni_attachment_valid(c.valid_attachments, "a", "eth0"));
	CHECK(!hp_cni_attachment_valid(c.valid_attachments, "a", "eth1"));
	CHECK(!hp_cni_attachment_valid(c.valid_attachments, "b", "eth0"));
	hp_cni_conf_free(&c);

	/* The codes the spec gives each kind of mistake. */
	CHECK(parse("nope", &c, &err) == -HP_CNI_ERR_DECODE && err.code == 6);
	CHECK(parse("[1]", &c, &err) == -HP_CNI_ERR_DECODE);
	CHECK(parse("{\"a\":1,\"a\":2}", &c, &err) == -HP_CNI_ERR_DECODE);
	CHECK(parse("{\"name\":\"n\"}", &c, &err) == -HP_CNI_ERR_CONFIG);
	CHECK(parse("{\"cniVersion\":\"0.2.0\",\"name\":\"n\"}", &c, &err) == -HP_CNI_ERR_VERSION);
	CHECK_CONTAINS(err.details, "1.1.0");
	CHECK(parse("{\"cniVersion\":1,\"name\":\"n\"}", &c, &err) == -HP_CNI_ERR_VERSION);
	CHECK(parse("{\"cniVersion\":\"1.0.0\"}", &c, &err) == -HP_CNI_ERR_CONFIG);
	CHECK_CONTAINS(err.msg, "'name'");
	CHECK(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"node\":\"Bad\"}", &c, &err) ==
	      -HP_CNI_ERR_CONFIG);
	CHECK(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"node\":\"toolongname\"}", &c,
		    &err) == -HP_CNI_ERR_CONFIG);
	CHECK(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"dpu\":\"dpu8\"}", &c, &err) ==
	      -HP_CNI_ERR_CONFIG);
	CHECK(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"dpu\":\"gpu0\"}", &c, &err) ==
	      -HP_CNI_ERR_CONFIG);
	CHECK(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"dpu\":\"dpu\"}", &c, &err) ==
	      -HP_CNI_ERR_CONFIG);
	CHECK(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"dpu\":0}", &c, &err) ==
	      -HP_CNI_ERR_CONFIG);
	CHECK(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"prevResult\":[]}", &c, &err) ==
	      -HP_CNI_ERR_CONFIG);
	CHECK(parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"cni.dev/valid-attachments\":[{}]}",
		    &c, &err) == -HP_CNI_ERR_CONFIG);
}

static void test_versions(void)
{
	CHECK(hp_cni_version_supported("1.0.0"));
	CHECK(hp_cni_version_supported("1.1.0"));
	CHECK(hp_cni_version_supported("0.4.0"));
	CHECK(!hp_cni_version_supported("0.2.0"));
	CHECK(!hp_cni_version_supported(NULL));
	CHECK(hp_cni_version_cmp("1.0.0", "1.1.0") < 0);
	CHECK(hp_cni_version_cmp("1.10.0", "1.9.0") > 0);
	CHECK(hp_cni_version_cmp("1.1.0", "1.1.0") == 0);
	CHECK(hp_cni_version_cmp("x", "0.1.0") < 0);

	json_t *v = hp_cni_version_json("1.0.0");

	CHECK_STR(json_string_value(json_object_get(v, "cniVersion")), "1.0.0");
	CHECK(json_array_size(json_object_get(v, "supportedVersions")) == 5);
	json_decref(v);
	v = hp_cni_version_json("9.9.9");
	CHECK_STR(json_string_value(json_object_get(v, "cniVersion")), HP_CNI_VERSION_LATEST);
	json_decref(v);
}

static void test_prev_ip4(void)
{
	struct hp_cni_error err = {0};
	json_error_t jerr;
	uint32_t ip = 0;
	char buf[32];
	/* The bridge plugin's shape: the bridge, the host veth, the container's eth0. */
	json_t *prev = json_loads("{\"interfaces\":[{\"name\":\"br0\"},{\"name\":\"veth1\"},"
				  "{\"name\":\"net1\",\"sandbox\":\"/run/netns/x\"},"
				  "{\"name\":\"eth0\",\"sandbox\":\"/run/netns/x\"}],"
				  "\"ips\":[{\"address\":\"fd00::2/64\",\"interface\":3},"
				  "{\"address\":\"10.1.0.1/24\",\"interface\":0},"
				  "{\"address\":\"10.2.0.5/24\",\"interface\":2},"
				  "{\"address\":\"10.3.0.7/24\",\"interface\":3},"
				  "{\"address\":\"10.4.0.9/24\",\"interface\":9}]}",
				  0, &jerr);

	CHECK(hp_cni_prev_ip4(prev, "eth0", &ip, &err) == 0);
	CHECK_STR(hp_ip4_format(ip, buf, sizeof(buf)), "10.3.0.7");
	CHECK(hp_cni_prev_ip4(prev, "eth9", &ip, &err) == 0); /* any sandbox interface */
	CHECK_STR(hp_ip4_format(ip, buf, sizeof(buf)), "10.2.0.5");
	json_decref(prev);

	prev = json_loads("{\"ips\":[{\"address\":\"10.9.9.9/16\"}]}", 0, &jerr);
	CHECK(hp_cni_prev_ip4(prev, "eth0", &ip, &err) == 0);
	CHECK_STR(hp_ip4_format(ip, buf, sizeof(buf)), "10.9.9.9");
	json_decref(prev);

	prev =
	    json_loads("{\"ips\":[{\"address\":\"fd00::1/64\"},{\"address\":\"junk\"}]}", 0, &jerr);
	CHECK(hp_cni_prev_ip4(prev, "eth0", &ip, &err) == -ENOENT);
	CHECK(err.code == HP_CNI_ERR_CONFIG);
	json_decref(prev);
}

static void test_args_and_names(void)
{
	char buf[64], name[HP_POD_NAME_MAX + 1], other[HP_POD_NAME_MAX + 1];

	CHECK(hp_cni_args_get("IgnoreUnknown=1;K8S_POD_NAME=web", "K8S_POD_NAME", buf,
			      sizeof(buf)) == 0);
	CHECK_STR(buf, "web");
	CHECK(hp_cni_args_get("K8S_POD_NAMEX=1", "K8S_POD_NAME", buf, sizeof(buf)) == -ENOENT);
	CHECK(hp_cni_args_get("", "A", buf, sizeof(buf)) == -ENOENT);
	CHECK(hp_cni_args_get("A=12345", "A", buf, 3) == -ENAMETOOLONG);

	/* Kubernetes names pass through; podman gives only K8S_POD_NAME. */
	hp_cni_pod_name("IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-1", "abc", name,
			sizeof(name));
	CHECK_STR(name, "default-web-1");
	hp_cni_pod_name("IgnoreUnknown=1;K8S_POD_NAME=web", "abc", name, sizeof(name));
	CHECK_STR(name, "web");
	/* Otherwise the container id. */
	hp_cni_pod_name(NULL, "c1-x", name, sizeof(name));
	CHECK_STR(name, "c1-x");
	/* Names that had to change carry a hash of the original: valid and distinct. */
	hp_cni_pod_name("K8S_POD_NAME=Pmx_Test.1", "abc", name, sizeof(name));
	CHECK(hp_name_valid(name, HP_POD_NAME_MAX));
	CHECK_STR(name, "pmx-test-1-fc43b7"); /* the example docs/cni.md gives */
	hp_cni_pod_name("K8S_POD_NAME=pmx_test.1", "abc", other, sizeof(other));
	CHECK(hp_name_valid(other, HP_POD_NAME_MAX) && strcmp(name, other));
	hp_cni_pod_name(NULL, "22abd83ea0b1af4056b8f3ef7bf375257b8b8f0e1548c0866eb51d224e6ebfa4",
			name, sizeof(name));
	CHECK(hp_name_valid(name, HP_POD_NAME_MAX) && strlen(name) == HP_POD_NAME_MAX);
	CHECK(!strncmp(name, "22abd83ea0b1af4056b8f3ef7bf375257", 33));
	hp_cni_pod_name(NULL, "___", name, sizeof(name));
	CHECK(hp_name_valid(name, HP_POD_NAME_MAX) && name[0] == 'c');
	hp_cni_pod_name("K8S_POD_NAMESPACE="
			"a-very-long-namespace-name-indeed;K8S_POD_NAME="
			"and-an-even-longer-pod-name-0123456789",
			"abc", name, sizeof(name));
	CHECK(hp_name_valid(name, HP_POD_NAME_MAX));

	CHECK(hp_cni_container_id_valid("abc_1.2-3"));
	CHECK(!hp_cni_container_id_valid("-abc"));
	CHECK(!hp_cni_container_id_valid("a/b"));
	CHECK(!hp_cni_container_id_valid(""));
	CHECK(!hp_cni_container_id_valid(NULL));
	CHECK(hp_cni_ifname_valid("eth0"));
	CHECK(!hp_cni_ifname_valid("a/b"));
	CHECK(!hp_cni_ifname_valid(".."));
	CHECK(!hp_cni_ifname_valid("0123456789abcdef"));
	CHECK(!hp_cni_ifname_valid("a b"));
}

static void test_error_json(void)
{
	struct hp_cni_error err = {0};
	json_t *j;

	CHECK(hp_cni_fail(&err, HP_CNI_ERR_AGAIN, "why", "node %s is not up", "hp") == -11);
	j = hp_cni_error_json("1.0.0", &err);
	CHECK_STR(json_string_value(json_object_get(j, "cniVersion")), "1.0.0");
	CHECK(json_integer_value(json_object_get(j, "code")) == 11);
	CHECK_STR(json_string_value(json_object_get(j, "msg")), "node hp is not up");
	CHECK_STR(json_string_value(json_object_get(j, "details")), "why");
	json_decref(j);
	hp_cni_fail(&err, HP_CNI_ERR_CONFIG, NULL, "x");
	j = hp_cni_error_json(NULL, &err);
	CHECK(!json_object_get(j, "details"));
	CHECK_STR(json_string_value(json_object_get(j, "cniVersion")), HP_CNI_VERSION_LATEST);
	json_decref(j);
}

int main(void)
{
	test_conf();
	test_versions();
	test_prev_ip4();
	test_args_and_names();
	test_error_json();
	return check_done("test-cni");
}

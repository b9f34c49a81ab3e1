/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * heteronet: a chained CNI plugin (spec 0.3.0-1.1.0; see docs/cni.md).
 *
 * Chained after a primary plugin (bridge, ptp, ...) that gave the
 * container's network namespace its eth0 and IP, ADD asks the node's host
 * agent to adopt that namespace as the host half of a HeteroPod (pod-adopt);
 * the host agent has the DPU agent make the DPU half with the same IP. DEL
 * (pod-release) removes what we added and leaves the primary plugin's work
 * alone; CHECK asks the agent whether both halves are there (pod-check); GC
 * releases attachments of this network the runtime no longer knows; STATUS
 * says whether the node's host agent answers.
 *
 * The CNI protocol: the command and the attachment come in the environment,
 * the network configuration on stdin; the result, or an error object with
 * the spec's code, goes to stdout; the exit status is 0 only on success.
 */
#include "agent/proto.h"
#include "cni/cni.h"
#include "netns/addr.h"
#include "node/node.h"
#include "util/util.h"

#include <jansson.h>

#define MAX_CONFIG (4u << 20)
#define AGENT_TIMEOUT_MS 60000

static int read_stdin(char **ret, size_t *ret_len)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	while ((n = read(STDIN_FILENO, buf + len, cap - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return -errno;
		}
		len += (size_t)n;
		if (len == cap) {
			char *nb;

			if (cap >= MAX_CONFIG) {
				free(buf);
				return -EFBIG;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int print_json(json_t *j)
{
	int r = j && json_dumpf(j, stdout, JSON_COMPACT) == 0 ? 0 : -EIO;

	putchar('\n');
	if (fflush(stdout) != 0)
		r = -EIO;
	json_decref(j);
	return r;
}

static int report(const char *version, const struct hp_cni_error *err)
{
	print_json(hp_cni_error_json(version, err));
	return 1;
}

/* The version stdin names, if any (VERSION, and errors before parsing succeeds). */
static const char *stdin_version(const char *text, size_t len, char *buf, size_t n)
{
	json_t *j = json_loadb(text, len, 0, NULL);
	const char *v = json_string_value(json_object_get(j, "cniVersion"));

	snprintf(buf, n, "%s", hp_cni_version_supported(v) ? v : HP_CNI_VERSION_LATEST);
	json_decref(j);
	return buf;
}

struct attachment {
	const char *container, *netns, *ifname, *args;
};

static int need_env(struct attachment *at, bool netns, struct hp_cni_error *err)
{
	at->container = getenv("CNI_CONTAINERID");
	at->netns = getenv("CNI_NETNS");
	at->ifname = getenv("CNI_IFNAME");
	at->args = getenv("CNI_ARGS");
	if (!hp_cni_container_id_valid(at->container))
		return hp_cni_fail(
		    err, HP_CNI_ERR_ENV, NULL,
		    "CNI_CONTAINERID must be a container id ([A-Za-z0-9][A-Za-z0-9_.-]*), not '%s'",
		    at->container ? at->container : "");
	if (!hp_cni_ifname_valid(at->ifname))
		return hp_cni_fail(err, HP_CNI_ERR_ENV, NULL,
				   "CNI_IFNAME must be an interface name, not '%s'",
				   at->ifname ? at->ifname : "");
	if (netns && (!at->netns || at->netns[0] != '/'))
		return hp_cni_fail(err, HP_CNI_ERR_ENV, NULL,
				   "CNI_NETNS must be the path of a network namespace, not '%s'",
				   at->netns ? at->netns : "");
	if (at->netns && !*at->netns)
		at->netns = NULL;
	return 0;
}

/* How far the node is: up and answering, not up, or up with a host agent gone or stuck. */
enum reach { REACH_OK, REACH_NODE_DOWN, REACH_AGENT_GONE, REACH_AGENT_STUCK };

/*
 * A request to the node's host agent. On an answer with ok=false, err gets
 * code 101 (the agent's code 2: bad input) or 100, and *ret_reach REACH_OK.
 */
static int agent_call(const struct hp_cni_conf *conf, json_t *req, json_t **ret_resp,
		      enum reach *ret_reach, struct hp_cni_error *err)
{
	struct hp_error herr = {""};
	struct hp_node n;
	char sock[PATH_MAX];
	json_t *resp = NULL;
	int r;

	*ret_reach = REACH_OK;
	r = hp_node_open(&n, conf->node, &herr);
	if (r < 0) {
		*ret_reach = REACH_NODE_DOWN;
		return hp_cni_fail(err, HP_CNI_ERR_AGAIN, herr.msg, "HeteroPod node '%s' is not up",
				   conf->node);
	}
	hp_node_agent_sock(conf->node, "host", sock, sizeof(sock));
	r = hp_ctl_call(sock, req, &resp, AGENT_TIMEOUT_MS);
	if (r < 0) {
		*ret_reach = r == -ETIMEDOUT ? REACH_AGENT_STUCK : REACH_AGENT_GONE;
		return hp_cni_fail(err, HP_CNI_ERR_AGAIN, strerror(-r),
				   "cannot reach the host agent of node '%s' (%s)", conf->node,
				   sock);
	}
	if (!json_is_true(json_object_get(resp, "ok"))) {
		const char *why = json_string_value(json_object_get(resp, "error"));
		json_int_t code = json_integer_value(json_object_get(resp, "code"));

		hp_cni_fail(err, code == 2 ? HP_CNI_ERR_AGENT_REFUSED : HP_CNI_ERR_AGENT_FAILED,
			    NULL, "%s", why ? why : "the host agent failed the request");
		json_decref(resp);
		return -err->code;
	}
	*ret_resp = resp;
	return 0;
}

static int cmd_add(struct hp_cni_conf *conf, struct hp_cni_error *err)
{
	struct attachment at;
	enum reach reach;
	char name[HP_POD_NAME_MAX + 1], ip[32];
	json_t *req, *resp = NULL, *out;
	uint32_t addr;
	int r;

	r = need_env(&at, true, err);
	if (r < 0)
		return r;
	if (!conf->prev_result)
		return hp_cni_fail(err, HP_CNI_ERR_CONFIG, NULL,
				   "heteronet is a chained plugin: it needs the primary plugin's "
				   "result (prevResult)");
	if (hp_cni_prev_ip4(conf->prev_result, at.ifname, &addr, err) < 0)
		return -err->code;
	hp_cni_pod_name(at.args, at.container, name, sizeof(name));
	hp_ip4_format(addr, ip, sizeof(ip));
	req = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "op", "pod-adopt", "pod", name,
			"netns", at.netns, "ip", ip, "dpu", conf->dpu, "network", conf->name,
			"container", at.container, "ifname", at.ifname);
	json_object_set_new(req, "wire_fallback", json_boolean(conf->wire_fallback));
	r = agent_call(conf, req, &resp, &reach, err);
	json_decref(req);
	if (r < 0)
		return r;
	json_decref(resp);
	/* The runtime gets the primary plugin's result, in the configuration's version. */
	out = json_deep_copy(conf->prev_result);
	if (!out)
		return hp_cni_fail(err, HP_CNI_ERR_IO, NULL, "out of memory");
	json_object_set_new(out, "cniVersion", json_string(conf->version));
	if (print_json(out) < 0)
		return hp_cni_fail(err, HP_CNI_ERR_IO, NULL, "cannot write the result");
	return 0;
}

static json_t *release_req(const struct hp_cni_conf *conf, const char *container,
			   const char *ifname)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "op", "pod-release", "network", conf->name,
			 "container", container, "ifname", ifname);
}

/*
 * DEL is idempotent: an attachment we never adopted, a node that is down or
 * a host agent that is gone (its pods went with it) all mean nothing is left
 * to remove.
 */
static int cmd_del(struct hp_cni_conf *conf, struct hp_cni_error *err)
{
	struct attachment at;
	enum reach reach;
	json_t *req, *resp = NULL;
	int r;

	r = need_env(&at, false, err);
	if (r < 0)
		return r;
	req = release_req(conf, at.container, at.ifname);
	r = agent_call(conf, req, &resp, &reach, err);
	json_decref(req);
	if (r < 0)
		return reach == REACH_NODE_DOWN || reach == REACH_AGENT_GONE ? 0 : r;
	json_decref(resp);
	return 0;
}

static int cmd_check(struct hp_cni_conf *conf, struct hp_cni_error *err)
{
	struct attachment at;
	enum reach reach;
	json_t *req, *resp = NULL;
	uint32_t addr;
	int r;

	r = need_env(&at, true, err);
	if (r < 0)
		return r;
	if (!conf->prev_result)
		return hp_cni_fail(err, HP_CNI_ERR_CONFIG, NULL,
				   "CHECK needs the result of the ADD (prevResult)");
	if (hp_cni_prev_ip4(conf->prev_result, at.ifname, &addr, err) < 0)
		return -err->code;
	req = json_pack("{s:s, s:s, s:s, s:s, s:s}", "op", "pod-check", "network", conf->name,
			"container", at.container, "ifname", at.ifname, "netns", at.netns);
	r = agent_call(conf, req, &resp, &reach, err);
	json_decref(req);
	if (r < 0) {
		if (err->code == HP_CNI_ERR_AGENT_REFUSED)
			err->code = HP_CNI_ERR_CONTAINER; /* the agent has no such attachment */
		return r;
	}
	{
		/* The pod must still have the address the primary plugin gave. */
		const char *ip =
		    json_string_value(json_object_get(json_object_get(resp, "pod"), "ip"));
		uint32_t have = 0;

		if (!ip || hp_ip4_parse(ip, &have) < 0 || have != addr) {
			char want[32];

			hp_ip4_format(addr, want, sizeof(want));
			hp_cni_fail(err, HP_CNI_ERR_AGENT_FAILED, NULL,
				    "the pod has IP %s, the primary plugin gave %s", ip ? ip : "?",
				    want);
			json_decref(resp);
			return -err->code;
		}
	}
	json_decref(resp);
	return 0;
}

/* GC: release every attachment of this network that is not among the valid ones. */
static int cmd_gc(struct hp_cni_conf *conf, struct hp_cni_error *err)
{
	enum reach reach;
	json_t *req, *resp = NULL, *p;
	size_t i;
	int r, failed = 0;

	if (hp_cni_version_cmp(conf->version, "1.1.0") < 0)
		return hp_cni_fail(err, HP_CNI_ERR_VERSION, NULL,
				   "GC needs cniVersion 1.1.0 or later");
	req = json_pack("{s:s}", "op", "pod-list");
	r = agent_call(conf, req, &resp, &reach, err);
	json_decref(req);
	if (r < 0)
		return reach == REACH_NODE_DOWN || reach == REACH_AGENT_GONE ? 0 : r;
	json_array_foreach(json_object_get(resp, "pods"), i, p)
	{
		json_t *att = json_object_get(p, "attachment"), *rel, *ok = NULL;
		const char *net = json_string_value(json_object_get(att, "network"));
		const char *ctr = json_string_value(json_object_get(att, "container"));
		const char *ifn = json_string_value(json_object_get(att, "ifname"));

		if (!net || !ctr || !ifn || strcmp(net, conf->name) ||
		    hp_cni_attachment_valid(conf->valid_attachments, ctr, ifn))
			continue;
		rel = release_req(conf, ctr, ifn);
		if (agent_call(conf, rel, &ok, &reach, err) < 0)
			failed++;
		json_decref(rel);
		json_decref(ok);
	}
	json_decref(resp);
	return failed ? -err->code : 0;
}

static int cmd_status(struct hp_cni_conf *conf, struct hp_cni_error *err)
{
	enum reach reach;
	json_t *req, *resp = NULL;
	int r;

	if (hp_cni_version_cmp(conf->version, "1.1.0") < 0)
		return hp_cni_fail(err, HP_CNI_ERR_VERSION, NULL,
				   "STATUS needs cniVersion 1.1.0 or later");
	req = json_pack("{s:s}", "op", "status");
	r = agent_call(conf, req, &resp, &reach, err);
	json_decref(req);
	if (r < 0) {
		err->code = HP_CNI_ERR_UNAVAILABLE;
		return r;
	}
	json_decref(resp);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = getenv("CNI_COMMAND");
	struct hp_cni_error err = {0};
	struct hp_cni_conf conf;
	_cleanup_free_ char *text = NULL;
	char version[16];
	size_t len = 0;
	int r;

	hp_log_init("heteronet");
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
			 !strcmp(argv[1], "--version"))) {
		printf(
		    "heteronet: a chained CNI plugin that makes a container's network namespace\n"
		    "the host half of a HeteroPod (see docs/cni.md). Runtimes run it with\n"
		    "CNI_COMMAND=ADD|DEL|CHECK|GC|STATUS|VERSION and the network configuration\n"
		    "on stdin. CNI protocol versions supported: ");
		for (const char *const *p = hp_cni_versions; *p; p++)
			printf("%s%s", *p, p[1] ? ", " : "\n");
		return 0;
	}
	if (read_stdin(&text, &len) < 0) {
		hp_cni_fail(&err, HP_CNI_ERR_IO, NULL,
			    "cannot read the network configuration from stdin");
		return report(NULL, &err);
	}
	stdin_version(text, len, version, sizeof(version));
	if (cmd && !strcmp(cmd, "VERSION"))
		return print_json(hp_cni_version_json(version)) < 0;
	if (!cmd || (strcmp(cmd, "ADD") && strcmp(cmd, "DEL") && strcmp(cmd, "CHECK") &&
		     strcmp(cmd, "GC") && strcmp(cmd, "STATUS"))) {
		hp_cni_fail(&err, HP_CNI_ERR_ENV, NULL,
			    "CNI_COMMAND must be ADD, DEL, CHECK, GC, STATUS or VERSION, not '%s'",
			    cmd ? cmd : "");
		return report(version, &err);
	}
	if (hp_cni_conf_parse(text, len, &conf, &err) < 0)
		return report(version, &err);
	if (!strcmp(cmd, "ADD"))
		r = cmd_add(&conf, &err);
	else if (!strcmp(cmd, "DEL"))
		r = cmd_del(&conf, &err);
	else if (!strcmp(cmd, "CHECK"))
		r = cmd_check(&conf, &err);
	else if (!strcmp(cmd, "GC"))
		r = cmd_gc(&conf, &err);
	else
		r = cmd_status(&conf, &err);
	if (r < 0)
		r = report(conf.version, &err);
	hp_cni_conf_free(&conf);
	return r;
}

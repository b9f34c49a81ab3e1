/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cni/cni.h"
#include "netns/addr.h"
#include "util/util.h"

#include <ctype.h>

const char *const hp_cni_versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL};

int hp_cni_fail(struct hp_cni_error *err, int code, const char *details, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	snprintf(err->details, sizeof(err->details), "%s", details ? details : "");
	return -code;
}

bool hp_cni_version_supported(const char *v)
{
	for (const char *const *p = hp_cni_versions; v && *p; p++)
		if (!strcmp(*p, v))
			return true;
	return false;
}

static bool version_parse(const char *v, unsigned out[3])
{
	char tail;

	return v && sscanf(v, "%u.%u.%u%c", &out[0], &out[1], &out[2], &tail) == 3;
}

int hp_cni_version_cmp(const char *a, const char *b)
{
	unsigned va[3], vb[3];
	bool pa = version_parse(a, va), pb = version_parse(b, vb);

	if (!pa || !pb)
		return (int)pa - (int)pb;
	for (int i = 0; i < 3; i++)
		if (va[i] != vb[i])
			return va[i] < vb[i] ? -1 : 1;
	return 0;
}

static int conf_string(json_t *root, const char *key, char *buf, size_t len, const char *dflt,
		       struct hp_cni_error *err)
{
	json_t *v = json_object_get(root, key);
	const char *s;

	if (!v) {
		if (!dflt)
			return hp_cni_fail(err, HP_CNI_ERR_CONFIG, NULL,
					   "the network configuration has no '%s'", key);
		snprintf(buf, len, "%s", dflt);
		return 0;
	}
	s = json_string_value(v);
	if (!s || !*s || strlen(s) >= len)
		return hp_cni_fail(err, HP_CNI_ERR_CONFIG, NULL,
				   "'%s' must be a string of 1-%zu bytes", key, len - 1);
	strcpy(buf, s);
	return 0;
}

int hp_cni_conf_parse(const char *text, size_t len, struct hp_cni_conf *ret,
		      struct hp_cni_error *err)
{
	struct hp_cni_conf c = {.root = NULL};
	json_error_t jerr;
	json_t *v;
	int r;

	c.root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!c.root || !json_is_object(c.root)) {
		json_decref(c.root);
		return hp_cni_fail(err, HP_CNI_ERR_DECODE, c.root ? NULL : jerr.text,
				   "the network configuration is not a JSON object");
	}
	v = json_object_get(c.root, "cniVersion");
	if (!v) {
		r = hp_cni_fail(err, HP_CNI_ERR_CONFIG, NULL,
				"the network configuration has no 'cniVersion'");
		goto fail;
	}
	if (!json_is_string(v) || !hp_cni_version_supported(json_string_value(v))) {
		char supported[128] = "";

		for (const char *const *p = hp_cni_versions; *p; p++)
			snprintf(supported + strlen(supported),
				 sizeof(supported) - strlen(supported), "%s%s",
				 *p == hp_cni_versions[0] ? "" : ", ", *p);
		r = hp_cni_fail(err, HP_CNI_ERR_VERSION, supported,
				"heteronet does not speak CNI version %s",
				json_is_string(v) ? json_string_value(v) : "(not a string)");
		goto fail;
	}
	strcpy(c.version, json_string_value(v));
	r = conf_string(c.root, "name", c.name, sizeof(c.name), NULL, err);
	if (r < 0)
		goto fail;
	r = conf_string(c.root, "node", c.node, sizeof(c.node), "hp", err);
	if (r < 0)
		goto fail;
	if (!hp_name_valid(c.node, HP_NODE_NAME_MAX)) {
		r = hp_cni_fail(err, HP_CNI_ERR_CONFIG, NULL,
				"'node' must be a HeteroPod node name (1-%d characters of a-z, 0-9 "
				"and '-'), not '%s'",
				HP_NODE_NAME_MAX, c.node);
		goto fail;
	}
	r = conf_string(c.root, "dpu", c.dpu, sizeof(c.dpu), "dpu0", err);
	if (r < 0)
		goto fail;
	{
		uint64_t n;

		if (strncmp(c.dpu, "dpu", 3) || hp_parse_u64(c.dpu + 3, &n) < 0 ||
		    n >= HP_MAX_DPUS || !isdigit((unsigned char)c.dpu[3])) {
			r = hp_cni_fail(err, HP_CNI_ERR_CONFIG, NULL,
					"'dpu' must name a DPU (dpu0..dpu%d), not '%s'",
					HP_MAX_DPUS - 1, c.dpu);
			goto fail;
		}
	}
	v = json_object_get(c.root, "wireFallback");
	if (v && !json_is_boolean(v)) {
		r = hp_cni_fail(err, HP_CNI_ERR_CONFIG, NULL, "'wireFallback' must be true or false");
		goto fail;
	}
	c.wire_fallback = json_is_true(v);
	v = json_object_get(c.root, "prevResult");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v)) {
			r = hp_cni_fail(err, HP_CNI_ERR_CONFIG, NULL,
					"'prevResult' must be an object");
			goto fail;
		}
		c.prev_result = v;
	}
	v = json_object_get(c.root, "cni.dev/valid-attachments");
	if (v) {
		size_t i;
		json_t *a;

		if (!json_is_array(v)) {
			r = hp_cni_fail(err, HP_CNI_ERR_CONFIG, NULL,
					"'cni.dev/valid-attachments' must be an array");
			goto fail;
		}
		json_array_foreach(v, i, a)
		{
			if (!json_is_string(json_object_get(a, "containerID")) ||
			    !json_is_string(json_object_get(a, "ifname"))) {
				r = hp_cni_fail(err, HP_CNI_ERR_CONFIG, NULL,
						"'cni.dev/valid-attachments' entry %zu needs "
						"'containerID' and 'ifname'",
						i);
				goto fail;
			}
		}
		c.valid_attachments = v;
	}
	*ret = c;
	return 0;
fail:
	json_decref(c.root);
	return r;
}

void hp_cni_conf_free(struct hp_cni_conf *c)
{
	json_decref(c->root);
	c->root = c->prev_result = c->valid_attachments = NULL;
}

int hp_cni_prev_ip4(json_t *prev_result, const char *ifname, uint32_t *ret_ip,
		    struct hp_cni_error *err)
{
	json_t *ips = json_object_get(prev_result, "ips");
	json_t *ifaces = json_object_get(prev_result, "interfaces");
	int best_rank = 0;
	uint32_t best = 0;
	size_t i;
	json_t *e;

	json_array_foreach(ips, i, e)
	{
		const char *addr = json_string_value(json_object_get(e, "address"));
		json_t *idx = json_object_get(e, "interface");
		char buf[32];
		const char *slash;
		uint32_t ip;
		int rank;

		if (!addr || !(slash = strchr(addr, '/')) || (size_t)(slash - addr) >= sizeof(buf))
			continue;
		memcpy(buf, addr, slash - addr);
		buf[slash - addr] = '\0';
		if (hp_ip4_parse(buf, &ip) < 0 || !ip)
			continue; /* IPv6, or garbage */
		if (json_is_integer(idx)) {
			json_t *itf = json_array_get(ifaces, (size_t)json_integer_value(idx));
			const char *sandbox = json_string_value(json_object_get(itf, "sandbox"));
			const char *name = json_string_value(json_object_get(itf, "name"));

			if (!itf || json_integer_value(idx) < 0 || !sandbox || !*sandbox)
				continue; /* a host-side interface (e.g. the bridge) */
			rank = ifname && name && !strcmp(name, ifname) ? 3 : 2;
		} else {
			rank = 1;
		}
		if (rank > best_rank) {
			best_rank = rank;
			best = ip;
		}
	}
	if (!best_rank) {
		hp_cni_fail(
		    err, HP_CNI_ERR_CONFIG, NULL,
		    "the plugin before heteronet gave the container no IPv4 address (prevResult)");
		return -ENOENT;
	}
	*ret_ip = best;
	return 0;
}

int hp_cni_args_get(const char *args, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key);

	for (const char *p = args; p && *p;) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			if (n - kl - 1 >= len)
				return -ENAMETOOLONG;
			memcpy(buf, p + kl + 1, n - kl - 1);
			buf[n - kl - 1] = '\0';
			return 0;
		}
		p = end ? end + 1 : p + n;
	}
	return -ENOENT;
}

/* FNV-1a, 24 bits: only to keep sanitized names of distinct originals apart. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return (h ^ (h >> 24)) & 0xffffff;
}

void hp_cni_pod_name(const char *args, const char *container_id, char *buf, size_t len)
{
	char ns[256], name[256], orig[520], clean[520];
	size_t n = 0;

	if (args && hp_cni_args_get(args, "K8S_POD_NAME", name, sizeof(name)) == 0 && *name) {
		if (hp_cni_args_get(args, "K8S_POD_NAMESPACE", ns, sizeof(ns)) == 0 && *ns)
			snprintf(orig, sizeof(orig), "%s-%s", ns, name);
		else
			snprintf(orig, sizeof(orig), "%s", name);
	} else {
		snprintf(orig, sizeof(orig), "%s", container_id ? container_id : "");
	}
	/* Lower case; runs of anything else become one '-'; no '-' at either end. */
	for (const char *p = orig; *p; p++) {
		char ch = *p;

		if (isalnum((unsigned char)ch) && !(ch & 0x80))
			clean[n++] = (char)tolower((unsigned char)ch);
		else if (n && clean[n - 1] != '-')
			clean[n++] = '-';
	}
	while (n && clean[n - 1] == '-')
		n--;
	clean[n] = '\0';
	if (n && n <= HP_POD_NAME_MAX && !strcmp(clean, orig)) {
		snprintf(buf, len, "%s", clean);
		return;
	}
	/* Changed to fit: keep a prefix and say which original it was. */
	if (n > HP_POD_NAME_MAX - 7)
		n = HP_POD_NAME_MAX - 7;
	while (n && clean[n - 1] == '-')
		n--;
	clean[n] = '\0';
	snprintf(buf, len, "%s%s%06x", clean, n ? "-" : "c", name_hash(orig));
}

bool hp_cni_container_id_valid(const char *id)
{
	if (!id || !isalnum((unsigned char)id[0]) || (id[0] & 0x80))
		return false;
	for (const char *p = id; *p; p++)
		if ((*p & 0x80) ||
		    (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-'))
			return false;
	return strlen(id) < 256;
}

bool hp_cni_ifname_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 15 || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return false;
	return true;
}

bool hp_cni_attachment_valid(json_t *valid_attachments, const char *container, const char *ifname)
{
	size_t i;
	json_t *a;

	json_array_foreach(valid_attachments, i, a)
	{
		const char *c = json_string_value(json_object_get(a, "containerID"));
		const char *f = json_string_value(json_object_get(a, "ifname"));

		if (c && f && !strcmp(c, container) && !strcmp(f, ifname))
			return true;
	}
	return false;
}

json_t *hp_cni_error_json(const char *version, const struct hp_cni_error *err)
{
	json_t *j = json_pack("{s:s, s:i, s:s}", "cniVersion",
			      version && *version ? version : HP_CNI_VERSION_LATEST, "code",
			      err->code, "msg", err->msg);

	if (j && err->details[0])
		json_object_set_new(j, "details", json_string(err->details));
	return j;
}

json_t *hp_cni_version_json(const char *version)
{
	json_t *list = json_array();

	for (const char *const *p = hp_cni_versions; *p; p++)
		json_array_append_new(list, json_string(*p));
	return json_pack("{s:s, s:o}", "cniVersion",
			 hp_cni_version_supported(version) ? version : HP_CNI_VERSION_LATEST,
			 "supportedVersions", list);
}

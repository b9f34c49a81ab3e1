/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config/config.h"
#include "netns/addr.h"
#include "util/util.h"

#include <ctype.h>

void hp_error_set(struct hp_error *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

const char *hp_cgroup_mode_str(enum hp_cgroup_mode m)
{
	return m == HP_CGROUP_V1 ? "v1" : m == HP_CGROUP_V2 ? "v2" : "auto";
}

void hp_config_defaults(struct hp_node_config *c, unsigned ncpus)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->name, "hp");
	c->n_dpus = 1;
	strcpy(c->host.name, "host");
	strcpy(c->host.cpus, "0");
	c->host.speed = 1.0;
	for (unsigned i = 0; i < HP_MAX_DPUS; i++) {
		unsigned cpu = ncpus > 1 ? 1 + i % (ncpus - 1) : 0;

		snprintf(c->dpu[i].name, sizeof(c->dpu[i].name), "dpu%u", i);
		snprintf(c->dpu[i].cpus, sizeof(c->dpu[i].cpus), "%u", cpu);
		c->dpu[i].speed = 1.0;
	}
	c->pod_net = 0xc6128000; /* 198.18.128.0/17, RFC 2544 space: never routed */
	c->pod_prefix = 17;
	c->window_size = 256ull << 20; /* sparse: memory is used as channels need it */
	c->pod_window_size = 8ull << 20;
	c->cgroup = HP_CGROUP_AUTO;
	c->agent_port = 7077;
}

int hp_cpulist_parse(const char *s, unsigned *ret_max)
{
	unsigned max = 0;
	const char *p = s;

	if (!*s)
		return -EINVAL;
	while (*p) {
		unsigned long a, b;
		char *end;

		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -EINVAL;
			b = strtoul(end + 1, &end, 10);
		}
		if (b < a || b > 4095)
			return -EINVAL;
		if (b > max)
			max = b;
		if (*end == ',') {
			end++;
			if (!*end)
				return -EINVAL;
		} else if (*end) {
			return -EINVAL;
		}
		p = end;
	}
	if (ret_max)
		*ret_max = max;
	return 0;
}

static int where(char *buf, size_t n, const char *file, unsigned line)
{
	if (file && line)
		return snprintf(buf, n, "%s:%u: ", file, line);
	if (file)
		return snprintf(buf, n, "%s: ", file);
	buf[0] = '\0';
	return 0;
}

#define FAIL(fmt, ...)                                                                  \
	do {                                                                            \
		char _w[256];                                                           \
		where(_w, sizeof(_w), file, line);                                      \
		hp_error_set(err, "%sfield '%s.%s': " fmt, _w, section, key, ##__VA_ARGS__); \
		return -EINVAL;                                                         \
	} while (0)

static int set_pu(struct hp_pu_config *pu, bool is_dpu, const char *section, const char *key,
		  const char *value, const char *file, unsigned line, struct hp_error *err)
{
	if (!strcmp(key, "cpus")) {
		if (hp_cpulist_parse(value, NULL) < 0 || strlen(value) >= sizeof(pu->cpus))
			FAIL("'%s' is not a CPU list like 1 or 0-3,5", value);
		strcpy(pu->cpus, value);
	} else if (!strcmp(key, "speed")) {
		double v;

		if (!is_dpu)
			FAIL("only DPUs have a speed factor; the host is the reference (1.0)");
		if (hp_parse_double(value, &v) < 0 || v <= 0.0 || v > 1.0)
			FAIL("'%s' must be a number in (0, 1], the DPU core speed relative to a host core",
			     value);
		pu->speed = v;
	} else if (!strcmp(key, "memory")) {
		uint64_t v;

		if (hp_parse_size(value, &v) < 0)
			FAIL("'%s' is not a size like 512M or 2G (0 = no limit)", value);
		if (v && v < (16ull << 20))
			FAIL("%s is below the 16M minimum (0 = no limit)", value);
		pu->memory = v;
	} else {
		FAIL("unknown field (known: cpus, memory%s)", is_dpu ? ", speed" : "");
	}
	return 0;
}

int hp_config_set(struct hp_node_config *c, const char *section, const char *key,
		  const char *value, const char *file, unsigned line, struct hp_error *err)
{
	if (!strcmp(section, "node")) {
		if (!strcmp(key, "name")) {
			if (!hp_name_valid(value, HP_NODE_NAME_MAX))
				FAIL("'%s' must be 1-%d characters of a-z, 0-9 and '-'", value,
				     HP_NODE_NAME_MAX);
			strcpy(c->name, value);
		} else if (!strcmp(key, "dpus")) {
			uint64_t v;

			if (hp_parse_u64(value, &v) < 0 || v < 1 || v > HP_MAX_DPUS)
				FAIL("'%s' must be a number of DPUs from 1 to %d", value, HP_MAX_DPUS);
			c->n_dpus = v;
		} else if (!strcmp(key, "pod-cidr")) {
			uint32_t net;
			unsigned prefix;

			if (hp_cidr_parse(value, &net, &prefix) < 0)
				FAIL("'%s' is not an IPv4 CIDR like 198.18.128.0/17", value);
			if (prefix < 8 || prefix > 26)
				FAIL("prefix /%u must be between /8 and /26", prefix);
			if ((hp_prefix_mask(prefix) & net) != net)
				FAIL("'%s' has host bits set", value);
			c->pod_net = net;
			c->pod_prefix = prefix;
		} else if (!strcmp(key, "cgroup")) {
			if (!strcmp(value, "auto"))
				c->cgroup = HP_CGROUP_AUTO;
			else if (!strcmp(value, "v1"))
				c->cgroup = HP_CGROUP_V1;
			else if (!strcmp(value, "v2"))
				c->cgroup = HP_CGROUP_V2;
			else
				FAIL("'%s' must be auto, v1 or v2", value);
		} else if (!strcmp(key, "agent-port")) {
			uint64_t v;

			if (hp_parse_u64(value, &v) < 0 || v < 1 || v > 65535)
				FAIL("'%s' is not a TCP port", value);
			c->agent_port = v;
		} else {
			FAIL("unknown field (known: name, dpus, pod-cidr, cgroup, agent-port)");
		}
		return 0;
	}
	if (!strcmp(section, "window")) {
		if (!strcmp(key, "size")) {
			uint64_t v;

			if (hp_parse_size(value, &v) < 0)
				FAIL("'%s' is not a size like 64M", value);
			if (v < (1ull << 20) || v > (64ull << 30))
				FAIL("%s must be between 1M and 64G", value);
			if (v & (v - 1))
				FAIL("%s must be a power of two", value);
			c->window_size = v;
		} else if (!strcmp(key, "pod-size")) {
			uint64_t v;

			if (hp_parse_size(value, &v) < 0)
				FAIL("'%s' is not a size like 8M", value);
			if (v < (4ull << 20) || v > (1ull << 30) || (v & (v - 1)))
				FAIL("%s must be a power of two between 4M and 1G", value);
			c->pod_window_size = v;
		} else if (!strcmp(key, "hugepages")) {
			if (hp_parse_bool(value, &c->window_hugepages) < 0)
				FAIL("'%s' must be yes or no", value);
		} else {
			FAIL("unknown field (known: size, pod-size, hugepages)");
		}
		return 0;
	}
	if (!strcmp(section, "host"))
		return set_pu(&c->host, false, section, key, value, file, line, err);
	if (!strcmp(section, "dpu")) {
		for (unsigned i = 0; i < HP_MAX_DPUS; i++) {
			int r = set_pu(&c->dpu[i], true, section, key, value, file, line, err);

			if (r < 0)
				return r;
		}
		return 0;
	}
	if (!strncmp(section, "dpu", 3) && isdigit((unsigned char)section[3])) {
		uint64_t i;

		if (hp_parse_u64(section + 3, &i) < 0 || i >= HP_MAX_DPUS) {
			char w[256];

			where(w, sizeof(w), file, line);
			hp_error_set(err, "%ssection '[%s]': DPUs are dpu0 to dpu%d", w, section,
				     HP_MAX_DPUS - 1);
			return -EINVAL;
		}
		return set_pu(&c->dpu[i], true, section, key, value, file, line, err);
	}
	{
		char w[256];

		where(w, sizeof(w), file, line);
		hp_error_set(err, "%sunknown section '[%s]' (known: node, window, host, dpu, dpuN)",
			     w, section);
	}
	return -EINVAL;
}
#undef FAIL

static bool section_known(const char *s)
{
	uint64_t i;

	if (!strcmp(s, "node") || !strcmp(s, "window") || !strcmp(s, "host") || !strcmp(s, "dpu"))
		return true;
	return !strncmp(s, "dpu", 3) && isdigit((unsigned char)s[3]) && hp_parse_u64(s + 3, &i) == 0 &&
	       i < HP_MAX_DPUS;
}

static char *strip(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int hp_config_parse(struct hp_node_config *c, const char *text, const char *file,
		    struct hp_error *err)
{
	_cleanup_free_ char *copy = strdup(text);
	char section[32] = "";
	unsigned line = 0;
	char *save = NULL, *l;

	if (!copy)
		return -ENOMEM;
	/* strtok_r would skip empty lines and miscount; walk by hand. */
	for (l = copy; l; l = save) {
		char *s, *eq, *nl = strchr(l, '\n');

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		line++;
		s = l;
		if ((eq = strpbrk(s, "#;")))
			*eq = '\0';
		s = strip(s);
		if (!*s)
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (!end || end[1] || end - s - 1 <= 0 || end - s - 1 >= (long)sizeof(section)) {
				hp_error_set(err, "%s:%u: malformed section header '%s'",
					     file ? file : "config", line, s);
				return -EINVAL;
			}
			*end = '\0';
			strcpy(section, strip(s + 1));
			if (!section_known(section)) {
				hp_error_set(err,
					     "%s:%u: unknown section '[%s]' (known: node, window, host, dpu, dpu0..dpu%d)",
					     file ? file : "config", line, section, HP_MAX_DPUS - 1);
				return -EINVAL;
			}
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			hp_error_set(err, "%s:%u: expected 'key = value', got '%s'",
				     file ? file : "config", line, s);
			return -EINVAL;
		}
		*eq = '\0';
		if (!section[0]) {
			hp_error_set(err, "%s:%u: field '%s' outside any [section]",
				     file ? file : "config", line, strip(s));
			return -EINVAL;
		}
		int r = hp_config_set(c, section, strip(s), strip(eq + 1), file ? file : "config",
				      line, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int hp_config_load(struct hp_node_config *c, const char *path, struct hp_error *err)
{
	_cleanup_free_ char *text = NULL;
	int r = hp_read_file(path, &text);

	if (r < 0) {
		hp_error_set(err, "%s: cannot read config: %s", path, strerror(-r));
		return r == -ENOENT ? -EINVAL : r;
	}
	return hp_config_parse(c, text, path, err);
}

int hp_config_validate(const struct hp_node_config *c, struct hp_error *err)
{
	uint32_t pods = (1u << (32 - c->pod_prefix)) - 2;

	if (pods < 4) {
		hp_error_set(err, "field 'node.pod-cidr': /%u leaves room for too few pods",
			     c->pod_prefix);
		return -EINVAL;
	}
	return 0;
}

char *hp_config_format(const struct hp_node_config *c)
{
	char net[32];
	char *s = NULL, *t;

	hp_ip4_format(c->pod_net, net, sizeof(net));
	s = hp_sprintf("[node]\nname = %s\ndpus = %u\npod-cidr = %s/%u\ncgroup = %s\n"
		       "agent-port = %u\n\n[window]\nsize = %llu\npod-size = %llu\nhugepages = %s\n\n"
		       "[host]\ncpus = %s\nmemory = %llu\n",
		       c->name, c->n_dpus, net, c->pod_prefix, hp_cgroup_mode_str(c->cgroup),
		       c->agent_port, (unsigned long long)c->window_size,
		       (unsigned long long)c->pod_window_size, c->window_hugepages ? "yes" : "no",
		       c->host.cpus,
		       (unsigned long long)c->host.memory);
	for (unsigned i = 0; s && i < c->n_dpus; i++) {
		t = hp_sprintf("%s\n[%s]\ncpus = %s\nspeed = %.17g\nmemory = %llu\n", s,
			       c->dpu[i].name, c->dpu[i].cpus, c->dpu[i].speed,
			       (unsigned long long)c->dpu[i].memory);
		free(s);
		s = t;
	}
	return s;
}

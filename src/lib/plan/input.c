/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The planner's other inputs: the node description (YAML, strict: unknown
 * fields are errors), cost parameters (JSON) and profiles (JSON). Formats are
 * documented in docs/planner.md.
 */
#include "plan/internal.h"
#include "util/util.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>

/* ---- node description ------------------------------------------------------- */

void hp_plan_node_defaults(struct hp_plan_node *n)
{
	memset(n, 0, sizeof(*n));
	n->n_pus = 2;
	strcpy(n->pu[0].name, "host");
	n->pu[0].cores = 16;
	n->pu[0].speed = 1;
	strcpy(n->pu[0].arch, "amd64");
	strcpy(n->pu[1].name, "dpu0");
	n->pu[1].cores = 8;       /* BlueField-2: 8 Arm A72 cores */
	n->pu[1].speed = 0.5;     /* an A72 core against a server x86 core */
	n->pu[1].memory = 16.0 * HP_PLAN_GIB;
	n->pu[1].link_bw = 25e9 / 8; /* 25 Gbit/s */
	strcpy(n->pu[1].arch, "arm64");
	n->latency_budget_us = -1;
}

const char *hp_plan_arch(const char *name)
{
	if (!strcasecmp(name, "amd64") || !strcasecmp(name, "x86_64"))
		return "amd64";
	if (!strcasecmp(name, "arm64") || !strcasecmp(name, "aarch64"))
		return "arm64";
	return name;
}

void hp_plan_node_free(struct hp_plan_node *n)
{
	if (!n)
		return;
	for (unsigned i = 0; i < n->n_w; i++)
		free(n->w[i].workload);
	for (unsigned i = 0; i < n->n_img; i++) {
		free(n->img[i].prefix);
		free(n->img[i].archs);
		for (unsigned j = 0; j < ARRAY_SIZE(n->img[i].reading); j++)
			free(n->img[i].reading[j]);
	}
	free(n->w);
	free(n->img);
	free(n->file);
	n->w = NULL;
	n->img = NULL;
	n->file = NULL;
	n->n_w = n->n_img = 0;
}

struct nparse {
	yaml_document_t *d;
	const char *file;
	struct hp_error *err;
};

#define NFAIL(np, node, fmt, ...)                                                               \
	({                                                                                      \
		hp_error_set((np)->err, "%s:%u: " fmt, (np)->file, hp_yaml_line(node),          \
			     ##__VA_ARGS__);                                                    \
		-EINVAL;                                                                        \
	})

/*
 * A quantity of HeteroPod's own files (node description, profile): one
 * with digits. Kubernetes' reader takes "." or "m" alone as 0, which
 * hp_plan_quantity follows for manifests; in a node's cores it is a typo.
 */
static int own_quantity(const char *t, double *ret)
{
	return hp_plan_quantity_digits(t) ? hp_plan_quantity(t, ret, NULL) : -EINVAL;
}

static int num(struct nparse *np, int v, const char *what, double min, double *ret)
{
	yaml_node_t *n = hp_yaml_node(np->d, v);
	const char *t = hp_yaml_str(n);
	double x;

	/* a plain 010 is 8 to YAML 1.1 readers (kubectl's) and was 10 here */
	if (t && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && hp_yaml1_octal(t))
		return NFAIL(np, n,
			     "%s: YAML 1.1 reads %s as octal; write it without the leading 0", what,
			     t);
	if (!t || own_quantity(t, &x) < 0 || x < min)
		return NFAIL(np, n, "%s: expected a number >= %g and <= %g", what, min,
			     HP_PLAN_QUANTITY_MAX);
	*ret = x;
	return 0;
}

/*
 * What a plain null or YAML 1.1 boolean is ("a null", "a boolean"), else
 * NULL: no name to other readers. "name: null" had made a DPU named null,
 * "arch: null" a host of architecture NULL (a black-box review); quoted,
 * it is the name.
 */
static const char *not_a_name(const yaml_node_t *n)
{
	bool b;

	/* nothing at all is no name either, said so by the caller */
	if (!hp_yaml_str(n) || !*hp_yaml_str(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return NULL;
	return hp_yaml_is_null(n) ? "a null" : hp_yaml_bool(n, &b) == 0 ? "a boolean" : NULL;
}

static int str(struct nparse *np, int v, const char *what, char *buf, size_t size)
{
	yaml_node_t *n = hp_yaml_node(np->d, v);
	const char *s = hp_yaml_str(n);

	if (not_a_name(n))
		return NFAIL(np, n, "%s: %s is %s in YAML, not a name (quote it to mean the name)",
			     what, s, not_a_name(n));
	if (!hp_plan_plain_name(s) || strlen(s) >= size)
		return NFAIL(np, n,
			     "%s: expected a name of at most %zu letters, digits, '.', '_' "
			     "or '-'",
			     what, size - 1);
	strcpy(buf, s);
	return 0;
}

static int parse_pu(struct nparse *np, int map, struct hp_plan_pu *pu, bool dpu)
{
	yaml_node_t *n = hp_yaml_node(np->d, map);
	int r = 0;

	if (!hp_yaml_is_map(n))
		return NFAIL(np, n, "%s: expected a mapping", dpu ? "dpus[]" : "host");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top && r >= 0;
	     p++) {
		yaml_node_t *kn = hp_yaml_node(np->d, p->key);
		const char *k = hp_yaml_str(kn);
		double gbps;

		if (!k)
			return NFAIL(np, kn, "keys must be strings");
		if (!strcmp(k, "cores"))
			r = num(np, p->value, "cores", 0, &pu->cores);
		else if (!strcmp(k, "arch")) {
			r = str(np, p->value, "arch", pu->arch, sizeof(pu->arch));
			if (r >= 0)
				memmove(pu->arch, hp_plan_arch(pu->arch),
					strlen(hp_plan_arch(pu->arch)) + 1);
		} else if (dpu && !strcmp(k, "name"))
			r = str(np, p->value, "name", pu->name, sizeof(pu->name));
		else if (dpu && !strcmp(k, "speed")) {
			r = num(np, p->value, "speed", 0, &pu->speed);
			if (r >= 0 &&
			    !(pu->speed >= HP_PLAN_SPEED_MIN && pu->speed <= HP_PLAN_SPEED_MAX))
				r = NFAIL(np, hp_yaml_node(np->d, p->value),
					  "speed must be >= %g and <= %g", HP_PLAN_SPEED_MIN,
					  HP_PLAN_SPEED_MAX);
		} else if (dpu && !strcmp(k, "memory"))
			r = num(np, p->value, "memory", 0, &pu->memory);
		else if (dpu && !strcmp(k, "linkGbps")) {
			r = num(np, p->value, "linkGbps", 0, &gbps);
			if (r >= 0 && gbps > HP_PLAN_LINK_GBPS_MAX)
				r = NFAIL(np, hp_yaml_node(np->d, p->value),
					  "linkGbps must be <= %g", HP_PLAN_LINK_GBPS_MAX);
			pu->link_bw = gbps * 1e9 / 8;
		} else
			return NFAIL(np, kn, "unknown field '%s' in %s", k, dpu ? "a DPU" : "host");
	}
	return r;
}

static int parse_workloads(struct nparse *np, int map, struct hp_plan_node *node)
{
	yaml_node_t *n = hp_yaml_node(np->d, map);

	if (!hp_yaml_is_map(n))
		return NFAIL(np, n, "workloads: expected a mapping of Kind/name");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = hp_yaml_node(np->d, p->key), *vn = hp_yaml_node(np->d, p->value);
		const char *k = hp_yaml_str(kn);
		struct hp_plan_workload_opt *w, *nw;

		const char *s1 = k ? strchr(k, '/') : NULL, *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
		const char *kind = s2 ? s1 + 1 : k;

		/* "Kind/name", or "ns/Kind/name" for the namespace ns only */
		if (!s1 || (s2 && strchr(s2 + 1, '/')) || *k == '/' || strstr(k, "//") ||
		    k[strlen(k) - 1] == '/')
			return NFAIL(np, kn,
				     "workloads: keys are Kind/name or namespace/Kind/name");
		nw = reallocarray(node->w, node->n_w + 1, sizeof(*nw));
		if (!nw)
			return -ENOMEM;
		node->w = nw;
		w = &node->w[node->n_w];
		memset(w, 0, sizeof(*w));
		w->workload = strdup(k);
		if (!w->workload)
			return -ENOMEM;
		node->n_w++;
		w->replicas = 1;
		w->latency_budget_us = -1;
		w->line = hp_yaml_line(kn);
		if (!hp_yaml_is_map(vn))
			return NFAIL(np, vn, "workloads.%s: expected a mapping", k);
		for (yaml_node_pair_t *q = vn->data.mapping.pairs.start;
		     q < vn->data.mapping.pairs.top; q++) {
			yaml_node_t *qk = hp_yaml_node(np->d, q->key);
			const char *f = hp_yaml_str(qk);
			double v;
			int r;

			if (f && !strcmp(f, "replicas")) {
				yaml_node_t *rn = hp_yaml_node(np->d, q->value);
				const char *t = hp_yaml_str(rn);

				/* A count, in digits: not a quantity ("1k") nor "-1" */
				if (t && hp_yaml1_octal(t) &&
				    rn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
					return NFAIL(np, rn,
						     "workloads.%s: replicas: YAML 1.1 reads %s "
						     "as octal; write it without the leading 0",
						     k, t);
				if (!t || !*t || t[strspn(t, "0123456789")] || strlen(t) > 12 ||
				    (v = strtod(t, NULL)) > HP_PLAN_REPLICAS_MAX)
					return NFAIL(
					    np, rn,
					    "workloads.%s: replicas: a whole number from 0 "
					    "to %u",
					    k, HP_PLAN_REPLICAS_MAX);
				w->replicas = (unsigned)v;
				/* a DaemonSet's pod, or a bare Pod, runs once on a node */
				if (w->replicas > 1 &&
				    (!strncmp(kind, "DaemonSet/", 10) || !strncmp(kind, "Pod/", 4)))
					return NFAIL(
					    np, rn,
					    "workloads.%s: a %.*s runs at most one replica "
					    "on a node",
					    k, (int)(strchr(kind, '/') - kind), kind);
			} else if (f && !strcmp(f, "latencyBudgetUs")) {
				r = num(np, q->value, "latencyBudgetUs", 0, &w->latency_budget_us);
				if (r < 0)
					return r;
			} else {
				return NFAIL(np, qk, "unknown field '%s' in workloads.%s",
					     f ? f : "?", k);
			}
		}
	}
	return 0;
}

/* Do two image prefixes share a reading: name the same images? */
static bool image_readings_meet(const struct hp_plan_image_arch *a,
				const struct hp_plan_image_arch *b)
{
	for (unsigned i = 0; i < ARRAY_SIZE(a->reading); i++)
		for (unsigned j = 0; j < ARRAY_SIZE(b->reading); j++)
			if (a->reading[i] && b->reading[j] && !strcmp(a->reading[i], b->reading[j]))
				return true;
	return false;
}

static int parse_images(struct nparse *np, int map, struct hp_plan_node *node)
{
	yaml_node_t *n = hp_yaml_node(np->d, map);

	if (!hp_yaml_is_map(n))
		return NFAIL(np, n, "images: expected a mapping image-prefix: [archs]");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = hp_yaml_node(np->d, p->key), *vn = hp_yaml_node(np->d, p->value);
		struct hp_plan_image_arch *im, *ni;
		const char *k = hp_yaml_str(kn);

		if (!k || !*k || !hp_yaml_is_seq(vn))
			return NFAIL(np, kn, "images: expected image-prefix: [arch, ...]");
		/* [] would keep the image off every PU, where the annotation's [] was "any" */
		if (vn->data.sequence.items.top == vn->data.sequence.items.start)
			return NFAIL(np, vn, "images.%s: an empty list of architectures", k);
		ni = reallocarray(node->img, node->n_img + 1, sizeof(*ni));
		if (!ni)
			return -ENOMEM;
		node->img = ni;
		im = &node->img[node->n_img];
		memset(im, 0, sizeof(*im));
		im->prefix = strdup(k);
		if (!im->prefix)
			return -ENOMEM;
		im->line = hp_yaml_line(kn);
		node->n_img++;
		if (hp_plan_image_readings(k, im->reading) < 0)
			return -ENOMEM;
		/* two names for the same images: which list holds would be the file's order */
		for (unsigned i = 0; i + 1 < node->n_img; i++) {
			if (image_readings_meet(&node->img[i], im))
				return NFAIL(np, kn,
					     "images.%s: the same images as %s (line %u), as "
					     "runtimes read names",
					     k, node->img[i].prefix, node->img[i].line);
		}
		im->archs = strdup(" ");
		if (!im->archs)
			return -ENOMEM;
		for (yaml_node_item_t *it = vn->data.sequence.items.start;
		     it < vn->data.sequence.items.top; it++) {
			yaml_node_t *an = hp_yaml_node(np->d, *it);
			const char *a = hp_yaml_str(an);
			char *na;

			if (not_a_name(an))
				return NFAIL(np, an,
					     "images.%s: %s is %s in YAML, not an architecture "
					     "(quote it to mean the name)",
					     k, a, not_a_name(an));
			if (!hp_plan_plain_name(a))
				return NFAIL(np, an,
					     "images.%s: a list of architecture names (amd64, "
					     "arm64, ...)",
					     k);
			na = hp_sprintf("%s%s ", im->archs, hp_plan_arch(a));
			if (!na)
				return -ENOMEM;
			free(im->archs);
			im->archs = na;
		}
	}
	return 0;
}

int hp_plan_node_parse(struct hp_plan_node *node, const char *text, size_t len, const char *file,
		       struct hp_error *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct nparse np = { .d = &doc, .file = file, .err = err };
	unsigned pu_line[HP_PLAN_MAX_PUS] = { 0 }; /* for messages */
	bool unnamed[HP_PLAN_MAX_PUS] = { false }; /* a DPU named by its place */
	struct hp_plan_node n;
	yaml_node_t *root;
	int r = 0;

	hp_plan_node_defaults(&n);
	if ((r = hp_yaml_check_nesting(text, len, file, err)) < 0)
		return r;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	/* empty documents before it ("---" alone) are nothing */
	for (;;) {
		yaml_node_t *first;

		if (!yaml_parser_load(&parser, &doc)) {
			hp_yaml_parse_error(&parser, file, text, err);
			yaml_parser_delete(&parser);
			return -EINVAL;
		}
		first = yaml_document_get_root_node(&doc);
		if (!first || !hp_yaml_is_null(first))
			break;
		yaml_document_delete(&doc);
	}
	/* one document: what a second holds (a DPU, a typo) would go unread */
	for (;;) {
		yaml_document_t more;
		yaml_node_t *mr;
		bool end, empty;
		unsigned line;

		if (!yaml_parser_load(&parser, &more)) {
			hp_yaml_parse_error(&parser, file, text, err);
			r = -EINVAL;
			break;
		}
		mr = yaml_document_get_root_node(&more);
		end = !mr; /* the end of the stream */
		empty = end || hp_yaml_is_null(mr);
		line = (unsigned)more.start_mark.line + 1;
		yaml_document_delete(&more);
		if (end)
			break;
		if (!empty) {
			hp_error_set(err,
				     "%s:%u: a second YAML document; the node description is one",
				     file, line);
			r = -EINVAL;
			break;
		}
	}
	yaml_parser_delete(&parser);
	if (r < 0) {
		yaml_document_delete(&doc);
		return r;
	}
	r = hp_yaml_check_keys(&doc, NULL, file, err);
	if (r < 0)
		goto out;
	root = yaml_document_get_root_node(&doc);
	if (!hp_yaml_is_map(root)) {
		hp_error_set(err, "%s:%u: the node description %s", file,
			     root ? hp_yaml_line(root) : 1,
			     hp_yaml_is_null(root) ? "is empty: write {} for the defaults"
						   : "must be a mapping");
		r = -EINVAL;
		goto out;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top && r >= 0; p++) {
		yaml_node_t *kn = hp_yaml_node(&doc, p->key), *vn = hp_yaml_node(&doc, p->value);
		const char *k = hp_yaml_str(kn);

		if (!k) {
			r = NFAIL(&np, kn, "keys must be strings");
		} else if (!strcmp(k, "host")) {
			pu_line[0] = hp_yaml_line(vn);
			r = parse_pu(&np, p->value, &n.pu[0], false);
		} else if (!strcmp(k, "dpus")) {
			unsigned i = 0;

			if (!hp_yaml_is_seq(vn)) {
				r = NFAIL(&np, vn, "dpus: expected a list");
				break;
			}
			for (yaml_node_item_t *it = vn->data.sequence.items.start;
			     it < vn->data.sequence.items.top && r >= 0; it++, i++) {
				struct hp_plan_pu *pu = &n.pu[1 + i];

				if (i + 1 >= HP_PLAN_MAX_PUS) {
					r = NFAIL(&np, hp_yaml_node(np.d, *it), "at most %d DPUs",
						  HP_PLAN_MAX_PUS - 1);
					break;
				}
				/* Defaults: the default DPU, then the first one described. */
				if (i == 0) {
					struct hp_plan_node def;

					hp_plan_node_defaults(&def);
					*pu = def.pu[1];
				} else {
					*pu = n.pu[1];
				}
				snprintf(pu->name, sizeof(pu->name), "dpu%u", i);
				pu_line[1 + i] = hp_yaml_line(hp_yaml_node(&doc, *it));
				unnamed[1 + i] = !hp_yaml_get(&doc, *it, "name");
				r = parse_pu(&np, *it, pu, true);
			}
			n.n_pus = 1 + i;
		} else if (!strcmp(k, "moveApps")) {
			if (hp_yaml_bool(vn, &n.move_apps) < 0)
				r = NFAIL(&np, vn, "moveApps: true or false");
		} else if (!strcmp(k, "latencyBudgetUs")) {
			r = num(&np, p->value, "latencyBudgetUs", 0, &n.latency_budget_us);
		} else if (!strcmp(k, "workloads")) {
			r = parse_workloads(&np, p->value, &n);
		} else if (!strcmp(k, "images")) {
			r = parse_images(&np, p->value, &n);
		} else {
			r = NFAIL(&np, kn, "unknown field '%s' in the node description", k);
		}
	}
	if (r >= 0) {
		for (unsigned i = 0; i < n.n_pus && r >= 0; i++) {
			bool bad = !strcmp(n.pu[i].name, "dpu"); /* reserved: any DPU */
			unsigned twin = i;

			for (unsigned j = 0; j < i; j++)
				if (!strcmp(n.pu[i].name, n.pu[j].name)) {
					bad = true;
					twin = j;
				}
			if (bad) {
				/* a name taken by its place is said (a black-box review) */
				hp_error_set(err, "%s:%u: PU name '%s' used twice or reserved%s",
					     file, pu_line[i] ? pu_line[i] : 1, n.pu[i].name,
					     twin != i && (unnamed[i] || unnamed[twin])
						 ? " (a DPU without a name is dpu0, dpu1, ... by "
						   "its place)"
						 : "");
				r = -EINVAL;
			}
		}
	}
out:
	yaml_document_delete(&doc);
	if (r < 0) {
		hp_plan_node_free(&n);
		return r;
	}
	n.file = strdup(file);
	if (!n.file) {
		hp_plan_node_free(&n);
		return -ENOMEM;
	}
	hp_plan_node_free(node);
	*node = n;
	return 0;
}

int hp_plan_node_load(struct hp_plan_node *n, const char *path, struct hp_error *err)
{
	_cleanup_free_ char *text = NULL;
	int r = hp_read_file(path, &text);

	if (r < 0) {
		hp_error_set(err, "%s: %s", path, strerror(-r));
		return -ENOENT;
	}
	return hp_plan_node_parse(n, text, (size_t)r, path, err);
}

/* ---- parameters ---------------------------------------------------------------- */

static const struct {
	const char *key;
	size_t off;
} param_fields[] = {
	{ "msgCpuUs", offsetof(struct hp_plan_params, msg_cpu_us) },
	{ "byteCpuNs", offsetof(struct hp_plan_params, byte_cpu_ns) },
	{ "msgLatencyUs", offsetof(struct hp_plan_params, msg_latency_us) },
	{ "memoryWeight", offsetof(struct hp_plan_params, memory_weight) },
	{ "defaultRps", offsetof(struct hp_plan_params, default_rps) },
	{ "defaultMsgBytes", offsetof(struct hp_plan_params, default_msg_bytes) },
	{ "timeLimitS", offsetof(struct hp_plan_params, time_limit_s) },
	{ "mipGap", offsetof(struct hp_plan_params, mip_gap) },
};

/*
 * A JSON input's len bytes (json_loads would stop at a NUL and not read the
 * rest), past a UTF-8 byte order mark, which RFC 8259 lets a reader ignore
 * and editors write: jansson had said "'[' or '{' expected near" it,
 * quoting a character that prints as nothing. Manifests take one too.
 */
static json_t *json_input(const char *text, size_t len, json_error_t *jerr)
{
	size_t bom = hp_plan_bom(text, len);

	return json_loadb(text + bom, len - bom, JSON_REJECT_DUPLICATES, jerr);
}

/* Room for "file:line", a place in a JSON input (json_place). */
#define PLACE_SIZE (PATH_MAX + 16)

/* A step of a path into a JSON text: an object's member (key), else an array's item. */
struct json_step {
	const char *key;
	size_t item;
};

/*
 * The line of the character index characters past byte from of text (the
 * characters as libyaml counts them), with a line at each LF, CRLF or CR,
 * as editors count them: libyaml's own lines also break at NEL, LS and PS,
 * which JSON takes raw in a string, and a line after one had been one too
 * far; jansson's break at LF alone, and a CR-only file's syntax errors had
 * all been on line 1 (from a code review and a black-box review).
 */
static unsigned text_line(const char *text, size_t len, size_t from, size_t index)
{
	unsigned line = 1;

	for (size_t off = 0; off < len; off++) {
		unsigned char c = (unsigned char)text[off];

		/*
		 * Past from, each byte that starts a character is one more: a
		 * from inside a character (jansson's, at an invalid escape) is
		 * where the next one starts. Its count had gone below 0 there,
		 * and the line to the end of the file (a code review).
		 */
		if (off >= from && (c & 0xc0) != 0x80 && index-- == 0)
			break;
		if (c == '\n' || (c == '\r' && (off + 1 == len || text[off + 1] != '\n')))
			line++;
	}
	return line;
}

/* jansson's error, its line counted as text_line counts them. */
static void json_syntax_error(struct hp_error *err, const char *file, const char *text, size_t len,
			      const json_error_t *jerr)
{
	/* its position counts from past the byte order mark json_input skips */
	size_t at = hp_plan_bom(text, len) + (size_t)jerr->position;

	hp_error_set(err, "%s:%u: %s", file, text_line(text, len, at, 0), jerr->text);
}

/*
 * "file:line" in place, the line where the last member of path starts in
 * the JSON text (its key, or its item), else the deepest that is there;
 * "file" where not even the first is, or libyaml cannot read the text.
 * jansson keeps no places: messages about what it read are placed by
 * reading the text again with libyaml, on the way out.
 */
static void json_place(char *place, size_t size, const char *file, const char *text, size_t len,
		       const struct json_step *path, unsigned n)
{
	size_t start, end = len;
	yaml_parser_t ps;
	yaml_document_t d;
	unsigned line = 0;

	snprintf(place, size, "%s", file);
	/*
	 * From its first '{' to its last character but white space: libyaml
	 * refuses a tab before or after a document, and the text is one
	 * JSON object (the line had been lost: a black-box review).
	 */
	if (!hp_plan_json_start(text, len, &start))
		return;
	while (end > start && text[end - 1] && strchr(" \t\r\n", text[end - 1]))
		end--;
	if (hp_yaml_check_nesting(text + start, end - start, file, NULL) < 0 ||
	    !yaml_parser_initialize(&ps))
		return;
	yaml_parser_set_input_string(&ps, (const unsigned char *)text + start, end - start);
	if (yaml_parser_load(&ps, &d)) {
		yaml_node_t *root = yaml_document_get_root_node(&d);
		int at = root ? (int)(root - d.nodes.start) + 1 : 0;

		for (unsigned i = 0; i < n && at > 0; i++) {
			yaml_node_t *c = hp_yaml_node(&d, at);
			int key = 0;

			if (path[i].key)
				at = hp_yaml_get_pair(&d, at, path[i].key, &key);
			else if (hp_yaml_is_seq(c) &&
				 path[i].item < (size_t)(c->data.sequence.items.top -
							 c->data.sequence.items.start))
				at = key = c->data.sequence.items.start[path[i].item];
			else
				at = 0;
			if (at > 0)
				line = text_line(text, len, start,
						 hp_yaml_node(&d, key)->start_mark.index);
		}
		yaml_document_delete(&d);
	}
	yaml_parser_delete(&ps);
	if (line)
		snprintf(place, size, "%s:%u", file, line);
}

int hp_plan_params_parse(struct hp_plan_params *p, const char *text, size_t len, const char *file,
			 struct hp_error *err)
{
	struct hp_plan_params np = *p;
	json_error_t jerr;
	json_t *j = json_input(text, len, &jerr), *v;
	char place[PLACE_SIZE];
	const char *k;

	if (!j) {
		json_syntax_error(err, file, text, len, &jerr);
		return -EINVAL;
	}
	if (!json_is_object(j)) {
		hp_error_set(err, "%s: the parameters are a JSON object", file);
		json_decref(j);
		return -EINVAL;
	}
	json_object_foreach(j, k, v) {
		double x = json_number_value(v);
		size_t i = 0;
		bool limit;

		if (k[0] == '_')
			continue; /* comments */
		while (i < ARRAY_SIZE(param_fields) && strcmp(k, param_fields[i].key))
			i++;
		/* the time limit's range as its own: > 0 (it had said ">= 0") */
		limit = i < ARRAY_SIZE(param_fields) &&
			param_fields[i].off == offsetof(struct hp_plan_params, time_limit_s);
		if (i < ARRAY_SIZE(param_fields) && json_is_number(v) && (limit ? x > 0 : x >= 0) &&
		    x <= HP_PLAN_PARAM_MAX) {
			*(double *)((char *)&np + param_fields[i].off) = x;
			continue;
		}
		json_place(place, sizeof(place), file, text, len, &(struct json_step){ .key = k },
			   1);
		if (i == ARRAY_SIZE(param_fields))
			hp_error_set(err, "%s: unknown parameter '%s'", place, k);
		else
			hp_error_set(err, "%s: %s: expected a number %s 0 and <= %g", place, k,
				     limit ? ">" : ">=", HP_PLAN_PARAM_MAX);
		json_decref(j);
		return -EINVAL;
	}
	json_decref(j);
	*p = np;
	return 0;
}

int hp_plan_params_load(struct hp_plan_params *p, const char *path, struct hp_error *err)
{
	_cleanup_free_ char *text = NULL;
	int r = hp_read_file(path, &text);

	if (r < 0) {
		hp_error_set(err, "%s: %s", path, strerror(-r));
		return -ENOENT;
	}
	return hp_plan_params_parse(p, text, (size_t)r, path, err);
}

/* ---- profiles -------------------------------------------------------------------- */

struct hp_plan_profile {
	json_t *pods; /* "Kind/name" -> {containers, traffic} */
	char *file;
	char *text; /* the file's, to place messages (json_place) */
	size_t len;
};

void hp_plan_profile_free(struct hp_plan_profile *prof)
{
	if (!prof)
		return;
	json_decref(prof->pods);
	free(prof->file);
	free(prof->text);
	free(prof);
}

/*
 * "file:line" of the profile's pods.wl and what follows it in path (n
 * steps), for a message.
 */
static void profile_place(char *place, size_t size, const char *file, const char *text, size_t len,
			  const char *wl, const struct json_step *path, unsigned n)
{
	struct json_step at[6] = { { .key = "pods" }, { .key = wl } };
	unsigned m = n < ARRAY_SIZE(at) - 2 ? n : ARRAY_SIZE(at) - 2;

	if (m)
		memcpy(at + 2, path, m * sizeof(*path)); /* path may be NULL */
	json_place(place, size, file, text, len, at, m + 2);
}

static int json_quantity(json_t *v, double *ret)
{
	if (json_is_number(v)) {
		*ret = json_number_value(v) + 0.0; /* -0.0 is 0 */
		return *ret >= 0 && *ret <= HP_PLAN_QUANTITY_MAX ? 0 : -EINVAL;
	}
	if (json_is_string(v))
		return own_quantity(json_string_value(v), ret);
	return -EINVAL;
}

static int profile_check(json_t *pods, const char *file, const char *text, size_t len,
			 struct hp_error *err)
{
	char place[PLACE_SIZE];
	const char *wl;
	json_t *pod;

	/* n steps of path after pods.wl, as the message names them */
#define PFAIL(n, fmt, ...)                                                                         \
	({                                                                                         \
		profile_place(place, sizeof(place), file, text, len, wl, path, n);                 \
		hp_error_set(err, "%s: pods.%s" fmt, place, wl, ##__VA_ARGS__);                    \
		-EINVAL;                                                                           \
	})
	json_object_foreach(pods, wl, pod) {
		json_t *cs = json_object_get(pod, "containers");
		json_t *tr = json_object_get(pod, "traffic");
		struct json_step path[3] = { { .key = "containers" } };
		const char *k, *ck;
		json_t *v, *c;
		size_t i;

		if (!json_is_object(pod))
			return PFAIL(0, ": expected {\"containers\": {...}, \"traffic\": [...]}");
		json_object_foreach(pod, k, v)
			if (strcmp(k, "containers") && strcmp(k, "traffic")) {
				path[0].key = k;
				return PFAIL(1, ": unknown field '%s'", k);
			}
		if (cs && !json_is_object(cs))
			return PFAIL(1, ".containers: expected {\"name\": {\"cpu\": ..., "
					"\"memory\": ...}}");
		json_object_foreach(cs, ck, c) {
			double x;

			path[1].key = ck;
			if (!json_is_object(c))
				return PFAIL(
				    2, ".containers.%s: expected {\"cpu\": ..., \"memory\": ...}",
				    ck);
			json_object_foreach(c, k, v) {
				path[2].key = k;
				if (strcmp(k, "cpu") && strcmp(k, "memory"))
					return PFAIL(
					    3, ".containers.%s: unknown field '%s' (cpu, memory)",
					    ck, k);
				if (json_quantity(v, &x) < 0)
					return PFAIL(3,
						     ".containers.%s.%s: expected a number or "
						     "quantity >= 0 and <= %g",
						     ck, k, HP_PLAN_QUANTITY_MAX);
			}
		}
		path[0].key = "traffic";
		if (tr && !json_is_array(tr))
			return PFAIL(1,
				     ".traffic: expected a list of {\"from\": ..., \"to\": ...}");
		json_array_foreach(tr, i, v) {
			double x;

			path[1] = (struct json_step){ .item = i };
			if (!json_is_object(v))
				return PFAIL(
				    2, ".traffic[%zu]: expected {\"from\": ..., \"to\": ...}", i);
			if (!json_is_string(json_object_get(v, "from")) ||
			    !json_is_string(json_object_get(v, "to"))) {
				k = json_is_string(json_object_get(v, "from")) ? "to" : "from";
				path[2].key = k;
				return PFAIL(3, ".traffic[%zu].%s: expected a container name", i,
					     k);
			}
			json_object_foreach(v, k, c) {
				if (!strcmp(k, "from") || !strcmp(k, "to"))
					continue;
				path[2].key = k;
				if (strcmp(k, "msgsPerSec") && strcmp(k, "bytesPerSec") &&
				    strcmp(k, "crossingsPerRequest"))
					return PFAIL(
					    3,
					    ".traffic[%zu]: unknown field '%s' (from, to, "
					    "msgsPerSec, bytesPerSec, crossingsPerRequest)",
					    i, k);
				if (json_quantity(c, &x) < 0)
					return PFAIL(
					    3,
					    ".traffic[%zu].%s: expected a number or quantity "
					    ">= 0 and <= %g",
					    i, k, HP_PLAN_QUANTITY_MAX);
			}
		}
	}
#undef PFAIL
	return 0;
}

int hp_plan_profile_parse(struct hp_plan_profile **ret, const char *text, size_t len,
			  const char *file, struct hp_error *err)
{
	struct hp_plan_profile *prof;
	json_error_t jerr;
	json_t *j = json_input(text, len, &jerr), *pods, *v;
	char place[PLACE_SIZE];
	const char *k;
	int r;

	if (!j) {
		json_syntax_error(err, file, text, len, &jerr);
		return -EINVAL;
	}
	pods = json_object_get(j, "pods");
	if (!json_is_object(j) || !json_is_object(pods)) {
		json_place(place, sizeof(place), file, text, len,
			   &(struct json_step){ .key = "pods" }, 1);
		hp_error_set(err, "%s: a profile is {\"pods\": {\"Kind/name\": {...}}}", place);
		json_decref(j);
		return -EINVAL;
	}
	v = json_object_get(j, "version");
	if (v && !(json_is_number(v) && json_number_value(v) == 1)) {
		json_place(place, sizeof(place), file, text, len,
			   &(struct json_step){ .key = "version" }, 1);
		hp_error_set(err, "%s: version: this planner reads version 1 profiles", place);
		json_decref(j);
		return -EINVAL;
	}
	json_object_foreach(j, k, v)
		if (strcmp(k, "pods") && strcmp(k, "version") && k[0] != '_') {
			json_place(place, sizeof(place), file, text, len,
				   &(struct json_step){ .key = k }, 1);
			hp_error_set(err, "%s: unknown field '%s'", place, k);
			json_decref(j);
			return -EINVAL;
		}
	r = profile_check(pods, file, text, len, err);
	if (r < 0) {
		json_decref(j);
		return r;
	}
	prof = calloc(1, sizeof(*prof));
	if (!prof || !(prof->file = strdup(file)) || !(prof->text = malloc(len ? len : 1))) {
		hp_plan_profile_free(prof);
		json_decref(j);
		return -ENOMEM;
	}
	memcpy(prof->text, text, len);
	prof->len = len;
	prof->pods = json_incref(pods);
	json_decref(j);
	*ret = prof;
	return 0;
}

int hp_plan_profile_load(struct hp_plan_profile **ret, const char *path, struct hp_error *err)
{
	_cleanup_free_ char *text = NULL;
	int r = hp_read_file(path, &text);

	if (r < 0) {
		hp_error_set(err, "%s: %s", path, strerror(-r));
		return -ENOENT;
	}
	return hp_plan_profile_parse(ret, text, (size_t)r, path, err);
}

/*
 * A pod's entry in the profile: its namespace's own ("ns/Kind/name", then
 * given in *own for messages, to be freed) before every namespace's
 * ("Kind/name"); NULL if neither. -ENOMEM.
 */
static int profile_pod(const struct hp_plan_profile *prof, const char *ns, const char *workload,
		       json_t **ret, char **own)
{
	*ret = NULL;
	*own = NULL;
	if (ns) {
		char *k = hp_sprintf("%s/%s", ns, workload);

		if (!k)
			return -ENOMEM;
		*ret = json_object_get(prof->pods, k);
		if (*ret)
			*own = k;
		else
			free(k);
	}
	if (!*ret)
		*ret = json_object_get(prof->pods, workload);
	return 0;
}

int hp_plan_profile_container(const struct hp_plan_profile *prof, const char *ns,
			      const char *workload, const char *container, double *cpu, double *mem)
{
	_cleanup_free_ char *own = NULL;
	json_t *pj, *c, *v;

	if (profile_pod(prof, ns, workload, &pj, &own) < 0)
		return -ENOMEM;
	c = json_object_get(json_object_get(pj, "containers"), container);
	if (!c)
		return 0;
	if ((v = json_object_get(c, "cpu")) && json_quantity(v, cpu) < 0)
		return -EINVAL;
	if ((v = json_object_get(c, "memory")) && json_quantity(v, mem) < 0)
		return -EINVAL;
	return 0;
}

/*
 * Check the profile's entry pj (key wl) against pod of p: its containers
 * and traffic name the pod's; with add (p itself), the traffic becomes the
 * pod's edges. 1: it gave traffic; 0: it did not. Without err, the
 * message is not made: a trial (hp_plan_profile_check_used), where
 * placing each would read the profile again.
 */
static int profile_apply(const struct hp_plan_profile *prof, const struct hp_plan_problem *p,
			 unsigned pod, json_t *pj, const char *wl, const char *of,
			 struct hp_plan_problem *add, struct hp_error *err)
{
	const struct hp_plan_pod *pd = &p->pods[pod];
	json_t *tr = json_object_get(pj, "traffic"), *e, *cv;
	char place[PLACE_SIZE];
	const char *ck;
	size_t i;

	/* the place of pods.wl.containers.ck, or of pods.wl.traffic[i] and what follows */
#define PLACE(...)                                                                                 \
	({                                                                                         \
		const struct json_step at_[] = { __VA_ARGS__ };                                    \
		if (err)                                                                           \
			profile_place(place, sizeof(place), prof->file, prof->text, prof->len, wl, \
				      at_, ARRAY_SIZE(at_));                                       \
	})
	json_object_foreach(json_object_get(pj, "containers"), ck, cv) {
		bool found = false;

		for (unsigned c = pd->first; c < pd->first + pd->n; c++)
			found |= !strcmp(p->ctr[c].name, ck);
		if (!found) {
			PLACE({ .key = "containers" }, { .key = ck });
			hp_error_set(err, "%s: pods.%s.containers.%s: %s%s has no container '%s'",
				     place, wl, ck, pd->workload, of, ck);
			return -EINVAL;
		}
	}
	if (!tr)
		return 0;
	json_array_foreach(tr, i, e) {
		const char *from = json_string_value(json_object_get(e, "from"));
		const char *to = json_string_value(json_object_get(e, "to"));
		double msgs = 0, bytes = 0, crossings = 2;
		int a = -1, b = -1, r;
		json_t *v;

		for (unsigned c = pd->first; c < pd->first + pd->n; c++) {
			if (!strcmp(p->ctr[c].name, from))
				a = (int)c;
			if (!strcmp(p->ctr[c].name, to))
				b = (int)c;
		}
		if (a < 0 || b < 0) {
			PLACE({ .key = "traffic" }, { .item = i },
			      { .key = a < 0 ? "from" : "to" });
			hp_error_set(err, "%s: pods.%s.traffic[%zu].%s: %s%s has no container '%s'",
				     place, wl, i, a < 0 ? "from" : "to", pd->workload, of,
				     a < 0 ? from : to);
			return -EINVAL;
		}
		if (a == b) {
			PLACE({ .key = "traffic" }, { .item = i });
			hp_error_set(err, "%s: pods.%s.traffic[%zu]: from '%s' to itself", place,
				     wl, i, from);
			return -EINVAL;
		}
		if (p->ctr[a].ctype == HP_PLAN_INIT || p->ctr[b].ctype == HP_PLAN_INIT) {
			const char *end = p->ctr[a].ctype == HP_PLAN_INIT ? "from" : "to";

			PLACE({ .key = "traffic" }, { .item = i }, { .key = end });
			hp_error_set(err,
				     "%s: pods.%s.traffic[%zu].%s: '%s' is an init container, "
				     "which has finished before the others start (a native "
				     "sidecar, restartPolicy: Always, runs beside them)",
				     place, wl, i, end,
				     p->ctr[a].ctype == HP_PLAN_INIT ? from : to);
			return -EINVAL;
		}
		/* an entry is both directions: a second of the pair, either way, is an error */
		for (size_t k = 0; k < i; k++) {
			json_t *o = json_array_get(tr, k);
			const char *of_ = json_string_value(json_object_get(o, "from"));
			const char *ot = json_string_value(json_object_get(o, "to"));

			if ((!strcmp(of_, from) && !strcmp(ot, to)) ||
			    (!strcmp(of_, to) && !strcmp(ot, from))) {
				PLACE({ .key = "traffic" }, { .item = i });
				hp_error_set(err,
					     "%s: pods.%s.traffic[%zu]: '%s' and '%s' again "
					     "(traffic[%zu]); one entry counts both directions",
					     place, wl, i, from, to, k);
				return -EINVAL;
			}
		}
		if ((v = json_object_get(e, "msgsPerSec")))
			json_quantity(v, &msgs);
		if ((v = json_object_get(e, "bytesPerSec")))
			json_quantity(v, &bytes);
		/*
		 * Unsaid, a request crosses twice, as through a proxy, or not at all
		 * where a telemetry agent is one end, as the default traffic has it
		 * (it had been 2, and a profile's edge to a log agent put it on the
		 * request path: from a black-box review).
		 */
		if ((v = json_object_get(e, "crossingsPerRequest")))
			json_quantity(v, &crossings);
		else if (hp_plan_off_request_path(&p->ctr[a]) ||
			 hp_plan_off_request_path(&p->ctr[b]))
			crossings = 0;
		r = add ? hp_plan_add_edge(add, (unsigned)a, (unsigned)b, msgs, bytes, crossings)
			: 0;
		if (r < 0)
			return r;
	}
#undef PLACE
	return 1;
}

/* Does every workload of the profile name a pod of p? If not, -EINVAL naming it. */
int hp_plan_profile_check_used(const struct hp_plan_profile *prof, const struct hp_plan_problem *p,
			       const json_t *skipped, struct hp_error *err)
{
	/* sets: one lookup per pod, not per pair */
	json_t *held = json_object(), *applied = json_object(), *v;
	const char *wl;
	int r = 0;

	if (!held || !applied) {
		json_decref(held);
		json_decref(applied);
		return -ENOMEM;
	}
	/* a pod holds its own namespace's entry and every namespace's, and applies one */
	for (unsigned i = 0; i < p->n_pods && r == 0; i++) {
		const struct hp_plan_pod *pd = &p->pods[i];
		_cleanup_free_ char *own = NULL;
		json_t *pj;

		if (profile_pod(prof, pd->ns, pd->workload, &pj, &own) < 0 ||
		    (json_object_get(prof->pods, pd->workload) &&
		     json_object_set_new(held, pd->workload, json_true()) < 0) ||
		    (own && json_object_set_new(held, own, json_true()) < 0) ||
		    json_object_set_new(applied, own ? own : pd->workload, json_true()) < 0)
			r = -ENOMEM;
	}
	/*
	 * An entry every pod of its Kind/name has one of its own before is
	 * checked still: it must fit one of them.
	 */
	for (unsigned i = 0; i < p->n_pods && r == 0; i++) {
		const char *k = p->pods[i].workload;
		json_t *pj = json_object_get(prof->pods, k);
		struct hp_error first = { "" };
		int fit = -EINVAL;

		if (!pj || json_object_get(applied, k))
			continue;
		for (unsigned j = i; j < p->n_pods && fit == -EINVAL; j++) {
			struct hp_error e = { "" };

			if (strcmp(p->pods[j].workload, k))
				continue;
			/* the first message alone is kept: the others are not made */
			fit = profile_apply(prof, p, j, pj, k, " (in any namespace)", NULL,
					    first.msg[0] ? NULL : &e);
			if (fit < 0 && !first.msg[0])
				first = e;
		}
		if (fit < 0) {
			*err = first;
			r = fit;
		} else if (json_object_set_new(applied, k, json_true()) < 0) {
			r = -ENOMEM;
		}
	}
	if (r == 0 && json_object_size(held) != json_object_size(prof->pods)) {
		json_object_foreach(prof->pods, wl, v) {
			char place[PLACE_SIZE];

			if (json_object_get(held, wl))
				continue;
			profile_place(place, sizeof(place), prof->file, prof->text, prof->len, wl,
				      NULL, 0);
			hp_error_set(err, "%s: the profile names workload %s, which %s", place, wl,
				     json_object_get(skipped, wl) ? HP_PLAN_SKIPPED
								  : "no manifest holds");
			r = -EINVAL;
			break;
		}
	}
	json_decref(held);
	json_decref(applied);
	return r;
}

/* 1: the profile gave this pod's traffic; 0: it did not (use defaults). */
int hp_plan_profile_edges(const struct hp_plan_profile *prof, struct hp_plan_problem *p,
			  unsigned pod, struct hp_error *err)
{
	const struct hp_plan_pod *pd = &p->pods[pod];
	_cleanup_free_ char *own = NULL;
	_cleanup_free_ char *of = NULL; /* which pod: its place, and an entry's namespace */
	json_t *pj;

	if (profile_pod(prof, pd->ns, pd->workload, &pj, &own) < 0)
		return -ENOMEM;
	/*
	 * Its place: the same Kind/name in two files had been said alike, the
	 * one with the container named too.
	 */
	if (pd->ns && !own)
		of = hp_sprintf(" (%s:%u, for namespace %s)", pd->file ? pd->file : "-", pd->line,
				pd->ns);
	else
		of = hp_sprintf(" (%s:%u)", pd->file ? pd->file : "-", pd->line);
	if (!of)
		return -ENOMEM;
	return profile_apply(prof, p, pod, pj, own ? own : pd->workload, of, p, err);
}

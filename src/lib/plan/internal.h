/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the planner's input modules (libyaml document trees). */
#ifndef HP_PLAN_INTERNAL_H
#define HP_PLAN_INTERNAL_H

#include <string.h>
#include <jansson.h>
#include <yaml.h>

#include "plan/manifest.h"

static inline yaml_node_t *hp_yaml_node(yaml_document_t *d, int i)
{
	return i > 0 ? yaml_document_get_node(d, i) : NULL;
}

static inline bool hp_yaml_is_map(const yaml_node_t *n)
{
	return n && n->type == YAML_MAPPING_NODE;
}

static inline bool hp_yaml_is_seq(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE;
}

static inline const char *hp_yaml_str(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A plain null: "~", "null", or nothing. */
static inline bool hp_yaml_is_null(const yaml_node_t *n)
{
	const char *s = hp_yaml_str(n);

	return !n || (s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		      (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
		       !strcmp(s, "NULL")));
}

/* Value node of key in a mapping (index), 0 when absent or not a mapping. */
int hp_yaml_get(yaml_document_t *d, int map, const char *key);
/* Same, returning the key node's index too. */
int hp_yaml_get_pair(yaml_document_t *d, int map, const char *key, int *ret_key);
/*
 * libyaml's error as "file:line:col: YAML: problem context (from line N)",
 * text the NUL-terminated input (the reader's errors give a byte offset).
 */
void hp_yaml_parse_error(const yaml_parser_t *ps, const char *file, const char *text,
			 struct hp_error *err);
/*
 * A key given twice in one mapping of the document is an error naming file
 * and line (-EINVAL): YAML forbids it, and readers differ on which one wins.
 * So are merge keys (as kubectl takes them where f, the document's text,
 * is given; else any plain "<<") and a NUL in a scalar.
 */
int hp_yaml_check_keys(yaml_document_t *d, const struct hp_plan_file *f, const char *file,
		       struct hp_error *err);
/*
 * Flow collections ([ ], { }) nested deeper than HP_YAML_MAX_NESTING are an
 * error (-EINVAL, file:line): libyaml's scanner takes time in the depth for
 * every token, and '[' * 100000 (400 KB) parsed for minutes. A rough scan
 * of the text: quoted scalars and comments are skipped, block scalars not.
 */
#define HP_YAML_MAX_NESTING 256
int hp_yaml_check_nesting(const char *text, size_t len, const char *file, struct hp_error *err);
/*
 * The ways a node-file image prefix may be meant, as runtimes read names:
 * an image ("nginx", "docker.io/nginx": "docker.io/library/nginx"), a
 * namespace ("istio", "docker.io/istio": "docker.io/istio") and, without a
 * '/', a registry alone ("quay.io", "myreg:5000"; else NULL). -ENOMEM.
 */
int hp_plan_image_readings(const char *prefix, char *as[3]);

/*
 * A PU's name or an architecture: letters, digits, '.', '_', '-' only, for
 * they are printed and kept in space-separated lists.
 */
static inline bool hp_plan_plain_name(const char *s)
{
	return s && *s &&
	       !s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")];
}
/* "true"/"false" (YAML 1.1 spellings too) */
int hp_yaml_bool(const yaml_node_t *n, bool *ret);
/*
 * Is the text JSON to kubectl? It reads one whose first character but for
 * white space (and a UTF-8 byte order mark, which it drops) is '{' as a
 * stream of JSON objects; *at is the offset of that '{' then.
 */
bool hp_plan_json_start(const char *text, size_t len, size_t *at);
/* The bytes of a UTF-8 byte order mark that text starts with: 3, or 0. */
static inline size_t hp_plan_bom(const char *text, size_t len)
{
	return len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
}
/* The byte offset in f's text of a libyaml mark (marks count characters). */
size_t hp_plan_mark_offset(const struct hp_plan_file *f, yaml_mark_t m);
/*
 * Past one property of a node at off in f's text, an anchor ("&name") or a
 * tag ("!!str"), as libyaml scans them, and the blanks, line breaks (NEL,
 * LS and PS too) and comments after it: the offset of what follows; off
 * itself where neither is there. *anchor (may be NULL) gets the offset of
 * an anchor's name, and *anchor_len its length (left as they are for a tag).
 */
size_t hp_yaml_past_prop(const struct hp_plan_file *f, size_t off, size_t *anchor,
			 size_t *anchor_len);
/*
 * An architecture's name as OCI platforms write it: x86_64 is amd64 and
 * aarch64 arm64 (as runtimes take them), in any case; any other name as
 * given.
 */
const char *hp_plan_arch(const char *name);
/* 1-based line of a node, for messages */
static inline unsigned hp_yaml_line(const yaml_node_t *n)
{
	return n ? (unsigned)n->start_mark.line + 1 : 0;
}

/*
 * Kubernetes quantities: "100m", "0.5", "128Mi", "1G", "1e3" (an exponent
 * takes no other suffix: not "1e3m"), at most HP_PLAN_QUANTITY_MAX
 * (-EINVAL above): 1e308 cores had made GLPK's scaling abort the program,
 * and 16Ei of DPU memory came out of --json as a negative integer.
 */
#define HP_PLAN_QUANTITY_MAX 1e18
/*
 * A DPU core at least and at most this many host cores (1e-300 printed a
 * 300-digit reason); its PU link at most this many Gb/s.
 */
#define HP_PLAN_SPEED_MIN 1e-3
#define HP_PLAN_SPEED_MAX 1e3
#define HP_PLAN_LINK_GBPS_MAX 1e6
/* Cost parameters (--params) at most this: a memoryWeight of 1e301 overflowed. */
#define HP_PLAN_PARAM_MAX 1e9
/* Replicas of one workload on one node (node description) at most this. */
#define HP_PLAN_REPLICAS_MAX 1000000u
/*
 * Into *ret, the double nearest s's exact value, which Kubernetes keeps in
 * nano units, a fraction of one rounded up; into nanos (NULL, or
 * HP_PLAN_NANOS_DIGITS + 1 bytes) that exact value as digits with leading
 * zeros, which compare as strings: "1000000000000000001" is over the cap
 * and over a limit of "1e18", which as doubles it is not. -EDOM: over
 * HP_PLAN_QUANTITY_MAX (*ret and nanos set all the same); -ERANGE: more
 * digits than nanos holds; -E2BIG: a mantissa of more than
 * HP_PLAN_QUANTITY_TEXT digits; -EINVAL: not a quantity, or one below 0.
 */
/*
 * Has quantity text s a mantissa: past the white space hp_plan_quantity
 * drops and a sign, a digit, or '.' and a digit (Kubernetes' reader takes
 * ".", "m" or a sign alone as 0)?
 */
bool hp_plan_quantity_digits(const char *s);

#define HP_PLAN_NANOS_DIGITS 30
#define HP_PLAN_QUANTITY_TEXT 256
int hp_plan_quantity(const char *s, double *ret, char *nanos);
/*
 * A plain integer with a leading 0 that YAML 1.1, which kubectl reads
 * manifests as (go-yaml v2), takes as octal, to another value than the 10
 * that YAML 1.2 and the reader here take from "010" (8). "08" is not octal
 * there (a float, 8) and "007" is 7 either way. Quoted, it is a string.
 */
bool hp_yaml1_octal(const char *s);

/*
 * The manifest builder's profile lookups (input.c): a container's CPU and
 * memory, a pod's traffic (1: given, 0: use the defaults), and whether
 * every workload the profile names is a pod of p.
 */
int hp_plan_profile_container(const struct hp_plan_profile *prof, const char *ns,
			      const char *workload, const char *container, double *cpu,
			      double *mem);
int hp_plan_profile_edges(const struct hp_plan_profile *prof, struct hp_plan_problem *p,
			  unsigned pod, struct hp_error *err);
int hp_plan_profile_check_used(const struct hp_plan_profile *prof, const struct hp_plan_problem *p,
			       const json_t *skipped, struct hp_error *err);
/* The kinds the planner reads (hp_plan_template_path's, and List), for messages. */
#define HP_PLAN_READ_KINDS                                                                         \
	"Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, "        \
	"CronJob and List"
/* A node description's or profile's workload that the manifests hold in a kind skipped */
#define HP_PLAN_SKIPPED                                                                            \
	"the manifests hold in a kind the planner does not read (it reads " HP_PLAN_READ_KINDS ")"

/* Where a kind keeps its pod template ("" for Pod), NULL if it has none. */
const char *hp_plan_template_path(const char *kind);

/*
 * Is c a telemetry agent by its kind (otel-collector, fluent-bit, ...),
 * whose traffic is off the request path: its default traffic crosses no PU
 * boundary per request, nor does a profile's entry that does not say?
 */
bool hp_plan_off_request_path(const struct hp_plan_container *c);
/* The pod template of a workload object (node id), 0 if kind has none or it is missing. */
int hp_plan_template(yaml_document_t *d, int obj, const char *kind);
/*
 * Is kind a List (List, or a typed one: DeploymentList)? Then into *item
 * (NULL, or to free) the kind its items have where they give none, as the
 * API server writes a typed List's and kubectl reads them: "Deployment".
 */
int hp_plan_list_kind(const char *kind, char **item);
/*
 * An object's kind: kind, or for an item of a typed List (depth > 0) with
 * neither kind nor apiVersion, list_kind (its items' kind), as kubectl
 * reads the API server's; NULL for none.
 */
const char *hp_plan_item_kind(yaml_document_t *d, int obj, unsigned depth, const char *kind,
			      const char *list_kind);
/*
 * Is a manifest's scalar n of file f left unset: null, "~" or empty,
 * untagged (a "!!str null" is the string "null" to kubectl), or tagged
 * "!!null"? A missing one (NULL) is.
 */
bool hp_plan_null(const struct hp_plan_file *f, const yaml_node_t *n);

#endif

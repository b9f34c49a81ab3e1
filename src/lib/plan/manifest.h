/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inputs of the planner: Kubernetes manifests (libyaml documents, kept with
 * their original bytes so --annotate can splice into them), the node
 * description, and measured profiles. Formats are in docs/planner.md.
 */
#ifndef HP_PLAN_MANIFEST_H
#define HP_PLAN_MANIFEST_H

#include <yaml.h>

#include "plan/plan.h"

struct hp_plan_file {
	char *path;
	char *text;           /* the original bytes, NUL-terminated */
	size_t len;
	yaml_document_t *docs;
	unsigned n_docs;
	size_t *line_start;   /* byte offset of each line */
	unsigned n_lines;
};

struct hp_plan_manifests {
	struct hp_plan_file *files;
	unsigned n_files;
};

/* Parse one more file ("-" reads stdin). Errors: "file:line:col: ..." */
int hp_plan_manifests_load(struct hp_plan_manifests *m, const char *path, struct hp_error *err);
int hp_plan_manifests_parse(struct hp_plan_manifests *m, const char *name, const char *text,
			    size_t len, struct hp_error *err);
void hp_plan_manifests_free(struct hp_plan_manifests *m);

/* The node description (YAML or JSON). */
struct hp_plan_workload_opt {
	char *workload;       /* "Kind/name" */
	unsigned replicas;
	double latency_budget_us; /* < 0: none */
	unsigned line;		  /* in the node description, for messages */
	bool used;
	bool skipped; /* a manifest holds it in a kind the planner skips */
};
struct hp_plan_image_arch {
	char *prefix;         /* image reference prefix */
	char *archs;	      /* " amd64 arm64 ": each name hp_plan_arch's, spaces around */
	unsigned line;	      /* in the node description */
	char *reading[3];     /* hp_plan_image_readings' */
};
struct hp_plan_node {
	struct hp_plan_pu pu[HP_PLAN_MAX_PUS];
	unsigned n_pus;
	bool move_apps;       /* application containers may move too */
	double latency_budget_us; /* default per pod, < 0: none */
	struct hp_plan_workload_opt *w;
	unsigned n_w;
	struct hp_plan_image_arch *img;
	unsigned n_img;
	char *file; /* the node description's, NULL for the defaults */
};
void hp_plan_node_defaults(struct hp_plan_node *n);
int hp_plan_node_load(struct hp_plan_node *n, const char *path, struct hp_error *err);
int hp_plan_node_parse(struct hp_plan_node *n, const char *text, size_t len, const char *file,
		       struct hp_error *err);
void hp_plan_node_free(struct hp_plan_node *n);

/* Profiles (JSON), opaque. */
struct hp_plan_profile;
int hp_plan_profile_load(struct hp_plan_profile **ret, const char *path, struct hp_error *err);
int hp_plan_profile_parse(struct hp_plan_profile **ret, const char *text, size_t len,
			  const char *file, struct hp_error *err);
void hp_plan_profile_free(struct hp_plan_profile *prof);

/* Build the problem from manifests, node and (optional) profile. */
int hp_plan_build(struct hp_plan_problem *p, const struct hp_plan_manifests *m,
		  const struct hp_plan_node *node, const struct hp_plan_profile *prof,
		  const struct hp_plan_params *params, struct hp_error *err);

/*
 * --annotate: for each file, the original bytes with heteropod.io/placement
 * set in every pod template (caller frees ret_texts[i]; NULL when the file
 * holds no pod). The output is re-parsed and checked before it is returned.
 */
int hp_plan_annotate(const struct hp_plan_manifests *m, const struct hp_plan_problem *p,
		     const int *pu, char ***ret_texts, struct hp_error *err);
/* The annotation value for pod i: a JSON map container -> PU (caller frees). */
char *hp_plan_placement_json(const struct hp_plan_problem *p, const int *pu, unsigned pod);

/* Recognise an infrastructure container by name, image and env; NULL if none. */
const char *hp_plan_infra_kind(const char *name, const char *image, bool serving_env);

#endif

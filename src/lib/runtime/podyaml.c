/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/podyaml.h"
#include "plan/internal.h"
#include "runtime/spec.h"
#include "util/util.h"

struct buf {
	char *p;
	size_t len, cap;
};

static int buf_write(void *data, unsigned char *s, size_t n)
{
	struct buf *b = data;

	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
		char *p = realloc(b->p, cap);

		if (!p)
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 1;
}

static int add_str(yaml_document_t *d, const char *s)
{
	return yaml_document_add_scalar(d, NULL, (yaml_char_t *)s, -1, YAML_ANY_SCALAR_STYLE);
}

static int add_env(yaml_document_t *d, int env, const char *name, const char *value)
{
	int item = yaml_document_add_mapping(d, NULL, YAML_BLOCK_MAPPING_STYLE);

	if (!item || !yaml_document_append_sequence_item(d, env, item) ||
	    !yaml_document_append_mapping_pair(d, item, add_str(d, "name"), add_str(d, name)) ||
	    !yaml_document_append_mapping_pair(d, item, add_str(d, "value"), add_str(d, value)))
		return -ENOMEM;
	return 0;
}

/*
 * env: [..., {name: HETEROPOD_CONTAINER, value: NAME}, {name: HETEROPOD_PU,
 * value: PU}] on container node c (PU when the placement names it: podman
 * 4.3 passes a Deployment's template annotations to no container).
 */
static int tag_container(yaml_document_t *d, int c, json_t *placement)
{
	const char *name = hp_yaml_str(hp_yaml_node(d, hp_yaml_get(d, c, "name")));
	int env = hp_yaml_get(d, c, "env"), pu_item = 0;
	bool has_name = false;
	const char *pu;
	yaml_node_t *en;

	if (!name)
		return -EINVAL;
	en = hp_yaml_node(d, env);
	if (!hp_yaml_is_seq(en)) {
		int k = 0;

		if (en && !hp_yaml_is_null(en))
			return -EINVAL;
		env = yaml_document_add_sequence(d, NULL, YAML_BLOCK_SEQUENCE_STYLE);
		if (!env)
			return -ENOMEM;
		if (en) {
			/* "env:" with no value: it gets the list (no second key). */
			yaml_node_t *cn = hp_yaml_node(d, c);

			for (yaml_node_pair_t *pr = cn->data.mapping.pairs.start;
			     pr < cn->data.mapping.pairs.top; pr++)
				if (!strcmp(hp_yaml_str(hp_yaml_node(d, pr->key)) ?: "", "env"))
					pr->value = env;
		} else if (!(k = add_str(d, "env")) ||
			   !yaml_document_append_mapping_pair(d, c, k, env)) {
			return -ENOMEM;
		}
		en = hp_yaml_node(d, env);
	}
	for (yaml_node_item_t *it = en->data.sequence.items.start; it < en->data.sequence.items.top;
	     it++) {
		const char *n = hp_yaml_str(hp_yaml_node(d, hp_yaml_get(d, *it, "name")));

		if (n && !strcmp(n, HP_ENV_CONTAINER))
			has_name = true; /* a second play of our own output */
		else if (n && !strcmp(n, HP_ENV_PU))
			pu_item = *it;
	}
	if (!has_name && add_env(d, env, HP_ENV_CONTAINER, name) < 0)
		return -ENOMEM;
	pu = json_string_value(json_object_get(placement, name));
	if (pu_item) {
		/* The placement may have changed since: it is what counts. */
		yaml_node_t *v = hp_yaml_node(d, hp_yaml_get(d, pu_item, "value"));
		yaml_char_t *nv = (yaml_char_t *)strdup(pu ? pu : "host");

		if (!nv)
			return -ENOMEM;
		if (!v || v->type != YAML_SCALAR_NODE) {
			free(nv);
			return -EINVAL;
		}
		free(v->data.scalar.value);
		v->data.scalar.value = nv;
		v->data.scalar.length = strlen((char *)nv);
	} else if (pu && add_env(d, env, HP_ENV_PU, pu) < 0) {
		return -ENOMEM;
	}
	return 0;
}

/*
 * podman 4.3 gives init containers the pod's restart policy, so with
 * "Always" (the default) an init container that finished is restarted until
 * kube play times out (podman issues 15631 and 16343, fixed in 4.6). Until
 * the machine's podman has the fix, such pods play with "OnFailure": init
 * containers run once, other containers still restart when they fail, but
 * not after a clean exit. Returns 1 when it changed the policy.
 */
static int init_restart_workaround(yaml_document_t *d, int spec)
{
	yaml_node_t *inits = hp_yaml_node(d, hp_yaml_get(d, spec, "initContainers"));
	int pol = hp_yaml_get(d, spec, "restartPolicy");
	yaml_node_t *pn = hp_yaml_node(d, pol);
	const char *v = hp_yaml_str(pn);

	if (!hp_yaml_is_seq(inits) ||
	    inits->data.sequence.items.top == inits->data.sequence.items.start)
		return 0;
	if (pn && (!v || strcmp(v, "Always")))
		return 0;
	if (pn) {
		yaml_char_t *nv = (yaml_char_t *)strdup("OnFailure");

		if (!nv)
			return -ENOMEM;
		free(pn->data.scalar.value);
		pn->data.scalar.value = nv;
		pn->data.scalar.length = strlen((char *)nv);
		return 1;
	}
	if (!yaml_document_append_mapping_pair(d, spec, add_str(d, "restartPolicy"),
					       add_str(d, "OnFailure")))
		return -ENOMEM;
	return 1;
}

/*
 * The item ids of a sequence node, copied: adding nodes to the document
 * moves its node array, so a node pointer or item iterator does not
 * survive an edit. NULL-free list of count items (caller frees).
 */
static int *seq_items(yaml_document_t *d, int seq, size_t *count)
{
	yaml_node_t *n = hp_yaml_node(d, seq);
	size_t k = hp_yaml_is_seq(n)
		       ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
		       : 0;
	int *ids = calloc(k + 1, sizeof(int));

	if (ids && k)
		memcpy(ids, n->data.sequence.items.start, k * sizeof(int));
	*count = ids ? k : 0;
	return ids;
}

/* The pod name podman 4 gives a workload's (first) pod. */
static char *pod_name(const char *kind, const char *name)
{
	return strcmp(kind, "Pod") ? hp_sprintf("%s-pod-0", name) : strdup(name);
}

static int do_object(yaml_document_t *d, int obj, const char *file, json_t *pods,
		     struct hp_error *err)
{
	const char *kind = hp_yaml_str(hp_yaml_node(d, hp_yaml_get(d, obj, "kind")));
	int meta = hp_yaml_get(d, obj, "metadata"), tmpl, spec;
	const char *name = hp_yaml_str(hp_yaml_node(d, hp_yaml_get(d, meta, "name")));
	static const char *const lists[] = {"initContainers", "containers"};
	json_t *placement = NULL;

	if (!kind)
		return 0;
	if (!strcmp(kind, "List")) {
		size_t n;
		_cleanup_free_ int *items = seq_items(d, hp_yaml_get(d, obj, "items"), &n);

		for (size_t i = 0; i < n; i++)
			if (do_object(d, items[i], file, pods, err) < 0)
				return -EINVAL;
		return 0;
	}
	tmpl = hp_plan_template(d, obj, kind);
	if (!tmpl)
		return 0; /* ConfigMaps, Services, ...: podman takes them as they are */
	if (strcmp(kind, "Pod") && strcmp(kind, "Deployment")) {
		hp_error_set(err, "%s:%u: %s/%s: podman plays Pods and Deployments, not %ss", file,
			     hp_yaml_line(hp_yaml_node(d, obj)), kind, name ? name : "?", kind);
		return -EINVAL;
	}
	if (!name) {
		hp_error_set(err, "%s:%u: %s without metadata.name", file,
			     hp_yaml_line(hp_yaml_node(d, obj)), kind);
		return -EINVAL;
	}
	{
		int ann = hp_yaml_get(d, hp_yaml_get(d, tmpl, "metadata"), "annotations");
		const char *text =
		    hp_yaml_str(hp_yaml_node(d, hp_yaml_get(d, ann, HP_ANN_PLACEMENT)));
		json_error_t jerr;

		if (text) {
			placement = json_loads(text, 0, &jerr);
			if (!json_is_object(placement)) {
				hp_error_set(err,
					     "%s:%u: %s/%s: annotation %s is not a JSON object: %s",
					     file, hp_yaml_line(hp_yaml_node(d, ann)), kind, name,
					     HP_ANN_PLACEMENT, jerr.text);
				json_decref(placement);
				return -EINVAL;
			}
		}
	}
	spec = hp_yaml_get(d, tmpl, "spec");
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
		yaml_node_t *seq = hp_yaml_node(d, hp_yaml_get(d, spec, lists[l]));

		if (!seq)
			continue;
		if (!hp_yaml_is_seq(seq)) {
			hp_error_set(err, "%s:%u: %s/%s: %s is not a list", file, hp_yaml_line(seq),
				     kind, name, lists[l]);
			json_decref(placement);
			return -EINVAL;
		}
		size_t n;
		_cleanup_free_ int *items = seq_items(d, hp_yaml_get(d, spec, lists[l]), &n);

		for (size_t i = 0; i < n; i++) {
			if (tag_container(d, items[i], placement) < 0) {
				json_decref(placement);
				hp_error_set(err,
					     "%s:%u: %s/%s: a container without a name or with an "
					     "env that is not a list",
					     file, hp_yaml_line(hp_yaml_node(d, items[i])), kind,
					     name);
				return -EINVAL;
			}
		}
	}
	_cleanup_free_ char *workload = hp_sprintf("%s/%s", kind, name),
			    *pod = pod_name(kind, name);

	int changed = init_restart_workaround(d, spec);
	json_t *pj = json_pack("{s:s, s:s, s:o}", "workload", workload ?: "", "pod", pod ?: "",
			       "placement", placement ? placement : json_object());

	if (changed < 0) {
		json_decref(pj);
		return -ENOMEM;
	}
	if (changed)
		json_object_set_new(
		    pj, "note",
		    json_string("restartPolicy Always -> OnFailure: podman 4.3 would restart "
				"finished init containers (podman issue 16343)"));
	json_array_append_new(pods, pj);
	return 0;
}

int hp_play_prepare(const char *file, const char *text, size_t len, char **ret_text,
		    json_t **ret_pods, struct hp_error *err)
{
	struct hp_plan_manifests m = {0};
	struct buf out = {0};
	json_t *pods = json_array();
	int r;

	r = hp_plan_manifests_parse(&m, file, text, len, err);
	if (r < 0)
		goto done;
	for (unsigned i = 0; i < m.files[0].n_docs && r >= 0; i++) {
		yaml_document_t *d = &m.files[0].docs[i];
		yaml_node_t *root = yaml_document_get_root_node(d);

		if (!root)
			continue;
		r = do_object(d, 1, file, pods, err);
	}
	if (r >= 0 && json_array_size(pods) == 0) {
		hp_error_set(err, "%s: no Pod or Deployment to play", file);
		r = -EINVAL;
	}
	if (r >= 0) {
		/* One stream: the emitter separates the documents with "---". */
		yaml_emitter_t em;
		bool ok;

		yaml_emitter_initialize(&em);
		yaml_emitter_set_output(&em, buf_write, &out);
		yaml_emitter_set_unicode(&em, 1);
		ok = yaml_emitter_open(&em);
		for (unsigned i = 0; i < m.files[0].n_docs && ok; i++) {
			if (!yaml_document_get_root_node(&m.files[0].docs[i]))
				continue;
			ok = yaml_emitter_dump(&em, &m.files[0].docs[i]);
			/* yaml_emitter_dump consumed the document's nodes. */
			memset(&m.files[0].docs[i], 0, sizeof(m.files[0].docs[i]));
		}
		if (!ok || !yaml_emitter_close(&em)) {
			hp_error_set(err, "%s: cannot write the YAML back: %s", file,
				     em.problem ? em.problem : "out of memory");
			r = -ENOMEM;
		}
		yaml_emitter_delete(&em);
	}
done:
	hp_plan_manifests_free(&m);
	if (r < 0) {
		free(out.p);
		json_decref(pods);
		return r;
	}
	*ret_text = out.p;
	*ret_pods = pods;
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --annotate: write heteropod.io/placement into each pod template without
 * re-emitting the YAML. libyaml's node marks (line, column) locate the
 * metadata, the annotations mapping or the annotation's value in the original
 * bytes; the new text is spliced in there, so comments, quoting, key order and
 * everything else stay as they were. The result is parsed again and every
 * annotation checked before anyone writes it.
 *
 * libyaml marks count characters, not bytes, so offsets are computed from the
 * line table and the UTF-8 characters of the line.
 */
#include "plan/internal.h"
#include "util/util.h"

#include <jansson.h>
#include <limits.h>

#define PLACEMENT_KEY "heteropod.io/placement"

char *hp_plan_placement_json(const struct hp_plan_problem *p, const int *pu, unsigned pod)
{
	const struct hp_plan_pod *pd = &p->pods[pod];
	json_t *o = json_object();
	char *s;

	if (!o)
		return NULL;
	for (unsigned c = pd->first; c < pd->first + pd->n; c++)
		json_object_set_new(o, p->ctr[c].name, json_string(p->pu[pu[c]].name));
	/*
	 * ASCII only, DEL escaped too: YAML takes no DEL or C1 control in a
	 * quoted scalar, and the annotation is read back before it is written.
	 */
	s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(o);
	if (s && strchr(s, 0x7f)) {
		size_t n = 0;
		char *t;

		for (const char *q = s; *q; q++)
			n += *q == 0x7f ? 6 : 1;
		t = malloc(n + 1);
		if (t) {
			char *w = t;

			for (const char *q = s; *q; q++) {
				if (*q == 0x7f)
					w = stpcpy(w, "\\u007f");
				else
					*w++ = *q;
			}
			*w = '\0';
		}
		free(s);
		s = t;
	}
	return s;
}

struct edit {
	size_t off, del;
	char *text;
};

/* The line (from 1) of byte off. */
static unsigned offset_line(const struct hp_plan_file *f, size_t off)
{
	size_t lo = 0, hi = f->n_lines;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->line_start[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return (unsigned)lo + 1;
}

/*
 * The line break of the line at off (of the line before, on a last line
 * without one): "\r\n" or "\r" in a file written with them.
 */
static const char *eol_at(const struct hp_plan_file *f, size_t off)
{
	unsigned l = offset_line(f, off);
	size_t end = l < f->n_lines ? f->line_start[l] : l >= 2 ? f->line_start[l - 1] : 0;

	if (!end)
		return "\n";
	if (f->text[end - 1] == '\r')
		return "\r";
	return end >= 2 && f->text[end - 2] == '\r' ? "\r\n" : "\n";
}

/*
 * Is the file JSON to kubectl? It reads a stream whose first character but
 * for white space is '{' as JSON, and YAML's flow syntax then does not parse
 * (unquoted keys, single quotes): the keys and the value are written as JSON.
 */
static bool file_is_json(const struct hp_plan_file *f)
{
	size_t at;

	return hp_plan_json_start(f->text, f->len, &at);
}

/* A JSON string, YAML's double-quoted scalar too; s is ASCII (hp_plan_placement_json). */
static char *quote_json(const char *s)
{
	json_t *j = json_string(s);
	char *q = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;

	json_decref(j);
	return q;
}

/* A YAML single-quoted scalar. */
static char *quote(const char *s)
{
	size_t n = 2;
	char *q, *o;

	for (const char *c = s; *c; c++)
		n += *c == '\'' ? 2 : 1;
	q = malloc(n + 1);
	if (!q)
		return NULL;
	o = q;
	*o++ = '\'';
	for (const char *c = s; *c; c++) {
		if (*c == '\'')
			*o++ = '\'';
		*o++ = *c;
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

static int first_key_col(yaml_document_t *d, yaml_node_t *map, size_t *col, yaml_mark_t *mark)
{
	yaml_node_t *k;

	if (map->data.mapping.pairs.top == map->data.mapping.pairs.start)
		return -ENOENT;
	k = hp_yaml_node(d, map->data.mapping.pairs.start->key);
	*col = k->start_mark.column;
	*mark = k->start_mark;
	return 0;
}

static char *spaces(size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memset(s, ' ', n);
		s[n] = '\0';
	}
	return s;
}

/*
 * Key k of an empty (null) value, which the edit fills in: a ':' must follow
 * the key, and with tags (the placement's value, filled in after the ':') no
 * anchor or tag the ':'. A key standing alone ("{a, key}", "? key") has
 * the value placed nowhere the text spliced in could go; there an anchor
 * would be lost with the value it names, a tag left after the new one.
 * -ENOTSUP, the message set.
 */
static int empty_value(const struct hp_plan_file *f, yaml_document_t *d, int k, const char *what,
		       bool tags, struct hp_error *err)
{
	yaml_node_t *kn = hp_yaml_node(d, k);
	size_t at = hp_plan_mark_offset(f, kn->end_mark);

	at += strspn(f->text + at, " \t");
	if (at < f->len && f->text[at] == ':') {
		at++;
		at += strspn(f->text + at, " \t");
		if (at >= f->len || !tags || !strchr("&!", f->text[at]))
			return 0;
	}
	hp_error_set(err, "%s:%u: cannot fill in this empty %s (write it with a value: %s)",
		     f->path, hp_yaml_line(kn), what,
		     !strcmp(what, PLACEMENT_KEY) ? "'{}'"
		     : !strcmp(what, "metadata")  ? "\"metadata: {}\""
						  : "\"annotations: {}\"");
	return -ENOTSUP;
}

/*
 * Replace the null node n, its tag and anchor (its marks span them, in
 * either order) by text, its anchor kept before it (aliases name it), and
 * a " " where it would touch what is before.
 */
static int null_edit(const struct hp_plan_file *f, yaml_node_t *n, char *text, struct edit *e)
{
	size_t end = hp_plan_mark_offset(f, n->end_mark), at, next, anchor = 0, alen = 0;

	if (!text)
		return -ENOMEM;
	e->off = at = hp_plan_mark_offset(f, n->start_mark);
	while (at < end && (next = hp_yaml_past_prop(f, at, &anchor, &alen)) > at)
		at = next;
	e->del = end > e->off ? end - e->off : 0;
	e->text = hp_sprintf(
	    "%s%s%.*s%s%s", e->off > 0 && !strchr(" \t", f->text[e->off - 1]) ? " " : "",
	    anchor ? "&" : "", (int)alen, anchor ? f->text + anchor : "", anchor ? " " : "", text);
	free(text);
	return e->text ? 0 : -ENOMEM;
}

/*
 * The edit for one template, `q` the quoted value: in its annotations, or
 * where there are none its metadata, or where there is none itself. json:
 * the keys written as JSON strings (file_is_json).
 */
static int template_edit(const struct hp_plan_file *f, yaml_document_t *d, int tmpl, const char *q,
			 bool json, struct edit *e, struct hp_error *err)
{
	const char *pk = json ? "\"" PLACEMENT_KEY "\"" : PLACEMENT_KEY;
	const char *ak = json ? "\"annotations\"" : "annotations";
	const char *mk = json ? "\"metadata\"" : "metadata";
	yaml_node_t *tn = hp_yaml_node(d, tmpl);
	int meta = hp_yaml_get(d, tmpl, "metadata");
	yaml_node_t *mn = hp_yaml_node(d, meta);
	int ann = hp_yaml_get(d, meta, "annotations");
	yaml_node_t *an = hp_yaml_node(d, ann);
	_cleanup_free_ char *sp0 = NULL, *sp2 = NULL, *sp4 = NULL;
	yaml_node_t *target;
	yaml_mark_t mark;
	const char *nl;
	size_t col;
	int depth; /* 0: add the key, 1: add annotations, 2: add metadata */

	memset(e, 0, sizeof(*e));
	if (an && hp_yaml_is_map(an)) {
		int k = 0, v = hp_yaml_get_pair(d, ann, PLACEMENT_KEY, &k);
		yaml_node_t *vn = hp_yaml_node(d, v);

		if (vn) {
			size_t key_end = hp_plan_mark_offset(f, hp_yaml_node(d, k)->end_mark);

			if (vn->type != YAML_SCALAR_NODE ||
			    vn->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
			    vn->data.scalar.style == YAML_FOLDED_SCALAR_STYLE) {
				hp_error_set(err, "%s:%u: cannot rewrite this %s (use a quoted "
						  "string)", f->path, hp_yaml_line(vn), PLACEMENT_KEY);
				return -ENOTSUP;
			}
			e->off = hp_plan_mark_offset(f, vn->start_mark);
			/*
			 * An alias's value lies elsewhere (before the key), and an
			 * anchored one is what aliases elsewhere name: rewriting
			 * either changes another value.
			 */
			if (e->off < key_end || f->text[e->off] == '&' || f->text[e->off] == '*') {
				hp_error_set(err,
					     "%s:%u: cannot rewrite an anchored or aliased %s "
					     "(write the value out)",
					     f->path, hp_yaml_line(hp_yaml_node(d, k)),
					     PLACEMENT_KEY);
				return -ENOTSUP;
			}
			if (!vn->data.scalar.length && hp_yaml_is_null(vn)) {
				/* "key:" with nothing after: the value goes after the ':' */
				const char *colon;

				if (empty_value(f, d, k, PLACEMENT_KEY, true, err) < 0)
					return -ENOTSUP;
				colon = memchr(f->text + key_end, ':', f->len - key_end);
				if (!colon)
					return -EINVAL;
				e->off = (size_t)(colon - f->text) + 1;
				e->del = 0;
				e->text = hp_sprintf(" %s", q);
				return e->text ? 0 : -ENOMEM;
			}
			e->del = hp_plan_mark_offset(f, vn->end_mark) - e->off;
			e->text = strdup(q);
			return e->text ? 0 : -ENOMEM;
		}
		target = an;
		depth = 0;
	} else if (an && hp_yaml_is_null(an)) {
		int k = 0;

		/* "annotations:" with no value or "~": give it a flow mapping */
		hp_yaml_get_pair(d, meta, "annotations", &k);
		if (empty_value(f, d, k, "metadata.annotations", false, err) < 0)
			return -ENOTSUP;
		return null_edit(f, an, hp_sprintf("{%s: %s}", pk, q), e);
	} else if (an) {
		hp_error_set(err, "%s:%u: metadata.annotations is not a mapping", f->path,
			     hp_yaml_line(an));
		return -EINVAL;
	} else if (mn && hp_yaml_is_map(mn)) {
		target = mn;
		depth = 1;
	} else if (mn && !hp_yaml_is_null(mn)) {
		hp_error_set(err, "%s:%u: metadata is not a mapping", f->path, hp_yaml_line(mn));
		return -EINVAL;
	} else if (mn) {
		int k = 0;

		hp_yaml_get_pair(d, tmpl, "metadata", &k);
		if (empty_value(f, d, k, "metadata", false, err) < 0)
			return -ENOTSUP;
		return null_edit(f, mn, hp_sprintf("{%s: {%s: %s}}", ak, pk, q), e);
	} else {
		target = tn;
		depth = 2;
	}

	if (target->data.mapping.style == YAML_FLOW_MAPPING_STYLE) {
		static const char *const post[] = { "", "}", "}}" };
		_cleanup_free_ char *pre = depth == 0	? strdup("")
					   : depth == 1 ? hp_sprintf("%s: {", ak)
							: hp_sprintf("%s: {%s: {", mk, ak);
		bool empty = target->data.mapping.pairs.top == target->data.mapping.pairs.start;
		bool blank;

		e->off = hp_plan_mark_offset(f, target->start_mark);
		/* past an anchor or a tag, and a comment: "&a # x" then "{team: x}" */
		for (size_t next; (next = hp_yaml_past_prop(f, e->off, NULL, NULL)) > e->off;)
			e->off = next;
		if (e->off >= f->len || f->text[e->off] != '{') {
			hp_error_set(err, "%s:%u: unexpected flow mapping", f->path,
				     hp_yaml_line(target));
			return -ENOTSUP;
		}
		if (!pre)
			return -ENOMEM;
		e->off++;
		/*
		 * Before the mapping's first pair, and the blank or line break
		 * already after the '{' to part them: with one of its own, JSON
		 * written with indents was left a blank at the line's end (a
		 * black-box review).
		 */
		blank = e->off < f->len && f->text[e->off] && strchr(" \t\r\n", f->text[e->off]);
		e->text = hp_sprintf("%s%s: %s%s%s", pre, pk, q, post[depth],
				     empty   ? ""
				     : blank ? ","
					     : ", ");
		return e->text ? 0 : -ENOMEM;
	}
	if (first_key_col(d, target, &col, &mark) < 0) {
		hp_error_set(err, "%s:%u: empty mapping", f->path, hp_yaml_line(target));
		return -ENOTSUP;
	}
	/*
	 * Insert before the first key, at its column: the text ends with a line
	 * break and the key's indentation, so the key keeps its place even when
	 * it shares its line with a "- " sequence indicator. An explicit key
	 * ("? x", then ": v") begins at its '?'.
	 */
	e->off = hp_plan_mark_offset(f, mark);
	for (size_t at = e->off; at > 0; at--) {
		char c = f->text[at - 1];

		if (c == '?') {
			/* the first on its line but for indentation and "- " */
			size_t ls = f->line_start[offset_line(f, at - 1) - 1];

			if (strspn(f->text + ls, " \t-") >= at - 1 - ls) {
				e->off = at - 1;
				col = e->off - ls;
			}
		}
		if (!strchr(" \t\r\n", c))
			break;
	}
	sp0 = spaces(col);
	sp2 = spaces(col + 2);
	sp4 = spaces(col + 4);
	if (!sp0 || !sp2 || !sp4)
		return -ENOMEM;
	nl = eol_at(f, e->off);
	if (depth == 0)
		e->text = hp_sprintf("%s: %s%s%s", pk, q, nl, sp0);
	else if (depth == 1)
		e->text = hp_sprintf("%s:%s%s%s: %s%s%s", ak, nl, sp2, pk, q, nl, sp0);
	else
		e->text = hp_sprintf("%s:%s%s%s:%s%s%s: %s%s%s", mk, nl, sp2, ak, nl, sp4, pk, q,
				     nl, sp0);
	return e->text ? 0 : -ENOMEM;
}

static int cmp_edit(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * Templates that share their metadata or annotations through a YAML alias
 * (`annotations: *a`) are one place in the text: where they get the same
 * placement it is written once (*n and *len shrink), and where they do not,
 * it cannot be written at all.
 */
static int shared_edits(const struct hp_plan_file *f, struct edit *e, unsigned *n, size_t *len,
			struct hp_error *err)
{
	unsigned k = 0;

	for (unsigned i = 0; i < *n; i++) {
		if (k && e[i].off < e[k - 1].off + e[k - 1].del + (e[k - 1].del == 0)) {
			if (e[i].off == e[k - 1].off && e[i].del == e[k - 1].del &&
			    !strcmp(e[i].text, e[k - 1].text)) {
				*len -= strlen(e[i].text) - e[i].del;
				free(e[i].text);
				continue;
			}
			hp_error_set(err,
				     "%s:%u: pod templates placed differently share this "
				     "mapping through a YAML alias; write it out in each",
				     f->path, offset_line(f, e[i].off));
			for (unsigned j = i; j < *n; j++)
				free(e[j].text);
			*n = k;
			return -ENOTSUP;
		}
		e[k++] = e[i];
	}
	*n = k;
	return 0;
}

/* count_paths' walk: each reference from a node to a child. */
struct paths_walk {
	unsigned *indeg, *paths;
	int *queue;
	size_t tail;
};

static void paths_child(struct paths_walk *w, int v, int c, bool counting)
{
	if (counting) {
		w->indeg[c]++;
		return;
	}
	/* at most UINT_MAX / 2 each: the sum does not wrap */
	w->paths[c] += w->paths[v];
	if (w->paths[c] > UINT_MAX / 2)
		w->paths[c] = UINT_MAX / 2;
	if (!--w->indeg[c])
		w->queue[w->tail++] = c;
}

static void paths_children(yaml_document_t *d, struct paths_walk *w, int v, bool counting)
{
	yaml_node_t *n = hp_yaml_node(d, v);

	if (n->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
		     pr < n->data.mapping.pairs.top; pr++) {
			paths_child(w, v, pr->key, counting);
			paths_child(w, v, pr->value, counting);
		}
	} else if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++)
			paths_child(w, v, *it, counting);
	}
}

/*
 * How many times each node of d is written out when its aliases are
 * expanded (the ways down to it from the root), saturated: what an edit
 * of one node's text changes in as many places. NULL: no memory.
 */
static unsigned *count_paths(yaml_document_t *d)
{
	size_t n = (size_t)(d->nodes.top - d->nodes.start);
	_cleanup_free_ unsigned *indeg = calloc(n + 1, sizeof(unsigned));
	_cleanup_free_ int *queue = calloc(n + 1, sizeof(int));
	struct paths_walk w = { .indeg = indeg, .queue = queue };

	w.paths = calloc(n + 1, sizeof(unsigned));
	if (!indeg || !queue || !w.paths) {
		free(w.paths);
		return NULL;
	}
	for (int v = 1; v <= (int)n; v++)
		paths_children(d, &w, v, true);
	for (int v = 1; v <= (int)n; v++)
		if (!indeg[v]) {
			w.paths[v] = 1; /* the root */
			queue[w.tail++] = v;
		}
	for (size_t head = 0; head < w.tail; head++)
		paths_children(d, &w, queue[head], false);
	/*
	 * Never reached: in or below a loop (libyaml takes "&m {self: *m}",
	 * the anchor known before its children), written out without end.
	 */
	for (size_t v = 1; v <= n; v++)
		if (indeg[v])
			w.paths[v] = UINT_MAX / 2;
	return w.paths;
}

/*
 * Each document's count_paths, and in how many of its pod templates (of
 * this file) each node is the template, its metadata or its annotations:
 * where one of a template's is written out more often than that, an edit
 * of it would show elsewhere too (a Deployment's own annotations aliased by
 * its template's, a template aliased in a ConfigMap). Templates sharing one
 * are shared_edits' business.
 */
struct doc_uses {
	unsigned doc;
	unsigned *paths, *users;
};

/* A template's nodes, from the top: itself, its metadata, its annotations (0: none). */
static void template_chain(yaml_document_t *d, int tmpl, int chain[3])
{
	chain[0] = tmpl;
	chain[1] = hp_yaml_get(d, tmpl, "metadata");
	chain[2] = hp_yaml_get(d, chain[1], "annotations");
}

static int doc_uses_get(struct doc_uses *u, const struct hp_plan_file *f,
			const struct hp_plan_problem *p, unsigned file_idx, unsigned doc)
{
	yaml_document_t *d = &f->docs[doc];

	if (u->paths && u->doc == doc)
		return 0;
	free(u->paths);
	free(u->users);
	u->doc = doc;
	u->paths = count_paths(d);
	u->users = calloc((size_t)(d->nodes.top - d->nodes.start) + 1, sizeof(unsigned));
	if (!u->paths || !u->users)
		return -ENOMEM;
	for (unsigned i = 0; i < p->n_pods; i++) {
		int chain[3];

		if (p->pods[i].file_idx != file_idx || p->pods[i].doc_idx != doc)
			continue;
		template_chain(d, p->pods[i].tmpl_node, chain);
		for (unsigned k = 0; k < 3 && chain[k]; k++)
			u->users[chain[k]]++;
	}
	return 0;
}

/* The node holding x, where exactly one does (0: x is the root or an alias's too). */
static int sole_parent(yaml_document_t *d, int x)
{
	unsigned refs = 0;
	int parent = 0;

	for (yaml_node_t *n = d->nodes.start; n < d->nodes.top; n++) {
		int v = (int)(n - d->nodes.start) + 1;

		if (n->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
			     pr < n->data.mapping.pairs.top; pr++)
				if (pr->key == x || pr->value == x) {
					refs++;
					parent = v;
				}
		} else if (n->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *it = n->data.sequence.items.start;
			     it < n->data.sequence.items.top; it++)
				if (*it == x) {
					refs++;
					parent = v;
				}
		}
	}
	return refs == 1 ? parent : 0;
}

/*
 * The line of the anchor that writes x out more than once: x's own, or
 * that of the node above it an alias repeats (a whole Deployment in a
 * ConfigMap). libyaml keeps no mark of an anchor: a flow node begins at
 * its '&', and before a block node's first key the text is read back over
 * blanks and a tag for it; where neither finds it, x's own line.
 */
static unsigned anchor_line(const struct hp_plan_file *f, yaml_document_t *d, int x)
{
	size_t off;

	/* a loop has a node held twice; the count only guards the walk */
	for (int up, steps = 0; (up = sole_parent(d, x)) && steps < d->nodes.top - d->nodes.start;
	     steps++)
		x = up;
	off = hp_plan_mark_offset(f, hp_yaml_node(d, x)->start_mark);
	if (off < f->len && f->text[off] == '&')
		return offset_line(f, off);
	for (int token = 0; token < 2; token++) {
		size_t end = off, start;

		while (end > 0 && strchr(" \t\r\n", f->text[end - 1]))
			end--;
		for (start = end; start > 0 && !strchr(" \t\r\n", f->text[start - 1]);)
			start--;
		if (start == end)
			break;
		if (f->text[start] == '&')
			return offset_line(f, start);
		if (f->text[start] != '!')
			break;
		off = start;
	}
	return hp_yaml_line(hp_yaml_node(d, x));
}

/*
 * Templates of document d of file f in the order hp_plan_build visits them
 * (its walk_object; list_kind: the kind of a typed List's items, or NULL).
 */
static int collect_templates(const struct hp_plan_file *f, yaml_document_t *d, int obj,
			     unsigned depth, const char *list_kind, int *out, unsigned max,
			     unsigned *n)
{
	yaml_node_t *kn = hp_yaml_node(d, hp_yaml_get(d, obj, "kind"));
	const char *kind = hp_plan_null(f, kn) ? NULL : hp_yaml_str(kn);
	_cleanup_free_ char *item_kind = NULL;
	int tmpl, r;

	kind = hp_plan_item_kind(d, obj, depth, kind, list_kind);
	if (!kind)
		return 0;
	if ((r = hp_plan_list_kind(kind, &item_kind)) < 0)
		return r;
	if (r) {
		yaml_node_t *items = hp_yaml_node(d, hp_yaml_get(d, obj, "items"));

		if (depth > 8)
			return 0; /* refused by hp_plan_build */
		for (yaml_node_item_t *it = hp_yaml_is_seq(items) ? items->data.sequence.items.start
								   : NULL;
		     it && it < items->data.sequence.items.top; it++)
			if ((r = collect_templates(f, d, *it, depth + 1, item_kind, out, max, n)) <
			    0)
				return r;
		return 0;
	}
	tmpl = hp_plan_template(d, obj, kind);
	if (tmpl && *n < max)
		out[(*n)++] = tmpl;
	return 0;
}

static int verify(const struct hp_plan_file *orig, const char *text, size_t len,
		  const struct hp_plan_problem *p, unsigned file_idx, char **values,
		  struct hp_error *err)
{
	struct hp_plan_manifests m = { 0 };
	_cleanup_free_ int *tmpls = calloc(p->n_pods + 1, sizeof(int));
	unsigned pod = 0;
	int r;

	if (!tmpls)
		return -ENOMEM;
	r = hp_plan_manifests_parse(&m, orig->path, text, len, err);
	if (r < 0) {
		/* its lines are the annotated text's, not the file's */
		struct hp_error perr = *err;

		hp_error_set(err, "%s: internal error: the annotated text does not parse (%s)",
			     orig->path, perr.msg);
		goto out;
	}
	r = -EPROTO;
	if (m.files[0].n_docs != orig->n_docs) {
		hp_error_set(err, "%s: annotating changed the number of documents", orig->path);
		goto out;
	}
	for (unsigned doc = 0; doc < m.files[0].n_docs; doc++) {
		yaml_document_t *d = &m.files[0].docs[doc];
		unsigned n = 0;

		if ((r = collect_templates(&m.files[0], d, 1, 0, NULL, tmpls, p->n_pods + 1, &n)) <
		    0)
			goto out;
		r = -EPROTO;
		for (unsigned i = 0; i < n; i++) {
			int ann = hp_yaml_get(d, hp_yaml_get(d, tmpls[i], "metadata"), "annotations");
			const char *v = hp_yaml_str(hp_yaml_node(d, hp_yaml_get(d, ann, PLACEMENT_KEY)));

			while (pod < p->n_pods && p->pods[pod].file_idx != file_idx)
				pod++;
			if (pod >= p->n_pods || p->pods[pod].doc_idx != doc || !v ||
			    strcmp(v, values[pod])) {
				hp_error_set(err, "%s: internal error: the annotated text does not "
						  "read back (document %u)", orig->path, doc + 1);
				goto out;
			}
			pod++;
		}
	}
	while (pod < p->n_pods && p->pods[pod].file_idx != file_idx)
		pod++;
	if (pod < p->n_pods) {
		hp_error_set(err, "%s: internal error: the annotated text does not read back (%s)",
			     orig->path, p->pods[pod].workload);
		goto out;
	}
	r = 0;
out:
	hp_plan_manifests_free(&m);
	return r;
}

int hp_plan_annotate(const struct hp_plan_manifests *m, const struct hp_plan_problem *p,
		     const int *pu, char ***ret_texts, struct hp_error *err)
{
	char **texts = calloc(m->n_files + 1, sizeof(char *));
	char **values = calloc(p->n_pods + 1, sizeof(char *));
	struct edit *edits = calloc(p->n_pods + 1, sizeof(*edits));
	int r = 0;

	if (!texts || !values || !edits) {
		r = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < p->n_pods; i++) {
		_cleanup_free_ char *json = hp_plan_placement_json(p, pu, i);

		values[i] = json ? strdup(json) : NULL;
		if (!values[i]) {
			r = -ENOMEM;
			goto out;
		}
	}
	for (unsigned fi = 0; fi < m->n_files && r >= 0; fi++) {
		const struct hp_plan_file *f = &m->files[fi];
		struct doc_uses uses = { 0 };
		size_t len = f->len, pos = 0;
		unsigned ne = 0;
		bool json = file_is_json(f);
		char *out, *o;

		for (unsigned i = 0; i < p->n_pods; i++) {
			_cleanup_free_ char *q = NULL;
			yaml_document_t *d;
			int chain[3];
			unsigned k;

			if (p->pods[i].file_idx != fi)
				continue;
			d = &f->docs[p->pods[i].doc_idx];
			q = json ? quote_json(values[i]) : quote(values[i]);
			if (!q || doc_uses_get(&uses, f, p, fi, p->pods[i].doc_idx) < 0) {
				r = -ENOMEM;
				break;
			}
			/* the topmost of the template's nodes written out too often */
			template_chain(d, p->pods[i].tmpl_node, chain);
			for (k = 0; k < 3 && chain[k]; k++)
				if (uses.paths[chain[k]] > uses.users[chain[k]])
					break;
			if (k < 3 && chain[k]) {
				static const char *const what[] = { "", "'s metadata",
								    "'s annotations" };

				hp_error_set(err,
					     "%s:%u: a YAML alias writes this pod template%s "
					     "out elsewhere too, where the placement would go as "
					     "well; write them out",
					     f->path, anchor_line(f, d, chain[k]), what[k]);
				r = -ENOTSUP;
				break;
			}
			r = template_edit(f, d, p->pods[i].tmpl_node, q, json, &edits[ne], err);
			if (r < 0)
				break;
			len += strlen(edits[ne].text) - edits[ne].del;
			ne++;
		}
		if (r >= 0 && ne) {
			qsort(edits, ne, sizeof(*edits), cmp_edit);
			r = shared_edits(f, edits, &ne, &len, err);
		}
		if (r >= 0 && ne) {
			o = out = malloc(len + 1);
			if (!out)
				r = -ENOMEM;
			for (unsigned i = 0; i < ne && out; i++) {
				memcpy(o, f->text + pos, edits[i].off - pos);
				o += edits[i].off - pos;
				o = stpcpy(o, edits[i].text);
				pos = edits[i].off + edits[i].del;
			}
			if (out) {
				memcpy(o, f->text + pos, f->len - pos);
				o[f->len - pos] = '\0';
				texts[fi] = out;
				r = verify(f, out, len, p, fi, values, err);
			}
		}
		for (unsigned i = 0; i < ne; i++)
			free(edits[i].text);
		free(uses.paths);
		free(uses.users);
	}
out:
	if (values)
		for (unsigned i = 0; i < p->n_pods; i++)
			free(values[i]);
	free(values);
	free(edits);
	if (r < 0) {
		for (unsigned i = 0; texts && i < m->n_files; i++)
			free(texts[i]);
		free(texts);
		return r;
	}
	*ret_texts = texts;
	return 0;
}

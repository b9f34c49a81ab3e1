/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the planner says to people (a table) and to machines (JSON). */
#include "plan/plan.h"
#include "util/util.h"

#include <jansson.h>
#include <math.h>

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/*
 * What every container's reason and share need, built once per report: the
 * placement's evaluation and each pod's edges. Asked of the whole placement
 * per container, both were quadratic: 30,000 containers took 15 s to
 * report after a solve of 0.1 s.
 */
struct why {
	struct hp_plan_eval cur;
	unsigned *eoff, *eidx; /* pod i's edges: eidx[eoff[i]] to below eoff[i + 1] */
};

static int why_init(struct why *w, const struct hp_plan_problem *p, const int *pu)
{
	hp_plan_evaluate(p, pu, &w->cur);
	return hp_plan_pod_edges(p, &w->eoff, &w->eidx);
}

static void why_free(struct why *w)
{
	free(w->eoff);
	free(w->eidx);
}

/* Pod pod's edges, *n of them. */
static const unsigned *why_edges(const struct why *w, unsigned pod, unsigned *n)
{
	*n = w->eoff[pod + 1] - w->eoff[pod];
	return w->eidx + w->eoff[pod];
}

static double why_freed(const struct hp_plan_problem *p, const int *pu, const struct why *w,
			unsigned c)
{
	unsigned n;
	const unsigned *e = why_edges(w, p->ctr[c].pod, &n);

	return hp_plan_container_freed_in(p, pu, c, e, n);
}

/* v with as many places as show it (0.0001, not 0.000; -0.0002, not -0.000), at least 3 */
struct figure {
	char s[32];
};
static struct figure figure(double v)
{
	struct figure f;
	int prec = 3;

	if (fabs(v) < 5e-10)
		v = 0; /* the sums' noise: -1e-17 is 0.000, not -0.000000000 */
	while (prec < 9 && v != 0 && fabs(v) < 0.5 * pow(10, -prec))
		prec++;
	snprintf(f.s, sizeof(f.s), "%.*f", prec, v);
	return f;
}

#define WHY_MAX 3 /* different reasons given for the DPUs, at most */

/* A DPU's reason's kind, for choosing which to give: latency, memory, link, CPU, other */
static int why_kind(const char *why)
{
	static const char *const kinds[] = { " latency: ", " memory: ", " PU link: ", " CPU: " };

	for (int k = 0; k < (int)ARRAY_SIZE(kinds); k++)
		if (strstr(why, kinds[k]))
			return k;
	return (int)ARRAY_SIZE(kinds);
}

static int why_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int kx = why_kind(x), ky = why_kind(y);

	return kx != ky ? kx - ky : strcmp(x, y);
}

/*
 * The DPUs' reasons (n of them, each a DPU's), joined: at most WHY_MAX
 * different ones, one of each kind first, in an order of their own (kind,
 * then text, which names the DPU), not the node's: with six DPUs the first
 * three in the node's order had hidden the one short of memory. *left: the
 * DPUs whose reason is not given. A new string, or NULL (no memory).
 */
static char *why_list(char **why, unsigned n, unsigned *left)
{
	const char *pick[WHY_MAX];
	unsigned np = 0;
	char *out = NULL;

	qsort(why, n, sizeof(*why), why_cmp);
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < n && np < WHY_MAX; i++) {
			bool taken = false, kind_seen = false;

			for (unsigned j = 0; j < np; j++) {
				taken |= !strcmp(pick[j], why[i]);
				kind_seen |= why_kind(pick[j]) == why_kind(why[i]);
			}
			if (!taken && (pass || !kind_seen))
				pick[np++] = why[i];
		}
	qsort(pick, np, sizeof(*pick), why_cmp);
	*left = 0;
	for (unsigned i = 0; i < n; i++) {
		bool shown = false;

		for (unsigned j = 0; j < np; j++)
			shown |= !strcmp(pick[j], why[i]);
		*left += !shown;
	}
	for (unsigned j = 0; j < np; j++) {
		char *more = out ? hp_sprintf("%s; %s", out, pick[j]) : strdup(pick[j]);

		free(out);
		if (!(out = more))
			return NULL;
	}
	return out;
}

/*
 * Why moving container c (with its group) to DPU d is infeasible, in ev:
 * what would still be wrong with room on d to spare (its pod's latency
 * budget), else what is.
 */
static void why_not(const struct hp_plan_problem *p, const int *pu, const struct why *w, unsigned c,
		    int d, const unsigned *edges, unsigned n_edges, struct hp_plan_eval *ev)
{
	struct hp_plan_problem roomy = *p;
	struct hp_plan_eval more;

	if (ev->why_pu != d)
		return;
	roomy.pu[d].cores = roomy.pu[d].memory = roomy.pu[d].link_bw = HUGE_VAL;
	hp_plan_evaluate_move(&roomy, pu, &w->cur, c, d, edges, n_edges, &more);
	if (!more.feasible)
		*ev = more;
}

static void reasons_free(char **named, char **plain, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(named[i]);
		free(plain[i]);
	}
}

/*
 * Container c's group (those it must share a PU with) may run on no DPU as
 * a whole, though any two of them may share one: the others named (at most
 * WHY_NAMES).
 */
#define WHY_NAMES 4
static char *why_group(const struct hp_plan_problem *p, unsigned c)
{
	const struct hp_plan_container *k = &p->ctr[c];
	const struct hp_plan_pod *pod = &p->pods[k->pod];
	_cleanup_free_ char *names = NULL;
	unsigned n = 0;

	for (unsigned i = pod->first; i < pod->first + pod->n; i++) {
		char *more;

		if (i == c || p->ctr[i].group != k->group || n++ >= WHY_NAMES)
			continue;
		more = names ? hp_sprintf("%s, %s", names, p->ctr[i].name) : strdup(p->ctr[i].name);
		free(names);
		if (!(names = more))
			return NULL;
	}
	if (n > WHY_NAMES)
		return hp_sprintf("shares a PU with %s and %u more (process namespace, emptyDir, "
				  "memory or network rules), which have no DPU in common with it",
				  names, n - WHY_NAMES);
	return hp_sprintf("shares a PU with %s (process namespace, emptyDir, memory or network "
			  "rules), which %s no DPU in common with it",
			  names ? names : "", n > 1 ? "have" : "has");
}

/*
 * The DPUs that c's group may not run on (not in allowed) for want of an
 * image for their architecture, said: "dpu0: no image of envoy for its
 * riscv64". An empty string if none; NULL if no memory.
 */
static char *why_arch(const struct hp_plan_problem *p, unsigned c, unsigned allowed)
{
	const struct hp_plan_container *k = &p->ctr[c];
	const struct hp_plan_pod *pod = &p->pods[k->pod];
	char *out = strdup("");

	for (unsigned d = 1; out && d < p->n_pus; d++) {
		const struct hp_plan_container *j = NULL;
		char *more;

		if (allowed & (1u << d))
			continue;
		for (unsigned i = pod->first; i < pod->first + pod->n && j != k; i++)
			if (p->ctr[i].group == k->group && !(p->ctr[i].allowed & (1u << d)))
				j = &p->ctr[i];
		if (!j)
			continue;
		more = hp_sprintf("%s; %s: no image%s%s for its %s", out, p->pu[d].name,
				  j == k ? "" : " of ", j == k ? "" : j->name, p->pu[d].arch);
		free(out);
		out = more;
	}
	return out;
}

/* Why container c is where it is, for people (caller frees). */
static char *why_reason(const struct hp_plan_problem *p, const int *pu, const struct why *w,
			unsigned c)
{
	const struct hp_plan_container *k = &p->ctr[c];
	unsigned pod = k->pod, n_edges;
	const unsigned *edges = why_edges(w, pod, &n_edges);
	struct hp_plan_eval ev;
	char *named[HP_PLAN_MAX_PUS], *plain[HP_PLAN_MAX_PUS];
	unsigned dpus = 0, n_why = 0, left = 0, to = 0, allowed = k->allowed, one = 0;
	double loss = HUGE_VAL, gain = 0;
	bool lat = true;

	if (pu[c] != HP_PLAN_HOST) {
		if (k->pin >= 0)
			return hp_sprintf("pinned to %s", k->pin == HP_PLAN_PIN_DPU ? "a DPU"
										  : p->pu[k->pin].name);
		if (!(k->allowed & 1u))
			return hp_sprintf("no image for the host's %s", p->pu[0].arch);
		return hp_sprintf("%s %s offloaded", k->role == HP_PLAN_INFRA ? "infrastructure"
									     : "application",
				  k->kind ? k->kind : k->name);
	}
	if (k->stay_reason)
		return strdup(k->stay_reason);
	if (k->pin == HP_PLAN_HOST)
		return strdup("pinned to host");
	/* Kept with a container it must share a PU with, which may not move. */
	for (unsigned i = p->pods[pod].first; i < p->pods[pod].first + p->pods[pod].n; i++) {
		const struct hp_plan_container *j = &p->ctr[i];

		if (i == c || j->group != k->group || (j->allowed & k->allowed & ~1u))
			continue;
		return hp_sprintf("shares a PU with %s (process namespace, emptyDir, memory or "
				  "network rules), which stays: %s",
				  j->name,
				  j->stay_reason	   ? j->stay_reason
				  : j->pin == HP_PLAN_HOST ? "pinned to host"
							   : "it may not run on the same DPU");
	}
	/*
	 * Movable but kept: say what moving it (with its group) would do, on
	 * every DPU the group may run on. Where it would pay on one (an answer
	 * not proven optimal: --greedy, a time limit, a gap), that; where it
	 * fits on one, that it does not pay (the least it would lose); where
	 * on none, each DPU's reason, the latency budget before room
	 * (why_not). The first DPU's reason had been given for all: with DPUs
	 * a (0.1 cores) and b (8), "no room on a: a CPU", where the budget kept
	 * it off both, and in the other order "no room on b: latency".
	 */
	for (unsigned i = p->pods[pod].first; i < p->pods[pod].first + p->pods[pod].n; i++)
		if (p->ctr[i].group == k->group)
			allowed &= p->ctr[i].allowed;
	for (unsigned d = 1; d < p->n_pus; d++) {
		if (!(allowed & (1u << d)))
			continue;
		dpus++;
		one = d;
		hp_plan_evaluate_move(p, pu, &w->cur, c, (int)d, edges, n_edges, &ev);
		if (ev.feasible) {
			/* a gain in the last digits is the sums' rounding, not a better answer */
			if (ev.objective <=
			    w->cur.objective + 1e-9 * (1 + fabs(w->cur.objective))) {
				loss = fmin(loss, fmax(w->cur.objective - ev.objective, 0));
			} else if (ev.objective - w->cur.objective > gain) {
				gain = ev.objective - w->cur.objective;
				to = d;
			}
			continue;
		}
		why_not(p, pu, w, c, (int)d, edges, n_edges, &ev);
		lat &= ev.why_pod >= 0;
		/* the DPU a latency names, where the reasons differ */
		named[n_why] = ev.why_pod >= 0 ? hp_sprintf("%s (on %s)", ev.why, p->pu[d].name)
					       : strdup(ev.why);
		plain[n_why] = strdup(ev.why);
		if (!named[n_why++] || !plain[n_why - 1]) {
			reasons_free(named, plain, n_why);
			return NULL;
		}
	}
	/* with a memory weight, gain and loss are the objective's, not cores */
	if (gain > 0) {
		reasons_free(named, plain, n_why);
		if (p->params.memory_weight > 0)
			return hp_sprintf("not moved, though moving it to %s would raise the "
					  "objective, memory weighed in, by %s (the answer is not "
					  "proven optimal)",
					  p->pu[to].name, figure(gain).s);
		return hp_sprintf("not moved, though moving it to %s would free %s more (the "
				  "answer is not proven optimal)",
				  p->pu[to].name, figure(gain).s);
	}
	if (loss < HUGE_VAL) {
		reasons_free(named, plain, n_why);
		/* a tie (nothing to free, no crossing) is not a cost */
		if (loss > 0 && p->params.memory_weight > 0)
			return hp_sprintf("moving it does not pay (the objective, memory weighed "
					  "in, would be %s lower)",
					  figure(loss).s);
		return loss > 0 ? hp_sprintf("moving it does not pay (crossings cost %s more "
					     "host cores than it frees)",
					     figure(loss).s)
				: strdup("moving it frees nothing more");
	}
	if (n_why) {
		bool same = true;

		for (unsigned i = 1; i < n_why; i++)
			same &= !strcmp(plain[i], plain[0]);
		/* the budget wherever it goes, the same figures: without the DPUs' names */
		_cleanup_free_ char *best = why_list(lat && same ? plain : named, n_why, &left);
		/* and the DPUs it may not run on at all, which the list leaves out */
		_cleanup_free_ char *arch = why_arch(p, c, allowed);
		const char *every;
		char the_one[sizeof(p->pu[0].name) + 32];

		reasons_free(named, plain, n_why);
		if (!best || !arch)
			return NULL;
		/* the one it may run on named, where the node has others */
		snprintf(the_one, sizeof(the_one), "%s (the one DPU it may run on)",
			 p->pu[one].name);
		every = *arch ? (dpus > 1 ? "every DPU it may run on" : the_one)
			      : (dpus > 1 ? "every DPU" : "the DPU");
		if (lat && !left)
			return hp_sprintf("over its pod's latency budget on %s: %s%s", every, best,
					  arch);
		if (!left)
			return hp_sprintf("fits on no DPU: %s%s", best, arch);
		return hp_sprintf("%s%s: %s; others on %u more DPU%s%s",
				  lat ? "over its pod's latency budget on " : "fits on no DPU",
				  lat ? every : "", best, left, left > 1 ? "s" : "", arch);
	}
	if (dpus)
		return strdup("kept on the host (the optimum places others first)");
	if (p->n_pus == 1)
		return strdup("no DPU on this node");
	if (!(k->allowed & ~1u))
		return strdup("may run on no DPU of this node");
	/* each pair of its group shares a DPU, but no DPU takes them all */
	return why_group(p, c);
}

static const char *role_str(const struct hp_plan_container *k)
{
	if (k->ctype == HP_PLAN_INIT)
		return "init";
	return k->role == HP_PLAN_INFRA ? "infra" : "app";
}

/*
 * A JSON string of s, which may not be UTF-8 (a file name): then every byte
 * past ASCII as \xNN, for json_string takes UTF-8 only (a warning naming
 * "k\xe9.yaml" was left out of --json).
 */
static json_t *json_text(const char *s)
{
	json_t *j = json_string(s);
	char *t, *o;

	if (j || !(t = malloc(4 * strlen(s) + 1)))
		return j;
	o = t;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		o += *c < 0x80 ? sprintf(o, "%c", *c) : sprintf(o, "\\x%02x", *c);
	j = json_string(t);
	free(t);
	return j;
}

/* A figure for --json: the sums' noise (2.7e-20 cores) as 0, as the table shows it. */
static json_t *json_figure(double v)
{
	return json_real(fabs(v) < 5e-10 ? 0 : v);
}

char *hp_plan_report_json(const struct hp_plan_problem *p, const struct hp_plan_result *r)
{
	json_t *o = json_object(), *pl = json_array(), *pus = json_array();
	struct why w = { 0 };
	const struct hp_plan_eval *ev = &w.cur;
	char *s = NULL;

	if (!o || !pl || !pus || why_init(&w, p, r->pu) < 0)
		goto out;
	json_object_set_new(o, "optimal", json_boolean(r->optimal));
	json_object_set_new(o, "status", json_string(r->status ? r->status : ""));
	if (r->optimal && r->proof)
		json_object_set_new(o, "proof", json_string(r->proof));
	json_object_set_new(o, "objective", json_figure(r->objective));
	json_object_set_new(o, "host_cores_freed", json_figure(r->host_cores_freed));
	json_object_set_new(o, "bound", json_figure(r->bound));
	json_object_set_new(o, "solve_ms", json_real(round(r->solve_ms * 1000) / 1000));
	for (unsigned d = 0; d < p->n_pus; d++) {
		json_t *u = json_pack("{s:s, s:f, s:f}", "name", p->pu[d].name, "cores",
				      p->pu[d].cores, "speed", p->pu[d].speed);

		if (u && d > 0) {
			json_object_set_new(u, "cpu_used", json_figure(ev->dpu_cpu[d]));
			json_object_set_new(u, "memory", json_integer(llround(p->pu[d].memory)));
			json_object_set_new(u, "memory_used",
					    json_integer(llround(ev->dpu_mem[d])));
			json_object_set_new(u, "link_bytes_per_s",
					    json_integer(llround(p->pu[d].link_bw)));
			json_object_set_new(u, "link_used", json_integer(llround(ev->dpu_link[d])));
		}
		json_array_append_new(pus, u);
	}
	json_object_set_new(o, "pus", pus);
	pus = NULL;
	for (unsigned c = 0; c < p->n_ctr; c++) {
		const struct hp_plan_container *k = &p->ctr[c];
		_cleanup_free_ char *why = why_reason(p, r->pu, &w, c);
		/* a workload or a reason may name a file, which may not be UTF-8 */
		json_t *e = json_pack("{s:o, s:s, s:s, s:o, s:o, s:s, s:f, s:i}", "workload",
				      json_text(p->pods[k->pod].workload), "container", k->name,
				      "pu", p->pu[r->pu[c]].name, "reason",
				      json_text(why ? why : ""), "host_cores_freed",
				      json_figure(why_freed(p, r->pu, &w, c)), "role", role_str(k),
				      "cpu", k->cpu, "replicas", (int)p->pods[k->pod].replicas);

		if (!e)
			goto out;
		/* on every placement: null where the manifest names none (kubectl's current one) */
		json_object_set_new(e, "namespace",
				    p->pods[k->pod].ns ? json_text(p->pods[k->pod].ns)
						       : json_null());
		/* where it is: the same Kind/name may be in two files */
		if (p->pods[k->pod].file) {
			json_object_set_new(e, "file", json_text(p->pods[k->pod].file));
			json_object_set_new(e, "line", json_integer(p->pods[k->pod].line));
		}
		json_array_append_new(pl, e);
	}
	json_object_set_new(o, "placements", pl);
	pl = NULL;
	if (p->n_warnings) {
		json_t *wa = json_array();

		for (unsigned i = 0; wa && i < p->n_warnings; i++)
			json_array_append_new(wa, json_text(p->warnings[i]));
		json_object_set_new(o, "warnings", wa);
	}
	/* 12 digits: whole cores up to 10^12 exact, the sums' last-bit noise hidden */
	s = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
out:
	why_free(&w);
	json_decref(o);
	json_decref(pl);
	json_decref(pus);
	return s;
}

/*
 * A table cell: control characters as \xNN, C1 controls (U+0080-U+009F,
 * which terminals act on too) as \uNNNN, for a name in a manifest may hold
 * any; the rest as given. Its width in characters, a UTF-8 sequence
 * counting one (not display columns: wide characters still misalign).
 */
static size_t cell_ctl(const char *s)
{
	unsigned char a = (unsigned char)s[0], b = (unsigned char)s[1];

	if (a < 0x20 || a == 0x7f)
		return 1;
	return a == 0xc2 && b >= 0x80 && b <= 0x9f ? 2 : 0;
}

static size_t cell_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		size_t ctl = cell_ctl(s);

		if (ctl) {
			n += ctl == 1 ? 4 : 6;
			s += ctl - 1;
		} else if (((unsigned char)*s & 0xc0) != 0x80) {
			n++;
		}
	}
	return n;
}

/* s as a cell shows it: control characters escaped */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		size_t ctl = cell_ctl(s);

		if (ctl == 1)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else if (ctl == 2)
			fprintf(f, "\\u%04x", (unsigned char)*++s);
		else
			fputc(*s, f);
	}
}

static void put_cell(FILE *f, const char *s, size_t width)
{
	put_escaped(f, s);
	for (size_t n = cell_width(s); n < width; n++)
		fputc(' ', f);
}

char *hp_plan_escape(const char *s)
{
	char *e = NULL;
	size_t n;
	FILE *f = open_memstream(&e, &n);

	if (!f)
		return NULL;
	put_escaped(f, s);
	if (fclose(f) != 0) {
		free(e);
		return NULL;
	}
	return e;
}

int hp_plan_report_table(const struct hp_plan_problem *p, const struct hp_plan_result *r, FILE *f)
{
	struct why w = { 0 };
	const struct hp_plan_eval *ev = &w.cur;
	unsigned moved = 0, stay = 0;
	size_t ns = 0, wl = 8, cn = 9, pw = 6;
	int fw = 8;
	_cleanup_free_ double *freed = calloc(p->n_ctr ? p->n_ctr : 1, sizeof(double));

	if (!freed || why_init(&w, p, r->pu) < 0) {
		why_free(&w);
		return -ENOMEM;
	}

	/* a NAMESPACE column where a manifest names one: Deployment/web may be in two */
	for (unsigned i = 0; i < p->n_pods; i++)
		if (p->pods[i].ns)
			ns = MAX(MAX(ns, 9), cell_width(p->pods[i].ns));
	for (unsigned c = 0; c < p->n_ctr; c++) {
		wl = MAX(wl, cell_width(p->pods[p->ctr[c].pod].workload));
		cn = MAX(cn, cell_width(p->ctr[c].name));
		freed[c] = why_freed(p, r->pu, &w, c);
		fw = MAX(fw, (int)strlen(figure(freed[c]).s));
	}
	/* every column as wide as its widest cell, as kubectl's are: rows stay aligned */
	for (unsigned d = 0; d < p->n_pus; d++)
		pw = MAX(pw, cell_width(p->pu[d].name));
	if (ns)
		fprintf(f, "%-*s  ", (int)ns, "NAMESPACE");
	fprintf(f, "%-*s  %-*s  %-5s  %-*s  %*s  %s\n", (int)wl, "WORKLOAD", (int)cn, "CONTAINER",
		"ROLE", (int)pw, "PU", fw, "FREED", "REASON");
	for (unsigned c = 0; c < p->n_ctr; c++) {
		const struct hp_plan_container *k = &p->ctr[c];
		_cleanup_free_ char *why = why_reason(p, r->pu, &w, c);
		char rep[24] = "";

		if (p->pods[k->pod].replicas > 1)
			snprintf(rep, sizeof(rep), " (x%u)", p->pods[k->pod].replicas);
		if (ns) {
			put_cell(f, p->pods[k->pod].ns ? p->pods[k->pod].ns : "", ns);
			fputs("  ", f);
		}
		put_cell(f, p->pods[k->pod].workload, wl);
		fputs("  ", f);
		put_cell(f, k->name, cn);
		fprintf(f, "  %-5s  ", role_str(k));
		put_cell(f, p->pu[r->pu[c]].name, pw);
		fprintf(f, "  %*s  ", fw, figure(freed[c]).s);
		put_cell(f, why ? why : "", 0);
		fprintf(f, "%s\n", rep);
		if (r->pu[c] == HP_PLAN_HOST)
			stay++;
		else
			moved++;
	}
	fprintf(f, "\n%u container%s in %u pod%s: %u offloaded, %u stay%s on the host.\n", p->n_ctr,
		p->n_ctr == 1 ? "" : "s", p->n_pods, p->n_pods == 1 ? "" : "s", moved, stay,
		stay == 1 ? "s" : "");
	/*
	 * With a memory weight the objective is not the cores alone: what was
	 * optimised is said as such, the cores apart.
	 */
	if (p->params.memory_weight > 0)
		fprintf(f, "Host cores freed: %s; objective, with %g cores per GiB freed: %s (",
			figure(r->host_cores_freed).s, p->params.memory_weight,
			figure(r->objective).s);
	else
		fprintf(f, "Host cores freed: %s (", figure(r->host_cores_freed).s);
	/* a proof, or none needed ("proven optimal by nothing may move": a black-box review) */
	fprintf(f, "%s%s%s, %.1f ms",
		r->optimal  ? "proven optimal"
		: r->status ? r->status
			    : "not proven optimal",
		!r->optimal || !r->proof		   ? ""
		: !strcmp(r->proof, HP_PLAN_NOTHING_MOVES) ? ": "
							   : " by ",
		r->optimal && r->proof ? r->proof : "", r->solve_ms);
	if (!r->optimal && r->bound > r->objective)
		fprintf(f, ", bound %.3f", r->bound);
	fprintf(f, ").\n");
	for (unsigned d = 1; d < p->n_pus; d++)
		fprintf(f, "%s: %.2f/%.2f cores, %.0f/%.0f MiB, PU link %.1f/%.1f MB/s\n",
			p->pu[d].name, ev->dpu_cpu[d], p->pu[d].cores, ev->dpu_mem[d] / 1048576.0,
			p->pu[d].memory / 1048576.0, ev->dpu_link[d] / 1e6, p->pu[d].link_bw / 1e6);
	why_free(&w);
	return 0;
}

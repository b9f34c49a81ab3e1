/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The solvers. All three work on "units": the groups of containers that must
 * share a PU, with their CPU, memory and gain summed, and the edges between
 * different units. Every answer is expanded back to containers and checked
 * by hp_plan_evaluate, whose objective is the one reported.
 *
 * The exact solver is a 0-1 program solved by GLPK's branch and cut:
 *
 *   x[u,d] in {0,1}   unit u runs on DPU d (host when all are 0)
 *   h[e]   >= |X[u] - X[v]|       X[u] = sum_d x[u,d]: edge e crosses the host
 *   z[e,d] >= |x[u,d] - x[v,d]|   edge e touches DPU d across a boundary
 *   s[e]   >= h[e], z[e,d]        edge e is split (latency; 1 DPU: s = h)
 *
 *   max  sum gain[u] x[u,d] - sum cost[e] h[e]
 *   s.t. sum_d x[u,d] <= 1 (= 1 when the host is not allowed)
 *        DPU d: sum cpu[u]/speed x[u,d] + sum cost[e]/speed z[e,d] <= cores
 *               sum mem[u] x[u,d] <= memory,  sum bytes[e] z[e,d] <= link
 *        pod:   sum lat[e] s[e] <= budget
 *
 * h, z and s are continuous: they only ever cost objective or capacity, so an
 * optimum sets them to the absolute differences, which are 0 or 1. Small pods
 * choose among their placements instead (see "configurations" below).
 *
 * Millicore rows. With the CPU of every unit a whole number of millicores m[u]
 * (Kubernetes quantities are), each DPU d gets an integer column
 *
 *   n[d] = sum_u m[u] x[u,d] / g      (g: the gcd of all m[u])
 *
 * which is integral in every integer solution, so the rows change nothing in
 * the set of placements; they are there to be branched on. Without them the
 * instances are subset-sum problems for the LP: moving a container frees
 * r*cpu host cores and takes r*cpu/speed DPU cores, the same ratio for every
 * container, so the LP fills each DPU to the last fraction of a core, its
 * bound stays a fraction of a millicore above the best placement however
 * deep the tree, and GLPK could not close a 1e-5 relative gap in minutes.
 * Branching on n[d] first (n[d] <= floor, n[d] >= ceil) moves the bound to
 * a whole number of millicores in one step; with an incumbent at that bound,
 * both children are pruned at once.
 *
 * With several DPUs that is not enough: crossing costs fill the last
 * fraction of a millicore, and on small instances whole pods leave the DPUs
 * short. The group and packing bounds (group_build, group_check, group.c)
 * bound what that costs from the root LP's duals, the heuristics build what
 * they point at, and an incumbent that reaches them ends the search.
 */
#include "plan/group.h"
#include "plan/plan.h"
#include "util/util.h"

#include <fcntl.h>
#include <glpk.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <time.h>

struct unit {
	unsigned pod, rep; /* rep: a container of the unit */
	double gain;       /* objective when moved */
	double cpu, mem;   /* host cores and bytes, all replicas */
	unsigned allowed;  /* PUs */
};

struct uedge {
	unsigned u, v, pod;
	double cost;  /* host cores when crossing the host, all replicas */
	double bytes; /* all replicas */
	double lat;   /* µs per request */
};

struct units {
	struct unit *u;
	unsigned n;
	unsigned *of;  /* unit of each container */
	struct uedge *e;
	unsigned n_e;
};

static void units_free(struct units *s)
{
	free(s->u);
	free(s->of);
	free(s->e);
}

static int units_build(const struct hp_plan_problem *p, struct units *s, struct hp_error *err)
{
	unsigned all = (1u << p->n_pus) - 1;

	memset(s, 0, sizeof(*s));
	s->u = calloc(p->n_ctr ? p->n_ctr : 1, sizeof(*s->u));
	s->of = calloc(p->n_ctr ? p->n_ctr : 1, sizeof(*s->of));
	s->e = calloc(p->n_edges ? p->n_edges : 1, sizeof(*s->e));
	if (!s->u || !s->of || !s->e)
		return -ENOMEM;
	for (unsigned c = 0; c < p->n_ctr; c++) {
		const struct hp_plan_container *k = &p->ctr[c];
		double r = p->pods[k->pod].replicas;
		unsigned g = k->group;
		struct unit *u;

		if (g == c) {
			s->of[c] = s->n;
			u = &s->u[s->n++];
			u->pod = k->pod;
			u->rep = c;
			u->allowed = all;
		} else if (g < c) {
			u = &s->u[s->of[g]];
			s->of[c] = s->of[g];
		} else {
			/* The representative comes later: fix up in a second pass. */
			s->of[c] = UINT32_MAX;
			continue;
		}
		u->gain += r * (k->cpu + p->params.memory_weight * k->memory / HP_PLAN_GIB);
		u->cpu += r * k->cpu;
		u->mem += r * k->memory;
		u->allowed &= k->allowed;
	}
	for (unsigned c = 0; c < p->n_ctr; c++) {
		const struct hp_plan_container *k = &p->ctr[c];
		double r = p->pods[k->pod].replicas;
		struct unit *u;

		if (s->of[c] != UINT32_MAX)
			continue;
		s->of[c] = s->of[k->group];
		u = &s->u[s->of[c]];
		u->gain += r * (k->cpu + p->params.memory_weight * k->memory / HP_PLAN_GIB);
		u->cpu += r * k->cpu;
		u->mem += r * k->memory;
		u->allowed &= k->allowed;
	}
	for (unsigned i = 0; i < s->n; i++) {
		if (!s->u[i].allowed) {
			const struct hp_plan_container *k = &p->ctr[s->u[i].rep];

			hp_error_set(err, "%s: container %s%s has no PU it may run on",
				     p->pods[k->pod].workload, k->name,
				     k->group != s->u[i].rep ? " (and those sharing its PU)" : "");
			return -EDOM;
		}
	}
	for (unsigned i = 0; i < p->n_edges; i++) {
		const struct hp_plan_edge *e = &p->edges[i];
		unsigned u = s->of[e->a], v = s->of[e->b];
		double r = p->pods[p->ctr[e->a].pod].replicas;
		struct uedge *ue;

		if (u == v)
			continue;
		ue = &s->e[s->n_e++];
		ue->u = u;
		ue->v = v;
		ue->pod = p->ctr[e->a].pod;
		ue->cost = r * hp_plan_edge_cost(p, e);
		ue->bytes = r * e->bytes;
		ue->lat = e->crossings * p->params.msg_latency_us;
	}
	return 0;
}

static void expand(const struct hp_plan_problem *p, const struct units *s, const int *upu,
		   int *pu)
{
	for (unsigned c = 0; c < p->n_ctr; c++)
		pu[c] = upu[s->of[c]];
}

/* ---- greedy ---------------------------------------------------------------- */

struct greedy_key {
	unsigned u;
	double density;
};

static int cmp_density(const void *a, const void *b)
{
	const struct greedy_key *x = a, *y = b;

	if (x->density != y->density)
		return x->density > y->density ? -1 : 1;
	return x->u < y->u ? -1 : x->u > y->u;
}

/*
 * A placement of the units, with what the evaluator makes of it kept up to
 * date move by move: the objective, each DPU's CPU, memory and PU link, and
 * each pod's latency (lat). hp_plan_evaluate over the whole placement, once
 * per unit and DPU the greedy tried, took 97 ms of 2000 containers on four
 * DPUs and 290 ms of 5000 on three. Each unit's edges: edge[first[u] ..
 * first[u + 1]).
 */
struct gstate {
	double obj, cpu[HP_PLAN_MAX_PUS], mem[HP_PLAN_MAX_PUS], link[HP_PLAN_MAX_PUS];
	double *lat;
	unsigned *first, *edge;
};

/* Unit u on PU d added to g (sign 1) or taken from it (-1). */
static void gstate_unit(const struct hp_plan_problem *p, const struct unit *u, int d, double sign,
			struct gstate *g)
{
	if (d == HP_PLAN_HOST)
		return;
	g->obj += sign * u->gain;
	g->cpu[d] += sign * u->cpu / p->pu[d].speed;
	g->mem[d] += sign * u->mem;
}

/* Edge e with its ends on du and dv, the same; lat: its pod's latency. */
static void gstate_edge(const struct hp_plan_problem *p, const struct uedge *e, int du, int dv,
			double sign, struct gstate *g, double *lat)
{
	if (du == dv)
		return;
	*lat += sign * e->lat;
	if (du == HP_PLAN_HOST || dv == HP_PLAN_HOST)
		g->obj -= sign * e->cost;
	for (int side = 0; side < 2; side++) {
		int d = side ? dv : du;

		if (d == HP_PLAN_HOST)
			continue;
		g->cpu[d] += sign * e->cost / p->pu[d].speed;
		g->link[d] += sign * e->bytes;
	}
}

/* g with every unit where upu has it; false without memory. */
static bool gstate_init(const struct hp_plan_problem *p, const struct units *s, const int *upu,
			struct gstate *g)
{
	*g = (struct gstate){.lat = calloc(p->n_pods ? p->n_pods : 1, sizeof(double)),
			     .first = calloc(s->n + 1, sizeof(unsigned)),
			     .edge = calloc(2 * (size_t)s->n_e + 1, sizeof(unsigned))};
	if (!g->lat || !g->first || !g->edge)
		return false;
	for (unsigned i = 0; i < s->n_e; i++) {
		g->first[s->e[i].u + 1]++;
		g->first[s->e[i].v + 1]++;
	}
	for (unsigned u = 0; u < s->n; u++)
		g->first[u + 1] += g->first[u];
	for (unsigned i = 0; i < s->n_e; i++) /* first[u] counts up to first[u + 1] ... */
		for (int side = 0; side < 2; side++)
			g->edge[g->first[side ? s->e[i].v : s->e[i].u]++] = i;
	for (unsigned u = s->n; u > 0; u--) /* ... and is put back */
		g->first[u] = g->first[u - 1];
	g->first[0] = 0;
	for (unsigned u = 0; u < s->n; u++)
		gstate_unit(p, &s->u[u], upu[u], 1, g);
	for (unsigned i = 0; i < s->n_e; i++)
		gstate_edge(p, &s->e[i], upu[s->e[i].u], upu[s->e[i].v], 1, g,
			    &g->lat[s->e[i].pod]);
	return true;
}

static void gstate_free(struct gstate *g)
{
	free(g->lat);
	free(g->first);
	free(g->edge);
}

/*
 * Unit u moved to PU to (upu: where every unit is now): g as it would be,
 * into ng, its pod's latency into *lat; false when that is infeasible.
 */
static bool gstate_move(const struct hp_plan_problem *p, const struct units *s, const int *upu,
			unsigned u, int to, const struct gstate *g, struct gstate *ng, double *lat)
{
	const struct hp_plan_pod *pod = &p->pods[s->u[u].pod];

	*ng = *g;
	*lat = g->lat[s->u[u].pod];
	gstate_unit(p, &s->u[u], upu[u], -1, ng);
	gstate_unit(p, &s->u[u], to, 1, ng);
	for (unsigned k = g->first[u]; k < g->first[u + 1]; k++) {
		const struct uedge *e = &s->e[g->edge[k]];
		unsigned other = e->u == u ? e->v : e->u;

		gstate_edge(p, e, upu[u], upu[other], -1, ng, lat);
		gstate_edge(p, e, to, upu[other], 1, ng, lat);
	}
	for (unsigned d = 1; d < p->n_pus; d++)
		if (!hp_plan_within(ng->cpu[d], p->pu[d].cores) ||
		    !hp_plan_within(ng->mem[d], p->pu[d].memory) ||
		    !hp_plan_within(ng->link[d], p->pu[d].link_bw))
			return false;
	return pod->latency_budget_us < 0 || hp_plan_within(*lat, pod->latency_budget_us);
}

/*
 * One pass: the units in keys' order, each to the DPU where it improves the
 * objective most while everything stays feasible. upu starts with every
 * unit on the host, or on the first DPU it may run on when it must leave;
 * obj is its objective, and the answer's.
 */
static int greedy_pass(const struct hp_plan_problem *p, const struct units *s,
		       const struct greedy_key *keys, int *upu, double *obj)
{
	struct gstate g, ng, keep;
	double lat, keep_lat = 0;

	if (!gstate_init(p, s, upu, &g)) {
		gstate_free(&g);
		return -ENOMEM;
	}
	g.obj = *obj; /* the evaluator's sum, as the moves are weighed against it */
	for (unsigned i = 0; i < s->n; i++) {
		unsigned u = keys[i].u;
		int best = upu[u];

		if (!(s->u[u].allowed & 1))
			continue; /* pinned to a DPU: keep the one chosen */
		keep = g;
		for (unsigned d = 1; d < p->n_pus; d++) {
			if (!(s->u[u].allowed & (1u << d)) ||
			    !gstate_move(p, s, upu, u, (int)d, &g, &ng, &lat) ||
			    ng.obj <= keep.obj + 1e-12)
				continue;
			keep = ng;
			keep_lat = lat;
			best = (int)d;
		}
		if (best != upu[u]) {
			g = keep;
			g.lat[s->u[u].pod] = keep_lat;
			upu[u] = best;
		}
	}
	*obj = g.obj;
	gstate_free(&g);
	return 0;
}

/*
 * Did memory stop the greedy pass: is some DPU's memory 90% used, or a unit
 * left on the host that would fit a DPU's cores (crossing costs aside) but
 * not its memory?
 */
static bool greedy_memory_stopped(const struct hp_plan_problem *p, const struct units *s,
				  const int *upu, int *pu)
{
	struct hp_plan_eval ev;

	expand(p, s, upu, pu);
	hp_plan_evaluate(p, pu, &ev);
	for (unsigned d = 1; d < p->n_pus; d++)
		if (p->pu[d].memory > 0 && ev.dpu_mem[d] >= 0.9 * p->pu[d].memory)
			return true;
	for (unsigned u = 0; u < s->n; u++) {
		if (upu[u] != HP_PLAN_HOST)
			continue;
		for (unsigned d = 1; d < p->n_pus; d++)
			if ((s->u[u].allowed & (1u << d)) &&
			    s->u[u].cpu / p->pu[d].speed <= p->pu[d].cores - ev.dpu_cpu[d] &&
			    s->u[u].mem > p->pu[d].memory - ev.dpu_mem[d])
				return true;
	}
	return false;
}

/*
 * Move units to DPUs in order of net gain per unit of what they use, each to
 * the DPU where it improves the objective most while everything stays
 * feasible. Gain per host core first; when memory stopped that, also gain
 * per share of the DPUs' cores and memory together, and the better answer
 * is kept. When memory is short the first order fills it with whatever
 * comes first (two DPUs with a third of the benchmark's memory, 10-2000
 * containers: 11-32% below the exact optimum on average; with both orders
 * 0-8%). The baseline the exact solver must never be worse than.
 */
static int solve_greedy(const struct hp_plan_problem *p, const struct units *s, int *upu,
			struct hp_error *err)
{
	unsigned n = s->n ? s->n : 1;
	_cleanup_free_ int *pu = calloc(p->n_ctr ? p->n_ctr : 1, sizeof(int));
	_cleanup_free_ int *start = calloc(n, sizeof(int));
	_cleanup_free_ int *other = calloc(n, sizeof(int));
	_cleanup_free_ struct greedy_key *keys = calloc(n, sizeof(*keys));
	_cleanup_free_ double *edge_cost = calloc(n, sizeof(double));
	struct hp_plan_eval ev;
	double cores = 0, memory = 0, start_obj, obj, other_obj;

	if (!pu || !start || !other || !keys || !edge_cost)
		return -ENOMEM;
	for (unsigned i = 0; i < s->n_e; i++) {
		edge_cost[s->e[i].u] += s->e[i].cost;
		edge_cost[s->e[i].v] += s->e[i].cost;
	}
	for (unsigned d = 1; d < p->n_pus; d++) {
		cores += p->pu[d].cores * p->pu[d].speed; /* in host cores */
		memory += p->pu[d].memory;
	}
	for (unsigned u = 0; u < s->n; u++) {
		start[u] = HP_PLAN_HOST;
		if (!(s->u[u].allowed & 1))
			for (unsigned d = 1; d < p->n_pus; d++)
				if (s->u[u].allowed & (1u << d)) {
					start[u] = (int)d;
					break;
				}
	}
	expand(p, s, start, pu);
	hp_plan_evaluate(p, pu, &ev);
	if (!ev.feasible) {
		hp_error_set(err, "greedy: the pinned placements alone are infeasible (%s)",
			     ev.why);
		return -EDOM;
	}
	start_obj = ev.objective;
	for (int order = 0; order < 2; order++) {
		int *to = order ? other : upu;
		double *o = order ? &other_obj : &obj;

		for (unsigned u = 0; u < s->n; u++) {
			double use = s->u[u].cpu;

			if (order)
				use = s->u[u].cpu / fmax(cores, 1e-9) +
				      s->u[u].mem / fmax(memory, 1.0);
			keys[u].u = u;
			keys[u].density = (s->u[u].gain - edge_cost[u]) / fmax(use, 1e-9);
		}
		qsort(keys, s->n, sizeof(*keys), cmp_density);
		memcpy(to, start, n * sizeof(int));
		*o = start_obj;
		if (greedy_pass(p, s, keys, to, o) < 0)
			return -ENOMEM;
		if (!order && !greedy_memory_stopped(p, s, upu, pu))
			return 0; /* memory did not stop the first order */
	}
	if (other_obj > obj + 1e-12)
		memcpy(upu, other, n * sizeof(int));
	return 0;
}

/* ---- exhaustive -------------------------------------------------------------- */

static int solve_exhaustive(const struct hp_plan_problem *p, const struct units *s, int *upu,
			    struct hp_error *err)
{
	_cleanup_free_ int *cur = calloc(s->n ? s->n : 1, sizeof(int));
	_cleanup_free_ int *pu = calloc(p->n_ctr ? p->n_ctr : 1, sizeof(int));
	double combos = 1, best = -INFINITY;
	struct hp_plan_eval ev;
	bool found = false;

	if (!cur || !pu)
		return -ENOMEM;
	for (unsigned u = 0; u < s->n; u++)
		combos *= __builtin_popcount(s->u[u].allowed & ((1u << p->n_pus) - 1));
	if (combos > 5e7) {
		hp_error_set(err, "exhaustive search: %.0f placements is too many", combos);
		return -E2BIG;
	}
	/* Mixed-radix counter over each unit's allowed PUs. */
	for (unsigned u = 0; u < s->n; u++)
		cur[u] = __builtin_ctz(s->u[u].allowed);
	for (;;) {
		unsigned u;

		expand(p, s, cur, pu);
		hp_plan_evaluate(p, pu, &ev);
		if (ev.feasible && ev.objective > best) {
			best = ev.objective;
			memcpy(upu, cur, s->n * sizeof(int));
			found = true;
		}
		for (u = 0; u < s->n; u++) {
			unsigned rest = s->u[u].allowed & ((1u << p->n_pus) - 1) &
					~((2u << cur[u]) - 1);

			if (rest) {
				cur[u] = __builtin_ctz(rest);
				break;
			}
			cur[u] = __builtin_ctz(s->u[u].allowed);
		}
		if (u == s->n)
			break;
	}
	if (!found) {
		hp_error_set(err, "no placement satisfies every constraint");
		return -EDOM;
	}
	return 0;
}

/* ---- MILP (GLPK) ------------------------------------------------------------- */

struct lp {
	glp_prob *prob;
	int *ia, *ja;
	double *ar;
	int nz, cap;
	/* column kinds, to give the incumbent's auxiliary values */
	int *kind; /* 0: x, 1: h, 2: z, 3: s, 4: configuration, 5: millicore count */
	unsigned *ku, *kd;
	int ncols, capcols;
	bool names; /* name the rows and columns (a model to write) */
};

/*
 * The nonzeros in row order (stable), for glp_load_matrix: it links each
 * into its row's list as they come, then walks the rows to link the
 * columns. In the order the columns were built that walk jumped about
 * memory: loading 466,000 nonzeros (2000 containers, four DPUs) took 206 ms.
 */
static int lp_by_rows(struct lp *lp)
{
	int m = glp_get_num_rows(lp->prob);
	_cleanup_free_ int *at = calloc((size_t)m + 2, sizeof(int));
	int *ia = malloc(((size_t)lp->nz + 1) * sizeof(int));
	int *ja = malloc(((size_t)lp->nz + 1) * sizeof(int));
	double *ar = malloc(((size_t)lp->nz + 1) * sizeof(double));

	if (!at || !ia || !ja || !ar) {
		free(ia);
		free(ja);
		free(ar);
		return -ENOMEM;
	}
	for (int k = 1; k <= lp->nz; k++)
		at[lp->ia[k] + 1]++;
	for (int i = 1; i <= m + 1; i++)
		at[i] += at[i - 1]; /* at[i]: the nonzeros of rows before i, 1-based */
	for (int k = 1; k <= lp->nz; k++) {
		int to = ++at[lp->ia[k]];

		ia[to] = lp->ia[k];
		ja[to] = lp->ja[k];
		ar[to] = lp->ar[k];
	}
	free(lp->ia);
	free(lp->ja);
	free(lp->ar);
	lp->ia = ia;
	lp->ja = ja;
	lp->ar = ar;
	lp->cap = lp->nz + 1;
	return 0;
}

/*
 * Equilibration scaling, the factors glp_scale_prob(GLP_SF_EQ) sets, worked
 * out from the model's own arrays (no zeros, no duplicates) in two passes
 * over them: the rows, unless their range of |a_ij| is wider than the
 * columns', are divided by their largest element first, then the others by
 * theirs, scaled. GLPK walks its linked lists ten times for it, with a
 * cache miss on most elements: 350 ms of a 2000-container four-DPU model
 * (466,000 elements), where this takes 11 ms, setting the factors included.
 */
static int lp_scale(struct lp *lp)
{
	int m = glp_get_num_rows(lp->prob), n = glp_get_num_cols(lp->prob);
	_cleanup_free_ double *rlo = malloc((m + 1) * sizeof(double));
	_cleanup_free_ double *rhi = malloc((m + 1) * sizeof(double));
	_cleanup_free_ double *clo = malloc((n + 1) * sizeof(double));
	_cleanup_free_ double *chi = malloc((n + 1) * sizeof(double));
	double rratio = 1, cratio = 1;
	bool rows_first;

	if (!rlo || !rhi || !clo || !chi)
		return -ENOMEM;
	/* an empty row or column counts as 1, as in GLPK */
	for (int i = 0; i <= m; i++)
		rlo[i] = HUGE_VAL, rhi[i] = 0;
	for (int j = 0; j <= n; j++)
		clo[j] = HUGE_VAL, chi[j] = 0;
	for (int k = 1; k <= lp->nz; k++) {
		double a = fabs(lp->ar[k]);

		rlo[lp->ia[k]] = fmin(rlo[lp->ia[k]], a);
		rhi[lp->ia[k]] = fmax(rhi[lp->ia[k]], a);
		clo[lp->ja[k]] = fmin(clo[lp->ja[k]], a);
		chi[lp->ja[k]] = fmax(chi[lp->ja[k]], a);
	}
	for (int i = 1; i <= m; i++)
		if (rhi[i] > 0)
			rratio = fmax(rratio, rhi[i] / rlo[i]);
	for (int j = 1; j <= n; j++)
		if (chi[j] > 0)
			cratio = fmax(cratio, chi[j] / clo[j]);
	rows_first = !(rratio > cratio); /* as GLPK: rows first unless their range is wider */
	/* rlo, clo now hold the first factors: 1 / the largest element, or 1 */
	for (int i = 1; i <= m; i++)
		rlo[i] = rows_first && rhi[i] > 0 ? 1 / rhi[i] : 1;
	for (int j = 1; j <= n; j++)
		clo[j] = !rows_first && chi[j] > 0 ? 1 / chi[j] : 1;
	for (int i = 0; i <= m; i++)
		rhi[i] = 0;
	for (int j = 0; j <= n; j++)
		chi[j] = 0;
	for (int k = 1; k <= lp->nz; k++) {
		double a = fabs(lp->ar[k]) * rlo[lp->ia[k]] * clo[lp->ja[k]];

		rhi[lp->ia[k]] = fmax(rhi[lp->ia[k]], a);
		chi[lp->ja[k]] = fmax(chi[lp->ja[k]], a);
	}
	for (int i = 1; i <= m; i++)
		glp_set_rii(lp->prob, i, !rows_first && rhi[i] > 0 ? rlo[i] / rhi[i] : rlo[i]);
	for (int j = 1; j <= n; j++)
		glp_set_sjj(lp->prob, j, rows_first && chi[j] > 0 ? clo[j] / chi[j] : clo[j]);
	return 0;
}

static int lp_nz(struct lp *lp, int row, int col, double v)
{
	if (v == 0)
		return 0;
	if (lp->nz + 1 >= lp->cap) {
		int ncap = lp->cap ? lp->cap * 2 : 4096;
		int *nia = reallocarray(lp->ia, ncap, sizeof(int));
		int *nja;
		double *nar;

		if (!nia)
			return -ENOMEM;
		lp->ia = nia;
		nja = reallocarray(lp->ja, ncap, sizeof(int));
		if (!nja)
			return -ENOMEM;
		lp->ja = nja;
		nar = reallocarray(lp->ar, ncap, sizeof(double));
		if (!nar)
			return -ENOMEM;
		lp->ar = nar;
		lp->cap = ncap;
	}
	lp->nz++;
	lp->ia[lp->nz] = row;
	lp->ja[lp->nz] = col;
	lp->ar[lp->nz] = v;
	return 0;
}

static int lp_col(struct lp *lp, int kind, unsigned u, unsigned d, double obj, bool binary)
{
	int col = glp_add_cols(lp->prob, 1);

	if (col >= lp->capcols) {
		int ncap = lp->capcols ? lp->capcols * 2 : 1024;
		int *nk = reallocarray(lp->kind, ncap, sizeof(int));
		unsigned *nu, *nd;

		if (!nk)
			return -ENOMEM;
		lp->kind = nk;
		nu = reallocarray(lp->ku, ncap, sizeof(unsigned));
		if (!nu)
			return -ENOMEM;
		lp->ku = nu;
		nd = reallocarray(lp->kd, ncap, sizeof(unsigned));
		if (!nd)
			return -ENOMEM;
		lp->kd = nd;
		lp->capcols = ncap;
	}
	lp->kind[col] = kind;
	lp->ku[col] = u;
	lp->kd[col] = d;
	lp->ncols = col;
	glp_set_col_kind(lp->prob, col, binary ? GLP_BV : GLP_CV);
	glp_set_col_bnds(lp->prob, col, GLP_DB, 0.0, 1.0);
	glp_set_obj_coef(lp->prob, col, obj);
	if (lp->names) {
		char name[48];

		switch (kind) {
		case 0:
			snprintf(name, sizeof(name), "x_u%u_dpu%u", u, d - 1);
			break;
		case 1:
			snprintf(name, sizeof(name), "h_e%u", u);
			break;
		case 2:
			snprintf(name, sizeof(name), "z_e%u_dpu%u", u, d - 1);
			break;
		case 3:
			snprintf(name, sizeof(name), "s_e%u", u);
			break;
		case 4:
			snprintf(name, sizeof(name), "c_p%u_k%u", u, d);
			break;
		default:
			snprintf(name, sizeof(name), "n_dpu%u", d - 1);
			break;
		}
		glp_set_col_name(lp->prob, col, name);
	}
	return col;
}

/* A row; name is a printf format for its name, used only when lp->names. */
__attribute__((format(printf, 5, 6))) static int lp_row(struct lp *lp, int type, double lb,
							double ub, const char *name, ...)
{
	int row = glp_add_rows(lp->prob, 1);

	glp_set_row_bnds(lp->prob, row, type, lb, ub);
	if (lp->names) {
		char buf[48];
		va_list ap;

		va_start(ap, name);
		vsnprintf(buf, sizeof(buf), name, ap);
		va_end(ap);
		glp_set_row_name(lp->prob, row, buf);
	}
	return row;
}

/*
 * Write the model in CPLEX LP format into a new file beside path, whose name
 * is left in *tmp: hp_plan_solve renames it over path once it has an answer,
 * and removes it otherwise, so that a failed solve writes nothing and loses
 * nothing.
 */
static int lp_write(struct lp *lp, const char *path, char **tmp, struct hp_error *err)
{
	_cleanup_free_ char *t = hp_sprintf("%s.hp-plan.XXXXXX", path);
	int fd;

	if (!t)
		return -ENOMEM;
	fd = mkostemp(t, O_CLOEXEC);
	if (fd < 0) {
		hp_error_set(err, "writing the model to %s: %s", path, strerror(errno));
		return -EIO;
	}
	close(fd);
	glp_set_prob_name(lp->prob, "heteropod-plan");
	glp_set_obj_name(lp->prob, "host_cores_freed");
	if (glp_write_lp(lp->prob, NULL, t) != 0) {
		hp_error_set(err, "writing the model to %s: GLPK could not write it", path);
		unlink(t);
		return -EIO;
	}
	*tmp = steal_ptr(t);
	return 0;
}

static int add_absdiff(struct lp *lp, int col, const int *xa, const int *xb, unsigned n_pus,
		       unsigned dmask)
{
	/* col >= sum_{d in dmask} (xa[d] - xb[d]) and >= the opposite. */
	for (int sign = -1; sign <= 1; sign += 2) {
		int row = lp_row(lp, GLP_LO, 0.0, 0.0, "%s_%x%c",
				 lp->names ? glp_get_col_name(lp->prob, col) : "", dmask,
				 sign < 0 ? 'a' : 'b');
		int r = lp_nz(lp, row, col, 1.0);

		for (unsigned d = 1; d < n_pus && r >= 0; d++) {
			if (!(dmask & (1u << d)))
				continue;
			if (xa[d] && (r = lp_nz(lp, row, xa[d], sign)) < 0)
				break;
			if (xb[d] && (r = lp_nz(lp, row, xb[d], -sign)) < 0)
				break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}


/*
 * Pods with few placements are given to the solver as a choice among their
 * placements ("configurations"): one binary per placement that survives the
 * latency budget and is not dominated (another one frees at least as much
 * while using no more of any DPU resource). That is the convex hull of the
 * pod's placements, so the LP relaxation is as tight as it can be per pod and
 * only the shared DPU capacities make branching necessary. Pods with more
 * placements than CFG_MAX use the x/h/z/s rows above.
 */
#define CFG_MAX 1024
#define NRES (3 * HP_PLAN_MAX_PUS) /* cpu, memory, link per PU */

struct podcfg {
	unsigned ufirst, un;     /* its units */
	unsigned *edges, ne;     /* its unit edges */
	unsigned first, n;       /* its configurations in cfgs[] */
	int greedy;              /* configuration of the greedy placement, -1 */
};

struct cfg {
	double gain;
	double use[NRES];
	int *upu; /* un entries */
	bool dead;
	int col;
};

/* Gain and resource use of a pod placement; false if it breaks the latency budget. */
static bool cfg_eval(const struct hp_plan_problem *p, const struct units *s,
		     const struct podcfg *pc, const int *upu, struct cfg *c)
{
	double lat = 0, budget;

	c->gain = 0;
	memset(c->use, 0, sizeof(c->use));
	for (unsigned i = 0; i < pc->un; i++) {
		const struct unit *u = &s->u[pc->ufirst + i];
		int d = upu[i];

		if (d == HP_PLAN_HOST)
			continue;
		c->gain += u->gain;
		c->use[3 * d] += u->cpu / p->pu[d].speed;
		c->use[3 * d + 1] += u->mem;
	}
	for (unsigned i = 0; i < pc->ne; i++) {
		const struct uedge *e = &s->e[pc->edges[i]];
		int da = upu[e->u - pc->ufirst], db = upu[e->v - pc->ufirst];

		if (da == db)
			continue;
		lat += e->lat;
		if (da == HP_PLAN_HOST || db == HP_PLAN_HOST)
			c->gain -= e->cost;
		for (int side = 0; side < 2; side++) {
			int d = side ? db : da;

			if (d == HP_PLAN_HOST)
				continue;
			c->use[3 * d] += e->cost / p->pu[d].speed;
			c->use[3 * d + 2] += e->bytes;
		}
	}
	budget = p->pods[s->u[pc->ufirst].pod].latency_budget_us;
	return budget < 0 || lat <= budget + 1e-7 * fmax(1.0, budget);
}

static bool cfg_dominates(const struct cfg *a, const struct cfg *b, unsigned npu)
{
	if (a->gain < b->gain)
		return false;
	for (unsigned r = 3; r < 3 * npu; r++)
		if (a->use[r] > b->use[r])
			return false;
	return true;
}

/* Enumerate a pod's placements; -E2BIG when it has more than CFG_MAX. */
static int cfg_enumerate(const struct hp_plan_problem *p, const struct units *s,
			 struct podcfg *pc, struct cfg **cfgs, unsigned *n, unsigned *cap,
			 int **pool, size_t *pool_n, size_t *pool_cap)
{
	unsigned npu = p->n_pus, all = (1u << npu) - 1;
	double combos = 1;
	int cur[64];
	unsigned u;

	if (pc->un > 64)
		return -E2BIG;
	for (u = 0; u < pc->un; u++)
		combos *= __builtin_popcount(s->u[pc->ufirst + u].allowed & all);
	if (combos > CFG_MAX)
		return -E2BIG;
	pc->first = *n;
	for (u = 0; u < pc->un; u++)
		cur[u] = __builtin_ctz(s->u[pc->ufirst + u].allowed);
	for (;;) {
		struct cfg c = { 0 };

		if (cfg_eval(p, s, pc, cur, &c)) {
			if (*n == *cap) {
				unsigned nc = *cap ? *cap * 2 : 1024;
				struct cfg *na = reallocarray(*cfgs, nc, sizeof(**cfgs));

				if (!na)
					return -ENOMEM;
				*cfgs = na;
				*cap = nc;
			}
			if (*pool_n + pc->un > *pool_cap) {
				size_t nc = (*pool_cap + pc->un) * 2;
				int *np = reallocarray(*pool, nc, sizeof(int));

				if (!np)
					return -ENOMEM;
				*pool = np;
				*pool_cap = nc;
			}
			memcpy(*pool + *pool_n, cur, pc->un * sizeof(int));
			c.upu = (int *)(uintptr_t)*pool_n; /* an offset until the pool settles */
			*pool_n += pc->un;
			(*cfgs)[(*n)++] = c;
		}
		for (u = 0; u < pc->un; u++) {
			unsigned allowed = s->u[pc->ufirst + u].allowed & all;
			unsigned rest = allowed & ~((2u << cur[u]) - 1);

			if (rest) {
				cur[u] = __builtin_ctz(rest);
				break;
			}
			cur[u] = __builtin_ctz(allowed);
		}
		if (u == pc->un)
			break;
	}
	pc->n = *n - pc->first;
	/* Drop dominated placements (the first of equal ones stays). */
	for (unsigned i = pc->first; i < *n; i++) {
		for (unsigned j = pc->first; j < *n && !(*cfgs)[i].dead; j++) {
			if (i == j || (*cfgs)[j].dead)
				continue;
			if (cfg_dominates(&(*cfgs)[j], &(*cfgs)[i], npu) &&
			    (j < i || !cfg_dominates(&(*cfgs)[i], &(*cfgs)[j], npu)))
				(*cfgs)[i].dead = true;
		}
	}
	return 0;
}

/* ---- the incumbent heuristic ------------------------------------------------ */

/*
 * Branch and bound can only prune against an incumbent, and GLPK's own
 * rounding heuristic cannot satisfy the millicore rows. So when every pod that
 * may move is a configuration pod, the callback builds placements itself from
 * the LP solution of a node: each pod takes its configuration with the
 * largest LP value; resources over capacity are repaired by the cheapest
 * downgrades; then, while the objective improves: sweeps of single moves (one
 * pod to another configuration), the best pair of moves (found by sorting on
 * the CPU they add to a DPU), and a dynamic program that fills each DPU to
 * the millicore with at most one move per pod (heur_fill). At the root a few
 * random kicks follow (iterated local search). Every placement is rechecked
 * from scratch against the rows before GLPK sees it.
 */
#define FILL_W 1024    /* heur_fill: millicores either way */
#define HEUR_KICKS 20  /* kicks of the iterated local search, at the root ... */
#define KICK_SHARE 16  /* ... in a sixteenth of the time left at most */
#define HEUR_FAILS 3   /* failed runs in a row before ... */
#define HEUR_PERIOD 32 /* ... the heuristic runs on every 32nd node only */
#define GROUP_LEAVES (1ul << 20) /* group bound: choices looked at, at most */
#define GROUP_TRIES 16          /* its choices the heuristic tries to build */
#define GROUP_RETRY 4		/* out of choices at a gap: again below 1/4 of it */
#define GROUP_FIRST 1024	/* its first limit: 1/1024 of the gap ... */
#define GROUP_GROW 8		/* ... then 8 times the last ... */
#define GROUP_TIES 8		/* ... or the gap, after one using 1/8 of its choices */
#define GROUP_PRICES 12		/* group_fill: doublings of memory's price, at most */
#define GROUP_BISECT 8		/* ... then halvings of the interval it is in */
#define LNS_PODS 12             /* pods free in a neighbourhood, at first */
#define LNS_NODES (1ul << 16)   /* the packing search's nodes in one neighbourhood */
#define LNS_FAILS 16            /* neighbourhoods in a row without a better placement */
#define LNS_NODES_TOTAL (8ul << 20) /* over a solve */
#define PACK_ROUNDS 7 /* the packing search's limits: 1/64 of the way to the gap, 1/32, ... */
#define PACK_NODES_TOTAL (12ul << 20) /* the packing bound's search, over a solve (~0.8 s) */
#define SUR_NODES_TOTAL (4ul << 20)   /* the surrogate bound's, over a solve */
#define MEET_WORK_TOTAL (64ul << 20)  /* meeting in the middle: changes and pairs, over a solve */
/* (and as much for sur_refine's) */
/* Lists this long in a half are joined below the next limit too (they grow ~4 times a step). */
#define MEET_BEYOND_FROM (HP_GROUP_MEET_ENTRIES / 4)
#define SUR_SPLIT_NODES (8ul << 20)    /* splitting the surrogate's least packing among the DPUs */
#define SPLIT_SHARE 4		       /* ... in a quarter of the time left at most */
#define REFINE_SPLIT_NODES (1ul << 20) /* ... and each packing sur_refine looks at */
#define SUR_WEAK 16		      /* its value 1/16 of the gap above the LP's: fewer rows */
#define SUR_TIE 1024		      /* memory's price may raise it by 1/1024 of the gap */
#define REFINE_SHARE 4		      /* sur_refine: no round after one taking 1/4 of the time */
#define REFINE_HALVINGS 4	      /* ... then halfway back, 4 times at most */
#define REFINE_KEEP_MAX 16384	      /* ... and at most */
#define SPLIT_ROUNDS 200	      /* ... first by local search (sur_place) */
#define SPLIT_MITM 32		      /* ... pods it rebalances two DPUs with */
#define SPLIT_REBALANCE 64	      /* ... at every 64th local optimum */
#define SPLIT_OFF_GRID 10	      /* ... of them off the millicore grid, at most */
#define SPLIT_LOOKS (1ul << 20)	      /* ... their choices it checks whole, at most */
#define TEARDOWN_NS 40		      /* the answer taken and the model released, per nonzero */
#define BRANCH_NS 1000		      /* GLPK's choice of a column to branch on, per nonzero */
#define HAND_SLACK_MS 2		      /* a search's last look at the clock, past its stop */

struct keyed {
	double key;
	unsigned m;
};
struct heur;
static void heur_set(struct heur *h, const int *choice);

/*
 * What pack_min's meeting in the middle on one group learnt: the limit from
 * which its lists overflowed, and its last join of lists that fit beyond
 * their limit (listed below list, joined below limit: the least found, m,
 * and its choice).
 */
struct meet_memo {
	double fail;
	double list, limit, m;
	unsigned *choice;
};

struct heur {
	struct lp *lp;
	const struct hp_plan_problem *p;
	const struct units *s;
	const int *upu;          /* greedy incumbent, NULL if none */
	const struct podcfg *pcs;
	const struct cfg *cfgs;
	const bool *cfg_pod;
	const int *int_row;      /* per DPU: the row defining its millicore count, 0 */
	const int *int_col;      /* its integer column */
	/*
	 * The other nonzeros of those rows, for heur_hand (it had looked for
	 * them among all 466,000 of 2000 containers on four DPUs at every
	 * hand-over): each with its DPU.
	 */
	struct int_nz {
		int col;
		unsigned d;
		double a;
	} * int_nz;
	size_t n_int_nz;
	unsigned npu, nres;
	bool cfg_only;           /* every pod with columns chooses a configuration */
	bool given;
	unsigned ncalls, fails;
	double cap[NRES];
	int *choice;             /* per pod: its configuration, -1 */
	double use[NRES];
	struct hmove *moves;
	unsigned n_moves;
	struct keyed *order, *order_tmp; /* heur_two's moves by key, and room to sort them */
	unsigned *pre1, *pre2;
	uint64_t rng;
	double *fill_dp;          /* heur_fill: two rows of the table */
	double fill_price[HP_PLAN_MAX_PUS]; /* ... what memory costs in it, per byte and DPU */
	int *fill_pick, *fill_delta, *fill_save;
	double best_bound;        /* GLPK's global bound at the last callback */
	struct hp_group grp;      /* the group bound (group_build), n_rows 0 if none */
	double *sur_res;	  /* the surrogate bound's options' memory and link */
	unsigned *sur_from;	  /* ... and which of grp's each one is */
	unsigned *grp_cfg;        /* its options' configurations */
	double *grp_res;          /* their memory and link use, grp.res */
	long long *ccount;        /* per configuration and DPU: its millicore steps */
	unsigned *grp_best;       /* the group bound's choice, per pod */
	unsigned grp_tries;
	unsigned long pack_budget; /* nodes the packing bound may still search */
	unsigned long lns_budget;  /* nodes its neighbourhood search may still search */
	unsigned long meet_budget; /* what meeting in the middle may still do (pack_min) */
	struct meet_memo grp_meet, sur_meet; /* meeting in the middle on grp and sur */
	double deadline;          /* hp_now_ms() at the time limit */
	/*
	 * When the callback last returned, and the longest GLPK has taken
	 * between two of its calls (milp_callback).
	 */
	double cb_out, glpk_ms;
	double branch_ms;	  /* what GLPK's branching may take (BRANCH_NS a nonzero) */
	unsigned threads;	  /* the packing search's and meeting's (hp_plan_threads) */
	double submit_ms;	  /* what handing GLPK a placement took, at most */
	double rebalance_ms;	  /* sur_rebalance listing and sorting its halves, at most */
	double step_ms;		  /* what a pass of heur_local or a heur_fill took, at most */
	double grp_z;             /* the root LP's value, from its duals */
	double grp_inc;           /* the incumbent it last ran against */
	double grp_bound;         /* the bound it gave */
	double grp_fail;	  /* the gap at which it last ran out of choices */
	double grp_gap, grp_m;	  /* the gap of its last search, and the least below it */
	bool grp_ties;		  /* a small limit pruned few of its choices (group_min) */
	double pack_lb;           /* no placement has a smaller penalty (packing search) */
	const char *grp_proven;   /* which bound proved the incumbent optimal, NULL */
	struct hp_group sur;	  /* the surrogate bound (sur_build), n_rows 0 if none */
	unsigned sur_cpu;	  /* ... which DPUs' CPU rows it sums (bit d) */
	unsigned sur_in;	  /* ... and which memory and link rows (bit j of grp.res) */
	unsigned res_tight;	  /* grp.res's rows at their bound in the root LP (bit j) */
	double sur_z;		  /* its LP value */
	double sur_lb;		  /* no packing (sur_refine: split) has a smaller penalty */
	bool sur_exact;		  /* ... and sur_lb is its least (the search finished) */
	double refine_gap;	  /* the gap sur_refine last ran at */
	double refine_fail;	  /* the limit from which its lists overflowed or it got stuck */
	unsigned long refine_budget; /* what its meeting in the middle may still do */
	unsigned refine_halvings;    /* of the way to refine_fail, so far */
	size_t refine_keep;	     /* the packings it keeps to refine */
	unsigned long sur_budget; /* nodes its search may still visit */
};

struct hmove {
	unsigned pod;
	int to;
	double dgain;
	double key;
};

static bool heur_fits(const struct heur *h, const double *use)
{
	for (unsigned r = 3; r < h->nres; r++)
		if (use[r] > h->cap[r])
			return false;
	return true;
}

/* Would the pod's resources fit after moving from configuration a to b? */
static bool heur_fits_move(const struct heur *h, const double *use, const struct cfg *a,
			   const struct cfg *b)
{
	for (unsigned r = 3; r < h->nres; r++)
		if (use[r] - a->use[r] + b->use[r] > h->cap[r])
			return false;
	return true;
}

static void heur_apply(struct heur *h, unsigned pod, int to)
{
	const struct cfg *a = &h->cfgs[h->choice[pod]], *b = &h->cfgs[to];

	for (unsigned r = 3; r < h->nres; r++)
		h->use[r] += b->use[r] - a->use[r];
	h->choice[pod] = to;
}

/* splitmix64, for the kicks: the same on every run */
static uint64_t heur_rand(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Every configuration of every pod is a move (the current one does nothing). */
static int heur_collect_moves(struct heur *h)
{
	const struct hp_plan_problem *p = h->p;
	unsigned n = 0;

	for (unsigned i = 0; i < p->n_pods; i++)
		for (unsigned k = h->pcs[i].first; k < h->pcs[i].first + h->pcs[i].n; k++)
			n += h->cfgs[k].col != 0 && h->cfg_pod[i];
	h->moves = calloc(n ? n : 1, sizeof(*h->moves));
	h->order = calloc(n ? n : 1, sizeof(*h->order));
	h->order_tmp = calloc(n ? n : 1, sizeof(*h->order_tmp));
	h->pre1 = calloc(n ? n : 1, sizeof(unsigned));
	h->pre2 = calloc(n ? n : 1, sizeof(unsigned));
	if (!h->moves || !h->order || !h->order_tmp || !h->pre1 || !h->pre2)
		return -ENOMEM;
	/* heur_fill's table: 6 MiB at 2000 containers; none past 256 MiB */
	if ((size_t)p->n_pods * (2 * FILL_W + 1) <= (64u << 20)) {
		h->fill_dp = calloc(2 * (2 * FILL_W + 1), sizeof(double));
		h->fill_pick = calloc((size_t)(p->n_pods ? p->n_pods : 1) * (2 * FILL_W + 1),
				      sizeof(int));
		h->fill_delta = calloc(n ? n : 1, sizeof(int));
		h->fill_save = calloc(p->n_pods ? p->n_pods : 1, sizeof(int));
		if (!h->fill_dp || !h->fill_pick || !h->fill_delta || !h->fill_save)
			return -ENOMEM;
	}
	for (unsigned i = 0; i < p->n_pods; i++)
		for (unsigned k = h->pcs[i].first; k < h->pcs[i].first + h->pcs[i].n; k++)
			if (h->cfgs[k].col && h->cfg_pod[i])
				h->moves[h->n_moves++] = (struct hmove){ .pod = i, .to = (int)k };
	return 0;
}

/* Sweep the pods, each to its best configuration that fits; false if none moved. */
static bool heur_one(struct heur *h)
{
	bool moved = false;

	for (unsigned m = 0; m < h->n_moves;) {
		unsigned pod = h->moves[m].pod;
		double best = 1e-9;
		int bk = -1;

		for (; m < h->n_moves && h->moves[m].pod == pod; m++) {
			const struct cfg *a = &h->cfgs[h->choice[pod]], *b = &h->cfgs[h->moves[m].to];

			if (b->gain - a->gain > best && heur_fits_move(h, h->use, a, b)) {
				best = b->gain - a->gain;
				bk = h->moves[m].to;
			}
		}
		if (bk >= 0) {
			heur_apply(h, pod, bk);
			moved = true;
		}
	}
	return moved;
}

static int cmp_keyed(const void *a, const void *b)
{
	double x = ((const struct keyed *)a)->key, y = ((const struct keyed *)b)->key;

	return x < y ? -1 : x > y;
}

/* x's bits, ordered as x is (-0 as 0; no NaN). */
static uint64_t key_bits(double x)
{
	uint64_t u;

	if (x == 0)
		x = 0;
	memcpy(&u, &x, sizeof(u));
	return u >> 63 ? ~u : u | 1ull << 63;
}

/*
 * Sort n keyed by key, stably (tmp as large): 11 bits a pass from the
 * least significant, passes that all keys share skipped. With qsort,
 * heur_two took 38 ms a call on 2000 containers with four DPUs; 28 now.
 */
static void keyed_sort(struct keyed *a, struct keyed *tmp, size_t n)
{
	struct keyed *from = a, *to = tmp, *t;
	size_t count[1u << 11];

	for (unsigned shift = 0; shift < 64 && n; shift += 11) {
		size_t sum = 0;

		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++)
			count[key_bits(from[i].key) >> shift & 2047]++;
		if (count[key_bits(from[0].key) >> shift & 2047] == n)
			continue;
		for (size_t d = 0; d < 2048; d++) {
			size_t c = count[d];

			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			to[count[key_bits(from[i].key) >> shift & 2047]++] = from[i];
		t = from;
		from = to;
		to = t;
	}
	if (from != a)
		memcpy(a, from, n * sizeof(*a));
}

/*
 * Best improving pair of moves of two pods, looked up per DPU: moves sorted
 * by the CPU they add to it, with the best gain of every prefix (and the best
 * from another pod), so each move finds the best partner that leaves room.
 */
static bool heur_two(struct heur *h)
{
	double best = 1e-9;
	int bu = -1, bv = -1;

	for (unsigned d = 1; d < h->npu; d++) {
		unsigned r = 3 * d, n = h->n_moves;
		double slack = h->cap[r] - h->use[r];

		for (unsigned m = 0; m < n; m++) {
			struct hmove *mv = &h->moves[m];

			mv->key = h->cfgs[mv->to].use[r] - h->cfgs[h->choice[mv->pod]].use[r];
			mv->dgain = h->cfgs[mv->to].gain - h->cfgs[h->choice[mv->pod]].gain;
			h->order[m] = (struct keyed){ mv->key, m };
		}
		keyed_sort(h->order, h->order_tmp, n);
		for (unsigned j = 0; j < n; j++) {
			unsigned m = h->order[j].m;
			unsigned b1 = j ? h->pre1[j - 1] : m, b2 = j ? h->pre2[j - 1] : UINT32_MAX;

			if (!j) {
				h->pre1[j] = m;
				h->pre2[j] = UINT32_MAX;
				continue;
			}
			if (h->moves[m].dgain > h->moves[b1].dgain) {
				if (h->moves[m].pod != h->moves[b1].pod)
					b2 = b1;
				b1 = m;
			} else if (h->moves[m].pod != h->moves[b1].pod &&
				   (b2 == UINT32_MAX || h->moves[m].dgain > h->moves[b2].dgain)) {
				b2 = m;
			}
			h->pre1[j] = b1;
			h->pre2[j] = b2;
		}
		for (unsigned m = 0; m < n; m++) {
			const struct hmove *u = &h->moves[m];
			double t = slack - u->key;
			unsigned lo = 0, hi = n, c;

			if (u->dgain <= 0)
				continue;
			while (lo < hi) { /* first index with key > t */
				unsigned mid = (lo + hi) / 2;

				if (h->order[mid].key <= t)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (!lo)
				continue;
			c = h->pre1[lo - 1];
			if (h->moves[c].pod == u->pod)
				c = h->pre2[lo - 1];
			if (c == UINT32_MAX || u->dgain + h->moves[c].dgain <= best)
				continue;
			{
				const struct hmove *v = &h->moves[c];
				double use[NRES];

				memcpy(use, h->use, sizeof(use));
				for (unsigned q = 3; q < h->nres; q++)
					use[q] += h->cfgs[u->to].use[q] -
						  h->cfgs[h->choice[u->pod]].use[q] +
						  h->cfgs[v->to].use[q] -
						  h->cfgs[h->choice[v->pod]].use[q];
				if (!heur_fits(h, use))
					continue;
				best = u->dgain + v->dgain;
				bu = (int)m;
				bv = (int)c;
			}
		}
	}
	if (bu < 0)
		return false;
	heur_apply(h, h->moves[bu].pod, h->moves[bu].to);
	heur_apply(h, h->moves[bv].pod, h->moves[bv].to);
	return true;
}

/*
 * The fill tables (heur_fill, heur_exact): dp[j] is the best gain of a change
 * of j - FILL_W steps, less fill_price times the memory it adds on each DPU.
 * One row adds a pod's moves first..m-1 (fill_delta: their steps, INT32_MAX
 * for none) at most once; pick records which move.
 */
static void fill_add_row(struct heur *h, unsigned first, unsigned m, const struct cfg *from,
			 unsigned row)
{
	const unsigned S = 2 * FILL_W + 1;
	double *dp = h->fill_dp, *nd = h->fill_dp + S;
	int *pick = h->fill_pick + (size_t)row * S;

	memcpy(nd, dp, S * sizeof(double));
	memset(pick, 0, S * sizeof(int));
	for (unsigned k = first; k < m; k++) {
		const struct cfg *to = &h->cfgs[h->moves[k].to];
		int dl = h->fill_delta[k];
		double g = to->gain - from->gain;

		for (unsigned d = 1; d < h->npu; d++)
			g -= h->fill_price[d] * (to->use[3 * d + 1] - from->use[3 * d + 1]);

		if (dl == INT32_MAX)
			continue;
		for (int j = dl < 0 ? -dl : 0; j < (int)S && j + dl < (int)S; j++) {
			if (dp[j] == -INFINITY || dp[j] + g <= nd[j + dl])
				continue;
			nd[j + dl] = dp[j] + g;
			pick[j + dl] = (int)k + 1;
		}
	}
	memcpy(dp, nd, S * sizeof(double));
}

/* Apply the moves the rows picked to reach entry j. */
static void fill_apply(struct heur *h, unsigned rows, unsigned j)
{
	const unsigned S = 2 * FILL_W + 1;

	for (unsigned k = rows; k-- > 0;) {
		int m = h->fill_pick[(size_t)k * S + j];

		if (!m)
			continue;
		m--;
		j -= h->fill_delta[m];
		heur_apply(h, h->moves[m].pod, h->moves[m].to);
	}
}

/*
 * Fill a DPU to the millicore: at most one move per pod, chosen by dynamic
 * programming over the change of the DPU's CPU in steps of one host
 * millicore (rounded up, so that what fits the table fits the DPU) within
 * FILL_W steps either way, maximising the gain. Moves that add CPU to another
 * DPU are left out; the result is checked against every resource and undone
 * if it does not fit.
 */
static bool heur_fill(struct heur *h, unsigned d)
{
	const struct hp_plan_problem *p = h->p;
	const unsigned S = 2 * FILL_W + 1, r = 3 * d;
	double speed = p->pu[d].speed, slack = h->cap[r] - h->use[r], lim_d;
	double *dp = h->fill_dp;
	int lim, best_j = -1;
	unsigned row = 0;
	double best = 1e-9;

	if (!h->fill_pick)
		return false;
	lim_d = floor(slack * speed * 1000 + 1e-6);
	lim = lim_d > FILL_W ? FILL_W : lim_d < 0 ? 0 : (int)lim_d;
	for (unsigned j = 0; j < S; j++)
		dp[j] = -INFINITY;
	dp[FILL_W] = 0;
	for (unsigned m = 0; m < h->n_moves;) {
		unsigned pod = h->moves[m].pod, first = m;
		const struct cfg *a = &h->cfgs[h->choice[pod]];
		bool any = false;

		for (; m < h->n_moves && h->moves[m].pod == pod; m++) {
			const struct cfg *b = &h->cfgs[h->moves[m].to];
			double dl = (b->use[r] - a->use[r]) * speed * 1000;
			bool other = false;

			h->fill_delta[m] = INT32_MAX;
			if (b == a || fabs(dl) > FILL_W)
				continue;
			for (unsigned e = 1; e < h->npu && !other; e++)
				other = e != d && b->use[3 * e] > a->use[3 * e];
			if (other)
				continue;
			h->fill_delta[m] = (int)ceil(dl - 1e-6);
			any = true;
		}
		if (!any)
			continue;
		fill_add_row(h, first, m, a, row++);
	}
	for (int j = 0; j <= FILL_W + lim; j++)
		if (dp[j] > best) {
			best = dp[j];
			best_j = j;
		}
	if (best_j < 0)
		return false;
	memcpy(h->fill_save, h->choice, p->n_pods * sizeof(int));
	fill_apply(h, row, (unsigned)best_j);
	if (!heur_fits(h, h->use)) {
		heur_set(h, h->fill_save);
		return false;
	}
	return true;
}

/*
 * Is it too late to improve the placement: would handing it to GLPK end
 * past the limit? (That took 51 ms of a 2000-container four-DPU model.)
 */
static bool heur_late(const struct heur *h)
{
	return hp_now_ms() + h->submit_ms >= h->deadline;
}

/*
 * Would one more step of the local search or the fills, as long as the
 * longest so far, and handing over the placement end past the limit? At
 * 5000 containers with three DPUs a pass of the local search took 12 ms
 * and a fill 10, begun just before it.
 */
static bool heur_step_late(const struct heur *h)
{
	return hp_now_ms() + h->step_ms + h->submit_ms >= h->deadline;
}

/*
 * When a search whose find is handed to GLPK after it ends must stop (the
 * packing bound's, the neighbourhood search's and the refinement's): the
 * longest hand-over before the limit, and HAND_SLACK_MS more for its last
 * look at the clock. Run to the limit, the packing search of two DPUs
 * short of memory, 200 containers, seed 15, found the optimum too late to
 * hand it over. A proof they would have finished in that stretch is lost
 * (under 3 ms on small models).
 */
static double heur_stop(const struct heur *h)
{
	return h->deadline - h->submit_ms - HAND_SLACK_MS;
}

/* When a step given a share-th of the time left, from now, must stop. */
static double heur_share(const struct heur *h, double share)
{
	double now = hp_now_ms();

	return now + (h->deadline - now) / share;
}

/* A step begun at t is over. */
static void heur_step(struct heur *h, double t)
{
	h->step_ms = fmax(h->step_ms, hp_now_ms() - t);
}

/* heur.int_nz, from the model's nonzeros. */
static int int_nz_build(struct heur *h)
{
	const struct lp *lp = h->lp;
	size_t n = 0;

	for (int k = 1; k <= lp->nz; k++)
		for (unsigned d = 1; d < h->npu; d++)
			n += lp->ia[k] == h->int_row[d] && lp->ja[k] != h->int_col[d];
	h->int_nz = calloc(n ? n : 1, sizeof(*h->int_nz));
	if (!h->int_nz)
		return -ENOMEM;
	for (int k = 1; k <= lp->nz; k++)
		for (unsigned d = 1; d < h->npu; d++)
			if (lp->ia[k] == h->int_row[d] && lp->ja[k] != h->int_col[d])
				h->int_nz[h->n_int_nz++] =
				    (struct int_nz){.col = lp->ja[k], .d = d, .a = lp->ar[k]};
	return 0;
}

/*
 * Hand GLPK a placement, its columns x with the millicore counts (int_col)
 * still to fill in from them; GLPK's check of it is timed (heur_late).
 * Not when it would end past the limit: placements the searches built as
 * the time ran out were handed over 10-40 ms past it (two DPUs short of
 * memory, 1000 containers, seed 1, with the other core busy).
 */
static int heur_hand(struct heur *h, glp_tree *tree, double *x)
{
	double t;
	int r;

	if (heur_late(h))
		return -ETIME;
	for (size_t k = 0; k < h->n_int_nz; k++)
		x[h->int_col[h->int_nz[k].d]] += h->int_nz[k].a * x[h->int_nz[k].col];
	t = hp_now_ms();
	r = glp_ios_heur_sol(tree, x);
	h->submit_ms = fmax(h->submit_ms, hp_now_ms() - t);
	return r;
}

/* Resources over capacity: the cheapest downgrade per unit freed, until it fits. */
static bool heur_repair(struct heur *h)
{
	const struct hp_plan_problem *p = h->p;

	for (unsigned iter = 0; iter < 4 * p->n_pods + 16 && !heur_late(h); iter++) {
		double worst = 0, excess, best = INFINITY;
		unsigned r = 0;
		int bp = -1, bk = -1;

		for (unsigned q = 3; q < h->nres; q++) {
			double e = (h->use[q] - h->cap[q]) / fmax(h->cap[q], 1e-9);

			if (h->use[q] > h->cap[q] && e > worst) {
				worst = e;
				r = q;
			}
		}
		if (!r)
			return true;
		excess = h->use[r] - h->cap[r];
		for (unsigned i = 0; i < p->n_pods; i++) {
			const struct podcfg *pc = &h->pcs[i];
			const struct cfg *a;

			if (h->choice[i] < 0)
				continue;
			a = &h->cfgs[h->choice[i]];
			for (unsigned k = pc->first; k < pc->first + pc->n; k++) {
				const struct cfg *b = &h->cfgs[k];
				double freed = a->use[r] - b->use[r], score;
				bool worse = false;

				if (!b->col || freed <= 0)
					continue;
				/* never add to a resource over capacity, nor push one over */
				for (unsigned q = 3; q < h->nres && !worse; q++)
					worse = b->use[q] > a->use[q] &&
						(h->use[q] > h->cap[q] ||
						 h->use[q] - a->use[q] + b->use[q] > h->cap[q]);
				if (worse)
					continue;
				score = (a->gain - b->gain) / fmin(freed, excess);
				if (score < best) {
					best = score;
					bp = (int)i;
					bk = (int)k;
				}
			}
		}
		if (bp < 0)
			return false;
		heur_apply(h, (unsigned)bp, bk);
	}
	return false;
}

/* Single and paired moves while they improve, up to the time limit. */
static double heur_gain(const struct heur *h);
static void heur_local(struct heur *h)
{
	for (unsigned pass = 0; pass < 64 && !heur_step_late(h); pass++) {
		double t = hp_now_ms();
		bool two;

		for (unsigned it = 0; it < 64 && heur_one(h); it++)
			;
		two = heur_two(h);
		heur_step(h, t);
		if (!two)
			break;
	}
}

static double heur_gain(const struct heur *h)
{
	double g = 0;

	for (unsigned i = 0; i < h->p->n_pods; i++)
		if (h->choice[i] >= 0)
			g += h->cfgs[h->choice[i]].gain;
	return g;
}

static void heur_set(struct heur *h, const int *choice)
{
	memcpy(h->choice, choice, h->p->n_pods * sizeof(int));
	memset(h->use, 0, sizeof(h->use));
	for (unsigned i = 0; i < h->p->n_pods; i++)
		if (h->choice[i] >= 0)
			for (unsigned r = 3; r < h->nres; r++)
				h->use[r] += h->cfgs[h->choice[i]].use[r];
}

/*
 * Iterated local search: a local optimum of single and paired moves often
 * leaves a few millicores of a DPU unused that three or more moves would
 * fill. Kick a few random pods to other configurations that fit, search
 * again, keep the better placement; stop at the node's bound.
 */
static void heur_kicks(struct heur *h, glp_tree *tree)
{
	const struct hp_plan_problem *p = h->p;
	_cleanup_free_ int *best = malloc(p->n_pods * sizeof(int));
	double best_gain = heur_gain(h);
	double bound = glp_ios_node_bound(tree, glp_ios_curr_node(tree));
	/*
	 * Not all they may take: three DPUs short of memory, 2000 containers,
	 * took 0.34-0.45 s for 20 kicks that found nothing better, and so did
	 * four DPUs, 2000 containers, seed 4 (0.56 s). On 100-200 containers,
	 * where they do find better, 20 take a few milliseconds.
	 */
	double stop = heur_share(h, KICK_SHARE);
	unsigned kicks = HEUR_KICKS;

	if (!best)
		return;
	memcpy(best, h->choice, p->n_pods * sizeof(int));
	for (unsigned k = 0; k < kicks && best_gain < bound - 1e-9 * (1 + fabs(bound)) &&
			     !heur_late(h) && hp_now_ms() < stop;
	     k++) {
		double g;

		for (unsigned j = 0; j < 3 && h->n_moves; j++) {
			const struct hmove *mv = &h->moves[heur_rand(&h->rng) % h->n_moves];

			if (h->choice[mv->pod] != mv->to &&
			    heur_fits_move(h, h->use, &h->cfgs[h->choice[mv->pod]], &h->cfgs[mv->to]))
				heur_apply(h, mv->pod, mv->to);
		}
		heur_local(h);
		g = heur_gain(h);
		if (g > best_gain + 1e-9) {
			best_gain = g;
			memcpy(best, h->choice, p->n_pods * sizeof(int));
		} else {
			heur_set(h, best);
		}
	}
	heur_set(h, best);
}

/* Build a placement from the node's LP solution and hand it to GLPK. */
static bool heur_submit(struct heur *h, glp_tree *tree);
static bool heur_run(struct heur *h, glp_tree *tree)
{
	const struct hp_plan_problem *p = h->p;
	glp_prob *mp = glp_ios_get_prob(tree);

	memset(h->use, 0, sizeof(h->use));
	for (unsigned i = 0; i < p->n_pods; i++) {
		const struct podcfg *pc = &h->pcs[i];
		double bv = -1;

		h->choice[i] = -1;
		for (unsigned k = pc->first; k < pc->first + pc->n; k++) {
			const struct cfg *c = &h->cfgs[k];
			double v;

			if (!c->col)
				continue;
			v = glp_get_col_prim(mp, c->col);
			if (v > bv + 1e-9 || (v > bv - 1e-9 && c->gain > h->cfgs[h->choice[i]].gain)) {
				bv = v;
				h->choice[i] = (int)k;
			}
		}
		if (h->choice[i] >= 0)
			for (unsigned r = 3; r < h->nres; r++)
				h->use[r] += h->cfgs[h->choice[i]].use[r];
	}
	if (!heur_repair(h))
		return false;
	heur_local(h);
	for (unsigned it = 0; it < 8 && !heur_step_late(h); it++) {
		bool better = false;

		for (unsigned d = 1; d < h->npu && !heur_step_late(h); d++) {
			double t = hp_now_ms();

			better |= heur_fill(h, d);
			heur_step(h, t);
		}
		if (!better)
			break;
		heur_local(h);
	}
	if (h->ncalls == 1)
		heur_kicks(h, tree); /* at the root only: they cost more than a node */
	return heur_submit(h, tree);
}

/* Hand the heuristic's placement to GLPK, rechecked from scratch in the LP's own terms. */
static bool heur_submit(struct heur *h, glp_tree *tree)
{
	const struct hp_plan_problem *p = h->p;
	struct lp *lp = h->lp;
	_cleanup_free_ double *x = calloc(lp->ncols + 1, sizeof(double));
	double use[NRES] = { 0 };

	if (!x)
		return false;
	for (unsigned i = 0; i < p->n_pods; i++) {
		const struct cfg *c;

		if (h->choice[i] < 0)
			continue;
		c = &h->cfgs[h->choice[i]];
		x[c->col] = 1;
		for (unsigned r = 3; r < h->nres; r++)
			use[r] += c->use[r];
	}
	if (!heur_fits(h, use))
		return false;
	return heur_hand(h, tree, x) == 0;
}

/* The greedy placement, as GLPK's column values. */
static void heur_greedy(struct heur *h, glp_tree *tree)
{
	const struct units *s = h->s;
	struct lp *lp = h->lp;
	_cleanup_free_ double *x = calloc(lp->ncols + 1, sizeof(double));

	if (!x)
		return;
	for (int col = 1; col <= lp->ncols; col++) {
		unsigned u = lp->ku[col], d = lp->kd[col];
		int pa, pb;

		switch (lp->kind[col]) {
		case 0:
			x[col] = h->upu[u] == (int)d;
			break;
		case 1: /* h: edge u crosses the host boundary */
			pa = h->upu[s->e[u].u];
			pb = h->upu[s->e[u].v];
			x[col] = (pa == HP_PLAN_HOST) != (pb == HP_PLAN_HOST);
			break;
		case 2:
			pa = h->upu[s->e[u].u];
			pb = h->upu[s->e[u].v];
			x[col] = (pa == (int)d) != (pb == (int)d);
			break;
		case 3:
			x[col] = h->upu[s->e[u].u] != h->upu[s->e[u].v];
			break;
		case 4: /* configuration d of pod u */
			x[col] = h->pcs[u].greedy == (int)d;
			break;
		}
	}
	heur_hand(h, tree, x);
}

/* ---- the group bound ---------------------------------------------------------- */

/*
 * With two or more DPUs the LP fills every DPU to the last fraction of a
 * millicore with crossing costs (µs per message, ns per byte), which
 * branching on the millicore counts cannot move: a 20 s search left the
 * bound of a 2000-container instance unmoved, 0.17 millicores above the best
 * placement. This bound accounts for that fraction (Gomory's group
 * relaxation). For any duals y (>= 0 on the <= rows) and the reduced costs
 * d = c - A'y they give, every x that meets the equality rows has
 *
 *   c'x = sum_r y_r b_r - sum_r y_r s_r + sum_j d_j x_j,   s_r >= 0 its slack.
 *
 * Drop the slack of every row but the DPU CPU rows: what is left is an upper
 * bound. A CPU row's load is a whole number n_d of millicore steps (q_d in
 * the row's units) plus the crossing costs f_d of the chosen configurations,
 * so its slack is at least (b_d - f_d) mod q_d, not 0 as in the LP. Per pod,
 * one configuration contributes d_k (and d of the millicore column times its
 * coefficient), so the bound is
 *
 *   sum_r y_r b_r + sum_i max_k v_k - min_choice [sum_i loss(k_i) + sum_d y_d rho_d]
 *
 * with loss(k) = max v - v_k >= 0. Only choices below the incumbent's gap
 * matter, and below it almost every pod has one way to load the CPU rows
 * (group.c). With GLPK's duals the first two terms are the LP bound, and the
 * last is what integrality adds; d is recomputed from y here, so the bound
 * holds whatever rounding went into GLPK's values.
 */
/* What configuration k puts on DPU d's CPU row beyond whole millicore steps. */
static double cfg_fine(const struct heur *h, unsigned k, unsigned d)
{
	return h->cfgs[k].use[3 * d] - (double)h->ccount[(size_t)k * h->npu + d] * h->grp.q[d];
}

static bool cfg_same_fine(const struct heur *h, unsigned a, unsigned b)
{
	for (unsigned d = 1; d < h->npu; d++)
		if (fabs(cfg_fine(h, a, d) - cfg_fine(h, b, d)) > 1e-12 * (1 + fabs(cfg_fine(h, a, d))))
			return false;
	return true;
}

static int cmp_loss(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static int group_build(struct heur *h, const int *cpu_row, const int *mem_row,
		       const int *link_row, long long qg)
{
	const struct hp_plan_problem *p = h->p;
	glp_prob *P = h->lp->prob;
	struct hp_group *g = &h->grp;
	int rows = glp_get_num_rows(P), cols = glp_get_num_cols(P);
	_cleanup_free_ double *y = calloc(rows + 1, sizeof(double));
	_cleanup_free_ double *d = calloc(cols + 1, sizeof(double));
	_cleanup_free_ int *ind = calloc(rows + 1, sizeof(int));
	_cleanup_free_ double *val = calloc(rows + 1, sizeof(double));
	_cleanup_free_ struct keyed *order = NULL;
	double z = 0;
	unsigned n_opts = 0, most = 1;

	if (!y || !d || !ind || !val)
		return -ENOMEM;
	if (!h->cfg_only || qg <= 0 || !h->int_row)
		return 0;
	for (int r = 1; r <= rows; r++) {
		int type = glp_get_row_type(P, r);

		if (type != GLP_FX && type != GLP_UP)
			return 0;
		y[r] = glp_get_row_dual(P, r);
		if (type == GLP_UP && y[r] < 0)
			y[r] = 0;
		z += y[r] * glp_get_row_ub(P, r);
	}
	for (int c = 1; c <= cols; c++) {
		int len;

		if (h->lp->kind[c] != 4 && h->lp->kind[c] != 5)
			return 0; /* a unit outside the configurations */
		d[c] = glp_get_obj_coef(P, c);
		len = glp_get_mat_col(P, c, ind, val);
		for (int k = 1; k <= len; k++)
			d[c] -= val[k] * y[ind[k]];
	}

	g->n_rows = h->npu - 1;
	for (unsigned dd = 1; dd < h->npu; dd++) {
		g->b[dd] = glp_get_row_ub(P, cpu_row[dd]);
		g->q[dd] = (double)qg * 1e-3 / p->pu[dd].speed;
		g->tol[dd] = 1e-7 * fmax(1.0, g->b[dd]); /* as hp_plan_evaluate grants */
		h->cap[3 * dd] = g->b[dd] + g->tol[dd] - 1e-12 * fmax(1.0, g->b[dd]);
		g->y[dd] = y[cpu_row[dd]];
		for (unsigned j = 0; j < 2; j++) {
			unsigned k = 2 * (dd - 1) + j;
			int row = j ? link_row[dd] : mem_row[dd];

			g->res_b[k] = glp_get_row_ub(P, row);
			g->res_tol[k] = h->cap[3 * dd + 1 + j] - g->res_b[k]; /* heur_fits' */
			g->res_y[k] = y[row];
			g->res_row[k] = dd;
			if (glp_get_row_stat(P, row) == GLP_NU)
				h->res_tight |= 1u << k;
		}
	}
	g->n_res = 2 * (h->npu - 1);
	g->n_pods = p->n_pods;
	g->first = calloc(p->n_pods ? p->n_pods : 1, sizeof(unsigned));
	g->n = calloc(p->n_pods ? p->n_pods : 1, sizeof(unsigned));
	for (unsigned i = 0; i < p->n_pods; i++) {
		const struct podcfg *pc = &h->pcs[i];

		if (h->cfg_pod[i] && pc->n > most)
			most = pc->n;
		if (h->cfg_pod[i])
			n_opts += pc->n;
	}
	g->opts = calloc(n_opts ? n_opts : 1, sizeof(*g->opts));
	h->grp_cfg = calloc(n_opts ? n_opts : 1, sizeof(unsigned));
	h->grp_best = calloc(p->n_pods ? p->n_pods : 1, sizeof(unsigned));
	h->grp_res = calloc((size_t)(n_opts ? n_opts : 1) * g->n_res, sizeof(double));
	g->res = h->grp_res;
	order = calloc(most, sizeof(*order));
	if (!g->first || !g->n || !g->opts || !h->grp_cfg || !h->grp_best || !h->grp_res ||
	    !order)
		return -ENOMEM;
	n_opts = 0;
	for (unsigned i = 0; i < p->n_pods; i++) {
		const struct podcfg *pc = &h->pcs[i];
		double vmax = -HUGE_VAL;
		unsigned m = 0;

		g->first[i] = n_opts;
		if (!h->cfg_pod[i])
			continue;
		for (unsigned k = pc->first; k < pc->first + pc->n; k++) {
			const struct cfg *c = &h->cfgs[k];
			double v;

			if (!c->col)
				continue;
			v = d[c->col];
			for (unsigned dd = 1; dd < h->npu; dd++)
				v += d[h->int_col[dd]] * (double)h->ccount[(size_t)k * h->npu + dd];
			order[m].key = v;
			order[m++].m = k;
			vmax = fmax(vmax, v);
		}
		for (unsigned j = 0; j < m; j++)
			order[j].key = vmax - order[j].key;
		qsort(order, m, sizeof(*order), cmp_loss);
		for (unsigned j = 0; j < m; j++) {
			struct hp_group_opt *o = &g->opts[n_opts];

			o->loss = order[j].key;
			for (unsigned dd = 1; dd < h->npu; dd++) {
				const double *use = h->cfgs[order[j].m].use;

				o->m[dd] = h->ccount[(size_t)order[j].m * h->npu + dd];
				o->f[dd] = cfg_fine(h, order[j].m, dd);
				h->grp_res[(size_t)n_opts * g->n_res + 2 * (dd - 1)] = use[3 * dd + 1];
				h->grp_res[(size_t)n_opts * g->n_res + 2 * (dd - 1) + 1] =
				    use[3 * dd + 2];
			}
			h->grp_cfg[n_opts++] = order[j].m;
		}
		g->n[i] = m;
		if (m)
			z += vmax;
	}
	g->n_opts = n_opts;
	h->grp_z = z;
	return 0;
}

/* Does moving from configuration a to b change nothing but DPU d's step count? */
static bool cfg_moves_only(const struct heur *h, unsigned a, unsigned b, unsigned d)
{
	for (unsigned e = 1; e < h->npu; e++)
		if (e != d && h->ccount[(size_t)b * h->npu + e] != h->ccount[(size_t)a * h->npu + e])
			return false;
	return cfg_same_fine(h, a, b);
}

/*
 * Bring DPU d to exactly the most millicore steps its crossing costs leave
 * room for, using only moves that change nothing but its step count (not
 * the crossing costs, not another DPU). Far from the target, whole moves
 * first; then dynamic programming over the change within FILL_W steps either
 * way, at most one move per pod, best gain. The pods that can only add come
 * first, so that a move taking up to 2 FILL_W away can follow them.
 */
static bool heur_exact(struct heur *h, unsigned d)
{
	const struct hp_plan_problem *p = h->p;
	const unsigned S = 2 * FILL_W + 1;
	double *dp = h->fill_dp, f = 0;
	long long n = 0, target;
	unsigned row = 0;
	int j;

	for (unsigned i = 0; i < p->n_pods; i++)
		if (h->choice[i] >= 0) {
			f += cfg_fine(h, (unsigned)h->choice[i], d);
			n += h->ccount[(size_t)h->choice[i] * h->npu + d];
		}
	target = (long long)floor((h->cap[3 * d] - f) / h->grp.q[d]);
	if (target < 0)
		return false;
	for (unsigned m = 0; m < h->n_moves && llabs(target - n) > FILL_W / 2; m++) {
		unsigned a = (unsigned)h->choice[h->moves[m].pod], b = (unsigned)h->moves[m].to;
		long long dl = h->ccount[(size_t)b * h->npu + d] - h->ccount[(size_t)a * h->npu + d];

		if (!dl || (dl > 0) != (target > n) || llabs(dl) > llabs(target - n) - FILL_W / 4 ||
		    !cfg_moves_only(h, a, b, d))
			continue;
		heur_apply(h, h->moves[m].pod, h->moves[m].to);
		n += dl;
	}
	if (llabs(target - n) > FILL_W)
		return false;
	if (target == n)
		return true;
	for (unsigned k = 0; k < S; k++)
		dp[k] = -INFINITY;
	dp[FILL_W] = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned m = 0; m < h->n_moves;) {
			unsigned pod = h->moves[m].pod, first = m, a = (unsigned)h->choice[pod];
			bool any = false, down = false;

			for (; m < h->n_moves && h->moves[m].pod == pod; m++) {
				unsigned b = (unsigned)h->moves[m].to;
				long long dl = h->ccount[(size_t)b * h->npu + d] -
					       h->ccount[(size_t)a * h->npu + d];

				h->fill_delta[m] = INT32_MAX;
				if (!dl || llabs(dl) > 2 * FILL_W || !cfg_moves_only(h, a, b, d))
					continue;
				h->fill_delta[m] = (int)dl;
				any = true;
				down |= dl < 0;
			}
			if (!any || down != (pass == 1))
				continue;
			fill_add_row(h, first, m, &h->cfgs[a], row++);
		}
	}
	j = FILL_W + (int)(target - n);
	if (h->fill_dp[j] == -INFINITY)
		return false;
	fill_apply(h, row, (unsigned)j);
	return true;
}

/*
 * From choice, fill every DPU to exactly its millicore steps (heur_exact),
 * memory priced at scale times 1/64 of what it would cost were it as short
 * as the DPU's CPU (at least the memory row's dual), per byte. Returns 1 if
 * the placement fits, 0 if it does not, -1 if a DPU cannot be filled; *over:
 * the memory it puts on the DPUs past their capacity.
 */
static int group_fill_at(struct heur *h, const int *choice, double scale, double *over)
{
	*over = 0;
	for (unsigned d = 1; d < h->npu; d++) {
		unsigned j = 2 * (d - 1);
		double base = h->grp.res_y[j];

		if (h->grp.res_b[j] > 0)
			base = fmax(base, h->grp.y[d] * h->grp.b[d] / (h->grp.res_b[j] * 64));
		h->fill_price[d] = scale * base;
	}
	heur_set(h, choice);
	for (unsigned d = 1; d < h->npu; d++) {
		if (!heur_exact(h, d)) {
			memset(h->fill_price, 0, sizeof(h->fill_price));
			return -1;
		}
	}
	memset(h->fill_price, 0, sizeof(h->fill_price));
	for (unsigned d = 1; d < h->npu; d++)
		*over += fmax(0, h->use[3 * d + 1] - h->cap[3 * d + 1]);
	return heur_fits(h, h->use);
}

/*
 * The fills of group_fill_at, memory free first. When memory does not fit,
 * its price doubles until it does, or until the memory over capacity stops
 * falling; then the interval between the last price that did not fit and
 * the first that did is halved GROUP_BISECT times, keeping the best
 * placement that fits: the lowest price that fits leaves the least memory
 * unused.
 */
static bool group_fill(struct heur *h, glp_tree *tree, const int *choice)
{
	const struct hp_plan_problem *p = h->p;
	_cleanup_free_ int *keep = malloc((p->n_pods ? p->n_pods : 1) * sizeof(int));
	double lo = 0, hi = -1, best = -HUGE_VAL, over, last;
	int r;

	if (!keep)
		return false;
	r = group_fill_at(h, choice, 0, &last);
	if (r > 0)
		return heur_submit(h, tree);
	if (r < 0 || last <= 0)
		return false; /* not for want of memory */
	for (unsigned t = 0; t < GROUP_PRICES && hi < 0 && !heur_late(h); t++) {
		r = group_fill_at(h, choice, ldexp(1, (int)t), &over);
		if (r < 0 || (r == 0 && over >= last))
			return false;
		if (r == 0) {
			lo = ldexp(1, (int)t);
			last = over;
			continue;
		}
		hi = ldexp(1, (int)t);
		best = heur_gain(h);
		memcpy(keep, h->choice, p->n_pods * sizeof(int));
	}
	if (hi < 0)
		return false;
	for (unsigned t = 0; t < GROUP_BISECT && !heur_late(h); t++) {
		double mid = lo > 0 ? sqrt(lo * hi) : hi / 2;

		if (group_fill_at(h, choice, mid, &over) <= 0) {
			lo = mid;
			continue;
		}
		hi = mid;
		if (heur_gain(h) > best) {
			best = heur_gain(h);
			memcpy(keep, h->choice, p->n_pods * sizeof(int));
		}
	}
	heur_set(h, keep);
	return heur_submit(h, tree);
}

/*
 * Realise the group bound's choice (best: an option per pod): from the
 * incumbent, each pod whose crossing costs on the DPUs differ from its
 * chosen option takes that option, then every DPU is filled to exactly the
 * millicore steps left (group_fill).
 */
static bool heur_group(struct heur *h, glp_tree *tree, const unsigned *best, double limit)
{
	const struct hp_plan_problem *p = h->p;
	glp_prob *P = glp_ios_get_prob(tree);
	_cleanup_free_ int *choice = malloc((p->n_pods ? p->n_pods : 1) * sizeof(int));

	if (!choice || !h->fill_pick)
		return false;
	for (unsigned i = 0; i < p->n_pods; i++) {
		const struct podcfg *pc = &h->pcs[i];

		choice[i] = -1;
		for (unsigned k = pc->first; h->cfg_pod[i] && k < pc->first + pc->n; k++)
			if (h->cfgs[k].col && glp_mip_col_val(P, h->cfgs[k].col) > 0.5)
				choice[i] = (int)k;
		if (h->grp.n[i]) {
			unsigned want = h->grp_cfg[best[i]], at = (unsigned)choice[i];
			long long moved = LLONG_MAX;

			if (choice[i] >= 0 && cfg_same_fine(h, at, want))
				continue;
			/* Of the options loading the DPUs as chosen, the nearest to the incumbent's. */
			for (unsigned o = h->grp.first[i]; o < h->grp.first[i] + h->grp.n[i]; o++) {
				unsigned k = h->grp_cfg[o];
				long long dist = 0;

				if (h->grp.opts[o].loss >= limit)
					break;
				if (!cfg_same_fine(h, k, want))
					continue;
				for (unsigned d = 1; choice[i] >= 0 && d < h->npu; d++)
					dist += llabs(h->ccount[(size_t)k * h->npu + d] -
						      h->ccount[(size_t)at * h->npu + d]);
				if (dist < moved) {
					moved = dist;
					choice[i] = (int)k;
				}
			}
		}
	}
	return group_fill(h, tree, choice);
}

/*
 * Realise the group bound's choice by packing the DPUs one after another:
 * each pod keeps the crossing costs of its chosen option, and may take any
 * option that has them at no more loss. For DPU 1, a subset sum over the
 * pods (bitsets, one layer per pod) says whether its exact millicore target
 * can be met, and a walk back through the layers picks one way; DPU 2 then
 * packs from the options left, and so on. A failure further on starts over
 * with another way, FILL_TRIES times.
 *
 * Memory: the pods are laid out by the memory per step of what they can
 * add, heaviest first, so that the walk back meets the leanest first. Each
 * takes, of its options that leave the rest reachable, the one with the
 * least memory less lambda times its steps, lambda being the memory per
 * step at which the leanest fill the target (varied by up to 20% from pod to
 * pod, and around that from try to try; every fourth try walks at random).
 * With one DPU short of memory (2000 containers, --memory 0.5), random walks
 * had put twice the DPU's memory on it, try after try.
 *
 * When the layers of a target would exceed FILL_MAX_WORDS, the leanest pods
 * take their steps greedily, by the same rule, until what is left of the
 * target fits the layers of the pods left.
 */
#define FILL_TRIES 64
#define FILL_MAX_WORDS (1ul << 20) /* 8 MiB per table of layers */

struct fill {
	const struct heur *h;
	const unsigned *ok, *first, *okn; /* each pod's options: ok[first[i] + j], j < okn[i] */
	long long *pick;		  /* per pod and DPU: the steps it takes */
	long long target[HP_PLAN_MAX_PUS];
	double lambda[HP_PLAN_MAX_PUS];	  /* memory per step at which the DPU fills */
	unsigned *order[HP_PLAN_MAX_PUS]; /* per DPU, the pods: leanest in memory last */
	long long *lo;			  /* per pod: its fewest steps on the DPU being filled */
	/* what the greedy start leaves: the first n_left pods, need steps past their lo */
	unsigned n_left;
	long long need;
};

/* Option o's memory on DPU d (group_build lays out memory, link per DPU). */
static double grp_mem(const struct heur *h, unsigned o, unsigned d)
{
	return h->grp.res[(size_t)o * h->grp.n_res + 2 * (d - 1)];
}

/* Does option o of pod i take the steps picked on the DPUs before d? */
static bool fill_agrees(const struct fill *f, unsigned i, unsigned o, unsigned d)
{
	for (unsigned e = 1; e < d; e++)
		if (f->h->grp.opts[o].m[e] != f->pick[(size_t)i * HP_PLAN_MAX_PUS + e])
			return false;
	return true;
}

/*
 * Of pod i's options that agree with the DPUs before d and take at most need
 * steps past its fewest on d (and, with layers, leave the rest reachable by
 * the pods before it), the one with the least memory less lambda times its
 * steps, lambda varied by up to 20%; at random if lambda < 0. Its steps, -1
 * if none.
 */
static long long fill_take(const struct fill *f, unsigned i, unsigned d, long long need,
			   const uint64_t *prev, double lambda, uint64_t *rng)
{
	const struct hp_group *g = &f->h->grp;
	double least = HUGE_VAL;
	long long at = -1;

	for (unsigned j = 0; j < f->okn[i]; j++) {
		unsigned o = f->ok[f->first[i] + j];
		long long rest = need - (g->opts[o].m[d] - f->lo[i]);
		double u = (double)(heur_rand(rng) >> 11) * 0x1p-53, key;

		if (rest < 0 || !fill_agrees(f, i, o, d) ||
		    (prev && !(prev[(size_t)rest / 64] >> (rest % 64) & 1)))
			continue;
		key = lambda < 0 ? u
				 : grp_mem(f->h, o, d) -
				       lambda * (0.8 + 0.4 * u) * (double)g->opts[o].m[d];
		if (key < least) {
			least = key;
			at = g->opts[o].m[d];
		}
	}
	return at;
}

/*
 * The greedy start on DPU d: every pod takes its fewest steps, then the
 * leanest take more until what is left of the target fits max_need
 * (f->n_left, f->need). False if the fewest steps are already too many,
 * or all the pods together too few.
 */
static bool fill_greedy(struct fill *f, unsigned d, long long max_need, double lambda,
			uint64_t *rng)
{
	const struct hp_group *g = &f->h->grp;

	f->need = f->target[d];
	for (unsigned i = 0; i < g->n_pods; i++) {
		f->lo[i] = f->okn[i] ? LLONG_MAX : 0;
		for (unsigned j = 0; j < f->okn[i]; j++) {
			unsigned o = f->ok[f->first[i] + j];

			if (fill_agrees(f, i, o, d) && g->opts[o].m[d] < f->lo[i])
				f->lo[i] = g->opts[o].m[d];
		}
		if (f->lo[i] == LLONG_MAX)
			return false; /* no option agrees with the DPUs before */
		f->need -= f->lo[i];
	}
	if (f->need < 0)
		return false;
	for (f->n_left = g->n_pods; f->n_left > 0 && f->need > max_need; f->n_left--) {
		unsigned i = f->order[d][f->n_left - 1];
		long long at = f->okn[i] ? fill_take(f, i, d, f->need, NULL, lambda, rng) : 0;

		f->pick[(size_t)i * HP_PLAN_MAX_PUS + d] = at; /* >= lo[i]: lo[i] fits */
		f->need -= at - f->lo[i];
	}
	return f->need <= max_need; /* else the pods cannot reach the target */
}

/*
 * Layer l + 1 (w words each): the sums on DPU d's row, past their fewest
 * steps, the first l + 1 pods reach.
 */
static void fill_layers(const struct fill *f, unsigned d, uint64_t *layers, size_t w)
{
	const struct hp_group *g = &f->h->grp;

	memset(layers, 0, w * sizeof(uint64_t));
	layers[0] = 1;
	for (unsigned l = 0; l < f->n_left; l++) {
		unsigned i = f->order[d][l];
		uint64_t *cur = layers + (size_t)(l + 1) * w;

		if (!f->okn[i]) {
			memcpy(cur, cur - w, w * sizeof(uint64_t));
			continue;
		}
		memset(cur, 0, w * sizeof(uint64_t));
		for (unsigned j = 0; j < f->okn[i]; j++) {
			unsigned o = f->ok[f->first[i] + j];

			if (fill_agrees(f, i, o, d) && g->opts[o].m[d] - f->lo[i] <= f->need)
				hp_bits_or_shift(cur, cur - w, w, g->opts[o].m[d] - f->lo[i]);
		}
	}
}

/* Walk back from what is left of DPU d's target; false if it cannot be met. */
static bool fill_walk(struct fill *f, unsigned d, const uint64_t *layers, size_t w, double lambda,
		      uint64_t *rng)
{
	long long need = f->need;

	if (!(layers[(size_t)f->n_left * w + (size_t)need / 64] >> (need % 64) & 1))
		return false;
	for (unsigned l = f->n_left; l-- > 0;) {
		unsigned i = f->order[d][l];
		long long at;

		if (!f->okn[i])
			continue;
		at = fill_take(f, i, d, need, layers + (size_t)l * w, lambda, rng);
		if (at < 0)
			return false; /* cannot happen: the layer said it was reachable */
		f->pick[(size_t)i * HP_PLAN_MAX_PUS + d] = at;
		need -= at - f->lo[i];
	}
	return true;
}

/*
 * Lay out the pods for DPU d: past each pod's leanest option in memory, the
 * memory per step of the next, heaviest first. lambda: the memory per step
 * at which the target fills, leanest first (a fractional knapsack's
 * critical ratio).
 */
static int fill_order(struct fill *f, unsigned d)
{
	const struct hp_group *g = &f->h->grp;
	_cleanup_free_ struct keyed *by = calloc(g->n_pods ? g->n_pods : 1, sizeof(*by));
	_cleanup_free_ long long *more = calloc(g->n_pods ? g->n_pods : 1, sizeof(*more));
	long long need = f->target[d];

	if (!by || !more)
		return -ENOMEM;
	f->lambda[d] = 0;
	for (unsigned i = 0; i < g->n_pods; i++) {
		unsigned lean = f->okn[i] ? f->ok[f->first[i]] : 0;

		by[i].m = i;
		by[i].key = -HUGE_VAL; /* nothing more to add: first */
		if (!f->okn[i])
			continue;
		for (unsigned j = 1; j < f->okn[i]; j++) {
			unsigned o = f->ok[f->first[i] + j];

			if (grp_mem(f->h, o, d) < grp_mem(f->h, lean, d) ||
			    (grp_mem(f->h, o, d) == grp_mem(f->h, lean, d) &&
			     g->opts[o].m[d] > g->opts[lean].m[d]))
				lean = o;
		}
		need -= g->opts[lean].m[d];
		for (unsigned j = 0; j < f->okn[i]; j++) {
			unsigned o = f->ok[f->first[i] + j];
			long long dm = g->opts[o].m[d] - g->opts[lean].m[d];
			double per;

			if (dm <= 0)
				continue;
			per = (grp_mem(f->h, o, d) - grp_mem(f->h, lean, d)) / (double)dm;
			if (by[i].key == -HUGE_VAL || per < -by[i].key) {
				by[i].key = -per;
				more[i] = dm;
			}
		}
	}
	qsort(by, g->n_pods, sizeof(*by), cmp_keyed);
	for (unsigned l = g->n_pods; l-- > 0 && need > 0 && by[l].key > -HUGE_VAL;) {
		f->lambda[d] = -by[l].key;
		need -= more[by[l].m];
	}
	for (unsigned l = 0; l < g->n_pods; l++)
		f->order[d][l] = by[l].m;
	return 0;
}

/* Fill DPU d: the greedy start, then the layers and a walk back. */
static bool fill_row(struct fill *f, unsigned d, uint64_t *layers, long long max_need,
		     double lambda, uint64_t *rng)
{
	size_t w;

	if (!fill_greedy(f, d, max_need, lambda < 0 ? f->lambda[d] : lambda, rng))
		return false;
	w = (size_t)f->need / 64 + 1;
	fill_layers(f, d, layers, w);
	return fill_walk(f, d, layers, w, lambda, rng);
}

static bool heur_pack_exact(struct heur *h, glp_tree *tree, const unsigned *best)
{
	const struct hp_plan_problem *p = h->p;
	const struct hp_group *g = &h->grp;
	unsigned np = p->n_pods ? p->n_pods : 1;
	/* the most steps a table of layers can hold */
	long long max_need = (long long)(FILL_MAX_WORDS / (np + 1)) * 64 - 1, need1;
	_cleanup_free_ unsigned *ok = calloc(g->n_opts ? g->n_opts : 1, sizeof(unsigned));
	_cleanup_free_ unsigned *okn = calloc(np, sizeof(unsigned));
	_cleanup_free_ unsigned *first = calloc(np, sizeof(unsigned));
	_cleanup_free_ long long *pick = calloc((size_t)np * HP_PLAN_MAX_PUS, sizeof(long long));
	_cleanup_free_ long long *pick1 = calloc(np, sizeof(long long));
	_cleanup_free_ long long *lo1 = calloc(np, sizeof(long long));
	_cleanup_free_ long long *lo = calloc(np, sizeof(long long));
	_cleanup_free_ int *choice = calloc(np, sizeof(int));
	_cleanup_free_ unsigned *orders = calloc((size_t)np * g->n_rows, sizeof(unsigned));
	_cleanup_free_ uint64_t *layers1 = NULL, *layers = NULL;
	struct fill f = {.h = h, .ok = ok, .first = first, .okn = okn, .pick = pick, .lo = lo1};
	long long most = 0;
	unsigned n_ok = 0, left1;

	if (!ok || !okn || !first || !pick || !pick1 || !lo1 || !lo || !choice || !orders ||
	    max_need < 64)
		return false;
	for (unsigned r = 1; r <= g->n_rows; r++) {
		double fine = 0;

		for (unsigned i = 0; i < p->n_pods; i++)
			if (g->n[i])
				fine += g->opts[best[i]].f[r];
		f.target[r] = (long long)floor((h->cap[3 * r] - fine) / g->q[r]);
		if (f.target[r] < 0)
			return false;
		most = f.target[r] > most ? f.target[r] : most;
	}
	/* Each pod's options: the chosen one's crossing costs, no more loss. */
	for (unsigned i = 0; i < p->n_pods; i++) {
		const struct hp_group_opt *want = &g->opts[best[i]];

		first[i] = n_ok;
		for (unsigned o = g->first[i]; g->n[i] && o < g->first[i] + g->n[i]; o++) {
			if (g->opts[o].loss <= want->loss + 1e-12 &&
			    hp_group_same_f(g, want, &g->opts[o]))
				ok[n_ok++] = o;
		}
		okn[i] = n_ok - first[i];
	}
	for (unsigned r = 1; r <= g->n_rows; r++) {
		f.order[r] = orders + (size_t)np * (r - 1);
		if (fill_order(&f, r) < 0)
			return false;
	}
	most = most < max_need ? most : max_need;
	layers = calloc((size_t)(p->n_pods + 1) * ((size_t)most / 64 + 1), sizeof(uint64_t));
	if (!layers)
		return false;
	/*
	 * DPU 1's greedy start and layers depend on nothing chosen: made once,
	 * kept apart when there are more DPUs. Its tries vary the walk only.
	 */
	if (!fill_greedy(&f, 1, max_need, f.lambda[1], &h->rng))
		return false;
	need1 = f.need;
	left1 = f.n_left;
	for (unsigned l = left1; l < p->n_pods; l++)
		pick1[f.order[1][l]] = pick[(size_t)f.order[1][l] * HP_PLAN_MAX_PUS + 1];
	if (g->n_rows > 1) {
		layers1 = layers;
		layers =
		    calloc((size_t)(p->n_pods + 1) * ((size_t)most / 64 + 1), sizeof(uint64_t));
		if (!layers)
			return false;
	}
	fill_layers(&f, 1, layers1 ? layers1 : layers, (size_t)need1 / 64 + 1);
	for (unsigned t = 0; t < FILL_TRIES && !heur_late(h); t++) {
		/* lambda: 1, 1.05, 0.95, 1.1, 0.9, ... times the DPU's (exp(0.05 s)) */
		unsigned k = t - t / 4;
		double s = (double)((k + 1) / 2) * (k % 2 ? 1 : -1);
		bool done;

		f.need = need1;
		f.n_left = left1;
		f.lo = lo1;
		for (unsigned l = left1; l < p->n_pods; l++)
			pick[(size_t)f.order[1][l] * HP_PLAN_MAX_PUS + 1] = pick1[f.order[1][l]];
		done = fill_walk(&f, 1, layers1 ? layers1 : layers, (size_t)need1 / 64 + 1,
				 t % 4 == 3 ? -1 : f.lambda[1] * exp(0.05 * s), &h->rng);
		if (!done)
			return false; /* the same every time */
		f.lo = lo;
		for (unsigned r = 2; r <= g->n_rows && done; r++)
			done = fill_row(&f, r, layers, max_need,
					t % 4 == 3 ? -1 : f.lambda[r] * exp(0.05 * s), &h->rng);
		if (!done)
			continue;
		/* Of the options taking the steps picked, the leanest in memory. */
		for (unsigned i = 0; i < p->n_pods; i++) {
			double least = HUGE_VAL;

			choice[i] = -1;
			for (unsigned j = 0; j < okn[i]; j++) {
				unsigned o = ok[first[i] + j];
				double mem = 0;

				if (!fill_agrees(&f, i, o, g->n_rows + 1))
					continue;
				for (unsigned r = 1; r <= g->n_rows; r++)
					mem += grp_mem(h, o, r);
				if (mem < least) {
					least = mem;
					choice[i] = (int)h->grp_cfg[o];
				}
			}
		}
		heur_set(h, choice);
		if (heur_fits(h, h->use))
			return heur_submit(h, tree);
	}
	return false;
}

/* The packing bound's choice (best: an option per pod), as it is. */
static bool heur_pack(struct heur *h, glp_tree *tree, const unsigned *best)
{
	const struct hp_plan_problem *p = h->p;
	_cleanup_free_ int *choice = malloc((p->n_pods ? p->n_pods : 1) * sizeof(int));

	if (!choice)
		return false;
	for (unsigned i = 0; i < p->n_pods; i++)
		choice[i] = h->grp.n[i] ? (int)h->grp_cfg[best[i]] : -1;
	heur_set(h, choice);
	return heur_fits(h, h->use) && heur_submit(h, tree);
}

/* The next of limits that grow by a quarter (by step at least) from l, up to limit. */
static double grow_limit(double l, double step, double limit)
{
	return fmin(limit, l + fmax(step, l / 4));
}

/* The lists of the changes below list, joined below limit, held m at the least (mm->choice). */
static void meet_remember(struct meet_memo *mm, double list, double limit, double m)
{
	mm->list = list;
	mm->limit = limit;
	mm->m = m;
}

/*
 * Join the lists of the changes below *proved, which fit, below l (their
 * lists below l overflowed): a good choice if not the least (-E2BIG). The
 * same join below a limit no higher finds nothing new, and the lists'
 * last meeting may have joined them below l already (lim.beyond): either
 * remembered in mm, it is not done again (two DPUs short of memory, 1000
 * containers, seed 2: 0.45 s each time, three times in a solve).
 */
static int meet_short(struct heur *h, const struct hp_group *g, struct meet_memo *mm, double proved,
		      double l, const struct hp_pack_limits *lim, unsigned *best, double *m)
{
	struct hp_pack_limits ml = {.nodes = h->meet_budget,
				    .stop_ms = lim->stop_ms,
				    .threads = h->threads,
				    .list = proved};
	int r;

	if (mm->list == proved && l <= mm->limit) {
		*m = fmin(mm->m, l);
		if (mm->m < l)
			memcpy(best, mm->choice, g->n_pods * sizeof(unsigned));
		return -E2BIG;
	}
	r = hp_group_meet_min(g, l, proved, &ml, best, m);
	if (ml.whole) {
		meet_remember(mm, proved, l, *m);
		if (*m < l)
			memcpy(mm->choice, best, g->n_pods * sizeof(unsigned));
	}
	h->meet_budget = ml.nodes;
	return r;
}

/*
 * The least penalty of g's packings below limit, as hp_group_pack_min;
 * nothing is below *proved, which it may raise. With one row (one DPU, or
 * the surrogate), meeting in the middle first, while its lists fit
 * (mm->fail: the least limit at which they did not): it lists many times
 * more changes for a millicore more of limit, so its limits grow from
 * *proved by a quarter at a time (by 1/64 of the way at least), each
 * finding nothing raising *proved. Then depth first (not when lim->nodes
 * is 0).
 */
static int pack_min(struct heur *h, const struct hp_group *g, struct meet_memo *mm, double *proved,
		    double limit, struct hp_pack_limits *lim, unsigned *best, double *m)
{
	double l = *proved, step = (limit - *proved) / 64;

	/*
	 * With several rows, the options that differ only in which DPU they
	 * load lose the same: the lists take every mix of them (four DPUs, 50
	 * containers: 0.25 s a limit, where the packing search proves it).
	 */
	while (g->n_rows == 1 && h->meet_budget && l < limit) {
		struct hp_pack_limits ml = {.nodes = h->meet_budget,
					    .stop_ms = lim->stop_ms,
					    .threads = h->threads,
					    .beyond_m = HUGE_VAL,
					    .beyond_from = MEET_BEYOND_FROM,
					    .beyond_best = mm->choice};
		int r;

		l = grow_limit(l, step, limit);
		if (l >= mm->fail)
			break;
		ml.beyond = grow_limit(l, step, limit); /* where its lists may overflow next */
		r = hp_group_meet_min(g, l, *proved, &ml, best, m);
		h->meet_budget = ml.nodes;
		if (ml.beyond_m < HUGE_VAL) /* nothing below l; its choice is in mm->choice */
			meet_remember(mm, l, ml.beyond, ml.beyond_m);
		if (r == -E2BIG && *m >= l && *proved > 0) {
			/* its lists overflowed: those of the last limit fit */
			mm->fail = l;
			r = meet_short(h, g, mm, *proved, l, lim, best, m);
			if (r == -E2BIG && *m < l)
				return r;
		}
		if (r == -E2BIG) {
			if (*m < l)
				return r; /* out of work: the best it found */
			mm->fail = l;
			break;
		}
		if (r < 0 || *m < l)
			return r; /* the least, nothing below *proved */
		*proved = l;
	}
	if (*proved >= limit || !lim->nodes) {
		*m = limit;
		return *proved >= limit ? 0 : -E2BIG;
	}
	return hp_group_pack_min(g, limit, *proved, lim, best, m);
}

/* The packing search, run whole, found no placement with a smaller penalty than m. */
static void pack_proved(struct heur *h, double m)
{
	h->pack_lb = fmax(h->pack_lb, m);
	h->grp_bound = fmin(h->grp_bound, h->grp_z - m);
}

/*
 * Large neighbourhood search: the packing search over a few pods at a time,
 * the rest held where the incumbent has them. Each better placement it finds
 * becomes the incumbent at once. Returns whether it found one.
 */
static bool pack_lns(struct heur *h, glp_tree *tree, double gap, double lower)
{
	const struct hp_group *g = &h->grp;
	glp_prob *P = glp_ios_get_prob(tree);
	unsigned np = g->n_pods ? g->n_pods : 1, n_free = 0, k = LNS_PODS;
	_cleanup_free_ unsigned *inc = calloc(np, sizeof(unsigned));
	_cleanup_free_ unsigned *first = calloc(np, sizeof(unsigned));
	_cleanup_free_ unsigned *n = calloc(np, sizeof(unsigned));
	_cleanup_free_ unsigned *cand = calloc(np, sizeof(unsigned));
	_cleanup_free_ unsigned *best = calloc(np, sizeof(unsigned));
	struct hp_group sub = *g;
	bool found = false;

	/* (its setup took 6 ms of 2000 containers on four DPUs, past the limit) */
	if (!inc || !first || !n || !cand || !best || hp_now_ms() >= h->deadline)
		return false;
	/* The incumbent's option of each pod. */
	for (unsigned i = 0; i < g->n_pods; i++) {
		inc[i] = g->first[i];
		for (unsigned o = g->first[i]; o < g->first[i] + g->n[i]; o++)
			if (glp_mip_col_val(P, h->cfgs[h->grp_cfg[o]].col) > 0.5)
				inc[i] = o;
		if (g->n[i] > 1)
			cand[n_free++] = i;
	}
	sub.first = first;
	sub.n = n;
	for (unsigned fails = 0; fails < LNS_FAILS && h->lns_budget && hp_now_ms() < h->deadline;) {
		unsigned long given = h->lns_budget < LNS_NODES ? h->lns_budget : LNS_NODES;
		struct hp_pack_limits lim = {
		    .nodes = given, .stop_ms = heur_stop(h), .threads = h->threads};
		double m;
		int r;

		for (unsigned i = 0; i < g->n_pods; i++) {
			first[i] = inc[i];
			n[i] = g->n[i] ? 1 : 0;
		}
		/* k pods at random are free (a partial Fisher-Yates shuffle) */
		for (unsigned j = 0; j < k && j < n_free; j++) {
			unsigned t = j + (unsigned)(heur_rand(&h->rng) % (n_free - j)), i = cand[t];

			cand[t] = cand[j];
			cand[j] = i;
			first[i] = g->first[i];
			n[i] = g->n[i];
		}
		r = hp_group_pack_min(&sub, gap, lower, &lim, best, &m);
		h->lns_budget -= given - lim.nodes;
		if (r < 0 && r != -E2BIG)
			return found;
		if (r == 0 && k >= n_free) {
			/* Every pod was free: the search was the packing bound's, exact. */
			pack_proved(h, m);
			return (m < gap && heur_pack(h, tree, best)) || found;
		}
		/* the neighbourhood's size follows how hard its search was */
		if (r == 0 && k < n_free)
			k++;
		else if (r < 0 && k > 2)
			k--;
		if (m < gap && heur_pack(h, tree, best)) {
			memcpy(inc, best, g->n_pods * sizeof(unsigned));
			gap = m;
			found = true;
			fails = 0;
		} else {
			fails++;
		}
	}
	return found;
}

/*
 * How far the incumbent inc is below a bound z, less rounding: an incumbent
 * within 1e-9 relative of the bound is optimal.
 */
static double gap_to(double z, double inc)
{
	return z - inc - 1e-9 * (1 + fabs(inc));
}

/*
 * The surrogate bound (several DPUs): the DPUs' CPU rows added up, each
 * weighted by its speed so that a millicore step counts the same on every
 * DPU, make one knapsack of their capacity in host cores; memory and link
 * are summed over the DPUs too. Every placement fits it, so the least
 * penalty of its packings bounds the model's, as the packing bound does
 * with every row.
 * With many pods small beside the DPUs, the best packing of the sum can
 * usually be split among the DPUs (the multiple knapsack's surrogate
 * relaxation), and a single row is what the packing search proves fast: one
 * DPU, sidecars only (every move pays crossing costs), 2000 containers, in
 * 40-80 ms. Its dual y_s is the one minimising its Lagrangian value z_s
 * (convex in y_s; golden section); the summed memory and link rows are
 * priced at the least of their DPUs' duals (or, where the LP fills memory
 * at a degenerate price of about 0, at a small one: sur_tie_price), the
 * other rows keep the root LP's. Any rows may be summed (sur_rows): those
 * left out are priced at their own duals, a Lagrangian relaxation of them,
 * and with only the rows at their kind's highest price summed (and priced
 * at it), z_s is the LP's value.
 *
 * With duals y for the rows, each option's reduced value changes by
 * sum_d (y_d - y_s speed_d) load_d when the summed CPU rows are priced by
 * y_s (and by sum_j (y_j - y_kind) use_j for the summed memory and link,
 * res[] holding memory and link per DPU, kind j % 2): e below, relative to
 * the pod's best under y, and z_s = z - sum_d y_d b_d + y_s sum_d speed_d
 * b_d + sum_j (y_kind - y_j) b_j + sum_pods max e, d and j over the summed
 * rows.
 */
static double sur_e(const struct heur *h, unsigned o, double ys)
{
	const struct hp_group *g = &h->grp;
	double e = -g->opts[o].loss;

	for (unsigned d = 1; d <= g->n_rows; d++)
		if (h->sur_cpu >> d & 1)
			e += (g->y[d] - ys * h->p->pu[d].speed) *
			     (g->q[d] * (double)g->opts[o].m[d] + g->opts[o].f[d]);
	for (unsigned j = 0; j < g->n_res; j++)
		if (h->sur_in >> j & 1)
			e += (g->res_y[j] - h->sur.res_y[j % 2]) * g->res[(size_t)o * g->n_res + j];
	return e;
}

static double sur_value(const struct heur *h, double ys)
{
	const struct hp_group *g = &h->grp;
	double z = h->grp_z;

	for (unsigned d = 1; d <= g->n_rows; d++)
		if (h->sur_cpu >> d & 1)
			z += (ys * h->p->pu[d].speed - g->y[d]) * g->b[d];
	for (unsigned j = 0; j < g->n_res; j++)
		if (h->sur_in >> j & 1)
			z += (h->sur.res_y[j % 2] - g->res_y[j]) * g->res_b[j];
	for (unsigned i = 0; i < g->n_pods; i++) {
		double best = -HUGE_VAL;

		for (unsigned o = g->first[i]; o < g->first[i] + g->n[i]; o++)
			best = fmax(best, sur_e(h, o, ys));
		if (g->n[i])
			z += best;
	}
	return z;
}

/*
 * Which rows the surrogate sums (h->sur_cpu, h->sur_in) and the price of
 * its memory and link: with all, every DPU's, priced at their least dual;
 * else only those at their kind's highest price (CPU per host core), the
 * others priced at their own duals, as in the root LP (sur_build).
 */
static void sur_rows(struct heur *h, bool all)
{
	const struct hp_group *g = &h->grp;
	struct hp_group *sg = &h->sur;
	double top = 0;

	for (unsigned d = 1; d <= g->n_rows; d++)
		top = fmax(top, g->y[d] / h->p->pu[d].speed);
	h->sur_cpu = 0;
	for (unsigned d = 1; d <= g->n_rows; d++)
		if (all || g->y[d] / h->p->pu[d].speed >= top * (1 - 1e-9))
			h->sur_cpu |= 1u << d;
	h->sur_in = 0;
	sg->n_res = 2;
	for (unsigned k = 0; k < 2; k++) {
		double least = HUGE_VAL, most = 0, b = 0;

		sg->res_b[k] = sg->res_tol[k] = 0;
		sg->res_row[k] = 0;
		for (unsigned j = k; j < g->n_res; j += 2) {
			least = fmin(least, g->res_y[j]);
			most = fmax(most, g->res_y[j]);
			b += g->res_b[j];
		}
		if (all)
			sg->res_y[k] = least < HUGE_VAL ? least : 0;
		else
			sg->res_y[k] = hp_group_priced(most, b) ? most : 0;
		for (unsigned j = k; j < g->n_res; j += 2)
			if (all || !sg->res_y[k] || g->res_y[j] >= most * (1 - 1e-9)) {
				h->sur_in |= 1u << j;
				sg->res_b[k] += g->res_b[j];
				sg->res_tol[k] += g->res_tol[j];
			}
	}
}

/* The CPU price y_s that minimises the surrogate's value (convex: golden section), *z that. */
static double sur_ys(const struct heur *h, double *z)
{
	const struct hp_group *g = &h->grp;
	const double phi = (sqrt(5) - 1) / 2;
	double lo = 0, hi = 0, a, b, fa, fb;

	for (unsigned d = 1; d <= g->n_rows; d++)
		hi = fmax(hi, 2 * g->y[d] / h->p->pu[d].speed);
	a = hi - phi * (hi - lo);
	b = lo + phi * (hi - lo);
	fa = sur_value(h, a);
	fb = sur_value(h, b);
	/* to 4e-9 of the interval; any y_s gives a bound, the least the best one */
	for (unsigned it = 0; it < 40 && hp_now_ms() < h->deadline; it++) {
		if (fa <= fb) {
			hi = b;
			b = a;
			fb = fa;
			a = hi - phi * (hi - lo);
			fa = sur_value(h, a);
		} else {
			lo = a;
			a = b;
			fa = fb;
			b = lo + phi * (hi - lo);
			fb = sur_value(h, b);
		}
	}
	if (hp_now_ms() >= h->deadline) {
		/* not one more look (1.5 ms of 2000 containers on four DPUs): the build stops */
		*z = fmin(fa, fb);
		return fa <= fb ? a : b;
	}
	*z = sur_value(h, (lo + hi) / 2);
	return (lo + hi) / 2;
}

/*
 * Where the root LP fills every summed DPU's memory but prices it at next
 * to nothing (a degenerate dual: the rows at their bound, 1e-23 a byte),
 * the surrogate's options that fill CPU alike lose the same whatever memory
 * they take (two DPUs, 1000 containers, seed 1: 1086 of 5317 within 1e-6 of
 * their pod's best), its lists overflow at once, and its searches meet the
 * packings in no useful order. Any price of the summed memory gives a bound
 * (and where the search finishes, the same: a packing's penalty counts the
 * slack at that price): the highest price, doubling from where it cannot
 * cost more, that raises the surrogate's value by no more than
 * 1/SUR_TIE of the gap breaks those ties, the leanest in memory first.
 */
static void sur_tie_price(struct heur *h, double gap)
{
	struct hp_group *sg = &h->sur;
	double z0, z, p;

	if (hp_group_priced(sg->res_y[0], sg->res_b[0]) || gap <= 0 || sg->res_b[0] <= 0 ||
	    (h->sur_in & ~h->res_tight & 0x55555555u)) /* memory: even bits */
		return;
	sur_ys(h, &z0);
	/* its value rises by at most the summed memory times the price */
	p = gap / SUR_TIE / sg->res_b[0];
	for (unsigned i = 0; i < 64 && hp_now_ms() < h->deadline; i++, p *= 2) {
		sg->res_y[0] = 2 * p;
		sur_ys(h, &z);
		if (z - z0 > gap / SUR_TIE)
			break;
	}
	sg->res_y[0] = p;
}

/*
 * Build the surrogate against the gap (of the LP's value) that the
 * incumbent leaves. Summing every DPU's rows, its value passes the LP's
 * where their prices differ (per host core for CPU): by more than 1/16 of
 * the gap, its packings would have to lose that much more than the model's,
 * and then only the rows at the highest price are summed, the others
 * priced as in the LP (three DPUs short of memory, 50 containers, seed 8:
 * 2.14 above the LP with a gap of 0.48, 0 so; where the value is within a
 * hundredth of the gap, all rows together prove more: seed 3 of 100
 * containers on two DPUs, seed 4 on three).
 */
static int sur_build(struct heur *h, double gap)
{
	const struct hp_group *g = &h->grp;
	struct hp_group *sg = &h->sur;
	double ys, z;
	unsigned most = 1;
	_cleanup_free_ struct keyed *order = NULL;

	/*
	 * Its searches would not run now. The build took 50-80 ms of 2000
	 * containers on four DPUs, past the limit when it started just before
	 * (sur_ys stops at the limit; the second pass's took 4 ms more).
	 */
	for (int all = 1; all >= 0; all--) {
		if (hp_now_ms() >= h->deadline)
			return -ETIME;
		sur_rows(h, all);
		sur_tie_price(h, gap);
		ys = sur_ys(h, &z);
		if (z - h->grp_z <= gap / SUR_WEAK)
			break;
	}
	if (hp_now_ms() >= h->deadline)
		return -ETIME;
	sg->b[1] = sg->tol[1] = 0;
	for (unsigned d = 1; d <= g->n_rows; d++)
		if (h->sur_cpu >> d & 1) {
			sg->b[1] += h->p->pu[d].speed * g->b[d];
			sg->tol[1] += h->p->pu[d].speed * g->tol[d];
		}
	sg->q[1] = g->q[1] * h->p->pu[1].speed; /* the millicore grid, in host cores */
	sg->y[1] = ys;
	sg->n_pods = g->n_pods;
	sg->first = g->first;
	sg->n = g->n;
	sg->n_opts = g->n_opts;
	for (unsigned i = 0; i < g->n_pods; i++)
		most = g->n[i] > most ? g->n[i] : most;
	sg->opts = calloc(g->n_opts ? g->n_opts : 1, sizeof(*sg->opts));
	h->sur_res = calloc((size_t)(g->n_opts ? g->n_opts : 1) * 2, sizeof(double));
	h->sur_from = calloc(g->n_opts ? g->n_opts : 1, sizeof(unsigned));
	sg->res = h->sur_res;
	order = calloc(most, sizeof(*order));
	if (!sg->opts || !h->sur_res || !h->sur_from || !order)
		return -ENOMEM;
	for (unsigned i = 0; i < g->n_pods; i++) {
		double best = -HUGE_VAL;

		for (unsigned k = 0; k < g->n[i]; k++) {
			order[k].m = g->first[i] + k;
			order[k].key = -sur_e(h, g->first[i] + k, ys);
			best = fmax(best, -order[k].key);
		}
		for (unsigned k = 0; k < g->n[i]; k++)
			order[k].key += best; /* the loss: how far below the pod's best */
		qsort(order, g->n[i], sizeof(*order), cmp_loss);
		for (unsigned k = 0; k < g->n[i]; k++) {
			const struct hp_group_opt *o = &g->opts[order[k].m];
			struct hp_group_opt *to = &sg->opts[g->first[i] + k];

			to->loss = fmax(order[k].key, 0);
			h->sur_from[g->first[i] + k] = order[k].m;
			for (unsigned d = 1; d <= g->n_rows; d++)
				if (h->sur_cpu >> d & 1) {
					to->m[1] += o->m[d];
					to->f[1] += h->p->pu[d].speed * o->f[d];
				}
			for (unsigned j = 0; j < g->n_res; j++)
				if (h->sur_in >> j & 1)
					h->sur_res[(size_t)(g->first[i] + k) * 2 + j % 2] +=
					    g->res[(size_t)order[k].m * g->n_res + j];
		}
	}
	h->sur_z = z;
	/*
	 * Loads may pass the capacities by their tolerances, so a penalty may
	 * be that much below 0: the least it can be.
	 */
	h->sur_lb = -ys * sg->tol[1];
	for (unsigned j = 0; j < 2; j++)
		h->sur_lb -= sg->res_y[j] * sg->res_tol[j];
	sg->n_rows = 1; /* built */
	return 0;
}

/* dst: src with configuration to in place of from (dst may be src) */
static void use_swap(const struct heur *h, double *dst, const double *src, int from, int to)
{
	for (unsigned r = 3; r < h->nres; r++)
		dst[r] = src[r] - h->cfgs[from].use[r] + h->cfgs[to].use[r];
}

/* over, plus how far use is over DPU f's capacities, each relative to its own */
static double dpu_over(const struct heur *h, const double *use, unsigned f, double over)
{
	for (unsigned r = 3 * f; r < 3 * f + 3; r++)
		if (use[r] > h->cap[r])
			over += (use[r] - h->cap[r]) / fmax(h->cap[r], 1e-9);
	return over;
}

/* How far use is over the DPUs' capacities, each relative to its own. */
static double sur_over(const struct heur *h, const double *use)
{
	double over = 0;

	for (unsigned f = 1; f < h->npu; f++)
		over = dpu_over(h, use, f, over);
	return over;
}

/*
 * Rebalance DPUs d and e exactly: of the pods wholly on one of them that have
 * an option loading the other instead (and every other DPU the same), up to
 * SPLIT_MITM (rebalance_pick) choose a side so that d ends in its window
 * (every resource fits, CPU and memory at least lo_cpu and lo_mem) and, if
 * e_fits, e fits too. Meeting in the middle: every choice of each half, its
 * CPU and memory on d and on e; the second half's binned by memory on d
 * (bins as wide as the window) and sorted by CPU on d within a bin, so that
 * for each choice of the first half a binary search in a bin or two finds
 * those that land d in the window. A pod takes its memory and, in host
 * cores, its CPU wherever it goes (sur_class_of's options load the surrogate
 * alike), so what e can take narrows d's window too; each candidate is then
 * checked on every resource. True if it found one (choice and use updated).
 * Checking memory, not CPU alone, is what splits where the DPUs are short of
 * both: the CPU-only search's one candidate a choice was almost never the
 * one that fit memory too.
 */
struct side {
	double d, e, md, me; /* CPU and memory on d and on e */
	long long bin;	     /* md's bin */
	unsigned bits;
};

static int cmp_side(const void *a, const void *b)
{
	const struct side *x = a, *y = b;

	if (x->bin != y->bin)
		return x->bin < y->bin ? -1 : 1;
	return x->d < y->d ? -1 : x->d > y->d;
}

static bool same_elsewhere(const struct heur *h, const struct cfg *a, const struct cfg *b,
			   unsigned d, unsigned e)
{
	for (unsigned f = 1; f < h->npu; f++)
		for (unsigned r = 3 * f; f != d && f != e && r < 3 * f + 3; r++)
			if (fabs(a->use[r] - b->use[r]) > 1e-12 * (1 + fabs(a->use[r])))
				return false;
	return true;
}

static void sides_of(const struct heur *h, const int *on_d, const int *on_e, unsigned k0,
		     unsigned k, unsigned d, unsigned e, struct side *out)
{
	for (unsigned bits = 0; bits < 1u << k; bits++) {
		out[bits] = (struct side){.bits = bits};
		for (unsigned j = 0; j < k; j++) {
			const struct cfg *c = &h->cfgs[bits >> j & 1 ? on_d[k0 + j] : on_e[k0 + j]];

			out[bits].d += c->use[3 * d];
			out[bits].e += c->use[3 * e];
			out[bits].md += c->use[3 * d + 1];
			out[bits].me += c->use[3 * e + 1];
		}
	}
}

/* b[lo..n): the first whose (bin, d) is not below (bin, d) */
static unsigned side_find(const struct side *b, unsigned n, long long bin, double d)
{
	unsigned lo = 0, hi = n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (b[mid].bin < bin || (b[mid].bin == bin && b[mid].d < d))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct window {
	double lo_cpu, lo_mem; /* d's CPU and memory at least (-HUGE_VAL: any) */
	bool e_fits;	       /* e fits too */
};

/*
 * Which pods sur_rebalance moves between d and e (at most SPLIT_MITM: pod,
 * and their options on d and on e); returns how many.
 */
static unsigned rebalance_pick(const struct heur *h, const unsigned *multi, unsigned n_multi,
			       const unsigned *first, const unsigned *n, const int *sub,
			       const int *choice, unsigned d, unsigned e, unsigned *pod, int *on_d,
			       int *on_e)
{
	const struct hp_plan_problem *p = h->p;
	unsigned k = 0;
	struct keyed *by[2];
	unsigned n_by[2] = {0, 0};
	_cleanup_free_ struct keyed *cand = calloc(2 * (n_multi ? n_multi : 1), sizeof(*cand));
	_cleanup_free_ int *other_of = calloc(n_multi ? n_multi : 1, sizeof(int));
	_cleanup_free_ bool *off_grid = calloc(n_multi ? n_multi : 1, sizeof(bool));
	_cleanup_free_ bool *taken = calloc(n_multi ? n_multi : 1, sizeof(bool));

	if (!cand || !other_of || !off_grid || !taken)
		return 0;
	/* the candidates on d (by[0]) and on e (by[1]), by their CPU in host cores */
	by[0] = cand;
	by[1] = cand + n_multi;
	for (unsigned x = 0; x < n_multi; x++) {
		unsigned i = multi[x];
		const struct cfg *c = &h->cfgs[choice[i]];
		bool at_d = c->use[3 * d] > 0 && c->use[3 * e] == 0;
		bool at_e = c->use[3 * e] > 0 && c->use[3 * d] == 0;
		int other = -1;

		if (!at_d && !at_e)
			continue;
		for (unsigned j = first[i]; j < first[i] + n[i] && other < 0; j++) {
			const struct cfg *o = &h->cfgs[sub[j]];

			if ((at_d ? o->use[3 * e] > 0 && o->use[3 * d] == 0
				  : o->use[3 * d] > 0 && o->use[3 * e] == 0) &&
			    same_elsewhere(h, c, o, d, e))
				other = sub[j];
		}
		if (other < 0)
			continue;
		other_of[x] = other;
		{
			double steps =
			    at_d ? c->use[3 * d] / h->grp.q[d] : c->use[3 * e] / h->grp.q[e];

			off_grid[x] = fabs(steps - round(steps)) > 1e-6;
		}
		by[!at_d][n_by[!at_d]++] = (struct keyed){
		    .key = at_d ? c->use[3 * d] * p->pu[d].speed : c->use[3 * e] * p->pu[e].speed,
		    .m = x};
	}
	qsort(by[0], n_by[0], sizeof(struct keyed), cmp_keyed);
	qsort(by[1], n_by[1], sizeof(struct keyed), cmp_keyed);
	/*
	 * The least from either side in turn: what the two hold of them then
	 * can move either way, and most of their choices load d about alike
	 * (with the least from both together, the few on d, two pods of 0.4
	 * and 0.8 cores, left d next to no choice that fit its window). First
	 * up to SPLIT_OFF_GRID of those whose crossing costs put them off the
	 * millicore grid: the window may be a fraction of a millicore wide,
	 * and whole millicores alone may miss it (three DPUs short of memory,
	 * 2000 containers, seed 2: 0.19 millicores).
	 */
	for (unsigned pass = 0, n_off = 0; pass < 2; pass++)
		for (unsigned t = 0; k < SPLIT_MITM && (t < n_by[0] || t < n_by[1]); t++)
			for (unsigned side = 0; side < 2 && k < SPLIT_MITM; side++) {
				unsigned x;

				if (t >= n_by[side] || taken[by[side][t].m])
					continue;
				x = by[side][t].m;
				if (!pass && (n_off >= SPLIT_OFF_GRID || !off_grid[x]))
					continue;
				n_off += !pass;
				taken[x] = true;
				pod[k] = multi[x];
				on_d[k] = side ? other_of[x] : choice[multi[x]];
				on_e[k++] = side ? choice[multi[x]] : other_of[x];
			}
	return k;
}

static bool sur_rebalance(struct heur *h, const unsigned *multi, unsigned n_multi,
			  const unsigned *first, const unsigned *n, const int *sub, int *choice,
			  double *use, unsigned d, unsigned e, const struct window *w)
{
	const struct hp_plan_problem *p = h->p;
	unsigned pod[SPLIT_MITM], h1, h2, nb;
	int on_d[SPLIT_MITM], on_e[SPLIT_MITM];
	double base[NRES], room_d, room_e, mroom_d, mroom_e, eps_c, eps_m;
	double hb = HUGE_VAL, kb = HUGE_VAL;
	double width, t0;
	unsigned long looks = 0;
	_cleanup_free_ struct side *a = NULL, *b = NULL;
	unsigned k =
	    rebalance_pick(h, multi, n_multi, first, n, sub, choice, d, e, pod, on_d, on_e);

	/*
	 * Listing and sorting the halves' choices does not look at the clock
	 * (2^16 a half: 20 ms, begun 10 ms before the limit on three DPUs
	 * short of memory, 500 containers, seed 2): not when the longest so
	 * far would end past it.
	 */
	if (k < 2 || hp_now_ms() + h->rebalance_ms >= h->deadline)
		return false;
	t0 = hp_now_ms();
	memcpy(base, use, sizeof(base));
	for (unsigned j = 0; j < k; j++)
		for (unsigned r = 3; r < h->nres; r++)
			base[r] -= h->cfgs[choice[pod[j]]].use[r];
	h1 = k / 2;
	h2 = k - h1;
	nb = 1u << h2;
	a = calloc(1u << h1, sizeof(*a));
	b = calloc(nb, sizeof(*b));
	if (!a || !b)
		return false;
	sides_of(h, on_d, on_e, 0, h1, d, e, a);
	sides_of(h, on_d, on_e, h1, h2, d, e, b);
	/*
	 * The room the k pods have on d and e, CPU and memory; what the second
	 * half's choices load the two with in all, at least (in host cores).
	 */
	room_d = h->cap[3 * d] - base[3 * d];
	room_e = h->cap[3 * e] - base[3 * e];
	mroom_d = h->cap[3 * d + 1] - base[3 * d + 1];
	mroom_e = h->cap[3 * e + 1] - base[3 * e + 1];
	for (unsigned t = 0; t < nb; t++) {
		hb = fmin(hb, b[t].d * p->pu[d].speed + b[t].e * p->pu[e].speed);
		kb = fmin(kb, b[t].md + b[t].me);
	}
	eps_c = 1e-9 * (1 + fabs(room_d) + fabs(room_e));
	eps_m = 1e-9 * (1 + fabs(mroom_d) + fabs(mroom_e));
	/* bins as wide as d's window for memory (every choice of the first half's alike) */
	width = fmax(1, fmin(h->cap[3 * d + 1] - w->lo_mem,
			     w->e_fits ? mroom_d + mroom_e - kb - a[0].md - a[0].me : HUGE_VAL));
	for (unsigned t = 0; t < nb; t++)
		b[t].bin = (long long)floor(b[t].md / width);
	qsort(b, nb, sizeof(*b), cmp_side);
	h->rebalance_ms = fmax(h->rebalance_ms, hp_now_ms() - t0);
	for (unsigned x = 0; x < 1u << h1; x++) {
		const struct side *s = &a[x];
		double chi = room_d - s->d, clo = w->lo_cpu - base[3 * d] - s->d;
		double mhi = mroom_d - s->md, mlo = w->lo_mem - base[3 * d + 1] - s->md;

		if (!(x & 1023) && hp_now_ms() >= h->deadline)
			return false;
		if (w->e_fits) {
			/* e's CPU, in host cores, and memory: what d must take at least */
			clo = fmax(clo, (hb - (room_e - s->e) * p->pu[e].speed) / p->pu[d].speed);
			mlo = fmax(mlo, kb - (mroom_e - s->me));
		}
		clo -= eps_c;
		mlo -= eps_m;
		if (chi < clo || mhi < mlo)
			continue;
		for (long long bin = (long long)floor(mlo / width);
		     bin <= (long long)floor(mhi / width); bin++) {
			for (unsigned t = side_find(b, nb, bin, clo);
			     t < nb && b[t].bin == bin && b[t].d <= chi; t++) {
				double t_use[NRES];
				int t_choice[SPLIT_MITM];
				bool ok = true;

				if (b[t].md < mlo || b[t].md > mhi)
					continue;
				/*
				 * Each in both windows is checked whole; where something
				 * else is over (a link), every one of them may fail.
				 */
				if (++looks >= SPLIT_LOOKS ||
				    (!(looks & 1023) && hp_now_ms() >= h->deadline))
					return false;
				memcpy(t_use, base, sizeof(t_use));
				for (unsigned j = 0; j < k; j++) {
					unsigned bit =
					    j < h1 ? s->bits >> j & 1 : b[t].bits >> (j - h1) & 1;

					t_choice[j] = bit ? on_d[j] : on_e[j];
					for (unsigned r = 3; r < h->nres; r++)
						t_use[r] += h->cfgs[t_choice[j]].use[r];
				}
				for (unsigned r = 3 * d; r < 3 * d + 3; r++)
					ok &= t_use[r] <= h->cap[r];
				for (unsigned r = 3 * e; w->e_fits && r < 3 * e + 3; r++)
					ok &= t_use[r] <= h->cap[r];
				if (!ok || t_use[3 * d] < w->lo_cpu || t_use[3 * d + 1] < w->lo_mem)
					continue;
				for (unsigned j = 0; j < k; j++)
					choice[pod[j]] = t_choice[j];
				memcpy(use + 3, t_use + 3, (h->nres - 3) * sizeof(double));
				return true;
			}
		}
	}
	return false;
}

/* Of the DPUs in open, the one most over its capacities (relative), 0 if none is over. */
static unsigned most_over(const struct heur *h, const double *use, unsigned open)
{
	double worst = 0;
	unsigned d = 0;

	for (unsigned f = 1; f < h->npu; f++) {
		double over = open >> f & 1 ? dpu_over(h, use, f, 0) : 0;

		if (over > worst) {
			worst = over;
			d = f;
		}
	}
	return d;
}

/*
 * Split what is over among the DPUs (sur_rebalance), settling them one at a
 * time, DPU d first, then the one most over: rebalance it with another not
 * yet settled so that it ends full to within half of what the unsettled
 * DPUs have to spare in all (CPU in host cores, and memory), or, with two
 * left, so that both fit; it is then settled, and what the others have to
 * spare still covers what they hold. True if none is over.
 */
static bool rebalance_from(struct heur *h, const unsigned *multi, unsigned n_multi,
			   const unsigned *first, const unsigned *n, const int *sub, int *choice,
			   double *use, unsigned d)
{
	const struct hp_plan_problem *p = h->p;
	unsigned open = ((1u << h->npu) - 1) & ~1u;

	for (; d && __builtin_popcount(open) >= 2; d = most_over(h, use, open)) {
		double spare_cpu = 0, spare_mem = 0;
		bool last = __builtin_popcount(open) == 2, ok = false;

		for (unsigned f = 1; f < h->npu; f++)
			if (open >> f & 1) {
				spare_cpu += (h->cap[3 * f] - use[3 * f]) * p->pu[f].speed;
				spare_mem += h->cap[3 * f + 1] - use[3 * f + 1];
			}
		if (spare_cpu < 0 || spare_mem < 0)
			return false;
		{
			/* the last two: both fit, which is the same window (to rounding) */
			struct window w = {
			    .lo_cpu =
				last ? -HUGE_VAL : h->cap[3 * d] - spare_cpu / 2 / p->pu[d].speed,
			    .lo_mem = last ? -HUGE_VAL : h->cap[3 * d + 1] - spare_mem / 2,
			    .e_fits = last};

			for (unsigned e = 1; e < h->npu && !ok; e++)
				if (e != d && open >> e & 1)
					ok = sur_rebalance(h, multi, n_multi, first, n, sub, choice,
							   use, d, e, &w);
		}
		if (!ok)
			return false;
		open &= ~(1u << d);
	}
	return sur_over(h, use) <= 0;
}

/*
 * rebalance_from the DPU most over, else from each other DPU in turn, each
 * from where it started: which to settle first matters (three DPUs short of
 * memory, 2000 containers, seed 9: from the one most over the last two did
 * not fit, and 64 local optima later, from another, they did). Returns
 * what is left over (sur_over).
 */
static double sur_rebalance_all(struct heur *h, const unsigned *multi, unsigned n_multi,
				const unsigned *first, const unsigned *n, const int *sub,
				int *choice, double *use)
{
	const struct hp_plan_problem *p = h->p;
	_cleanup_free_ int *keep = malloc((p->n_pods ? p->n_pods : 1) * sizeof(int));
	unsigned worst = most_over(h, use, ((1u << h->npu) - 1) & ~1u);
	double kept[NRES];

	if (!keep || !worst)
		return sur_over(h, use);
	memcpy(keep, choice, p->n_pods * sizeof(int));
	memcpy(kept, use, sizeof(kept));
	for (unsigned d = 0; d < h->npu; d++) {
		if (d && d == worst)
			continue;
		if (rebalance_from(h, multi, n_multi, first, n, sub, choice, use, d ? d : worst))
			break;
		memcpy(choice, keep, p->n_pods * sizeof(int));
		memcpy(use, kept, sizeof(kept));
	}
	return sur_over(h, use);
}

/*
 * Place the pods on the DPUs, each with one of its options sub[first[i]..]
 * (configurations), so that every DPU fits: largest first, each where it
 * leaves the DPUs least over capacity, then single moves that lower the
 * overflow, else the best pair of moves of a pod on a DPU over capacity and
 * any other; at a local optimum, a random kick of the best so far (an
 * iterated local search), and at some, an exact rebalance of the DPUs two
 * at a time (sur_rebalance_all), until it is gone (true, h->choice set) or
 * SPLIT_ROUNDS pass; then a last rebalance. On 135 instances of 50-2000
 * containers, 31 of the 34 splits found were found by the first rebalance
 * (about 10 rounds) and three in 205-366 rounds, on instances proven
 * without them; the splits that found none spent all of their 1000 rounds,
 * up to 0.76 s each (three DPUs short of memory, 500 containers, seed 2).
 * With 200, that instance and one more are proven within 2 s
 * (docs/planner.md, twelfth session).
 */
static bool sur_place(struct heur *h, const unsigned *first, const unsigned *n, const int *sub)
{
	const struct hp_plan_problem *p = h->p;
	unsigned np = p->n_pods ? p->n_pods : 1, n_multi = 0;
	_cleanup_free_ int *choice = calloc(np, sizeof(int));
	_cleanup_free_ unsigned *multi = calloc(np, sizeof(unsigned));
	_cleanup_free_ struct keyed *by = calloc(np, sizeof(*by));
	_cleanup_free_ int *best = calloc(np, sizeof(int));
	double use[NRES] = {0}, best_use[NRES], over, best_over = HUGE_VAL;
	unsigned optima = 0;

	if (!choice || !multi || !by || !best)
		return false;
	for (unsigned i = 0; i < p->n_pods; i++) {
		choice[i] = h->choice[i];
		if (!h->grp.n[i])
			continue;
		choice[i] = sub[first[i]];
		if (n[i] > 1) {
			by[n_multi].m = i;
			by[n_multi++].key = 0;
			for (unsigned d = 1; d < h->npu; d++)
				by[n_multi - 1].key -=
				    h->cfgs[choice[i]].use[3 * d] * p->pu[d].speed;
		}
	}
	qsort(by, n_multi, sizeof(*by), cmp_keyed); /* largest first */
	for (unsigned k = 0; k < n_multi; k++)
		multi[k] = by[k].m;
	/* the pods that have one option, then the others, largest first */
	for (unsigned i = 0; i < p->n_pods; i++)
		if (choice[i] >= 0 && !(h->grp.n[i] && n[i] > 1))
			for (unsigned r = 3; r < h->nres; r++)
				use[r] += h->cfgs[choice[i]].use[r];
	for (unsigned k = 0; k < n_multi; k++) {
		unsigned i = multi[k];
		double least = HUGE_VAL;

		for (unsigned j = first[i]; j < first[i] + n[i]; j++) {
			double fill = 0;

			for (unsigned r = 3; r < h->nres; r++)
				if (h->cfgs[sub[j]].use[r] > 0)
					fill = fmax(fill, (use[r] + h->cfgs[sub[j]].use[r]) /
							      fmax(h->cap[r], 1e-9));
			if (fill < least) {
				least = fill;
				choice[i] = sub[j];
			}
		}
		for (unsigned r = 3; r < h->nres; r++)
			use[r] += h->cfgs[choice[i]].use[r];
	}
	over = sur_over(h, use);
	for (unsigned round = 0;
	     round < SPLIT_ROUNDS && over > 0 && n_multi && hp_now_ms() < h->deadline; round++) {
		bool better = false;

		/* single moves */
		for (unsigned k = 0; k < n_multi && over > 0; k++) {
			unsigned i = multi[k];

			for (unsigned j = first[i]; j < first[i] + n[i]; j++) {
				double t[NRES], o;

				if (sub[j] == choice[i])
					continue;
				use_swap(h, t, use, choice[i], sub[j]);
				if ((o = sur_over(h, t)) < over - 1e-15) {
					memcpy(use + 3, t + 3, (h->nres - 3) * sizeof(double));
					over = o;
					choice[i] = sub[j];
					better = true;
				}
			}
		}
		/*
		 * pairs: a pod on a DPU over capacity to another of its options,
		 * and any other pod to another of its, the best pair
		 */
		for (unsigned ka = 0;
		     ka < n_multi && over > 0 && !better && hp_now_ms() < h->deadline; ka++) {
			unsigned a = multi[ka], bb = 0;
			int ta = -1, tb = -1;
			double least = over - 1e-15;
			bool on_over = false;

			for (unsigned r = 3; r < h->nres && !on_over; r++)
				on_over = h->cfgs[choice[a]].use[r] > 0 && use[r] > h->cap[r];
			if (!on_over)
				continue;
			for (unsigned kb = 0; kb < n_multi; kb++) {
				unsigned b = multi[kb];

				if (a == b)
					continue;
				for (unsigned ja = first[a]; ja < first[a] + n[a]; ja++) {
					double t0[NRES];

					if (sub[ja] == choice[a])
						continue;
					use_swap(h, t0, use, choice[a], sub[ja]);
					for (unsigned jb = first[b]; jb < first[b] + n[b]; jb++) {
						double t[NRES], o;

						if (sub[jb] == choice[b])
							continue;
						use_swap(h, t, t0, choice[b], sub[jb]);
						if ((o = sur_over(h, t)) < least) {
							least = o;
							bb = b;
							ta = sub[ja];
							tb = sub[jb];
						}
					}
				}
			}
			if (ta < 0)
				continue;
			use_swap(h, use, use, choice[a], ta);
			use_swap(h, use, use, choice[bb], tb);
			choice[a] = ta;
			choice[bb] = tb;
			over = sur_over(h, use);
			better = true;
		}
		if (better)
			continue;
		/*
		 * A local optimum: at the first and every SPLIT_REBALANCE-th,
		 * rebalance the best so far exactly; then kick it, a few pods at
		 * random.
		 */
		if (over < best_over) {
			best_over = over;
			memcpy(best, choice, p->n_pods * sizeof(int));
			memcpy(best_use, use, sizeof(use));
		} else {
			memcpy(choice, best, p->n_pods * sizeof(int));
			memcpy(use, best_use, sizeof(use));
		}
		if (!(optima++ % SPLIT_REBALANCE)) {
			over = sur_rebalance_all(h, multi, n_multi, first, n, sub, choice, use);
			if (over <= 0)
				break;
			memcpy(choice, best, p->n_pods * sizeof(int));
			memcpy(use, best_use, sizeof(use));
		}
		for (unsigned kick = 0; kick < 3; kick++) {
			unsigned i = multi[heur_rand(&h->rng) % n_multi];
			int to = sub[first[i] + heur_rand(&h->rng) % n[i]];

			use_swap(h, use, use, choice[i], to);
			choice[i] = to;
		}
		over = sur_over(h, use);
	}
	if (over > 0 && best_over < HUGE_VAL) {
		memcpy(choice, best, p->n_pods * sizeof(int));
		memcpy(use, best_use, sizeof(use));
		over = sur_rebalance_all(h, multi, n_multi, first, n, sub, choice, use);
	}
	if (over > 0 && best_over < over) {
		memcpy(choice, best, p->n_pods * sizeof(int));
		over = best_over;
	}
	heur_set(h, choice);
	if (over > 0) {
		/*
		 * No split: the least over, mended by the callback heuristic's
		 * repair and local search, is a placement a few millicores below
		 * the surrogate's where the others may be cores below it.
		 */
		if (heur_repair(h) && hp_now_ms() < h->deadline)
			heur_local(h);
		return false;
	}
	return heur_fits(h, h->use);
}

/*
 * What a choice of the surrogate's stands for: per pod, grp's options whose
 * surrogate counterparts load it as the chosen one does (steps, crossing
 * costs, memory and link in sum), and with same_loss also lose as much (the
 * options the surrogate cannot tell from it), by ascending loss as the
 * packing search wants; sub is grp over them alone, from: which of grp's
 * each one is, cfg: its configuration.
 */
struct sur_class {
	struct hp_group sub;
	unsigned *first, *n, *from;
	int *cfg;
	struct hp_group_opt *opts;
	double *res;
	unsigned *best; /* the packing search's choice */
};

static void sur_class_free(struct sur_class *c)
{
	free(c->first);
	free(c->n);
	free(c->from);
	free(c->cfg);
	free(c->opts);
	free(c->res);
	free(c->best);
}

static int sur_class_alloc(const struct heur *h, struct sur_class *c)
{
	const struct hp_group *g = &h->grp;
	size_t np = g->n_pods ? g->n_pods : 1, no = g->n_opts ? g->n_opts : 1;

	*c = (struct sur_class){.sub = *g,
				.first = calloc(np, sizeof(unsigned)),
				.n = calloc(np, sizeof(unsigned)),
				.from = calloc(no, sizeof(unsigned)),
				.cfg = calloc(no, sizeof(int)),
				.opts = calloc(no, sizeof(struct hp_group_opt)),
				.res = calloc(no * (g->n_res ? g->n_res : 1), sizeof(double)),
				.best = calloc(np, sizeof(unsigned))};
	if (!c->first || !c->n || !c->from || !c->cfg || !c->opts || !c->res || !c->best) {
		sur_class_free(c);
		return -ENOMEM;
	}
	c->sub.first = c->first;
	c->sub.n = c->n;
	c->sub.opts = c->opts;
	c->sub.res = c->res;
	return 0;
}

static void sur_class_of(const struct heur *h, const unsigned *sbest, bool same_loss,
			 struct sur_class *c)
{
	const struct hp_group *g = &h->grp, *sg = &h->sur;
	unsigned n_opts = 0, nr = g->n_res;

	for (unsigned i = 0; i < g->n_pods; i++) {
		c->first[i] = n_opts;
		for (unsigned k = g->first[i]; g->n[i] && k < g->first[i] + g->n[i]; k++) {
			unsigned o = h->sur_from[k], b;

			if (!hp_group_same_load(sg, k, sbest[i]) ||
			    (same_loss && fabs(sg->opts[k].loss - sg->opts[sbest[i]].loss) > 1e-12))
				continue;
			/* by ascending loss (an insertion: a few options each) */
			for (b = n_opts++;
			     b > c->first[i] && g->opts[o].loss < g->opts[c->from[b - 1]].loss; b--)
				c->from[b] = c->from[b - 1];
			c->from[b] = o;
		}
		c->n[i] = n_opts - c->first[i];
	}
	for (unsigned k = 0; k < n_opts; k++) {
		c->cfg[k] = (int)h->grp_cfg[c->from[k]];
		c->opts[k] = g->opts[c->from[k]];
		memcpy(c->res + (size_t)k * nr, g->res + (size_t)c->from[k] * nr,
		       nr * sizeof(double));
	}
	c->sub.n_opts = n_opts;
}

/* The placement of c's packing search's choice: a configuration per pod, -1. */
static void sur_class_choice(const struct heur *h, const struct sur_class *c, int *choice)
{
	for (unsigned i = 0; i < h->grp.n_pods; i++)
		choice[i] = h->grp.n[i] ? c->cfg[c->best[i]] : -1;
}

/*
 * The least penalty of c's packings (of the model's) below limit, from lower,
 * a bound of it: below limits that double from lower (a small limit prunes
 * hard). Returns as hp_group_pack_min, the choice in c->best; *m is limit
 * when nothing was found, also when a round with a lower limit ran out.
 */
static int sur_class_min(struct sur_class *c, double lower, double limit,
			 struct hp_pack_limits *lim, double *m)
{
	int r = 0;

	for (unsigned round = PACK_ROUNDS; round-- > 0 && r == 0;) {
		double l = round ? lower + (limit - lower) / (1u << round) : limit;

		r = hp_group_pack_min(&c->sub, l, lower, lim, c->best, m);
		if (*m < l)
			return r; /* the least, or the best before the nodes ran out */
	}
	*m = limit;
	return r;
}

/*
 * Split the surrogate's best packing (sbest, an option of sur per pod)
 * among the DPUs: each pod may take any of its options that the surrogate
 * sees as the one chosen (the same steps, crossing costs, memory and link
 * in sum, and loss), whichever DPUs they use: first by local search
 * (sur_place), then by the packing search over those alone, exact for the
 * model, below limits that double from the surrogate's least penalty up to
 * gap, in a quarter of the time left at most. A placement it finds becomes
 * the incumbent; with none, the local search's least over, mended.
 */
static bool sur_split(struct heur *h, glp_tree *tree, const unsigned *sbest, double gap)
{
	const struct hp_group *g = &h->grp;
	unsigned np = g->n_pods ? g->n_pods : 1;
	_cleanup_free_ int *choice = calloc(np, sizeof(int));
	_cleanup_free_ int *mended = calloc(np, sizeof(int));
	/*
	 * Not all the time left: three DPUs short of memory, 200 containers,
	 * seed 4 spent 1.6 s finding nothing here, and 1.3% from its bound
	 * was the best it had at 2 s; with a quarter, the neighbourhood search
	 * finds one 0.22-0.37% from it.
	 */
	struct hp_pack_limits lim = {.nodes = SUR_SPLIT_NODES,
				     .stop_ms = heur_share(h, SPLIT_SHARE),
				     .fill = true,
				     .threads = h->threads};
	struct sur_class c;
	double m;
	bool ok = false;

	if (!choice || !mended || sur_class_alloc(h, &c) < 0)
		return false;
	sur_class_of(h, sbest, true, &c);
	if (sur_place(h, c.first, c.n, c.cfg)) {
		ok = heur_submit(h, tree);
		goto out;
	}
	memcpy(mended, h->choice, g->n_pods * sizeof(int)); /* sur_place's, mended */
	/* from the surrogate's least, as the model's penalty (grp_z, sur_z: their LP values) */
	sur_class_min(&c, h->sur_lb - (h->sur_z - h->grp_z), gap, &lim, &m);
	if (m < gap) {
		sur_class_choice(h, &c, choice);
		heur_set(h, choice);
		if ((ok = heur_fits(h, h->use) && heur_submit(h, tree)))
			goto out;
	}
	heur_set(h, mended);
	ok = heur_fits(h, h->use) && heur_submit(h, tree);
out:
	sur_class_free(&c);
	return ok;
}

/* The surrogate's bound, sur_z - sur_lb, as the model's, and as a penalty of its packings. */
static void sur_proved(struct heur *h)
{
	h->grp_bound = fmin(h->grp_bound, h->sur_z - h->sur_lb);
	h->pack_lb = fmax(h->pack_lb, h->grp_z - h->grp_bound);
}

/* Does the surrogate bound, searched to its least, prove inc optimal? */
static bool sur_proves(const struct heur *h, double inc)
{
	return h->sur.n_rows && gap_to(h->sur_z, inc) <= h->sur_lb;
}

/*
 * The surrogate's packings, refined: when its least packing does not split,
 * every placement still is one of its packings, so meeting in the middle
 * over them (below the incumbent's gap) with each of the best handed to
 * sur_refine_one, which searches that packing's splits for the least
 * placement, gives the least placement of the model: the least packing
 * that splits, and the penalty of its best split.
 */
struct sur_refine {
	struct heur *h;
	struct sur_class c;
	int *choice;	    /* the best placement found: a configuration per pod */
	double t;	    /* its penalty, as the surrogate's; HUGE_VAL if none */
	unsigned unsettled; /* packings it could not tell */
};

/*
 * The packing search out of nodes: a split by local search (sur_place)
 * whose penalty is v, the least the class can have, to the tolerance
 * gap_to grants, settles it. Four DPUs, sidecars only, 500 containers,
 * seed 2: 37 pods choose among 187 options of the same loss to within
 * 1e-6, which the search did not settle in 16 Mi nodes, and the local
 * search splits it at v in 0.4 s.
 */
static bool sur_refine_place(struct sur_refine *rf, double v)
{
	struct heur *h = rf->h;
	double t;

	if (hp_now_ms() >= h->deadline || !sur_place(h, rf->c.first, rf->c.n, rf->c.cfg))
		return false;
	t = h->sur_z - heur_gain(h); /* its penalty, as the surrogate's */
	if (t < rf->t) {
		rf->t = t;
		memcpy(rf->choice, h->choice, h->grp.n_pods * sizeof(int));
	}
	return t <= v + 1e-9 * (1 + fabs(h->sur_z - t));
}

static int sur_refine_one(void *arg, const unsigned *sbest, double v, double limit, double *t)
{
	struct sur_refine *rf = arg;
	struct heur *h = rf->h;
	struct hp_pack_limits lim = {.nodes = REFINE_SPLIT_NODES,
				     .stop_ms = heur_stop(h),
				     .fill = false,
				     .threads = h->threads};
	double conv = h->grp_z - h->sur_z; /* the model's penalty, less the surrogate's: >= */
	double m;
	int r;

	if (hp_now_ms() >= h->deadline) {
		rf->unsettled++;
		return -E2BIG;
	}
	/*
	 * Any loss: the surrogate's losses differ where the DPUs' duals are
	 * not in proportion to their speeds, and meeting in the middle keeps
	 * the cheapest of the options that load it alike.
	 */
	sur_class_of(h, sbest, false, &rf->c);
	/*
	 * Once below the limit, without the fill bound's tables: most of these
	 * searches find nothing, in a few thousand nodes, and the tables took
	 * 9 ms a search to build (three DPUs short of memory, 100 containers).
	 */
	r = hp_group_pack_min(&rf->c.sub, limit + conv, v + conv, &lim, rf->c.best, &m);
	if (r < 0 && r != -E2BIG)
		return r;
	if (m < limit + conv && m - conv < rf->t) {
		rf->t = m - conv;
		sur_class_choice(h, &rf->c, rf->choice);
	}
	*t = m - conv;
	if (r == -E2BIG && sur_refine_place(rf, v)) {
		*t = v;
		return 0;
	}
	rf->unsettled += r == -E2BIG;
	return r;
}

/*
 * Run the refinement against the incumbent inc (sur_refine above): 1 when
 * it proves it optimal, 2 when it found a better placement, 0 otherwise.
 * Once per incumbent. As in pack_min, below limits that grow by a quarter
 * from what is proven, each finding nothing raising that, while the lists
 * fit and each packing's splits are settled (from refine_fail on, one of
 * the two was not: then halfway there, a few times; four DPUs, sidecars
 * only, 200 containers, seed 5, is proven so) and a round takes less than a
 * quarter of the time left: the rounds list more and more, and with three
 * DPUs short of memory (100 containers, seed 0) four of them took 1.06 s
 * of the neighbourhood search's time before the lists overflowed at a
 * thirteenth of the gap.
 */
static int sur_refine(struct heur *h, glp_tree *tree, double inc)
{
	unsigned np = h->grp.n_pods ? h->grp.n_pods : 1;
	_cleanup_free_ int *choice = calloc(np, sizeof(int));
	struct sur_refine rf = {.h = h, .choice = choice, .t = HUGE_VAL};
	double gap = gap_to(h->sur_z, inc), l = h->sur_lb, step = (gap - l) / 64, m;
	bool again = false; /* the same limit once more, keeping more */

	if (gap >= h->refine_gap || !choice || sur_class_alloc(h, &rf.c) < 0)
		return 0;
	h->refine_gap = gap;
	while ((l < gap || again) && h->refine_budget && hp_now_ms() < h->deadline) {
		struct hp_pack_limits lim = {.nodes = h->refine_budget,
					     .stop_ms = heur_stop(h),
					     .threads = h->threads,
					     .refine = sur_refine_one,
					     .arg = &rf,
					     .keep = h->refine_keep};
		double t0 = hp_now_ms();
		int r;

		if (!again)
			l = grow_limit(l, step, gap);
		again = false;
		rf.unsettled = 0;
		if (l >= h->refine_fail) {
			/* halfway to where it overflowed or got stuck, a few times */
			if (h->refine_halvings >= REFINE_HALVINGS)
				break;
			h->refine_halvings++;
			l = (h->sur_lb + h->refine_fail) / 2;
		}
		r = hp_group_meet_min(&h->sur, l, h->sur_lb, &lim, NULL, &m);
		h->refine_budget = lim.nodes;
		if (r < 0) {
			if (r == -E2BIG && hp_now_ms() < lim.stop_ms)
				h->refine_fail = l;
			break;
		}
		h->sur_lb = fmax(h->sur_lb, m); /* nothing below m, found or not */
		if (m < l && m >= gap / 2 && rf.t > m && !rf.unsettled && lim.full &&
		    h->refine_keep < REFINE_KEEP_MAX &&
		    hp_now_ms() - t0 <= (h->deadline - hp_now_ms()) / REFINE_SHARE) {
			/*
			 * Every packing it kept was settled, more were below the
			 * limit than it kept, and the bound has come half the way
			 * to the incumbent: again with four times as many (three
			 * DPUs short of memory, 200 containers, seed 6: 256 took
			 * it to 0.0101 of a gap of 0.0132). Not further from the
			 * incumbent: four DPUs, 50 containers, seeds 2, 5, 6 and
			 * 8, kept refining a few thousandths at a time for a
			 * second, where the neighbourhood search finds the
			 * optimum, which the packing bound then proves; and four
			 * DPUs, 100 containers, seed 1, where hundreds of packings
			 * tie at the least, 16 Ki took 1.7 s to get past them.
			 */
			h->refine_keep *= 4;
			again = true;
			continue;
		}
		if (m < l && rf.t > m && (rf.unsettled || !lim.full))
			h->refine_fail = l; /* a packing it could not settle: again only below */
		if (m < l)
			break; /* (or more than it kept: the next incumbent's run may keep more) */
		if (hp_now_ms() - t0 > (h->deadline - hp_now_ms()) / REFINE_SHARE)
			break; /* the next round lists more: leave the time to the others */
	}
	sur_class_free(&rf.c);
	sur_proved(h);
	if (rf.t < gap) {
		heur_set(h, choice);
		if (heur_fits(h, h->use) && heur_submit(h, tree))
			return 2;
	}
	return sur_proves(h, inc);
}

/*
 * One search of the surrogate's packings below limit (pack_min; nodes: what
 * the depth-first search may visit, 0: meeting in the middle only): as
 * sur_check, or -1 when it settled nothing and the next may.
 */
static int sur_round(struct heur *h, glp_tree *tree, double inc, double limit, unsigned long nodes,
		     unsigned *best)
{
	struct hp_pack_limits lim = {
	    .nodes = nodes, .stop_ms = h->deadline, .fill = true, .threads = h->threads};
	double m = limit; /* pack_min leaves it on other errors than -E2BIG */
	int r = pack_min(h, &h->sur, &h->sur_meet, &h->sur_lb, limit, &lim, best, &m);

	if (r < 0 && r != -E2BIG)
		return 0;
	if (r == 0)
		h->sur_lb = fmax(h->sur_lb, m);
	sur_proved(h);
	/*
	 * The nodes it took count also when it found a packing: four DPUs, 200
	 * containers, seed 2, found one 1.6e-7 above the surrogate's LP value,
	 * which did not split, in 4 Mi nodes (0.2 s), and each better incumbent
	 * ran it again.
	 */
	if (nodes) {
		if (r == -E2BIG && m >= limit && lim.nodes == nodes && hp_now_ms() < h->deadline)
			lim.nodes = 0; /* its tables too large, not a node searched: never again */
		h->sur_budget = lim.nodes;
	}
	if (m < limit) {
		/* the least, or (-E2BIG) a good packing: split it, if there is time */
		h->sur_exact = r == 0;
		return !heur_late(h) && sur_split(h, tree, best, gap_to(h->grp_z, inc)) ? 2 : 0;
	}
	if (!nodes)
		return r == 0 ? 1 : -1;
	return r < 0 ? 0 : -1;
}

/*
 * Run the surrogate bound against the incumbent inc: 1 when it proves the
 * incumbent optimal, 2 when splitting its best packing gave a better one,
 * 0 otherwise.
 */
static int sur_check(struct heur *h, glp_tree *tree, double inc)
{
	unsigned np = h->grp.n_pods ? h->grp.n_pods : 1;
	_cleanup_free_ unsigned *best = NULL;
	double gap;
	int r;

	if (h->grp.n_rows < 2 || (!h->sur_budget && !h->meet_budget) || hp_now_ms() >= h->deadline)
		return 0;
	if (!h->sur.n_rows && sur_build(h, gap_to(h->grp_z, inc)) < 0) {
		h->sur_budget = 0; /* never again: sur.n_rows stays 0 */
		return 0;
	}
	gap = gap_to(h->sur_z, inc);
	if (gap <= h->sur_lb)
		return 1;
	if (h->sur_exact)
		return sur_refine(h, tree, inc); /* its least did not split */
	best = calloc(np, sizeof(unsigned));
	if (!best)
		return 0;
	/*
	 * Meeting in the middle grows its own limits, up to the gap at once:
	 * below each of the rounds' it would list again most of what it listed
	 * below the last (two DPUs short of memory, 2000 containers, seed 4:
	 * 1.2 s of 1.9).
	 */
	r = h->meet_budget ? sur_round(h, tree, inc, gap, 0, best) : -1;
	/* the depth-first search below limits that double up to the gap, as pack_check */
	for (unsigned round = PACK_ROUNDS; r < 0 && round-- > 0;) {
		double base = h->sur_lb, limit = round ? base + (gap - base) / (1u << round) : gap;

		if (!h->sur_budget)
			return 0;
		r = sur_round(h, tree, inc, limit, h->sur_budget, best);
	}
	if (r < 0)
		return 1;					  /* nothing below the gap */
	return r || !h->sur_exact ? r : sur_refine(h, tree, inc); /* its least did not split */
}

static void group_check(struct heur *h, glp_tree *tree, bool quick);

/*
 * The group bound's least below gap (hp_group_min's return, the least in *m),
 * searched below limits that grow GROUP_GROW times from a GROUP_FIRST-th of
 * the gap: it enumerates every choice below the limit, and a small one
 * prunes it hard. Four DPUs with applications moving, 2000 containers: the
 * least is a thousandth of the gap or less, and its search below the gap
 * took 0.3-0.5 s (seeds 0, 1) and ran out of time after 1.4 s (seed 4);
 * below 1/1024 of it 30-50 ms, and seed 4 ran out of choices in 0.2 s.
 *
 * Where many choices tie at no loss (DPUs alike, every one priced), a small
 * limit prunes none of them: four DPUs, sidecars only, 100 containers, seed
 * 17, looks at 737,280 choices below any limit, 0.11 s each time. After a
 * search that looked at more than a GROUP_TIES-th of its choices, the next
 * limit is the gap, and so is the first of the searches after it. A limit
 * below which it found nothing bounds every placement (pack_proved).
 */
static int group_min(struct heur *h, double gap, unsigned long leaves, double *m)
{
	for (double l = h->grp_ties ? gap : gap / GROUP_FIRST;;) {
		unsigned long left = leaves;
		int r;

		l = fmin(l, gap);
		r = hp_group_min(&h->grp, l, &left, h->deadline, h->grp_best, m);
		if (r < 0 || *m < l || l >= gap)
			return r;
		pack_proved(h, l);
		h->grp_ties = h->grp_ties || leaves - left > leaves / GROUP_TIES;
		l = h->grp_ties ? gap : l * GROUP_GROW;
	}
}

/* Does a DPU's memory bind in the root LP (priced)? */
static bool mem_binds(const struct hp_group *g)
{
	for (unsigned k = 0; k < g->n_res; k += 2) /* memory, link per DPU */
		if (hp_group_priced(g->res_y[k], g->res_b[k]))
			return true;
	return false;
}

/*
 * Which bound proven so far shows the incumbent inc optimal (its name), NULL
 * if none. The group bound's is in grp_bound too: an incumbent that reached
 * it as the time ran out was reported unproven at 1e-12 below it (four
 * DPUs, 2000 containers, seed 0).
 */
static const char *bound_proves(const struct heur *h, double inc)
{
	double gap = gap_to(h->grp_z, inc);

	if (gap <= 0)
		return "branch and bound"; /* the LP's own bound, GLPK's at the root */
	if (sur_proves(h, inc))
		return "surrogate bound";
	if (h->pack_lb >= gap)
		return "packing bound";
	return gap_to(h->grp_bound, inc) <= 0 ? "group bound" : NULL;
}

/*
 * The packing search, exact for the whole model (group.h): meeting in the
 * middle (one DPU) first, up to the gap at once, as sur_check; then, from
 * what it proved, the depth-first search below limits that double up to
 * gap: a small limit prunes its search hard, and the least it finds below a
 * limit is the optimum. Returns true when nothing is below gap: the
 * incumbent is optimal.
 */
static bool pack_check(struct heur *h, glp_tree *tree, double gap, double lower)
{
	double base = fmax(lower, h->pack_lb), proved = base, m;

	for (int round = h->meet_budget ? PACK_ROUNDS : PACK_ROUNDS - 1; round >= 0; round--) {
		bool meet = round == PACK_ROUNDS;
		double limit = round && !meet ? base + (gap - base) / (1u << round) : gap;
		struct hp_pack_limits lim = {.nodes = meet ? 0 : h->pack_budget,
					     .stop_ms = heur_stop(h),
					     .fill = true,
					     .threads = h->threads};
		int r;

		if ((!meet && !h->pack_budget) || hp_now_ms() >= h->deadline)
			return false;
		r = pack_min(h, &h->grp, &h->grp_meet, &proved, limit, &lim, h->grp_best, &m);
		if (!meet)
			h->pack_budget = lim.nodes;
		pack_proved(h, proved);
		if (r < 0 && r != -E2BIG)
			return false;
		if (r == 0)
			pack_proved(h, m); /* m = limit: nothing below it */
		if (m < limit) {
			/* out of budget (-E2BIG), it still gives the best it found */
			if (heur_pack(h, tree, h->grp_best))
				group_check(h, tree, false);
			return false;
		}
		if (meet && r == 0)
			return true; /* nothing below the gap */
		if (meet)
			base = fmax(base, proved);
		else if (r < 0)
			return false;
	}
	return true;
}

/*
 * Run the group bound against a better incumbent; when nothing below it is
 * possible, the incumbent is optimal and the search can stop. quick: the
 * group bound and its heuristics only, not the packing searches.
 */
static void group_check(struct heur *h, glp_tree *tree, bool quick)
{
	glp_prob *P = glp_ios_get_prob(tree);
	double inc, gap, m;
	int r;

	if (!h->grp.n_rows || h->grp_proven || glp_mip_status(P) != GLP_FEAS ||
	    hp_now_ms() >= h->deadline)
		return;
	inc = glp_mip_obj_val(P);
	if (inc <= h->grp_inc)
		return;
	if (!quick)
		h->grp_inc = inc; /* a quick check leaves the searches to run on it */
	gap = gap_to(h->grp_z, inc);
	/*
	 * At the LP's own bound too: GLPK would close the tree only after the
	 * heuristic's call at this node, 0.43 s of three DPUs, 5000
	 * containers, seed 1, whose quick check built the optimum.
	 */
	if ((h->grp_proven = bound_proves(h, inc))) {
		glp_ios_terminate(tree);
		return;
	}
	/*
	 * Out of choices at some gap, it mostly is again until the gap is a
	 * fraction of that, and then with a sixteenth of the choices: each try
	 * cost 0.3 s of 2000 containers on two DPUs short of memory. With
	 * several DPUs, a sixteenth from the first where a DPU's memory binds:
	 * the group bound leaves out what its slack costs, and the surrogate bound
	 * prices it (three DPUs short of memory, 2000 containers: 0.8 s to run
	 * out of choices, where the surrogate bound proved the optimum in 0.4 s).
	 */
	r = -E2BIG;
	if (gap == h->grp_gap) {
		/*
		 * The quick check's, on the same incumbent: the same search, and
		 * what it found was tried (four DPUs, sidecars only, 100
		 * containers, seed 17: 0.16 s each time).
		 */
		r = 1;
		m = h->grp_m;
	} else if (gap <= h->grp_fail / GROUP_RETRY) {
		bool full = h->grp_fail == HUGE_VAL && !(h->npu > 2 && mem_binds(&h->grp));

		r = group_min(h, gap, full ? GROUP_LEAVES : GROUP_LEAVES / 16, &m);
		if (r == -E2BIG)
			h->grp_fail = gap;
		if (r == 0) {
			h->grp_gap = gap;
			h->grp_m = m;
		}
	}
	if (r < 0 && r != -E2BIG)
		return;
	if (r < 0) {
		/*
		 * Out of choices or time: no bound, nothing to build. The packing
		 * searches start from pack_lb (>= 0, raised by the limits below
		 * which the group bound found nothing) instead.
		 */
		m = -HUGE_VAL;
	} else {
		h->grp_bound = fmin(h->grp_bound, h->grp_z - m);
		if (m >= gap) {
			h->grp_proven = "group bound";
			glp_ios_terminate(tree);
			return;
		}
	}
	/* Something below: try to build it; a better incumbent runs the check again. */
	if (r == 0 && !heur_late(h) && h->grp_tries++ < GROUP_TRIES &&
	    (heur_pack_exact(h, tree, h->grp_best) ||
	     (!heur_late(h) && heur_group(h, tree, h->grp_best, gap)))) {
		group_check(h, tree, quick);
		return;
	}
	if (quick)
		return;
	switch (sur_check(h, tree, inc)) {
	case 1:
		h->grp_proven = "surrogate bound";
		glp_ios_terminate(tree);
		return;
	case 2:
		group_check(h, tree, false);
		return;
	}
	if (pack_lns(h, tree, gap, m)) {
		group_check(h, tree, false);
		return;
	}
	/* Few pods: whole pods, not millicores, may leave the DPUs short. */
	if (pack_check(h, tree, gap, m)) {
		h->grp_proven = "packing bound";
		glp_ios_terminate(tree);
	}
}

/*
 * Past the limit, stop GLPK here rather than let it branch on to its own
 * next check of it (that took 45 ms of a 2000-container four-DPU model), or
 * run a heuristic (25 ms of the same size). True then.
 */
static bool cb_late(const struct heur *h, glp_tree *tree)
{
	if (hp_now_ms() < h->deadline)
		return false;
	glp_ios_terminate(tree);
	return true;
}

/* The callback's work: the bounds, the branching rule and the heuristic. */
static void milp_work(struct heur *h, glp_tree *tree)
{
	group_check(h, tree, false);
	if (h->grp_proven)
		return;

	/*
	 * One DPU: branch on its millicore count first. With several, GLPK's own
	 * choice did better (forcing it lost 2 of 5 20-container instances with
	 * 2 DPUs and 3 of 5 with 3 to the 2 s limit; larger ones were no better).
	 */
	if (glp_ios_reason(tree) == GLP_IBRANCH && h->int_row && h->npu == 2) {
		if (glp_ios_can_branch(tree, h->int_col[1]))
			glp_ios_branch_upon(tree, h->int_col[1], GLP_DN_BRNCH);
		return;
	}
	/*
	 * GLPK's own choice tries each candidate a few dual simplex steps down
	 * and up: 93 ms of three DPUs short of memory, 2000 containers, seed
	 * 7, whose first branching came 0.15 s before the limit (ending at
	 * 2.045 s). Near the limit, the first column it may branch on.
	 */
	if (glp_ios_reason(tree) == GLP_IBRANCH && hp_now_ms() + h->branch_ms >= h->deadline) {
		for (int j = 1; j <= glp_get_num_cols(glp_ios_get_prob(tree)); j++)
			if (glp_ios_can_branch(tree, j)) {
				glp_ios_branch_upon(tree, j, GLP_DN_BRNCH);
				break;
			}
		return;
	}
	if (glp_ios_reason(tree) != GLP_IHEUR)
		return;
	if (!h->given && h->upu) {
		heur_greedy(h, tree);
		/*
		 * The group bound may build and prove the optimum from it right
		 * away; the searches wait for the heuristic's better incumbent.
		 */
		group_check(h, tree, true);
	}
	h->given = true;
	if (!h->cfg_only || !h->choice || h->grp_proven)
		return;
	/*
	 * Once the heuristic has failed HEUR_FAILS times in a row, the incumbent
	 * is likely optimal and what is left is the proof: run it on every
	 * HEUR_PERIOD-th node only.
	 */
	h->ncalls++;
	if (h->fails >= HEUR_FAILS && h->ncalls % HEUR_PERIOD)
		return;
	if (cb_late(h, tree))
		return;
	if (heur_run(h, tree))
		h->fails = 0;
	else
		h->fails++;
	group_check(h, tree, false);
}

static void milp_callback(glp_tree *tree, void *info)
{
	struct heur *h = info;
	int best = glp_ios_best_node(tree);

	if (h->cb_out)
		h->glpk_ms = fmax(h->glpk_ms, hp_now_ms() - h->cb_out);
	/* The bound only falls as the search goes on: what is reported on a time limit. */
	if (best)
		h->best_bound = fmin(h->best_bound, glp_ios_node_bound(tree, best));
	if (!cb_late(h, tree))
		milp_work(h, tree);
	/*
	 * What GLPK does before it calls again can pass the time limit: 40 ms
	 * for its next node of a 2000-container four-DPU model, 52 ms to
	 * branch on three DPUs short of memory, 2000 containers, seed 7
	 * (ending at 2.04 s). When the longest it has taken yet would, stop.
	 */
	if (hp_now_ms() + h->glpk_ms >= h->deadline)
		glp_ios_terminate(tree);
	h->cb_out = hp_now_ms();
}

static int solve_milp(const struct hp_plan_problem *p, const struct units *s, int *upu,
		      const int *greedy, double *t0, struct hp_plan_result *res, char **model_tmp,
		      struct hp_error *err)
{
	unsigned npu = p->n_pus, dpus = ((1u << npu) - 1) & ~1u;
	_cleanup_free_ int *xcol = calloc((size_t)(s->n ? s->n : 1) * npu, sizeof(int));
	_cleanup_free_ int *cpu_row = calloc(npu, sizeof(int));
	_cleanup_free_ int *mem_row = calloc(npu, sizeof(int));
	_cleanup_free_ int *link_row = calloc(npu, sizeof(int));
	_cleanup_free_ int *lat_row = calloc(p->n_pods ? p->n_pods : 1, sizeof(int));
	_cleanup_free_ int *int_row = calloc(npu, sizeof(int));
	_cleanup_free_ int *int_col = calloc(npu, sizeof(int));
	_cleanup_free_ long long *ucpu = calloc(s->n ? s->n : 1, sizeof(long long));
	long long qg = 0;
	struct lp lp = { 0 };
	_cleanup_free_ struct podcfg *pcs = calloc(p->n_pods ? p->n_pods : 1, sizeof(*pcs));
	_cleanup_free_ unsigned *eidx = calloc(s->n_e ? s->n_e : 1, sizeof(unsigned));
	_cleanup_free_ bool *ucfg = calloc(s->n ? s->n : 1, sizeof(bool));
	_cleanup_free_ bool *cfg_pod = calloc(p->n_pods ? p->n_pods : 1, sizeof(bool));
	_cleanup_free_ struct cfg *cfgs = NULL;
	_cleanup_free_ int *pool = NULL;
	unsigned ncfg = 0, capcfg = 0;
	size_t pool_n = 0, pool_cap = 0;
	struct heur heur = { .lp = &lp, .p = p, .s = s, .upu = greedy, .pcs = pcs, .npu = npu,
			     .nres = 3 * npu, .cfg_only = true };
	glp_smcp smcp;
	glp_iocp iocp;
	int r = 0, ret, status;
	bool any = false;

	if (!xcol || !cpu_row || !mem_row || !link_row || !lat_row || !pcs || !eidx || !ucfg ||
	    !cfg_pod)
		return -ENOMEM;
	for (unsigned u = 0; u < s->n; u++)
		if (s->u[u].allowed & dpus)
			any = true;
	if (!any) {
		/* Nothing may move: the all-host placement is the only one. */
		for (unsigned u = 0; u < s->n; u++)
			upu[u] = HP_PLAN_HOST;
		res->optimal = true;
		res->proof = "nothing may move";
		return 0;
	}

	glp_term_out(GLP_OFF);
	lp.names = p->params.model_file != NULL;
	lp.prob = glp_create_prob();
	glp_set_obj_dir(lp.prob, GLP_MAX);
	for (unsigned d = 1; d < npu; d++) {
		cpu_row[d] = lp_row(&lp, GLP_UP, 0.0, p->pu[d].cores, "cpu_dpu%u", d - 1);
		mem_row[d] = lp_row(&lp, GLP_UP, 0.0, p->pu[d].memory, "mem_dpu%u", d - 1);
		link_row[d] = lp_row(&lp, GLP_UP, 0.0, p->pu[d].link_bw, "link_dpu%u", d - 1);
	}
	for (unsigned i = 0; i < p->n_pods; i++)
		if (p->pods[i].latency_budget_us >= 0)
			lat_row[i] =
			    lp_row(&lp, GLP_UP, 0.0, p->pods[i].latency_budget_us, "lat_p%u", i);
	/*
	 * The millicore rows (header comment): only when every unit's CPU is a
	 * whole number of millicores, as Kubernetes quantities are; in units of
	 * their greatest common divisor, so that branching steps are as coarse
	 * as the data allows.
	 */
	for (unsigned u = 0; u < s->n && qg >= 0; u++) {
		double mc = s->u[u].cpu * 1000;
		long long a = qg, b;

		if (!(mc >= 0 && mc < 1e12) || fabs(mc - round(mc)) > 1e-6) {
			qg = -1; /* not on the millicore grid */
			break;
		}
		ucpu[u] = b = llround(mc);
		while (b) {
			long long t = a % b;

			a = b;
			b = t;
		}
		qg = a;
	}
	if (qg > 0) {
		for (unsigned u = 0; u < s->n; u++)
			ucpu[u] /= qg;
		for (unsigned d = 1; d < npu && r >= 0; d++) {
			int_row[d] = lp_row(&lp, GLP_FX, 0.0, 0.0, "count_dpu%u", d - 1);
			int_col[d] = lp_col(&lp, 5, 0, d, 0.0, false);
			if (int_col[d] < 0) {
				r = int_col[d];
				break;
			}
			glp_set_col_kind(lp.prob, int_col[d], GLP_IV);
			glp_set_col_bnds(lp.prob, int_col[d], GLP_LO, 0.0, 0.0);
			r = lp_nz(&lp, int_row[d], int_col[d], -1.0);
		}
		if (r < 0)
			goto out;
		heur.int_row = int_row;
		heur.int_col = int_col;
	}

	/* Pods small enough are given as a choice among their placements. */
	for (unsigned u = 0; u < s->n; u++) {
		struct podcfg *pc = &pcs[s->u[u].pod];

		if (!pc->un)
			pc->ufirst = u;
		pc->un++;
	}
	for (unsigned i = 0; i < s->n_e; i++)
		pcs[s->e[i].pod].ne++;
	{
		size_t off = 0;

		for (unsigned i = 0; i < p->n_pods; i++) {
			pcs[i].edges = eidx + off;
			off += pcs[i].ne;
			pcs[i].ne = 0;
			pcs[i].greedy = -1;
		}
	}
	for (unsigned i = 0; i < s->n_e; i++) {
		struct podcfg *pc = &pcs[s->e[i].pod];

		pc->edges[pc->ne++] = i;
	}
	for (unsigned i = 0; i < p->n_pods && r >= 0; i++) {
		struct podcfg *pc = &pcs[i];
		bool movable = false;

		for (unsigned u = pc->ufirst; u < pc->ufirst + pc->un; u++)
			movable |= (s->u[u].allowed & dpus) != 0;
		if (!pc->un || !movable)
			continue;
		r = cfg_enumerate(p, s, pc, &cfgs, &ncfg, &capcfg, &pool, &pool_n, &pool_cap);
		if (r == -E2BIG) {
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		for (unsigned u = pc->ufirst; u < pc->ufirst + pc->un; u++)
			ucfg[u] = true;
		cfg_pod[i] = true;
	}
	for (unsigned k = 0; k < ncfg; k++)
		cfgs[k].upu = pool + (uintptr_t)cfgs[k].upu;
	/* Each configuration's millicore steps per DPU, for the millicore rows and the bounds. */
	if (heur.int_row && !(heur.ccount = calloc((size_t)(ncfg ? ncfg : 1) * npu,
						  sizeof(long long)))) {
		r = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < p->n_pods && r >= 0; i++) {
		struct podcfg *pc = &pcs[i];
		int one;

		if (!cfg_pod[i])
			continue;
		one = lp_row(&lp, GLP_FX, 1.0, 1.0, "one_p%u", i);
		for (unsigned k = pc->first; k < pc->first + pc->n && r >= 0; k++) {
			struct cfg *c = &cfgs[k];

			c->col = 0;
			if (c->dead)
				continue;
			c->col = lp_col(&lp, 4, i, k, c->gain, true);
			if (c->col < 0) {
				r = c->col;
				break;
			}
			r = lp_nz(&lp, one, c->col, 1.0);
			for (unsigned j = 0; heur.ccount && j < pc->un; j++)
				if (c->upu[j] != HP_PLAN_HOST)
					heur.ccount[(size_t)k * npu + c->upu[j]] += ucpu[pc->ufirst + j];
			for (unsigned d = 1; heur.ccount && d < npu && r >= 0; d++)
				if (heur.ccount[(size_t)k * npu + d])
					r = lp_nz(&lp, int_row[d], c->col,
						  (double)heur.ccount[(size_t)k * npu + d]);
			for (unsigned d = 1; d < npu && r >= 0; d++)
				if ((r = lp_nz(&lp, cpu_row[d], c->col, c->use[3 * d])) < 0 ||
				    (r = lp_nz(&lp, mem_row[d], c->col, c->use[3 * d + 1])) < 0 ||
				    (r = lp_nz(&lp, link_row[d], c->col, c->use[3 * d + 2])) < 0)
					break;
		}
		/* The greedy placement, or a placement that dominates it, seeds the search. */
		if (greedy) {
			struct cfg g = { 0 };

			cfg_eval(p, s, pc, greedy + pc->ufirst, &g);
			for (unsigned k = pc->first; k < pc->first + pc->n; k++)
				if (!cfgs[k].dead && cfg_dominates(&cfgs[k], &g, npu)) {
					pc->greedy = (int)k;
					break;
				}
			if (pc->greedy < 0)
				heur.upu = NULL;
		}
	}
	if (r < 0)
		goto out;
	heur.cfgs = cfgs;
	/*
	 * Capacities with half the tolerance hp_plan_evaluate grants (GLPK's
	 * 1e-7): a DPU filled to the last millicore can exceed its cores by a
	 * rounding error, and the placement still counts as feasible.
	 */
	for (unsigned d = 1; d < npu; d++) {
		heur.cap[3 * d] = p->pu[d].cores + 0.5e-7 * fmax(1.0, p->pu[d].cores);
		heur.cap[3 * d + 1] = p->pu[d].memory + 0.5e-7 * fmax(1.0, p->pu[d].memory);
		heur.cap[3 * d + 2] = p->pu[d].link_bw + 0.5e-7 * fmax(1.0, p->pu[d].link_bw);
	}
	for (unsigned u = 0; u < s->n; u++)
		if ((s->u[u].allowed & dpus) && !ucfg[u])
			heur.cfg_only = false;
	heur.cfg_pod = cfg_pod;
	if (heur.cfg_only && (!(heur.choice = calloc(p->n_pods ? p->n_pods : 1, sizeof(int))) ||
			      heur_collect_moves(&heur) < 0)) {
		r = -ENOMEM;
		goto out;
	}

	for (unsigned u = 0; u < s->n && r >= 0; u++) {
		const struct unit *un = &s->u[u];
		int one;

		if (!(un->allowed & dpus) || ucfg[u])
			continue;
		one = lp_row(&lp, (un->allowed & 1) ? GLP_UP : GLP_FX,
			     (un->allowed & 1) ? 0.0 : 1.0, 1.0, "one_u%u", u);
		for (unsigned d = 1; d < npu && r >= 0; d++) {
			int col;

			if (!(un->allowed & (1u << d)))
				continue;
			col = lp_col(&lp, 0, u, d, un->gain, true);
			if (col < 0) {
				r = col;
				break;
			}
			xcol[u * npu + d] = col;
			if (heur.int_row && ucpu[u] &&
			    (r = lp_nz(&lp, int_row[d], col, (double)ucpu[u])) < 0)
				break;
			if ((r = lp_nz(&lp, one, col, 1.0)) < 0 ||
			    (r = lp_nz(&lp, cpu_row[d], col, un->cpu / p->pu[d].speed)) < 0 ||
			    (r = lp_nz(&lp, mem_row[d], col, un->mem)) < 0)
				break;
		}
	}
	for (unsigned i = 0; i < s->n_e && r >= 0; i++) {
		const struct uedge *e = &s->e[i];
		const int *xa = &xcol[e->u * npu], *xb = &xcol[e->v * npu];
		bool lat = lat_row[e->pod] && e->lat > 0;
		unsigned touch = (s->u[e->u].allowed | s->u[e->v].allowed) & dpus;
		int col;

		if (!touch || ucfg[e->u])
			continue; /* both stay on the host, or a configuration covers it */
		if (e->cost > 0 || (lat && npu == 2)) {
			col = lp_col(&lp, 1, i, 0, -e->cost, false);
			r = col < 0 ? col : add_absdiff(&lp, col, xa, xb, npu, dpus);
			if (r < 0)
				break;
			if (lat && npu == 2 && (r = lp_nz(&lp, lat_row[e->pod], col, e->lat)) < 0)
				break;
		}
		if (e->cost > 0 || e->bytes > 0) {
			for (unsigned d = 1; d < npu; d++) {
				if (!(touch & (1u << d)))
					continue;
				col = lp_col(&lp, 2, i, d, 0.0, false);
				r = col < 0 ? col : add_absdiff(&lp, col, xa, xb, npu, 1u << d);
				if (r < 0 ||
				    (r = lp_nz(&lp, cpu_row[d], col, e->cost / p->pu[d].speed)) < 0 ||
				    (r = lp_nz(&lp, link_row[d], col, e->bytes)) < 0)
					break;
			}
			if (r < 0)
				break;
		}
		if (lat && npu > 2) {
			col = lp_col(&lp, 3, i, 0, 0.0, false);
			r = col < 0 ? col : add_absdiff(&lp, col, xa, xb, npu, dpus);
			if (r < 0)
				break;
			for (unsigned d = 1; d < npu && r >= 0; d++)
				if (touch & (1u << d))
					r = add_absdiff(&lp, col, xa, xb, npu, 1u << d);
			if (r < 0 || (r = lp_nz(&lp, lat_row[e->pod], col, e->lat)) < 0)
				break;
		}
	}
	if (r < 0 || (r = lp_by_rows(&lp)) < 0)
		goto out;
	if (heur.int_row && (r = int_nz_build(&heur)) < 0)
		goto out;
	glp_load_matrix(lp.prob, lp.nz, lp.ia, lp.ja, lp.ar);
	/*
	 * Equilibration only: GLPK's automatic choice adds geometric-mean
	 * passes that took 150-250 ms of a 2000-container three-DPU model and
	 * slowed its root LP too.
	 */
	if ((r = lp_scale(&lp)) < 0)
		goto out;
	if (p->params.model_file) {
		double tw = hp_now_ms();

		if ((r = lp_write(&lp, p->params.model_file, model_tmp, err)) < 0)
			goto out;
		/* the time limit and solve_ms are the solver's: writing is not counted */
		*t0 += hp_now_ms() - tw;
	}

	/*
	 * GLPK's advanced starting basis (a triangular one from the matrix)
	 * rather than the standard one: the root LP of a 2000-container
	 * four-DPU model (57,000 columns) took 1.2-1.5 s from the standard
	 * basis and 0.5-0.7 s from this one.
	 */
	glp_adv_basis(lp.prob, 0);
	glp_init_smcp(&smcp);
	smcp.msg_lev = GLP_MSG_OFF;
	smcp.presolve = GLP_OFF;
	ret = glp_simplex(lp.prob, &smcp);
	if (ret != 0 || glp_get_status(lp.prob) == GLP_NOFEAS ||
	    glp_get_status(lp.prob) == GLP_INFEAS) {
		hp_error_set(err, "no placement satisfies every constraint (LP relaxation %s)",
			     ret ? "failed" : "infeasible");
		r = ret ? -EPROTO : -EDOM;
		goto out;
	}
	res->bound = glp_get_obj_val(lp.prob);
	heur.best_bound = res->bound;
	/*
	 * The time limit counts from the start of the solve, less what taking
	 * the answer and releasing the model take (TEARDOWN_NS a nonzero: 12 ms
	 * of a 2000-container four-DPU model; 14-22 ms of a 5000-container
	 * three-DPU one, 500,000 nonzeros, where 30 ns had been allowed). When
	 * building the model and the root LP took it all, branch and bound
	 * still gets a tenth of it, to take the greedy seed and the bounds'
	 * first look.
	 */
	heur.deadline = fmax(*t0 + p->params.time_limit_s * 1e3 - lp.nz * TEARDOWN_NS / 1e6,
			     hp_now_ms() + p->params.time_limit_s * 1e2);
	heur.branch_ms = (double)lp.nz * BRANCH_NS / 1e6;
	heur.threads = hp_plan_threads(&p->params);
	heur.pack_budget = PACK_NODES_TOTAL;
	heur.sur_budget = SUR_NODES_TOTAL;
	heur.lns_budget = LNS_NODES_TOTAL;
	heur.meet_budget = heur.refine_budget = MEET_WORK_TOTAL;
	heur.refine_keep = HP_GROUP_REFINE_KEEP; /* at first */
	heur.grp_meet = heur.sur_meet = (struct meet_memo){.fail = HUGE_VAL, .list = -HUGE_VAL};
	heur.grp_meet.choice = calloc(p->n_pods ? p->n_pods : 1, sizeof(unsigned));
	heur.sur_meet.choice = calloc(p->n_pods ? p->n_pods : 1, sizeof(unsigned));
	if (!heur.grp_meet.choice || !heur.sur_meet.choice) {
		r = -ENOMEM;
		goto out;
	}
	heur.refine_gap = heur.refine_fail = HUGE_VAL;
	heur.grp_bound = HUGE_VAL;
	heur.grp_fail = HUGE_VAL;
	heur.grp_gap = -HUGE_VAL; /* none yet */
	if ((r = group_build(&heur, cpu_row, mem_row, link_row, qg)) < 0)
		goto out;

	glp_init_iocp(&iocp);
	iocp.msg_lev = GLP_MSG_OFF;
	iocp.presolve = GLP_OFF;
	iocp.tm_lim = (int)fmin(fmax(heur.deadline - hp_now_ms(), 1), 1e9);
	/*
	 * No MIR or cover cuts: the bounds above do their work, and setting them
	 * up cost 150 ms of a 2000-container four-DPU model before the first
	 * node (the same instances proven without them, 1-4 DPUs).
	 */
	iocp.mip_gap = p->params.mip_gap;
	/*
	 * GLPK's default branching. Its pseudocost branching did no better once
	 * the group and packing bounds were in (20 instances per size, 20-2000
	 * containers, two and three DPUs), and GLPK 5.0 can fail an assertion in
	 * it (glpios09.c, "dx != 0.0"), aborting the process.
	 */
	iocp.cb_func = milp_callback;
	iocp.cb_info = &heur;
	ret = glp_intopt(lp.prob, &iocp);
	status = glp_mip_status(lp.prob);
	if (status != GLP_OPT && status != GLP_FEAS && status != GLP_NOFEAS && greedy) {
		/* Stopped before it took any placement: the greedy one is feasible. */
		memcpy(upu, greedy, s->n * sizeof(int));
		res->bound = fmin(heur.best_bound, heur.grp_bound);
		r = 0;
		goto out;
	}
	if (status != GLP_OPT && status != GLP_FEAS) {
		if (status == GLP_NOFEAS) {
			hp_error_set(err, "no placement satisfies every constraint");
			r = -EDOM;
		} else {
			hp_error_set(err, "the solver found no placement in %.1f s",
				     p->params.time_limit_s);
			r = -ETIME;
		}
		goto out;
	}
	/*
	 * A placement the searches handed over as the time ran out may reach
	 * their bound before a callback could check it (three DPUs short of
	 * memory, 2000 containers, seed 2: split at the surrogate's least, 49 ms
	 * past the limit).
	 */
	if (status == GLP_FEAS && !heur.grp_proven && heur.grp.n_rows)
		heur.grp_proven = bound_proves(&heur, glp_mip_obj_val(lp.prob));
	/* GLP_OPT with a gap accepted is "optimal within the gap", not proven. */
	res->optimal = (status == GLP_OPT && ret == 0 && p->params.mip_gap == 0) || heur.grp_proven;
	if (res->optimal)
		res->proof = heur.grp_proven ? heur.grp_proven : "branch and bound";
	if (status == GLP_OPT && ret == 0 && !res->optimal)
		res->status = "optimal within the accepted gap";
	res->bound = fmin(heur.best_bound, heur.grp_bound); /* hp_plan_solve settles it */
	for (unsigned u = 0; u < s->n; u++) {
		upu[u] = HP_PLAN_HOST;
		for (unsigned d = 1; d < npu; d++)
			if (xcol[u * npu + d] && glp_mip_col_val(lp.prob, xcol[u * npu + d]) > 0.5)
				upu[u] = (int)d;
	}
	for (unsigned k = 0; k < ncfg; k++) {
		const struct cfg *c = &cfgs[k];
		const struct podcfg *pc;

		if (!c->col || glp_mip_col_val(lp.prob, c->col) < 0.5)
			continue;
		pc = &pcs[lp.ku[c->col]];
		memcpy(upu + pc->ufirst, c->upu, pc->un * sizeof(int));
	}
	r = 0;
out:
	free(heur.choice);
	free(heur.moves);
	free(heur.order);
	free(heur.order_tmp);
	free(heur.pre1);
	free(heur.pre2);
	free(heur.fill_dp);
	free(heur.fill_pick);
	free(heur.fill_delta);
	free(heur.fill_save);
	free(heur.grp.first);
	free(heur.grp.n);
	free(heur.grp.opts);
	free(heur.sur.opts);
	free(heur.sur_res);
	free(heur.sur_from);
	free(heur.grp_cfg);
	free(heur.grp_res);
	free(heur.grp_best);
	free(heur.grp_meet.choice);
	free(heur.sur_meet.choice);
	free(heur.ccount);
	free(heur.int_nz);
	glp_delete_prob(lp.prob);
	free(lp.ia);
	free(lp.ja);
	free(lp.ar);
	free(lp.kind);
	free(lp.ku);
	free(lp.kd);
	return r;
}

void hp_plan_solver_cleanup(void)
{
	hp_group_meet_release();
	glp_free_env();
}

void hp_plan_result_free(struct hp_plan_result *r)
{
	if (!r)
		return;
	free(r->pu);
	r->pu = NULL;
}

int hp_plan_solve(const struct hp_plan_problem *p, enum hp_plan_method m,
		  struct hp_plan_result *ret, struct hp_error *err)
{
	_cleanup_free_ int *upu = NULL, *greedy = NULL, *pu = NULL;
	_cleanup_free_ char *model_tmp = NULL;
	struct hp_plan_result res = { 0 };
	struct hp_plan_eval ev;
	struct units s;
	double t0 = hp_now_ms();
	int r;

	if (p->n_pus < 1 || p->n_pus > HP_PLAN_MAX_PUS) {
		hp_error_set(err, "a node has 1 to %d PUs", HP_PLAN_MAX_PUS);
		return -EINVAL;
	}
	r = units_build(p, &s, err);
	if (r < 0)
		goto out;
	upu = calloc(s.n ? s.n : 1, sizeof(int));
	greedy = calloc(s.n ? s.n : 1, sizeof(int));
	pu = calloc(p->n_ctr ? p->n_ctr : 1, sizeof(int));
	if (!upu || !greedy || !pu) {
		r = -ENOMEM;
		goto out;
	}
	switch (m) {
	case HP_PLAN_GREEDY:
		r = solve_greedy(p, &s, upu, err);
		break;
	case HP_PLAN_EXHAUSTIVE:
		r = solve_exhaustive(p, &s, upu, err);
		res.optimal = r >= 0;
		res.proof = "exhaustive search";
		break;
	case HP_PLAN_MILP:
		/* The greedy answer seeds branch and bound with an incumbent. */
		r = solve_greedy(p, &s, greedy, NULL);
		r = solve_milp(p, &s, upu, r >= 0 ? greedy : NULL, &t0, &res, &model_tmp, err);
		break;
	default:
		r = -EINVAL;
	}
	if (r < 0)
		goto out;
	expand(p, &s, upu, pu);
	hp_plan_evaluate(p, pu, &ev);
	if (!ev.feasible) {
		hp_error_set(err, "internal error: the solver's placement is infeasible (%s)",
			     ev.why);
		r = -EPROTO;
		goto out;
	}
	res.objective = ev.objective;
	res.host_cores_freed = ev.host_cores_freed;
	/*
	 * A bound below the placement found is GLPK's sums and the evaluator's
	 * apart in the last digits.
	 */
	if (m != HP_PLAN_MILP || res.optimal || res.bound < ev.objective)
		res.bound = ev.objective;
	if (!res.status)
		res.status = res.optimal ? "optimal" : m == HP_PLAN_GREEDY ? "heuristic"
									 : "feasible (time limit)";
	if (model_tmp) {
		if (rename(model_tmp, p->params.model_file) < 0) {
			hp_error_set(err, "writing the model to %s: %s", p->params.model_file,
				     strerror(errno));
			r = -EIO;
			goto out;
		}
		res.model_written = true;
	}
	res.solve_ms = hp_now_ms() - t0;
	res.pu = steal_ptr(pu);
	*ret = res;
	r = 0;
out:
	if (r < 0 && model_tmp)
		unlink(model_tmp);
	units_free(&s);
	return r;
}

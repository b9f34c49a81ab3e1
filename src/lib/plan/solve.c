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
 * optimum sets them to the absolute differences, which are 0 or 1.
 */
#include "plan/plan.h"
#include "util/util.h"

#include <glpk.h>
#include <math.h>
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

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
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
 * Move units to DPUs in order of gain per DPU core, each to the DPU where it
 * improves the objective most while everything stays feasible. One pass; the
 * baseline the exact solver must never be worse than.
 */
static int solve_greedy(const struct hp_plan_problem *p, const struct units *s, int *upu,
			struct hp_error *err)
{
	_cleanup_free_ int *pu = calloc(p->n_ctr ? p->n_ctr : 1, sizeof(int));
	_cleanup_free_ struct greedy_key *keys = calloc(s->n ? s->n : 1, sizeof(*keys));
	_cleanup_free_ double *edge_cost = calloc(s->n ? s->n : 1, sizeof(double));
	struct hp_plan_eval ev;
	double best_obj;

	if (!pu || !keys || !edge_cost)
		return -ENOMEM;
	for (unsigned i = 0; i < s->n_e; i++) {
		edge_cost[s->e[i].u] += s->e[i].cost;
		edge_cost[s->e[i].v] += s->e[i].cost;
	}
	for (unsigned u = 0; u < s->n; u++) {
		upu[u] = HP_PLAN_HOST;
		if (!(s->u[u].allowed & 1))
			for (unsigned d = 1; d < p->n_pus; d++)
				if (s->u[u].allowed & (1u << d)) {
					upu[u] = (int)d;
					break;
				}
		keys[u].u = u;
		keys[u].density = (s->u[u].gain - edge_cost[u]) / fmax(s->u[u].cpu, 1e-9);
	}
	expand(p, s, upu, pu);
	hp_plan_evaluate(p, pu, &ev);
	if (!ev.feasible) {
		hp_error_set(err, "greedy: the pinned placements alone are infeasible (%s)",
			     ev.why);
		return -EDOM;
	}
	best_obj = ev.objective;
	qsort(keys, s->n, sizeof(*keys), cmp_density);
	for (unsigned i = 0; i < s->n; i++) {
		unsigned u = keys[i].u;
		int from = upu[u], best = from;

		if (!(s->u[u].allowed & 1))
			continue; /* pinned to a DPU: keep the one chosen */
		for (unsigned d = 1; d < p->n_pus; d++) {
			if (!(s->u[u].allowed & (1u << d)))
				continue;
			upu[u] = (int)d;
			expand(p, s, upu, pu);
			hp_plan_evaluate(p, pu, &ev);
			if (ev.feasible && ev.objective > best_obj + 1e-12) {
				best_obj = ev.objective;
				best = (int)d;
			}
		}
		upu[u] = best;
	}
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
	int *kind; /* 0: x, 1: h, 2: z, 3: s */
	unsigned *ku, *kd;
	int ncols, capcols;
};

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
	return col;
}

static int lp_row(struct lp *lp, int type, double lb, double ub)
{
	int row = glp_add_rows(lp->prob, 1);

	glp_set_row_bnds(lp->prob, row, type, lb, ub);
	return row;
}

struct heur {
	struct lp *lp;
	const struct units *s;
	const int *upu; /* greedy incumbent, NULL if none */
	bool given;
};

static void milp_callback(glp_tree *tree, void *info)
{
	struct heur *h = info;
	const struct units *s = h->s;
	struct lp *lp = h->lp;
	_cleanup_free_ double *x = NULL;

	if (glp_ios_reason(tree) != GLP_IHEUR || h->given || !h->upu)
		return;
	h->given = true;
	x = calloc(lp->ncols + 1, sizeof(double));
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
		}
	}
	glp_ios_heur_sol(tree, x);
}

static int add_absdiff(struct lp *lp, int col, const int *xa, const int *xb, unsigned n_pus,
		       unsigned dmask)
{
	/* col >= sum_{d in dmask} (xa[d] - xb[d]) and >= the opposite. */
	for (int sign = -1; sign <= 1; sign += 2) {
		int row = lp_row(lp, GLP_LO, 0.0, 0.0);
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

static int solve_milp(const struct hp_plan_problem *p, const struct units *s, int *upu,
		      const int *greedy, struct hp_plan_result *res, struct hp_error *err)
{
	unsigned npu = p->n_pus, dpus = ((1u << npu) - 1) & ~1u;
	_cleanup_free_ int *xcol = calloc((size_t)(s->n ? s->n : 1) * npu, sizeof(int));
	_cleanup_free_ int *cpu_row = calloc(npu, sizeof(int));
	_cleanup_free_ int *mem_row = calloc(npu, sizeof(int));
	_cleanup_free_ int *link_row = calloc(npu, sizeof(int));
	_cleanup_free_ int *lat_row = calloc(p->n_pods ? p->n_pods : 1, sizeof(int));
	struct lp lp = { 0 };
	struct heur heur = { .lp = &lp, .s = s, .upu = greedy };
	glp_smcp smcp;
	glp_iocp iocp;
	int r = 0, ret, status;
	bool any = false;

	if (!xcol || !cpu_row || !mem_row || !link_row || !lat_row)
		return -ENOMEM;
	for (unsigned u = 0; u < s->n; u++)
		if (s->u[u].allowed & dpus)
			any = true;
	if (!any) {
		/* Nothing may move: the all-host placement is the only one. */
		for (unsigned u = 0; u < s->n; u++)
			upu[u] = HP_PLAN_HOST;
		res->optimal = true;
		return 0;
	}

	glp_term_out(GLP_OFF);
	lp.prob = glp_create_prob();
	glp_set_obj_dir(lp.prob, GLP_MAX);
	for (unsigned d = 1; d < npu; d++) {
		cpu_row[d] = lp_row(&lp, GLP_UP, 0.0, p->pu[d].cores);
		mem_row[d] = lp_row(&lp, GLP_UP, 0.0, p->pu[d].memory);
		link_row[d] = lp_row(&lp, GLP_UP, 0.0, p->pu[d].link_bw);
	}
	for (unsigned i = 0; i < p->n_pods; i++)
		if (p->pods[i].latency_budget_us >= 0)
			lat_row[i] = lp_row(&lp, GLP_UP, 0.0, p->pods[i].latency_budget_us);

	for (unsigned u = 0; u < s->n && r >= 0; u++) {
		const struct unit *un = &s->u[u];
		int one;

		if (!(un->allowed & dpus))
			continue;
		one = (un->allowed & 1) ? lp_row(&lp, GLP_UP, 0.0, 1.0)
					: lp_row(&lp, GLP_FX, 1.0, 1.0);
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

		if (!touch)
			continue; /* both stay on the host */
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
	if (r < 0)
		goto out;
	glp_load_matrix(lp.prob, lp.nz, lp.ia, lp.ja, lp.ar);
	glp_scale_prob(lp.prob, GLP_SF_AUTO);

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

	glp_init_iocp(&iocp);
	iocp.msg_lev = GLP_MSG_OFF;
	iocp.presolve = GLP_OFF;
	iocp.tm_lim = (int)fmin(p->params.time_limit_s * 1e3, 1e9);
	iocp.mir_cuts = GLP_ON;
	iocp.cov_cuts = GLP_ON;
	iocp.cb_func = milp_callback;
	iocp.cb_info = &heur;
	ret = glp_intopt(lp.prob, &iocp);
	status = glp_mip_status(lp.prob);
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
	res->optimal = status == GLP_OPT && ret == 0;
	if (res->optimal)
		res->bound = glp_mip_obj_val(lp.prob);
	for (unsigned u = 0; u < s->n; u++) {
		upu[u] = HP_PLAN_HOST;
		for (unsigned d = 1; d < npu; d++)
			if (xcol[u * npu + d] && glp_mip_col_val(lp.prob, xcol[u * npu + d]) > 0.5)
				upu[u] = (int)d;
	}
	r = 0;
out:
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
	struct hp_plan_result res = { 0 };
	struct hp_plan_eval ev;
	struct units s;
	double t0 = now_ms();
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
		break;
	case HP_PLAN_MILP:
		/* The greedy answer seeds branch and bound with an incumbent. */
		r = solve_greedy(p, &s, greedy, NULL);
		r = solve_milp(p, &s, upu, r >= 0 ? greedy : NULL, &res, err);
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
	if (m != HP_PLAN_MILP || res.optimal)
		res.bound = ev.objective;
	res.status = res.optimal ? "optimal" : m == HP_PLAN_GREEDY ? "heuristic"
							       : "feasible (time limit)";
	res.solve_ms = now_ms() - t0;
	res.pu = steal_ptr(pu);
	*ret = res;
	r = 0;
out:
	units_free(&s);
	return r;
}

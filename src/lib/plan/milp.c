/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The exact solver: a 0-1 program solved by GLPK's branch and cut:
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
 * choose among their placements instead (see "configurations" in solver.h).
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
 * short. The group, packing and surrogate bounds (bound.c, surrogate.c,
 * group.c, meet.c) bound what that costs from the root LP's duals, the
 * heuristics (heur.c) build what they point at, and an incumbent that
 * reaches them ends the search.
 */
#include "plan/solver.h"

#include <fcntl.h>
#include <stdarg.h>

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
 * nothing. The new file has the mode of the one it replaces, else the one
 * open(2) gives under the umask (hp_create_beside; mkostemp's 0600 had
 * kept others from reading a model written for them).
 */
static int lp_write(struct lp *lp, const char *path, bool weighed, char **tmp, struct hp_error *err)
{
	_cleanup_free_ char *t = NULL;
	int fd = hp_create_beside(path, "hp-plan", &t);

	if (fd == -ENOMEM)
		return fd;
	if (fd < 0) {
		hp_error_set(err, "writing the model to %s: %s", path, strerror(-fd));
		return -EIO;
	}
	hp_tmp_remember(t); /* a Ctrl-C in the solve that follows removes it */
	close(fd);
	glp_set_prob_name(lp->prob, "heteropod-plan");
	/* with memory weighed in, the optimum is not host cores (from a black-box review) */
	glp_set_obj_name(lp->prob, weighed ? "objective" : "host_cores_freed");
	if (glp_write_lp(lp->prob, NULL, t) != 0) {
		hp_error_set(err, "writing the model to %s: GLPK could not write it", path);
		unlink(t);
		hp_tmp_forget(t);
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
	return budget < 0 || hp_plan_within(lat, budget);
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

/* Drop dominated placements (the first of equal ones stays). */
static int cfg_prune(struct cfg *c, unsigned n, unsigned npu)
{
	for (unsigned i = 0; i < n; i++) {
		for (unsigned j = 0; j < n && !c[i].dead; j++) {
			if (i == j || c[j].dead)
				continue;
			if (cfg_dominates(&c[j], &c[i], npu) &&
			    (j < i || !cfg_dominates(&c[i], &c[j], npu)))
				c[i].dead = true;
		}
	}
	return 0;
}

/* How many placements a pod has: each unit on any PU it may run on. */
static double cfg_count(const struct hp_plan_problem *p, const struct units *s,
			const struct podcfg *pc)
{
	unsigned all = (1u << p->n_pus) - 1;
	double combos = 1;

	for (unsigned u = 0; u < pc->un; u++)
		combos *= __builtin_popcount(s->u[pc->ufirst + u].allowed & all);
	return combos;
}

/* Enumerate a pod's placements; -E2BIG when it has more than limit. */
static int cfg_enumerate(const struct hp_plan_problem *p, const struct units *s, struct podcfg *pc,
			 double limit, struct cfg **cfgs, unsigned *n, unsigned *cap, int **pool,
			 size_t *pool_n, size_t *pool_cap)
{
	unsigned npu = p->n_pus, all = (1u << npu) - 1;
	int cur[64];
	unsigned u;

	if (pc->un > 64 || cfg_count(p, s, pc) > limit)
		return -E2BIG;
	pc->first = *n;
	for (u = 0; u < pc->un; u++)
		cur[u] = __builtin_ctz(s->u[pc->ufirst + u].allowed);
	for (;;) {
		struct cfg c = {0};

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
	return pc->n <= CFG_FEW ? cfg_prune(*cfgs + pc->first, pc->n, npu) : 0;
}

/* Are a placement's units off the host all on one DPU? */
static bool cfg_one_dpu(const struct cfg *c, unsigned un)
{
	int on = HP_PLAN_HOST;

	for (unsigned j = 0; j < un; j++) {
		if (c->upu[j] == HP_PLAN_HOST)
			continue;
		if (on != HP_PLAN_HOST && c->upu[j] != on)
			return false;
		on = c->upu[j];
	}
	return true;
}

/*
 * The root LP, its columns priced in rounds. A pod of more than ROOT_FEW
 * placements starts with those whose units off the host share one DPU (and
 * the greedy's); its others are held at 0, which leaves them out of GLPK's
 * working LP. After each solve, every held column is priced from the rows'
 * duals, and those that would raise the LP are let go; when none would,
 * all are, and a last solve checks the basis against them (mostly without
 * a pivot). The LP is the same; the simplex pivots over a few columns
 * of each pod instead of thousands. Root LP done, from the start of the
 * solve: four DPUs, 2000 containers, seeds 0 and 1, 221 and 333 ms, now
 * 181 and 276; six DPUs, 1000 containers, 447 ms, now 323; six, 2000,
 * 798 ms, now 482; three DPUs, 5000 containers, 667 ms, now 483. The
 * placements on one DPU alone mostly gave the LP's value already.
 */
static int lp_root(struct lp *lp, const struct podcfg *pcs, const bool *cfg_pod, unsigned n_pods,
		   const struct cfg *cfgs, const glp_smcp *smcp)
{
	int n = glp_get_num_cols(lp->prob), m = glp_get_num_rows(lp->prob), ret = 0;
	_cleanup_free_ bool *held = calloc((size_t)n + 1, sizeof(bool));
	_cleanup_free_ double *d = malloc(((size_t)n + 1) * sizeof(double));
	_cleanup_free_ double *y = malloc(((size_t)m + 1) * sizeof(double));
	unsigned n_held = 0;

	if (!held || !d || !y)
		return -ENOMEM;
	for (unsigned i = 0; i < n_pods; i++) {
		const struct podcfg *pc = &pcs[i];
		unsigned live = 0, one = 0;

		if (!cfg_pod[i])
			continue;
		for (unsigned k = pc->first; k < pc->first + pc->n; k++) {
			live += cfgs[k].col != 0;
			one += cfgs[k].col && cfg_one_dpu(&cfgs[k], pc->un);
		}
		if (live <= ROOT_FEW || !one)
			continue;
		/*
		 * The greedy's stays too: with every pod's (a placement that
		 * dominates the greedy one), the first round is feasible.
		 */
		for (unsigned k = pc->first; k < pc->first + pc->n; k++) {
			const struct cfg *c = &cfgs[k];

			if (!c->col || cfg_one_dpu(c, pc->un) || (int)k == pc->greedy)
				continue;
			held[c->col] = true;
			n_held++;
			glp_set_col_bnds(lp->prob, c->col, GLP_FX, 0.0, 0.0);
		}
	}
	/*
	 * GLPK's advanced starting basis (a triangular one from the matrix,
	 * the held columns left out of it) rather than the standard one: the
	 * root LP of a 2000-container four-DPU model (57,000 columns) took
	 * 1.2-1.5 s from the standard basis and 0.5-0.7 s from this one,
	 * before the rounds.
	 */
	glp_adv_basis(lp->prob, 0);
	while (n_held) {
		unsigned freed = 0;

		/* infeasible: all are let go and solved whole; failed: from the start */
		ret = glp_simplex(lp->prob, smcp);
		if (ret || glp_get_status(lp->prob) != GLP_OPT)
			break;
		for (int i = 1; i <= m; i++)
			y[i] = glp_get_row_dual(lp->prob, i);
		for (int j = 1; j <= n; j++)
			d[j] = held[j] ? glp_get_obj_coef(lp->prob, j) : 0;
		for (int k = 1; k <= lp->nz; k++)
			if (held[lp->ja[k]])
				d[lp->ja[k]] -= y[lp->ia[k]] * lp->ar[k];
		for (int j = 1; j <= n; j++) {
			if (!held[j] || d[j] <= 1e-9)
				continue;
			held[j] = false;
			n_held--;
			freed++;
			glp_set_col_bnds(lp->prob, j, GLP_DB, 0.0, 1.0);
		}
		if (!freed)
			break;
	}
	for (int j = 1; j <= n; j++)
		if (held[j])
			glp_set_col_bnds(lp->prob, j, GLP_DB, 0.0, 1.0);
	if (ret)
		glp_adv_basis(lp->prob, 0);
	return glp_simplex(lp->prob, smcp);
}

/*
 * What gave the bound res->bound (the lesser of GLPK's and the searches'),
 * should hp_plan_solve find the placement at it: its proof.
 */
static const char *bound_by(const struct heur *h)
{
	return h->grp_bound < h->best_bound ? "group, packing or surrogate bound"
					    : "branch and bound";
}

/*
 * Past the limit, stop GLPK here rather than let it branch on to its own
 * next check of it (that took 45 ms of a 2000-container four-DPU model), or
 * run a heuristic (25 ms of the same size). True then.
 */
static bool cb_late(const struct heur *h, glp_tree *tree)
{
	if (hp_plan_clock_ms() < h->deadline)
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
	if (glp_ios_reason(tree) == GLP_IBRANCH &&
	    hp_plan_clock_ms() + h->branch_ms >= h->deadline) {
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
	if (!h->choice || h->grp_proven)
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
	if (glp_mip_status(glp_ios_get_prob(tree)) == GLP_FEAS &&
	    gap_accepted(h, glp_mip_obj_val(glp_ios_get_prob(tree))))
		glp_ios_terminate(tree);
	else if (!cb_late(h, tree))
		milp_work(h, tree);
	/*
	 * What GLPK does before it calls again can pass the time limit: 40 ms
	 * for its next node of a 2000-container four-DPU model, 52 ms to
	 * branch on three DPUs short of memory, 2000 containers, seed 7
	 * (ending at 2.04 s). When the longest it has taken yet would, stop.
	 */
	if (hp_plan_clock_ms() + h->glpk_ms >= h->deadline)
		glp_ios_terminate(tree);
	h->cb_out = hp_now_ms();
}

/* Column j of the answer: GLPK's incumbent's, or x's (a placement kept, heur_keep_late). */
static double col_val(const struct lp *lp, const double *x, int j)
{
	return x ? x[j] : glp_mip_col_val(lp->prob, j);
}

int milp_solve(const struct hp_plan_problem *p, const struct units *s, int *upu, const int *greedy,
	       double *t0, struct hp_plan_result *res, char **model_tmp, struct hp_error *err)
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
	struct lp lp = {0};
	_cleanup_free_ struct podcfg *pcs = calloc(p->n_pods ? p->n_pods : 1, sizeof(*pcs));
	_cleanup_free_ unsigned *eidx = calloc(s->n_e ? s->n_e : 1, sizeof(unsigned));
	_cleanup_free_ bool *ucfg = calloc(s->n ? s->n : 1, sizeof(bool));
	_cleanup_free_ bool *cfg_pod = calloc(p->n_pods ? p->n_pods : 1, sizeof(bool));
	_cleanup_free_ struct cfg *cfgs = NULL;
	_cleanup_free_ int *pool = NULL;
	unsigned ncfg = 0, capcfg = 0;
	double total = 0, limit;
	size_t pool_n = 0, pool_cap = 0;
	struct heur heur = {.lp = &lp,
			    .p = p,
			    .s = s,
			    .upu = greedy,
			    .pcs = pcs,
			    .npu = npu,
			    .nres = 3 * npu,
			    .cfg_only = true};
	glp_smcp smcp;
	glp_iocp iocp;
	int r = 0, ret, status;
	bool took, late;
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
		res->proof = HP_PLAN_NOTHING_MOVES;
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
	/* Up to CFG_MAX placements a pod where they are not too many in all. */
	for (unsigned i = 0; i < p->n_pods; i++) {
		double c = cfg_count(p, s, &pcs[i]);

		total += c <= CFG_MAX ? c : 0;
	}
	limit = total <= CFG_TOTAL ? CFG_MAX : CFG_FEW;
	for (unsigned i = 0; i < p->n_pods && r >= 0; i++) {
		struct podcfg *pc = &pcs[i];
		bool movable = false;

		for (unsigned u = pc->ufirst; u < pc->ufirst + pc->un; u++)
			movable |= (s->u[u].allowed & dpus) != 0;
		if (!pc->un || !movable)
			continue;
		r = cfg_enumerate(p, s, pc, limit, &cfgs, &ncfg, &capcfg, &pool, &pool_n,
				  &pool_cap);
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
	if (heur.int_row &&
	    !(heur.ccount = calloc((size_t)(ncfg ? ncfg : 1) * npu, sizeof(long long)))) {
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
					heur.ccount[(size_t)k * npu + c->upu[j]] +=
					    ucpu[pc->ufirst + j];
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
			struct cfg g = {0};

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
	/*
	 * Pods past the placements a configuration pod may have (x/h/z/s
	 * rows) had kept the heuristic out of the whole model, and GLPK's
	 * answer was greedy's: eight DPUs, 2000 containers. They stay where
	 * greedy has them, and the heuristic moves the others.
	 */
	heur.mixed = !heur.cfg_only && heur.upu;
	for (unsigned i = 0; heur.mixed && i < p->n_pods; i++) {
		struct cfg g = { 0 };

		if (cfg_pod[i] || !pcs[i].un)
			continue;
		cfg_eval(p, s, &pcs[i], heur.upu + pcs[i].ufirst, &g);
		for (unsigned q = 3; q < heur.nres; q++)
			heur.base[q] += g.use[q];
	}
	if ((heur.cfg_only || heur.mixed) &&
	    (!(heur.choice = calloc(p->n_pods ? p->n_pods : 1, sizeof(int))) ||
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
				    (r = lp_nz(&lp, cpu_row[d], col, e->cost / p->pu[d].speed)) <
					0 ||
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
	if (heur.int_row && (r = heur_int_nz_build(&heur)) < 0)
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

		if ((r = lp_write(&lp, p->params.model_file, p->params.memory_weight > 0, model_tmp,
				  err)) < 0)
			goto out;
		/* the time limit and solve_ms are the solver's: writing is not counted */
		*t0 += hp_now_ms() - tw;
	}

	glp_init_smcp(&smcp);
	smcp.msg_lev = GLP_MSG_OFF;
	smcp.presolve = GLP_OFF;
	ret = lp_root(&lp, pcs, cfg_pod, p->n_pods, cfgs, &smcp);
	if (ret < 0) {
		r = ret;
		goto out;
	}
	if (ret != 0 || glp_get_status(lp.prob) == GLP_NOFEAS ||
	    glp_get_status(lp.prob) == GLP_INFEAS) {
		if (ret)
			hp_error_set(err, "the LP relaxation failed (GLPK %d)", ret);
		else
			hp_error_set(err, "impossible instance: no placement satisfies every "
					  "constraint (the LP relaxation is infeasible)");
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
	heur.sur_budget = SUR_NODES_TOTAL;
	heur.lns_budget = LNS_NODES_TOTAL;
	heur.meet_budget = heur.refine_budget = MEET_WORK_TOTAL;
	heur.refine_keep = HP_GROUP_REFINE_KEEP; /* at first */
	heur.grp_meet = heur.sur_meet =
	    (struct meet_memo){.fail = HUGE_VAL, .fail_gap = HUGE_VAL, .list = -HUGE_VAL};
	heur.grp_meet.choice = calloc(p->n_pods ? p->n_pods : 1, sizeof(unsigned));
	heur.sur_meet.choice = calloc(p->n_pods ? p->n_pods : 1, sizeof(unsigned));
	if (!heur.grp_meet.choice || !heur.sur_meet.choice) {
		r = -ENOMEM;
		goto out;
	}
	heur.refine_gap = heur.refine_fail = HUGE_VAL;
	heur.grp_bound = HUGE_VAL;
	heur.late_obj = -HUGE_VAL;
	heur.grp_fail = HUGE_VAL;
	heur.grp_gap = -HUGE_VAL; /* none yet */
	if ((r = group_build(&heur, cpu_row, mem_row, link_row, qg)) < 0)
		goto out;

	glp_init_iocp(&iocp);
	iocp.msg_lev = GLP_MSG_OFF;
	iocp.presolve = GLP_OFF;
	iocp.tm_lim = (int)fmin(fmax(heur.deadline - hp_plan_clock_ms(), 1), 1e9);
	/*
	 * No MIR or cover cuts: the group, packing and surrogate bounds do their
	 * work, and setting them up cost 150 ms of a 2000-container four-DPU
	 * model before the first node (the same instances proven without them,
	 * 1-4 DPUs).
	 */
	iocp.mip_gap = p->params.mip_gap;
	/*
	 * Integral to 1e-9, not GLPK's 1e-5: an LP solution with a column at
	 * 0.99999 passed as integer, and rounded to 1 it broke a capacity the
	 * LP had kept by that fraction, by up to 1e-5 of it (a DPU of 0.708819
	 * cores and a move needing 0.7088192; 16 GiB of memory and a proxy
	 * 64 KiB larger): exit 1, "the solver's placement is infeasible".
	 */
	iocp.tol_int = 1e-9;
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
	/*
	 * A placement found too late to hand over, where GLPK took none or one
	 * not as good (an optimum proven within a gap accepted, too); with it
	 * the answer is as where GLPK had taken it.
	 */
	took = status == GLP_FEAS || status == GLP_OPT;
	late = heur.late_x && status != GLP_NOFEAS &&
	       !(status == GLP_OPT && p->params.mip_gap == 0) && /* proven, and as good */
	       (!took || heur.late_obj > glp_mip_obj_val(lp.prob));
	if (late)
		status = GLP_FEAS;
	if (status != GLP_OPT && status != GLP_FEAS && status != GLP_NOFEAS && greedy) {
		/* Stopped before it took any placement: the greedy one is feasible. */
		memcpy(upu, greedy, s->n * sizeof(int));
		res->bound = fmin(heur.best_bound, heur.grp_bound);
		res->proof = bound_by(&heur);
		r = 0;
		goto out;
	}
	if (status != GLP_OPT && status != GLP_FEAS) {
		if (status == GLP_NOFEAS) {
			hp_error_set(err, "impossible instance: no placement satisfies every "
					  "constraint");
			r = -EDOM;
		} else if (atomic_load(&hp_plan_interrupted)) {
			hp_error_set(err, "the solver was interrupted before it found a placement");
			r = -ETIME;
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
		heur.grp_proven =
		    bound_proves(&heur, late ? heur.late_obj : glp_mip_obj_val(lp.prob));
	/* GLP_OPT with a gap accepted is "optimal within the gap", not proven. */
	res->optimal = (status == GLP_OPT && ret == 0 && p->params.mip_gap == 0) || heur.grp_proven;
	if (res->optimal)
		res->proof = heur.grp_proven ? heur.grp_proven : "branch and bound";
	if (((status == GLP_OPT && ret == 0) || heur.gap_met) && !res->optimal)
		res->status = "optimal within the accepted gap";
	res->bound = fmin(heur.best_bound, heur.grp_bound); /* hp_plan_solve settles it */
	if (!res->optimal)
		res->proof = bound_by(&heur); /* should the placement reach it */
	for (unsigned u = 0; u < s->n; u++) {
		upu[u] = HP_PLAN_HOST;
		for (unsigned d = 1; d < npu; d++)
			if (xcol[u * npu + d] &&
			    col_val(&lp, late ? heur.late_x : NULL, xcol[u * npu + d]) > 0.5)
				upu[u] = (int)d;
	}
	for (unsigned k = 0; k < ncfg; k++) {
		const struct cfg *c = &cfgs[k];
		const struct podcfg *pc;

		if (!c->col || col_val(&lp, late ? heur.late_x : NULL, c->col) < 0.5)
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
	free(heur.late_x);
	hp_pack_resume_free(&heur.pack_resume);
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

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The group and packing bounds, and what they are run for.
 *
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
 *
 * Here: the group built from the root LP (group_build); the placements its
 * choices and the packing search's point at (heur_group, heur_pack); the
 * packing search as a bound (pack_min, pack_check) and as a neighbourhood
 * search (pack_lns); and group_check, which the callback runs them all by,
 * the surrogate bound (surrogate.c) among them.
 */
#include "plan/solver.h"

#include <float.h>
#include <limits.h>

/* What configuration k puts on DPU d's CPU row beyond whole millicore steps. */
static double cfg_fine(const struct heur *h, unsigned k, unsigned d)
{
	return h->cfgs[k].use[3 * d] - (double)h->ccount[(size_t)k * h->npu + d] * h->grp.q[d];
}

static bool cfg_same_fine(const struct heur *h, unsigned a, unsigned b)
{
	for (unsigned d = 1; d < h->npu; d++)
		if (fabs(cfg_fine(h, a, d) - cfg_fine(h, b, d)) >
		    1e-12 * (1 + fabs(cfg_fine(h, a, d))))
			return false;
	return true;
}

int group_build(struct heur *h, const int *cpu_row, const int *mem_row, const int *link_row,
		long long qg)
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
	if (!g->first || !g->n || !g->opts || !h->grp_cfg || !h->grp_best || !h->grp_res || !order)
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
		qsort(order, m, sizeof(*order), keyed_cmp);
		for (unsigned j = 0; j < m; j++) {
			struct hp_group_opt *o = &g->opts[n_opts];

			o->loss = order[j].key;
			for (unsigned dd = 1; dd < h->npu; dd++) {
				const double *use = h->cfgs[order[j].m].use;

				o->m[dd] = h->ccount[(size_t)order[j].m * h->npu + dd];
				o->f[dd] = cfg_fine(h, order[j].m, dd);
				h->grp_res[(size_t)n_opts * g->n_res + 2 * (dd - 1)] =
				    use[3 * dd + 1];
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
		if (e != d &&
		    h->ccount[(size_t)b * h->npu + e] != h->ccount[(size_t)a * h->npu + e])
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
		long long dl =
		    h->ccount[(size_t)b * h->npu + d] - h->ccount[(size_t)a * h->npu + d];

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
			heur_fill_add_row(h, first, m, &h->cfgs[a], row++);
		}
	}
	j = FILL_W + (int)(target - n);
	if (h->fill_dp[j] == -INFINITY)
		return false;
	heur_fill_apply(h, row, (unsigned)j);
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
			/* Of the options loading the DPUs as chosen, the nearest to the
			 * incumbent's. */
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
	qsort(by, g->n_pods, sizeof(*by), keyed_cmp);
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

/* The lists of the changes below list, joined below limit, held m at the least (mm->choice). */
static void meet_remember(struct meet_memo *mm, double list, double limit, double m)
{
	mm->list = list;
	mm->limit = limit;
	mm->m = m;
}

/* Its lists overflowed below l (gap: those as long as below the gap may be). */
static void meet_failed(struct meet_memo *mm, double l, bool gap)
{
	if (gap)
		mm->fail_gap = l;
	mm->fail = fmin(mm->fail, l);
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
 * finding nothing raising *proved. Below limit itself its lists may hold
 * lim->entries changes a half (the caller's, where limit is the incumbent's
 * gap: mm->fail_gap). Then depth first (not when lim->nodes is 0).
 */
int pack_min(struct heur *h, const struct hp_group *g, struct meet_memo *mm, double *proved,
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
		bool gap;
		int r;

		l = grow_limit(l, step, limit);
		gap = l >= limit && lim->entries;
		if (l >= (gap ? mm->fail_gap : mm->fail))
			break;
		ml.entries = gap ? lim->entries : 0;
		ml.beyond = grow_limit(l, step, limit); /* where its lists may overflow next */
		r = hp_group_meet_min(g, l, *proved, &ml, best, m);
		h->meet_budget = ml.nodes;
		if (ml.beyond_m < HUGE_VAL) /* nothing below l; its choice is in mm->choice */
			meet_remember(mm, l, ml.beyond, ml.beyond_m);
		if (r == -E2BIG && *m >= l && *proved > 0) {
			/* its lists overflowed: those of the last limit fit */
			meet_failed(mm, l, gap);
			r = meet_short(h, g, mm, *proved, l, lim, best, m);
			if (r == -E2BIG && *m < l)
				return r;
			/*
			 * Nothing below l: joined below limit, the same lists may
			 * still hold a good packing, which the surrogate then
			 * splits. Two DPUs short of memory, 1000 containers, seed
			 * 1: its lists fit below 0.00095 and overflowed above;
			 * joined below the gap, 0.00147, they give a packing whose
			 * split is the optimum, proven in 1.0-1.4 s (not in 10 s
			 * before). Joined below limit alone, without the join
			 * below l first, seed 2 was lost: there the least below l
			 * is what the surrogate splits, and the narrow join finds
			 * it sooner.
			 */
			if (r == -E2BIG && limit > l) {
				r = meet_short(h, g, mm, *proved, limit, lim, best, m);
				if (r == -E2BIG && *m < limit)
					return r;
			}
		}
		if (r == -E2BIG) {
			if (*m < l)
				return r; /* out of work: the best it found */
			meet_failed(mm, l, gap);
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

/* Does a DPU's memory bind in the root LP (priced)? */
static bool mem_binds(const struct hp_group *g)
{
	for (unsigned k = 0; k < g->n_res; k += 2) /* memory, link per DPU */
		if (hp_group_priced(g->res_y[k], g->res_b[k]))
			return true;
	return false;
}

/* The DPUs option o of grp loads, a bit per row. */
static unsigned opt_rows(const struct hp_group *g, unsigned o)
{
	unsigned rows = 0;

	for (unsigned r = 1; r <= g->n_rows; r++)
		if (g->opts[o].m[r] || g->opts[o].f[r])
			rows |= 1u << r;
	return rows;
}

/*
 * Which k of the n pods in cand are free in the next neighbourhood: they
 * come first in cand (a partial Fisher-Yates shuffle). Half of them (rounded
 * up), where there are so many, are pods the incumbent has off their first
 * option (the least loss): those carry its loss, and a better placement
 * moves some of them back; the others are any, to make room. Three DPUs
 * short of memory, 1000 containers, seed 0: 28 of 348 pods are off their
 * first. All at random, the first search found 3-5 better placements and
 * the solve ended at 268.407-268.454 (its bound 268.602); so, 8-13 and
 * 268.512-268.537 (three runs each).
 *
 * Where memory binds, every other neighbourhood (at random) is drawn from
 * the pods of two DPUs (of one, with two), the rest (if any) from the
 * others: those the incumbent has on either, and those it keeps on the host
 * that could go to either. A better placement there mostly trades pods
 * between DPUs, and pods drawn from all of them leave each DPU few to trade
 * with: three DPUs short of memory, 500 containers, seed 4, ended 0.047
 * below its bound in each of three runs, and 0.0044 so; two DPUs short of
 * memory, 200 containers, seed 19, 0.008-0.078 below, and 0.0206 in each of
 * four (proven in 1.0-1.6 s in two more). Four DPUs with applications
 * moving, whose memory does not bind, did worse with it (2000 containers,
 * seed 4: 0.0037-0.0098 below, 0.0117-0.0139 so).
 */
static void lns_pick(struct heur *h, unsigned *cand, unsigned n, const unsigned *inc, unsigned k)
{
	const struct hp_group *g = &h->grp;
	unsigned near = n, off = 0;

	if (g->n_rows >= 2 && mem_binds(g) && heur_rand(&h->rng) & 1) {
		unsigned a = 1 + (unsigned)(heur_rand(&h->rng) % g->n_rows),
			 b = 1 + (unsigned)(heur_rand(&h->rng) % (g->n_rows - 1));
		unsigned pair = g->n_rows == 2 ? 1u << a : 1u << a | 1u << (b + (b >= a));

		near = 0;
		for (unsigned j = 0; j < n; j++) {
			unsigned i = cand[j], rows = opt_rows(g, inc[i]);
			bool in = rows & pair;

			for (unsigned o = g->first[i]; !rows && !in && o < g->first[i] + g->n[i];
			     o++)
				in = opt_rows(g, o) & pair;
			if (in) {
				cand[j] = cand[near];
				cand[near++] = i;
			}
		}
	}
	for (unsigned j = 0; j < near; j++) {
		unsigned i = cand[j];

		if (inc[i] != g->first[i]) {
			cand[j] = cand[off];
			cand[off++] = i;
		}
	}
	for (unsigned j = 0; j < k && j < n; j++) {
		unsigned from = j < off && j < (k + 1) / 2 ? off : j < near ? near : n;
		unsigned t = j + (unsigned)(heur_rand(&h->rng) % (from - j)), i = cand[t];

		cand[t] = cand[j];
		cand[j] = i;
	}
}

/*
 * Large neighbourhood search: the packing search over a few pods at a time
 * (lns_pick), the rest held where the incumbent has them. Each better
 * placement it finds becomes the incumbent at once. Returns whether it
 * found one.
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
	if (!inc || !first || !n || !cand || !best || hp_plan_clock_ms() >= h->deadline)
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
	for (unsigned fails = 0;
	     fails < LNS_FAILS && h->lns_budget && hp_plan_clock_ms() < h->deadline;) {
		unsigned long given = h->lns_budget < LNS_NODES ? h->lns_budget : LNS_NODES;
		struct hp_pack_limits lim = {
		    .nodes = given, .stop_ms = heur_stop(h), .threads = h->threads};
		double m;
		int r;

		for (unsigned i = 0; i < g->n_pods; i++) {
			first[i] = inc[i];
			n[i] = g->n[i] ? 1 : 0;
		}
		lns_pick(h, cand, n_free, inc, k);
		for (unsigned j = 0; j < k && j < n_free; j++) {
			first[cand[j]] = g->first[cand[j]];
			n[cand[j]] = g->n[cand[j]];
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
static int group_min(struct heur *h, double gap, unsigned long leaves, double stop, double *m)
{
	for (double l = h->grp_ties ? gap : gap / GROUP_FIRST;;) {
		unsigned long left = leaves;
		int r;

		l = fmin(l, gap);
		r = hp_group_min(&h->grp, l, &left, stop, h->grp_best, m);
		if (r < 0 || *m < l || l >= gap)
			return r;
		pack_proved(h, l);
		h->grp_ties = h->grp_ties || leaves - left > leaves / GROUP_TIES;
		l = h->grp_ties ? gap : l * GROUP_GROW;
	}
}

/*
 * Which bound proven so far shows the incumbent inc optimal (its name), NULL
 * if none. The group bound's is in grp_bound too: an incumbent that reached
 * it as the time ran out was reported unproven at 1e-12 below it (four
 * DPUs, 2000 containers, seed 0).
 */
const char *bound_proves(const struct heur *h, double inc)
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
 * Is inc within the relative gap the user accepts (params.mip_gap) of the
 * best bound known, GLPK's or the searches'? GLPK checks its own bound
 * only, the LP's until its tree moves it, and between nodes, which the
 * searches in the callback may not let it reach before the time limit.
 */
bool gap_accepted(struct heur *h, double inc)
{
	double gap = h->p->params.mip_gap, b = fmin(h->best_bound, h->grp_bound);

	if (gap > 0 && b < HUGE_VAL && b - inc <= gap * (fabs(inc) + DBL_EPSILON))
		h->gap_met = true;
	return h->gap_met;
}

/*
 * The packing search, exact for the whole model (group.h): meeting in the
 * middle (one DPU) first, as sur_check, then the depth-first search, each
 * below the incumbent's gap at once: the least it finds below it is the
 * optimum. Returns true when nothing is below gap: the incumbent is optimal.
 *
 * The depth-first search had run below limits that double from 1/64 of the
 * way to the gap, each raising the bound it proved to its limit. Where the
 * search is long below any limit, that is paid at every one: two DPUs short
 * of memory, 100 containers, seed 4, took 1.3, 1.4, 1.4, 1.6, 2.3 and 4.2 M
 * nodes below 1/64 ... 1/2 of the way, finding nothing, and ran out of its
 * 12 Mi below the gap; below the gap at once, 11.4 M nodes found a better
 * placement and proved it optimal at 0.9-1.15 s. A limit that finds nothing
 * raised the bound given with an unproven incumbent; of the benchmark's 144
 * instances that take over 150 ms, none of those bounds moved. sur_check
 * keeps its limits: the first to find something gives the surrogate's least
 * packing, to split and refine, and below the gap at once 6 of the 144 lost
 * their proofs.
 *
 * Nor does a count of nodes stop the search any more, only the time: with
 * 12 Mi nodes over a solve (0.8 s of it), seed 4 above sat at the edge and
 * was proven in some runs and not in others; without, the 144 gave 135
 * proofs against 134, in as much time.
 */
static bool pack_check(struct heur *h, glp_tree *tree, double gap, double lower, double stop)
{
	double proved = fmax(lower, h->pack_lb), m;

	for (bool dfs = !h->meet_budget;; dfs = true) {
		struct hp_pack_limits lim = { .nodes = dfs ? PACK_NODES_ANY : 0,
					      .stop_ms = fmin(stop, heur_stop(h)),
					      .hard_ms = heur_stop(h),
					      .fill = true,
					      .threads = h->threads,
					      .entries = MEET_GAP_ENTRIES,
					      .resume = &h->pack_resume };
		int r;

		if (hp_plan_clock_ms() >= h->deadline)
			return false;
		r = pack_min(h, &h->grp, &h->grp_meet, &proved, gap, &lim, h->grp_best, &m);
		pack_proved(h, proved);
		if (r < 0 && r != -E2BIG)
			return false;
		if (r == 0)
			pack_proved(h, m); /* m = gap: nothing below it */
		if (m < gap) {
			/* out of budget (-E2BIG), it still gives the best it found */
			if (heur_pack(h, tree, h->grp_best))
				group_check(h, tree, false);
			return false;
		}
		if (r == 0)
			return true; /* nothing below the gap */
		if (dfs)
			return false;
	}
}

/*
 * Once a solve, with several rows: the packing search below small limits
 * first, from PROBE_FIRST-th of the gap (or twice the least penalty
 * proven, by the group bound m or the packing search) up, PROBE_GROW times a
 * step, while below half the gap and within a PROBE_SHARE-th of the time
 * left. Below the incumbent's gap, where that is far from the optimum, the
 * search is large; below a limit near the optimum's penalty, small, and
 * what it finds there is the optimum. A search run to its end proves its
 * least (pack_proved), the limit where it finds nothing. Returns whether it
 * handed over a better placement.
 *
 * Eight DPUs, 200 containers, seed 1: the optimum is the group bound's
 * (0.000916 below the LP), the incumbent 0.51 below. The neighbourhood
 * search had left it 0.055 below when the time ran out (proven at 4.4 s
 * of 10). Below 0.00198 the search found one 0.0019 below in 0.25 s (its
 * share), and from there the packing search below the gap the optimum,
 * proven at 1.66 s. Seed 2: nothing below 0.0047 in 0.14 s, a bound; the
 * optimum is 0.0047 below the LP. Where the incumbent is near the optimum
 * already, the step that runs out costs a quarter of the time left: the
 * benchmark lost no proof to it (docs/planner.md, "Twenty-seventh").
 */
static bool pack_probe(struct heur *h, glp_tree *tree, double gap, double m)
{
	double stop, lower;

	if (h->probed || h->grp.n_rows < 2)
		return false;
	h->probed = true;
	stop = fmin(heur_share(h, PROBE_SHARE), heur_stop(h));
	lower = fmax(m, h->pack_lb);
	for (double l = fmax(2 * lower, gap / PROBE_FIRST);
	     l < gap / 2 && hp_plan_clock_ms() < stop; l *= PROBE_GROW) {
		struct hp_pack_limits lim = { .nodes = PACK_NODES_ANY,
					      .stop_ms = stop,
					      .fill = true,
					      .threads = h->threads };
		double least;
		int r = hp_group_pack_min(&h->grp, l, lower, &lim, h->grp_best, &least);

		if (r < 0 && r != -E2BIG)
			return false;
		if (r == 0)
			pack_proved(h, least); /* the least below l, or l */
		if (least < l)
			return heur_pack(h, tree, h->grp_best);
		if (r)
			return false; /* out of time */
		lower = l;
	}
	return false;
}

/*
 * Run the group bound against a better incumbent; when nothing below it is
 * possible, the incumbent is optimal and the search can stop. quick: the
 * group bound and its heuristics only, not the packing searches.
 */
void group_check(struct heur *h, glp_tree *tree, bool quick)
{
	glp_prob *P = glp_ios_get_prob(tree);
	double inc, gap, m;
	int r;

	if (!h->grp.n_rows || h->grp_proven || glp_mip_status(P) != GLP_FEAS ||
	    hp_plan_clock_ms() >= h->deadline)
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
	if ((h->grp_proven = bound_proves(h, inc)) || gap_accepted(h, inc)) {
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

		r = group_min(h, gap, full ? GROUP_LEAVES : GROUP_LEAVES / 16,
			      quick ? heur_share(h, GROUP_QUICK_SHARE) : h->deadline, &m);
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
	if (pack_probe(h, tree, gap, m) || pack_lns(h, tree, gap, m)) {
		group_check(h, tree, false);
		return;
	}
	/*
	 * Few pods: whole pods, not millicores, may leave the DPUs short. The
	 * packing search below the gap gets half the time left first; where
	 * it finds nothing in it, the neighbourhood search, whose picks are
	 * random, tries again before it has the rest. Where it has found a
	 * better packing, it goes on (hard_ms): stopped and started again
	 * below the new gap, it searched again what it had searched. Three
	 * DPUs short of memory, 100 containers, seed 8: it found a better
	 * packing in its half, went on, and found and proved the optimum at
	 * 1.67 s; started again, it had run out of time. The 16 instances
	 * the benchmark leaves unproven, nine runs each: 15 proofs against 7,
	 * all of this one or of eight DPUs, 50 containers, seed 1.
	 */
	if (!h->pack_split) {
		h->pack_split = true;
		if (pack_check(h, tree, gap, m, heur_share(h, 2))) {
			h->grp_proven = "packing bound";
			glp_ios_terminate(tree);
			return;
		}
		if (glp_mip_obj_val(P) > inc || hp_plan_clock_ms() >= h->deadline)
			return; /* it found a better placement, and checked it */
		if (pack_lns(h, tree, gap, m)) {
			group_check(h, tree, false);
			return;
		}
	}
	if (pack_check(h, tree, gap, m, HUGE_VAL)) {
		h->grp_proven = "packing bound";
		glp_ios_terminate(tree);
	}
}

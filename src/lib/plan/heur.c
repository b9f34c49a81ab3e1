/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The incumbent heuristic.
 *
 * Branch and bound can only prune against an incumbent, and GLPK's own
 * rounding heuristic cannot satisfy the millicore rows. So the callback builds
 * placements itself from the LP solution of a node, for the pods that choose
 * a configuration (the others, with x/h/z/s rows, stay where greedy has them:
 * heur.mixed): each pod takes its configuration with the
 * largest LP value; resources over capacity are repaired by the cheapest
 * downgrades; then, while the objective improves: sweeps of single moves (one
 * pod to another configuration), the best pair of moves (found by sorting on
 * the CPU they add to a DPU), and a dynamic program that fills each DPU to
 * the millicore with at most one move per pod (heur_fill). At the root a few
 * random kicks follow (iterated local search). Every placement is rechecked
 * from scratch against the rows before GLPK sees it.
 */
#include "plan/solver.h"

/* Would the pod's resources fit after moving from configuration a to b? */
static bool heur_fits_move(const struct heur *h, const double *use, const struct cfg *a,
			   const struct cfg *b)
{
	for (unsigned r = 3; r < h->nres; r++)
		if (use[r] - a->use[r] + b->use[r] > h->cap[r])
			return false;
	return true;
}

void heur_apply(struct heur *h, unsigned pod, int to)
{
	const struct cfg *a = &h->cfgs[h->choice[pod]], *b = &h->cfgs[to];

	for (unsigned r = 3; r < h->nres; r++)
		h->use[r] += b->use[r] - a->use[r];
	h->choice[pod] = to;
}

/* Every configuration of every pod is a move (the current one does nothing). */
int heur_collect_moves(struct heur *h)
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
		h->fill_pick =
		    calloc((size_t)(p->n_pods ? p->n_pods : 1) * (2 * FILL_W + 1), sizeof(int));
		h->fill_delta = calloc(n ? n : 1, sizeof(int));
		h->fill_save = calloc(p->n_pods ? p->n_pods : 1, sizeof(int));
		if (!h->fill_dp || !h->fill_pick || !h->fill_delta || !h->fill_save)
			return -ENOMEM;
	}
	for (unsigned i = 0; i < p->n_pods; i++)
		for (unsigned k = h->pcs[i].first; k < h->pcs[i].first + h->pcs[i].n; k++)
			if (h->cfgs[k].col && h->cfg_pod[i])
				h->moves[h->n_moves++] = (struct hmove){.pod = i, .to = (int)k};
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
			const struct cfg *a = &h->cfgs[h->choice[pod]],
					 *b = &h->cfgs[h->moves[m].to];

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
			h->order[m] = (struct keyed){mv->key, m};
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
void heur_fill_add_row(struct heur *h, unsigned first, unsigned m, const struct cfg *from,
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
void heur_fill_apply(struct heur *h, unsigned rows, unsigned j)
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
		heur_fill_add_row(h, first, m, a, row++);
	}
	for (int j = 0; j <= FILL_W + lim; j++)
		if (dp[j] > best) {
			best = dp[j];
			best_j = j;
		}
	if (best_j < 0)
		return false;
	memcpy(h->fill_save, h->choice, p->n_pods * sizeof(int));
	heur_fill_apply(h, row, (unsigned)best_j);
	if (!heur_fits(h, h->use)) {
		heur_set(h, h->fill_save);
		return false;
	}
	return true;
}

/*
 * Would one more step of the local search or the fills, as long as the
 * longest so far, and handing over the placement end past the limit? At
 * 5000 containers with three DPUs a pass of the local search took 12 ms
 * and a fill 10, begun just before it.
 */
static bool heur_step_late(const struct heur *h)
{
	return hp_plan_clock_ms() + h->step_ms + h->submit_ms >= h->deadline;
}

/* A step begun at t is over. */
static void heur_step(struct heur *h, double t)
{
	h->step_ms = fmax(h->step_ms, hp_now_ms() - t);
}

/* heur.int_nz, from the model's nonzeros. */
int heur_int_nz_build(struct heur *h)
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
 * A placement too late to hand over: kept where it is better than GLPK's
 * incumbent and any kept before, for the answer (milp_solve). A packing
 * search that found the optimum (0.24489 below the LP, where the incumbent
 * was 0.25189 below) ran 1-3 ms past its stop, and its find was dropped:
 * six DPUs, 50 containers, seed 4, four runs of four.
 */
static void heur_keep_late(struct heur *h, glp_tree *tree, const double *x)
{
	glp_prob *P = glp_ios_get_prob(tree);
	double obj = glp_get_obj_coef(P, 0);

	for (int j = 1; j <= h->lp->ncols; j++) {
		if (glp_get_col_kind(P, j) != GLP_CV && x[j] != floor(x[j]))
			return; /* as GLPK would not take it */
		obj += glp_get_obj_coef(P, j) * x[j];
	}
	if (obj <= h->late_obj || (glp_mip_status(P) == GLP_FEAS && obj <= glp_mip_obj_val(P)))
		return;
	if (!h->late_x && !(h->late_x = malloc((h->lp->ncols + 1) * sizeof(double))))
		return;
	memcpy(h->late_x, x, (h->lp->ncols + 1) * sizeof(double));
	h->late_obj = obj;
}

/*
 * Hand GLPK a placement, its columns x with the millicore counts (int_col)
 * still to fill in from them; GLPK's check of it is timed (heur_late).
 * Not when it would end past the limit: placements the searches built as
 * the time ran out were handed over 10-40 ms past it (two DPUs short of
 * memory, 1000 containers, seed 1, with the other core busy). Those are
 * kept for the answer instead (heur_keep_late).
 */
static int heur_hand(struct heur *h, glp_tree *tree, double *x)
{
	double t;
	int r;

	for (size_t k = 0; k < h->n_int_nz; k++)
		x[h->int_col[h->int_nz[k].d]] += h->int_nz[k].a * x[h->int_nz[k].col];
	if (heur_late(h)) {
		heur_keep_late(h, tree, x);
		return -ETIME;
	}
	t = hp_now_ms();
	r = glp_ios_heur_sol(tree, x);
	h->submit_ms = fmax(h->submit_ms, hp_now_ms() - t);
	return r;
}

/* Resources over capacity: the cheapest downgrade per unit freed, until it fits. */
bool heur_repair(struct heur *h)
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
void heur_local(struct heur *h)
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

double heur_gain(const struct heur *h)
{
	double g = 0;

	for (unsigned i = 0; i < h->p->n_pods; i++)
		if (h->choice[i] >= 0)
			g += h->cfgs[h->choice[i]].gain;
	return g;
}

void heur_set(struct heur *h, const int *choice)
{
	memcpy(h->choice, choice, h->p->n_pods * sizeof(int));
	memcpy(h->use, h->base, sizeof(h->use));
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
			     !heur_late(h) && hp_plan_clock_ms() < stop;
	     k++) {
		double g;

		for (unsigned j = 0; j < 3 && h->n_moves; j++) {
			const struct hmove *mv = &h->moves[heur_rand(&h->rng) % h->n_moves];

			if (h->choice[mv->pod] != mv->to &&
			    heur_fits_move(h, h->use, &h->cfgs[h->choice[mv->pod]],
					   &h->cfgs[mv->to]))
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
bool heur_run(struct heur *h, glp_tree *tree)
{
	const struct hp_plan_problem *p = h->p;
	glp_prob *mp = glp_ios_get_prob(tree);

	memcpy(h->use, h->base, sizeof(h->use));
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
			if (v > bv + 1e-9 ||
			    (v > bv - 1e-9 && c->gain > h->cfgs[h->choice[i]].gain)) {
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

/*
 * The greedy placement's column values into x: its configurations' too with
 * cfgs, else only the x/h/z/s columns (the pods heur.mixed leaves where
 * greedy has them).
 */
static void heur_cols(const struct heur *h, double *x, bool cfgs)
{
	const struct units *s = h->s;
	const struct lp *lp = h->lp;

	for (int col = 1; h->upu && col <= lp->ncols; col++) {
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
			if (cfgs)
				x[col] = h->pcs[u].greedy == (int)d;
			break;
		}
	}
}

/* Hand the heuristic's placement to GLPK, rechecked from scratch in the LP's own terms. */
bool heur_submit(struct heur *h, glp_tree *tree)
{
	const struct hp_plan_problem *p = h->p;
	struct lp *lp = h->lp;
	_cleanup_free_ double *x = calloc(lp->ncols + 1, sizeof(double));
	double use[NRES];

	if (!x)
		return false;
	memcpy(use, h->base, sizeof(use));
	if (h->mixed)
		heur_cols(h, x, false);
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
void heur_greedy(struct heur *h, glp_tree *tree)
{
	_cleanup_free_ double *x = calloc(h->lp->ncols + 1, sizeof(double));

	if (!x)
		return;
	heur_cols(h, x, true);
	heur_hand(h, tree, x);
}

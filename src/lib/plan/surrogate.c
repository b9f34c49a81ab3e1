/* SPDX-License-Identifier: GPL-2.0-or-later */
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
#include "plan/solver.h"

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
	for (unsigned it = 0; it < 40 && hp_plan_clock_ms() < h->deadline; it++) {
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
	if (hp_plan_clock_ms() >= h->deadline) {
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
	for (unsigned i = 0; i < 64 && hp_plan_clock_ms() < h->deadline; i++, p *= 2) {
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
		if (hp_plan_clock_ms() >= h->deadline)
			return -ETIME;
		sur_rows(h, all);
		sur_tie_price(h, gap);
		ys = sur_ys(h, &z);
		if (z - h->grp_z <= gap / SUR_WEAK)
			break;
	}
	if (hp_plan_clock_ms() >= h->deadline)
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
		qsort(order, g->n[i], sizeof(*order), keyed_cmp);
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
	qsort(by[0], n_by[0], sizeof(struct keyed), keyed_cmp);
	qsort(by[1], n_by[1], sizeof(struct keyed), keyed_cmp);
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
	if (k < 2 || hp_plan_clock_ms() + h->rebalance_ms >= h->deadline)
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

		if (!(x & 1023) && hp_plan_clock_ms() >= h->deadline)
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
				    (!(looks & 1023) && hp_plan_clock_ms() >= h->deadline))
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
	qsort(by, n_multi, sizeof(*by), keyed_cmp); /* largest first */
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
	     round < SPLIT_ROUNDS && over > 0 && n_multi && hp_plan_clock_ms() < h->deadline;
	     round++) {
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
		     ka < n_multi && over > 0 && !better && hp_plan_clock_ms() < h->deadline;
		     ka++) {
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
		if (heur_repair(h) && hp_plan_clock_ms() < h->deadline)
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
bool sur_proves(const struct heur *h, double inc)
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

	if (hp_plan_clock_ms() >= h->deadline || !sur_place(h, rf->c.first, rf->c.n, rf->c.cfg))
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

	if (hp_plan_clock_ms() >= h->deadline) {
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
	while ((l < gap || again) && h->refine_budget && hp_plan_clock_ms() < h->deadline) {
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
			if (r == -E2BIG && hp_plan_clock_ms() < lim.stop_ms)
				h->refine_fail = l;
			break;
		}
		h->sur_lb = fmax(h->sur_lb, m); /* nothing below m, found or not */
		if (m < l && m >= gap / REFINE_NEAR && rf.t > m && !rf.unsettled && lim.full &&
		    h->refine_keep < REFINE_KEEP_MAX &&
		    hp_now_ms() - t0 <= (h->deadline - hp_plan_clock_ms()) / REFINE_SHARE) {
			/*
			 * Every packing it kept was settled, more were below the
			 * limit than it kept, and the bound has come a third of
			 * the way to the incumbent: again with four times as many
			 * (three DPUs short of memory, 200 containers, seed 6: 256
			 * took it to 0.0101 of a gap of 0.0132; two DPUs short of
			 * memory, 200 containers, seed 19: 1024 split its
			 * optimum's packing at 0.043 of a gap of 0.079, where
			 * half the way had waited for a better incumbent until
			 * 0.2-0.4 s before the limit). Not from further away:
			 * four DPUs, 50 containers, seeds 2, 5, 6 and 8, kept
			 * refining a few thousandths at a time for a second,
			 * where the neighbourhood search finds the optimum, which
			 * the packing bound then proves; four DPUs, 100 containers,
			 * seed 1, where hundreds of packings tie at the least, 16
			 * Ki took 1.7 s to get past them; and from any distance,
			 * two DPUs short of memory, 100 containers, seed 5, spent
			 * the refinement's nodes at the greedy incumbent's gap.
			 */
			h->refine_keep *= 4;
			again = true;
			continue;
		}
		if (m < l && rf.t > m && (rf.unsettled || !lim.full))
			h->refine_fail = l; /* a packing it could not settle: again only below */
		if (m < l)
			break; /* (or more than it kept: the next incumbent's run may keep more) */
		if (hp_now_ms() - t0 > (h->deadline - hp_plan_clock_ms()) / REFINE_SHARE)
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
 * the depth-first search may visit, 0: meeting in the middle only; below
 * the gap itself, lists of MEET_GAP_ENTRIES): as sur_check, or -1 when it
 * settled nothing and the next may.
 */
static int sur_round(struct heur *h, glp_tree *tree, double inc, double limit, unsigned long nodes,
		     unsigned *best)
{
	bool at_gap = limit >= gap_to(h->sur_z, inc);
	struct hp_pack_limits lim = {.nodes = nodes,
				     .stop_ms = h->deadline,
				     .fill = true,
				     .threads = h->threads,
				     .entries = at_gap ? MEET_GAP_ENTRIES : 0};
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
		if (r == -E2BIG && m >= limit && lim.nodes == nodes &&
		    hp_plan_clock_ms() < h->deadline)
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
int sur_check(struct heur *h, glp_tree *tree, double inc)
{
	unsigned np = h->grp.n_pods ? h->grp.n_pods : 1;
	_cleanup_free_ unsigned *best = NULL;
	double gap;
	int r;

	if (h->grp.n_rows < 2 || (!h->sur_budget && !h->meet_budget) ||
	    hp_plan_clock_ms() >= h->deadline)
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

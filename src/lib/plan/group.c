/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The group bound's search (group.h). Almost every pod's options below the
 * limit put the same crossing costs on the DPUs (usually none), so they add
 * a constant; the few pods whose options differ there are enumerated depth
 * first, pruned by the loss so far.
 */
#include "plan/group.h"
#include "util/util.h"

#include <errno.h>
#include <math.h>

struct vpod {
	unsigned pod;
	unsigned *opt; /* distinct options below the limit, by ascending loss */
	unsigned n;
};

struct search {
	const struct hp_group *g;
	struct vpod *v;
	unsigned n_v;
	double best;
	unsigned long leaves, max_leaves;
	unsigned *cur, *best_choice; /* per varying pod: index into its opt[] */
	double floor_res;	     /* the least the rows can add: sum of -y tol */
};

bool hp_group_same_f(const struct hp_group *g, const struct hp_group_opt *a,
		     const struct hp_group_opt *b)
{
	for (unsigned r = 1; r <= g->n_rows; r++)
		if (fabs(a->f[r] - b->f[r]) > 1e-12 * (1 + fabs(a->f[r])))
			return false;
	return true;
}

static double residue(const struct hp_group *g, const double *f)
{
	double sum = 0;

	for (unsigned r = 1; r <= g->n_rows; r++) {
		double rho;

		if (g->y[r] <= 0)
			continue;
		rho = fmod(g->b[r] + g->tol[r] - f[r], g->q[r]);
		if (rho < 0)
			rho += g->q[r];
		/* A rounding error must not make the slack look larger than it is. */
		rho -= g->tol[r] + 1e-12 * (1 + fabs(g->b[r]));
		sum += g->y[r] * rho;
	}
	return sum;
}

static int dfs(struct search *s, unsigned i, double loss, const double *f)
{
	const struct hp_group *g = s->g;

	if (loss + s->floor_res >= s->best)
		return 0;
	if (i == s->n_v) {
		double v = loss + residue(g, f);

		if (++s->leaves > s->max_leaves)
			return -E2BIG;
		if (v < s->best) {
			s->best = v;
			memcpy(s->best_choice, s->cur, s->n_v * sizeof(unsigned));
		}
		return 0;
	}
	for (unsigned j = 0; j < s->v[i].n; j++) {
		const struct hp_group_opt *o = &g->opts[s->v[i].opt[j]];
		double nf[HP_PLAN_MAX_PUS];
		int r;

		if (loss + o->loss + s->floor_res >= s->best)
			break; /* options come by ascending loss */
		for (unsigned k = 1; k <= g->n_rows; k++)
			nf[k] = f[k] + o->f[k];
		s->cur[i] = j;
		r = dfs(s, i + 1, loss + o->loss, nf);
		if (r < 0)
			return r;
	}
	return 0;
}

int hp_group_min(const struct hp_group *g, double limit, unsigned long max_leaves, unsigned *best,
		 double *ret)
{
	_cleanup_free_ struct vpod *v = calloc(g->n_pods ? g->n_pods : 1, sizeof(*v));
	_cleanup_free_ unsigned *pool = calloc(g->n_opts ? g->n_opts : 1, sizeof(unsigned));
	_cleanup_free_ unsigned *cur = calloc(g->n_pods ? g->n_pods : 1, sizeof(unsigned));
	_cleanup_free_ unsigned *bc = calloc(g->n_pods ? g->n_pods : 1, sizeof(unsigned));
	double base[HP_PLAN_MAX_PUS] = {0}, base_loss = 0;
	struct search s = {
	    .g = g, .v = v, .best = limit, .max_leaves = max_leaves, .cur = cur, .best_choice = bc};
	size_t used = 0;
	int r;

	if (!v || !pool || !cur || !bc)
		return -ENOMEM;
	for (unsigned k = 1; k <= g->n_rows; k++)
		s.floor_res -= g->y[k] * (g->tol[k] + 1e-12 * (1 + fabs(g->b[k])));
	for (unsigned i = 0; i < g->n_pods; i++) {
		struct vpod *p = &v[s.n_v];

		if (!g->n[i])
			continue;
		p->pod = i;
		p->opt = pool + used;
		p->n = 0;
		for (unsigned k = g->first[i]; k < g->first[i] + g->n[i]; k++) {
			bool dup = false;

			if (g->opts[k].loss >= limit)
				break;
			for (unsigned j = 0; j < p->n && !dup; j++)
				dup = hp_group_same_f(g, &g->opts[p->opt[j]], &g->opts[k]);
			if (!dup)
				p->opt[p->n++] = k;
		}
		if (!p->n) {
			*ret = limit; /* every option of this pod costs the limit */
			return 0;
		}
		if (best)
			best[i] = p->opt[0];
		if (p->n == 1) {
			/* One way to load the rows below the limit: a constant. */
			base_loss += g->opts[p->opt[0]].loss;
			for (unsigned k = 1; k <= g->n_rows; k++)
				base[k] += g->opts[p->opt[0]].f[k];
			continue;
		}
		used += p->n;
		s.n_v++;
	}
	r = dfs(&s, 0, base_loss, base);
	if (r < 0)
		return r;
	if (best && s.best < limit)
		for (unsigned j = 0; j < s.n_v; j++)
			best[v[j].pod] = v[j].opt[bc[j]];
	*ret = s.best;
	return 0;
}

/* ---- the packing bound ------------------------------------------------------- */

#define PACK_MAX_WORDS (4ul << 20) /* reachability tables: 32 MiB at most */
#define PACK_MAX_LOSS (2ul << 20)  /* least-loss tables: 16 MiB at most ... */
#define PACK_MAX_WORK (64ul << 20) /* ... and 64 Mi steps to fill them */

struct popt {
	double loss;
	const struct hp_group_opt *o;
	unsigned idx;
};

struct ppod {
	unsigned pod;
	struct popt *opt;
	unsigned n;
	long long size; /* largest total of grid steps, for the order */
};

struct pack {
	const struct hp_group *g;
	struct ppod *v;
	unsigned n_v;
	uint64_t *reach; /* (n_v + 1) tables, each the rows' bitsets one after another */
	size_t stride;	 /* words per table */
	/* per row, and at 0 for the total over the rows */
	size_t off[HP_PLAN_MAX_PUS], words[HP_PLAN_MAX_PUS];
	long long cap[HP_PLAN_MAX_PUS];	 /* grid steps that fit a row */
	unsigned order[HP_PLAN_MAX_PUS]; /* rows by what a grid step is worth, most first */
	double *fmin, *fmax;		 /* per table and row: what the remaining pods add */
	/*
	 * Per table and row, for each sum of grid steps the remaining pods can
	 * add to the row: the least loss they take to add it (NULL if too big).
	 */
	double *lmin;
	size_t loff[HP_PLAN_MAX_PUS], lstride;
	double best, floor;
	double res_floor; /* the least the other capacities add: sum of -res_y res_tol */
	unsigned long nodes, max_nodes;
	double stop_ms; /* 0: no time limit */
	unsigned *cur, *best_choice;
};

/* In the search's inner loops: no NaN here, and libm's calls cost 15% of it. */
static inline double max_d(double a, double b)
{
	return a > b ? a : b;
}

static inline double min_d(double a, double b)
{
	return a < b ? a : b;
}

static inline long long floor_ll(double x)
{
	long long i = (long long)x;

	return i - (i > x);
}

/*
 * What filling a row costs: row r ends with at least the penalty
 * y_r max(-tol_r, a_r - q_r x) and the remaining pods lose at least lmin(x)
 * for the x they add to it, whatever they add to the other rows, which end
 * with at least what their largest sums (add) leave. False when, for some
 * row, no x gets the total below the best.
 */
static bool pack_fill_bound(const struct pack *s, unsigned k, double loss, const double *a,
			    const long long *add)
{
	const struct hp_group *g = s->g;
	double pen[HP_PLAN_MAX_PUS], sum = 0;

	for (unsigned r = 1; r <= g->n_rows; r++) {
		pen[r] = g->y[r] * max_d(-g->tol[r], a[r] - (double)add[r] * g->q[r]);
		sum += pen[r];
	}
	for (unsigned r = 1; r <= g->n_rows; r++) {
		const double *l = s->lmin + (size_t)k * s->lstride + s->loff[r];
		double t = s->best - loss - s->res_floor - (sum - pen[r]);
		bool ok = false;

		if (g->y[r] <= 0)
			continue;
		for (long long x = add[r]; x >= 0 && !ok; x--) {
			double p = g->y[r] * max_d(-g->tol[r], a[r] - (double)x * g->q[r]);

			if (p >= t)
				break; /* less fill only leaves more slack */
			ok = l[x] + p < t;
		}
		if (!ok)
			return false;
	}
	return true;
}

static int pack_dfs(struct pack *s, unsigned k, double loss, const long long *m, const double *f,
		    const double *u)
{
	const struct hp_group *g = s->g;
	const uint64_t *tab = s->reach + (size_t)k * s->stride;
	double lb = loss + s->res_floor;

	if (s->best <= s->floor)
		return 1; /* nothing can be better */
	if (++s->nodes > s->max_nodes)
		return -E2BIG;
	if (s->stop_ms && !(s->nodes & 0xffff) && hp_now_ms() >= s->stop_ms)
		return -E2BIG;
	/*
	 * The least slack the rows can end with. Row r keeps at least
	 * a_r - q_r x_r (and no less than -tol_r) if the remaining pods add x_r
	 * grid steps to it and their largest crossing costs: x_r is at most the
	 * largest sum they reach that fits (add), and the x_r together at most
	 * the largest total they reach. The least penalty over such x is a
	 * fractional knapsack: the rows that gain most per step first.
	 */
	{
		double a[HP_PLAN_MAX_PUS], use[HP_PLAN_MAX_PUS], rest;
		long long add[HP_PLAN_MAX_PUS], total = 0, left;

		for (unsigned r = 1; r <= g->n_rows; r++) {
			double lo = s->fmin[k * HP_PLAN_MAX_PUS + r];
			double hi = s->fmax[k * HP_PLAN_MAX_PUS + r];
			long long room =
			    floor_ll((g->b[r] + g->tol[r] - f[r] - lo) / g->q[r]) - m[r];
			long long add_r = hp_bits_max_le(tab + s->off[r], s->words[r], room);

			if (add_r < 0)
				return 0; /* nothing that is left fits */
			add[r] = add_r;
			a[r] = g->b[r] - (double)m[r] * g->q[r] - f[r] - hi;
			/* more than this takes the row to -tol: no use to the adversary */
			use[r] = min_d((double)add[r], max_d(0.0, (a[r] + g->tol[r]) / g->q[r]));
			total += add[r];
		}
		left = hp_bits_max_le(tab + s->off[0], s->words[0], total);
		if (left < 0)
			return 0;
		rest = (double)left;
		for (unsigned j = 0; j < g->n_rows; j++) {
			unsigned r = s->order[j];
			double x = min_d(use[r], rest);

			lb += g->y[r] * max_d(-g->tol[r], a[r] - x * g->q[r]);
			rest -= x;
		}
		if (lb < s->best && s->lmin && !pack_fill_bound(s, k, loss, a, add))
			return 0;
	}
	if (lb >= s->best)
		return 0;
	if (k == s->n_v) {
		double v = loss;

		for (unsigned r = 1; r <= g->n_rows; r++) {
			double load = (double)m[r] * g->q[r] + f[r];

			if (load > g->b[r] + g->tol[r])
				return 0;
			v += g->y[r] * (g->b[r] - load);
		}
		for (unsigned j = 0; j < g->n_res; j++)
			v += g->res_y[j] * (g->res_b[j] - u[j]);
		if (v < s->best) {
			s->best = v;
			memcpy(s->best_choice, s->cur, s->n_v * sizeof(unsigned));
		}
		return 0;
	}
	for (unsigned j = 0; j < s->v[k].n; j++) {
		const struct popt *o = &s->v[k].opt[j];
		const double *ou = g->n_res ? g->res + (size_t)o->idx * g->n_res : NULL;
		long long nm[HP_PLAN_MAX_PUS];
		double nf[HP_PLAN_MAX_PUS], nu[HP_GROUP_MAX_RES];
		bool fits = true;
		int r;

		if (loss + o->loss >= s->best)
			break; /* by ascending loss */
		for (unsigned q = 1; q <= g->n_rows; q++) {
			nm[q] = m[q] + o->o->m[q];
			nf[q] = f[q] + o->o->f[q];
		}
		for (unsigned q = 0; q < g->n_res; q++) {
			nu[q] = u[q] + ou[q];
			fits &= nu[q] <= g->res_b[q] + g->res_tol[q];
		}
		if (!fits)
			continue; /* what is used only grows */
		s->cur[k] = j;
		r = pack_dfs(s, k + 1, loss + o->loss, nm, nf, nu);
		if (r)
			return r;
	}
	return 0;
}

/* pack.lmin: from the last table (nothing left: 0 at 0) back to the first */
static void pack_loss_tables(struct pack *s, double *lmin)
{
	const struct hp_group *g = s->g;

	for (size_t i = 0; i < (size_t)(s->n_v + 1) * s->lstride; i++)
		lmin[i] = HUGE_VAL;
	for (unsigned q = 1; q <= g->n_rows; q++)
		lmin[(size_t)s->n_v * s->lstride + s->loff[q]] = 0;
	for (unsigned k = s->n_v; k-- > 0;) {
		const struct ppod *p = &s->v[k];

		for (unsigned q = 1; q <= g->n_rows; q++) {
			const double *next = lmin + (size_t)(k + 1) * s->lstride + s->loff[q];
			double *cur = lmin + (size_t)k * s->lstride + s->loff[q];

			for (unsigned j = 0; j < p->n; j++) {
				long long d = p->opt[j].o->m[q];
				double l = p->opt[j].loss;
				bool seen = false;

				/* by ascending loss: the first with this d is the least */
				for (unsigned i = 0; i < j && !seen; i++)
					seen = p->opt[i].o->m[q] == d;
				if (seen || d > s->cap[q])
					continue;
				for (long long x = 0; x + d <= s->cap[q]; x++)
					if (next[x] + l < cur[x + d])
						cur[x + d] = next[x] + l;
			}
		}
	}
}

static int cmp_popt(const void *a, const void *b)
{
	const struct popt *x = a, *y = b;
	long long sx = 0, sy = 0;

	if (x->loss != y->loss)
		return x->loss < y->loss ? -1 : 1;
	for (unsigned r = 1; r < HP_PLAN_MAX_PUS; r++) {
		sx += x->o->m[r];
		sy += y->o->m[r];
	}
	return sx > sy ? -1 : sx < sy; /* fuller first */
}

static int cmp_ppod(const void *a, const void *b)
{
	const struct ppod *x = a, *y = b;

	return x->size > y->size ? -1 : x->size < y->size;
}

static bool same_load(const struct hp_group *g, unsigned a, unsigned b)
{
	const struct hp_group_opt *x = &g->opts[a], *y = &g->opts[b];

	for (unsigned r = 1; r <= g->n_rows; r++)
		if (x->m[r] != y->m[r])
			return false;
	for (unsigned j = 0; j < g->n_res; j++)
		if (g->res[(size_t)a * g->n_res + j] != g->res[(size_t)b * g->n_res + j])
			return false;
	return hp_group_same_f(g, x, y);
}

int hp_group_pack_min(const struct hp_group *g, double limit, double lower,
		      struct hp_pack_limits *lim, unsigned *best, double *ret)
{
	unsigned np = g->n_pods ? g->n_pods : 1;
	_cleanup_free_ struct ppod *v = calloc(np, sizeof(*v));
	_cleanup_free_ struct popt *pool = calloc(g->n_opts ? g->n_opts : 1, sizeof(*pool));
	_cleanup_free_ unsigned *cur = calloc(np, sizeof(unsigned));
	_cleanup_free_ unsigned *bc = calloc(np, sizeof(unsigned));
	_cleanup_free_ uint64_t *reach = NULL;
	_cleanup_free_ double *fmin_t = NULL, *fmax_t = NULL, *lmin = NULL;
	long long base_m[HP_PLAN_MAX_PUS] = {0};
	double base_f[HP_PLAN_MAX_PUS] = {0}, base_u[HP_GROUP_MAX_RES] = {0}, base_loss = 0;
	struct pack s = {.g = g,
			 .v = v,
			 .best = limit,
			 .floor = lower + 1e-12,
			 .max_nodes = lim->nodes,
			 .stop_ms = lim->stop_ms,
			 .cur = cur,
			 .best_choice = bc};
	size_t used = 0, work = 0;
	int r;

	if (!v || !pool || !cur || !bc)
		return -ENOMEM;
	for (unsigned q = 1; q <= g->n_rows; q++) {
		s.cap[q] = (long long)floor((g->b[q] + g->tol[q]) / g->q[q]);
		if (s.cap[q] < 0) {
			*ret = limit; /* not even an empty DPU fits */
			return 0;
		}
		s.cap[0] += s.cap[q];
		s.order[q - 1] = q;
	}
	for (unsigned q = 0; q <= g->n_rows; q++) {
		s.off[q] = s.stride;
		s.words[q] = (size_t)s.cap[q] / 64 + 1;
		s.stride += s.words[q];
	}
	for (unsigned i = 1; i < g->n_rows; i++) /* insertion sort: a few rows */
		for (unsigned j = i; j > 0 && g->y[s.order[j]] * g->q[s.order[j]] >
						  g->y[s.order[j - 1]] * g->q[s.order[j - 1]];
		     j--) {
			unsigned t = s.order[j];

			s.order[j] = s.order[j - 1];
			s.order[j - 1] = t;
		}
	for (unsigned i = 0; i < g->n_pods; i++) {
		struct ppod *p = &v[s.n_v];

		if (!g->n[i])
			continue;
		p->pod = i;
		p->opt = pool + used;
		p->n = 0;
		p->size = 0;
		for (unsigned k = g->first[i]; k < g->first[i] + g->n[i]; k++) {
			const struct hp_group_opt *o = &g->opts[k];
			bool dup = false, fits = true;
			long long size = 0;

			if (o->loss >= limit)
				break;
			for (unsigned q = 1; q <= g->n_rows; q++) {
				fits &= o->m[q] <= s.cap[q];
				size += o->m[q];
			}
			for (unsigned j = 0; j < g->n_res; j++)
				fits &=
				    g->res[(size_t)k * g->n_res + j] <= g->res_b[j] + g->res_tol[j];
			for (unsigned j = 0; j < p->n && !dup && fits; j++)
				dup = same_load(g, p->opt[j].idx, k);
			if (dup || !fits)
				continue;
			p->opt[p->n++] = (struct popt){.loss = o->loss, .o = o, .idx = k};
			if (size > p->size)
				p->size = size;
		}
		if (best)
			best[i] = g->first[i];
		if (!p->n) {
			*ret = limit; /* no option of this pod fits below the limit */
			return 0;
		}
		if (p->n == 1) {
			base_loss += p->opt[0].loss;
			for (unsigned q = 1; q <= g->n_rows; q++) {
				base_m[q] += p->opt[0].o->m[q];
				base_f[q] += p->opt[0].o->f[q];
			}
			for (unsigned q = 0; q < g->n_res; q++)
				base_u[q] += g->res[(size_t)p->opt[0].idx * g->n_res + q];
			if (best)
				best[i] = p->opt[0].idx;
			continue;
		}
		qsort(p->opt, p->n, sizeof(*p->opt), cmp_popt);
		used += p->n;
		s.n_v++;
	}
	for (unsigned q = 0; q < g->n_res; q++) {
		if (base_u[q] > g->res_b[q] + g->res_tol[q]) {
			*ret = limit; /* the pods with one way already overfill it */
			return 0;
		}
		s.res_floor -= g->res_y[q] * g->res_tol[q];
	}
	qsort(v, s.n_v, sizeof(*v), cmp_ppod);
	if ((size_t)(s.n_v + 1) * s.stride > PACK_MAX_WORDS)
		return -E2BIG;
	reach = calloc((size_t)(s.n_v + 1) * s.stride, sizeof(uint64_t));
	fmin_t = calloc((size_t)(s.n_v + 1) * HP_PLAN_MAX_PUS, sizeof(double));
	fmax_t = calloc((size_t)(s.n_v + 1) * HP_PLAN_MAX_PUS, sizeof(double));
	if (!reach || !fmin_t || !fmax_t)
		return -ENOMEM;
	/* What the pods from k on can add to each row: grid steps reachable, crossing costs. */
	for (unsigned q = 0; q <= g->n_rows; q++)
		reach[(size_t)s.n_v * s.stride + s.off[q]] = 1;
	for (unsigned k = s.n_v; k-- > 0;) {
		const uint64_t *next = reach + (size_t)(k + 1) * s.stride;
		uint64_t *tab = reach + (size_t)k * s.stride;

		for (unsigned j = 0; j < v[k].n; j++) {
			long long t = 0;

			for (unsigned q = 1; q <= g->n_rows; q++)
				t += v[k].opt[j].o->m[q];
			hp_bits_or_shift(tab + s.off[0], next + s.off[0], s.words[0], t);
		}
		if ((s.cap[0] & 63) != 63)
			tab[s.off[0] + s.words[0] - 1] &= (2ull << (s.cap[0] & 63)) - 1;
		for (unsigned q = 1; q <= g->n_rows; q++) {
			double lo = HUGE_VAL, hi = -HUGE_VAL;

			for (unsigned j = 0; j < v[k].n; j++) {
				const struct hp_group_opt *o = v[k].opt[j].o;

				hp_bits_or_shift(tab + s.off[q], next + s.off[q], s.words[q],
						 o->m[q]);
				lo = fmin(lo, o->f[q]);
				hi = fmax(hi, o->f[q]);
			}
			if ((s.cap[q] & 63) != 63) /* sums past the capacity never fit */
				tab[s.off[q] + s.words[q] - 1] &= (2ull << (s.cap[q] & 63)) - 1;
			fmin_t[k * HP_PLAN_MAX_PUS + q] =
			    fmin_t[(k + 1) * HP_PLAN_MAX_PUS + q] + lo;
			fmax_t[k * HP_PLAN_MAX_PUS + q] =
			    fmax_t[(k + 1) * HP_PLAN_MAX_PUS + q] + hi;
		}
	}
	for (unsigned q = 1; q <= g->n_rows; q++) {
		s.loff[q] = s.lstride;
		s.lstride += (size_t)s.cap[q] + 1;
	}
	for (unsigned k = 0; k < s.n_v; k++)
		work += (size_t)v[k].n * s.lstride;
	if (lim->fill && (size_t)(s.n_v + 1) * s.lstride <= PACK_MAX_LOSS &&
	    work <= PACK_MAX_WORK &&
	    (lmin = malloc((size_t)(s.n_v + 1) * s.lstride * sizeof(double))))
		pack_loss_tables(&s, lmin);
	s.lmin = lmin;
	s.reach = reach;
	s.fmin = fmin_t;
	s.fmax = fmax_t;
	r = pack_dfs(&s, 0, base_loss, base_m, base_f, base_u);
	lim->nodes -= s.nodes < lim->nodes ? s.nodes : lim->nodes;
	if (r < 0 && r != -E2BIG)
		return r;
	if (best && s.best < limit)
		for (unsigned j = 0; j < s.n_v; j++)
			best[v[j].pod] = v[j].opt[bc[j]].idx;
	*ret = s.best;
	return r < 0 ? r : 0;
}

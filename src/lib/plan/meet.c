/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The packing bound by meeting in the middle (group.h, hp_group_meet_min).
 *
 * With one DPU short of memory the LP fills both its CPU and its memory to
 * the last fraction, and the best placement is a few millicores below it:
 * what decides it is which few of the few hundred pods whose other options
 * lose less than that change, so that both rows end nearly full. Depth first
 * (hp_group_pack_min) that is a search over hundreds of pods of which only
 * the last few can tell a dead end. Here every pod starts at its first
 * option (the least loss); the pods with others are dealt into two halves;
 * each half's changes that lose less than the limit allows are listed, with
 * what they add to every capacity; and the lists are joined: for each change
 * of one half, the other half's whose load on the most selective capacity
 * lands in the window the limit leaves there, by binary search in that half
 * sorted by it, each then checked whole.
 *
 * Exact below the limit: a choice whose penalty is below it loses less than
 * the limit plus what the tolerances allow in all (every capacity's slack is
 * at least minus its tolerance), so each half's part of it is listed, and the
 * window only leaves out loads that end over a capacity or whose slack alone
 * reaches the limit.
 */
#include "plan/group.h"
#include "util/util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>

#define MEET_MAX_ENTRIES (3ul << 19) /* changes listed per half: 1.5 Mi */
#define MEET_ROOT UINT_MAX	     /* no change yet */

/* An option of a pod other than its first: the change to it. */
struct meet_alt {
	double loss;  /* above the first option's */
	unsigned idx; /* into g->opts */
};

struct meet_pod {
	unsigned pod;
	unsigned base;	      /* its first option that fits: the index into g->opts */
	struct meet_alt *alt; /* the others below the limit, by ascending loss */
	unsigned n_alt;
	const double *delta; /* per alt, what it adds to each capacity over base */
};

/* One half's changes: entry 0 changes nothing; each other one a pod more. */
struct meet_list {
	double *loss;
	unsigned *parent, *pod, *alt; /* the entry it extends, by which pod and option */
	double *val;		      /* per entry, what it adds to each capacity */
	size_t n;
};

struct meet {
	const struct hp_group *g;
	unsigned dims; /* the rows' CPU, then the other capacities */
	double cap[HP_PLAN_MAX_PUS + HP_GROUP_MAX_RES], tol[HP_PLAN_MAX_PUS + HP_GROUP_MAX_RES];
	double y[HP_PLAN_MAX_PUS + HP_GROUP_MAX_RES];
	double base[HP_PLAN_MAX_PUS + HP_GROUP_MAX_RES], base_loss;
	double spare; /* the most all capacities' tolerances can take off a penalty */
	struct meet_pod *v;
	unsigned n_v;
	unsigned long work, max_work;
	double stop_ms;
};

/* Option k's load on capacity dim: a row's CPU (grid steps and crossing costs), or res. */
static double meet_load(const struct hp_group *g, unsigned k, unsigned dim)
{
	const struct hp_group_opt *o = &g->opts[k];

	if (dim < g->n_rows)
		return (double)o->m[dim + 1] * g->q[dim + 1] + o->f[dim + 1];
	return g->res[(size_t)k * g->n_res + dim - g->n_rows];
}

static void meet_list_free(struct meet_list *l)
{
	free(l->loss);
	free(l->parent);
	free(l->pod);
	free(l->alt);
	free(l->val);
}

static int meet_list_alloc(struct meet_list *l, unsigned dims)
{
	l->loss = malloc(MEET_MAX_ENTRIES * sizeof(double));
	l->parent = malloc(MEET_MAX_ENTRIES * sizeof(unsigned));
	l->pod = malloc(MEET_MAX_ENTRIES * sizeof(unsigned));
	l->alt = malloc(MEET_MAX_ENTRIES * sizeof(unsigned));
	l->val = malloc(MEET_MAX_ENTRIES * dims * sizeof(double));
	if (!l->loss || !l->parent || !l->pod || !l->alt || !l->val)
		return -ENOMEM;
	l->n = 1; /* the change of nothing */
	l->loss[0] = 0;
	l->parent[0] = l->pod[0] = l->alt[0] = MEET_ROOT;
	memset(l->val, 0, dims * sizeof(double));
	return 0;
}

/* Is one more unit of work within the limits? */
static bool meet_count(struct meet *s)
{
	if (++s->work > s->max_work)
		return false;
	return !s->stop_ms || (s->work & 0xfff) || hp_now_ms() < s->stop_ms;
}

/*
 * List every change of the pods half[from..n) that extends entry e and
 * loses less than lim in all; the pods are by ascending least loss of a
 * change, so the first too costly ends the loop.
 */
static int meet_list(struct meet *s, struct meet_list *l, const unsigned *half, unsigned n,
		     unsigned from, size_t e, double lim)
{
	for (unsigned i = from; i < n; i++) {
		const struct meet_pod *p = &s->v[half[i]];

		if (l->loss[e] + p->alt[0].loss >= lim)
			break;
		for (unsigned a = 0; a < p->n_alt && l->loss[e] + p->alt[a].loss < lim; a++) {
			size_t c = l->n;
			int r;

			if (c == MEET_MAX_ENTRIES || !meet_count(s))
				return -E2BIG;
			l->n++;
			l->loss[c] = l->loss[e] + p->alt[a].loss;
			l->parent[c] = (unsigned)e;
			l->pod[c] = half[i];
			l->alt[c] = a;
			for (unsigned d = 0; d < s->dims; d++)
				l->val[c * s->dims + d] =
				    l->val[e * s->dims + d] + p->delta[(size_t)a * s->dims + d];
			if ((r = meet_list(s, l, half, n, i + 1, c, lim)) < 0)
				return r;
		}
	}
	return 0;
}

/* The penalty of base plus changes a and b, HUGE_VAL when it overfills a capacity. */
static double meet_penalty(const struct meet *s, const double *a, const double *b, double loss)
{
	double v = s->base_loss + loss;

	for (unsigned d = 0; d < s->dims; d++) {
		double slack = s->cap[d] - s->base[d] - a[d] - b[d];

		if (slack < -s->tol[d])
			return HUGE_VAL;
		v += s->y[d] * slack;
	}
	return v;
}

struct meet_key {
	double key;
	unsigned e;
};

static int cmp_meet_key(const void *a, const void *b)
{
	const struct meet_key *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static int cmp_meet_pod(const void *a, const void *b)
{
	const struct meet_pod *x = a, *y = b;

	return x->alt[0].loss < y->alt[0].loss ? -1 : x->alt[0].loss > y->alt[0].loss;
}

/*
 * The capacity to look the other half up by: priced (only a priced slack is
 * bounded below), with the narrowest window for its spread of loads.
 */
static int meet_primary(const struct meet *s, const struct meet_list *l, double limit)
{
	double best = HUGE_VAL;
	int p = -1;

	for (unsigned d = 0; d < s->dims; d++) {
		double lo = HUGE_VAL, hi = -HUGE_VAL, w;

		if (s->y[d] <= 0)
			continue;
		for (size_t e = 0; e < l->n; e++) {
			lo = fmin(lo, l->val[e * s->dims + d]);
			hi = fmax(hi, l->val[e * s->dims + d]);
		}
		w = (limit + s->spare) / s->y[d] / (hi - lo + s->tol[d]);
		if (w < best) {
			best = w;
			p = (int)d;
		}
	}
	return p;
}

/* Walk entry e back to the pods' choices. */
static void meet_choose(const struct meet *s, const struct meet_list *l, size_t e, unsigned *best)
{
	for (; e != MEET_ROOT && l->pod[e] != MEET_ROOT; e = l->parent[e])
		best[s->v[l->pod[e]].pod] = s->v[l->pod[e]].alt[l->alt[e]].idx;
}

/*
 * Join the halves: for each entry of q, the entries of l (sorted by
 * capacity p in keys) whose load there lands in the window.
 */
static int meet_join(struct meet *s, const struct meet_list *q, const struct meet_list *l,
		     const struct meet_key *keys, unsigned p, double *best_v, size_t *bq,
		     size_t *bl, double lower)
{
	double others = s->spare - s->y[p] * s->tol[p];

	for (size_t e = 0; e < q->n; e++) {
		const double *qv = q->val + e * s->dims;
		double room = s->cap[p] - s->base[p] - qv[p];
		double left = *best_v - s->base_loss - q->loss[e] + others;
		double lo = room - left / s->y[p], hi = room + s->tol[p];
		size_t a = 0, b = l->n;

		if (left <= 0)
			continue;
		while (a < b) { /* the first key >= lo */
			size_t mid = a + (b - a) / 2;

			if (keys[mid].key < lo)
				a = mid + 1;
			else
				b = mid;
		}
		for (; a < l->n && keys[a].key <= hi; a++) {
			size_t f = keys[a].e;
			double v;

			if (!meet_count(s))
				return -E2BIG;
			if (s->base_loss + q->loss[e] + l->loss[f] >= *best_v + s->spare)
				continue;
			v = meet_penalty(s, qv, l->val + f * s->dims, q->loss[e] + l->loss[f]);
			if (v < *best_v) {
				*best_v = v;
				*bq = e;
				*bl = f;
				if (v <= lower)
					return 0;
				left = *best_v - s->base_loss - q->loss[e] + others;
			}
		}
	}
	return 0;
}

int hp_group_meet_min(const struct hp_group *g, double limit, double lower,
		      struct hp_pack_limits *lim, unsigned *best, double *ret)
{
	unsigned np = g->n_pods ? g->n_pods : 1, dims = g->n_rows + g->n_res;
	_cleanup_free_ struct meet_pod *v = calloc(np, sizeof(*v));
	_cleanup_free_ struct meet_alt *alts = calloc(g->n_opts ? g->n_opts : 1, sizeof(*alts));
	_cleanup_free_ double *delta =
	    calloc((size_t)(g->n_opts ? g->n_opts : 1) * dims, sizeof(double));
	_cleanup_free_ unsigned *half = calloc(np, sizeof(unsigned));
	_cleanup_free_ struct meet_key *keys = NULL;
	struct meet_list la = {0}, lb = {0};
	struct meet s = {
	    .g = g, .dims = dims, .v = v, .max_work = lim->nodes, .stop_ms = lim->stop_ms};
	double best_v = limit, lim_loss;
	size_t used = 0, bq = MEET_ROOT, bl = MEET_ROOT;
	unsigned n_a = 0, n_b = 0;
	int p, r;

	if (!v || !alts || !delta || !half)
		return -ENOMEM;
	for (unsigned d = 0; d < dims; d++) {
		unsigned j = d - g->n_rows;

		s.cap[d] = d < g->n_rows ? g->b[d + 1] : g->res_b[j];
		s.tol[d] = d < g->n_rows ? g->tol[d + 1] : g->res_tol[j];
		s.y[d] = d < g->n_rows ? g->y[d + 1] : g->res_y[j];
		s.spare += s.y[d] * s.tol[d];
	}
	lim_loss = limit + s.spare;
	for (unsigned i = 0; i < g->n_pods; i++) {
		struct meet_pod *pd = &v[s.n_v];
		bool have = false;

		if (!g->n[i])
			continue;
		pd->pod = i;
		pd->alt = alts + used;
		pd->n_alt = 0;
		pd->delta = delta + used * dims;
		for (unsigned k = g->first[i]; k < g->first[i] + g->n[i]; k++) {
			bool fits = true, dup = false;

			for (unsigned d = 0; d < dims; d++)
				fits &= meet_load(g, k, d) <= s.cap[d] + s.tol[d];
			if (!fits)
				continue;
			if (!have) {
				if (g->opts[k].loss >= lim_loss)
					break;
				pd->base = k;
				have = true;
				continue;
			}
			if (g->opts[k].loss - g->opts[pd->base].loss >= lim_loss)
				break; /* by ascending loss */
			/* the same loads as a cheaper option: never better */
			for (unsigned a = 0; a <= pd->n_alt && !dup; a++) {
				unsigned o = a < pd->n_alt ? pd->alt[a].idx : pd->base;

				dup = true;
				for (unsigned d = 0; d < dims && dup; d++)
					dup = meet_load(g, k, d) == meet_load(g, o, d);
			}
			if (dup)
				continue;
			pd->alt[pd->n_alt] = (struct meet_alt){
			    .loss = g->opts[k].loss - g->opts[pd->base].loss, .idx = k};
			for (unsigned d = 0; d < dims; d++)
				delta[(used + pd->n_alt) * dims + d] =
				    meet_load(g, k, d) - meet_load(g, pd->base, d);
			pd->n_alt++;
		}
		if (!have) {
			*ret = limit; /* no option of this pod fits below the limit */
			return 0;
		}
		if (best)
			best[i] = pd->base;
		s.base_loss += g->opts[pd->base].loss;
		for (unsigned d = 0; d < dims; d++)
			s.base[d] += meet_load(g, pd->base, d);
		if (!pd->n_alt)
			continue;
		used += pd->n_alt;
		s.n_v++;
	}
	lim_loss -= s.base_loss;
	if (lim_loss <= 0) {
		*ret = limit;
		return 0;
	}
	/*
	 * Deal the pods into the halves by ascending least loss of a change,
	 * alternately, so that both list about as many.
	 */
	qsort(v, s.n_v, sizeof(*v), cmp_meet_pod);
	for (unsigned i = 0; i < s.n_v; i++)
		half[i % 2 ? s.n_v - 1 - n_b++ : n_a++] = i;
	for (unsigned i = 0; i < n_b / 2; i++) { /* the second half, by ascending loss too */
		unsigned t = half[n_a + i];

		half[n_a + i] = half[s.n_v - 1 - i];
		half[s.n_v - 1 - i] = t;
	}
	r = meet_list_alloc(&la, dims);
	if (!r)
		r = meet_list_alloc(&lb, dims);
	if (!r)
		r = meet_list(&s, &la, half, n_a, 0, 0, lim_loss);
	if (!r)
		r = meet_list(&s, &lb, half + n_a, n_b, 0, 0, lim_loss);
	if (!r) {
		p = meet_primary(&s, &lb, limit);
		if (p < 0)
			r = -E2BIG; /* nothing priced: the window is every entry */
	}
	if (!r && !(keys = malloc(lb.n * sizeof(*keys))))
		r = -ENOMEM;
	if (!r) {
		for (size_t e = 0; e < lb.n; e++)
			keys[e] = (struct meet_key){.key = lb.val[e * dims + (unsigned)p],
						    .e = (unsigned)e};
		qsort(keys, lb.n, sizeof(*keys), cmp_meet_key);
		r = meet_join(&s, &la, &lb, keys, (unsigned)p, &best_v, &bq, &bl, lower + 1e-12);
	}
	lim->nodes -= s.work < lim->nodes ? s.work : lim->nodes;
	if (r < 0 && r != -E2BIG) {
		meet_list_free(&la);
		meet_list_free(&lb);
		return r;
	}
	if (best && best_v < limit) {
		meet_choose(&s, &la, bq, best);
		meet_choose(&s, &lb, bl, best);
	}
	meet_list_free(&la);
	meet_list_free(&lb);
	*ret = best_v;
	return r;
}

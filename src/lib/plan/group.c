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
	double floor_res;           /* the least the rows can add: sum of -y tol */
};

static bool same_f(const struct hp_group *g, const struct hp_group_opt *a,
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

double hp_group_min(const struct hp_group *g, double limit, unsigned long max_leaves,
		    unsigned *best)
{
	_cleanup_free_ struct vpod *v = calloc(g->n_pods ? g->n_pods : 1, sizeof(*v));
	_cleanup_free_ unsigned *pool = calloc(g->n_opts ? g->n_opts : 1, sizeof(unsigned));
	_cleanup_free_ unsigned *cur = calloc(g->n_pods ? g->n_pods : 1, sizeof(unsigned));
	_cleanup_free_ unsigned *bc = calloc(g->n_pods ? g->n_pods : 1, sizeof(unsigned));
	double base[HP_PLAN_MAX_PUS] = { 0 };
	struct search s = { .g = g, .v = v, .best = limit, .max_leaves = max_leaves, .cur = cur,
			    .best_choice = bc };
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
				dup = same_f(g, &g->opts[p->opt[j]], &g->opts[k]);
			if (!dup)
				p->opt[p->n++] = k;
		}
		if (best)
			best[i] = g->first[i];
		if (p->n <= 1) {
			/* One way to load the rows below the limit: a constant. */
			for (unsigned k = 1; k <= g->n_rows; k++)
				base[k] += g->opts[g->first[i]].f[k];
			continue;
		}
		used += p->n;
		s.n_v++;
	}
	r = dfs(&s, 0, 0, base);
	if (r < 0)
		return r;
	if (best && s.best < limit)
		for (unsigned j = 0; j < s.n_v; j++)
			best[v[j].pod] = v[j].opt[bc[j]];
	return s.best;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The group and packing bounds' searches (src/lib/plan/group.c) against
 * enumerating every choice, on random small problems (some with memory and
 * link capacities, the packing search with and without its fill-cost bound):
 * the same minimum below the limit, a choice that attains it, and the group
 * bound never above the packing bound (its slack is the packing's, modulo the
 * grid, and it leaves the other capacities out), which is what makes the
 * group bound valid wherever the packing bound is (test-plan-solver checks
 * the packing bound against exhaustive search of whole placements).
 * Meeting in the middle is checked the same way, and with refine (each
 * choice standing for a class worth more than its penalty) against the
 * least over every choice of what the classes are worth.
 */
#include "check.h"
#include "plan/group.h"
#include "util/util.h"

#include <math.h>

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double unit(uint64_t *s)
{
	return (double)(rnd(s) >> 11) / 9007199254740992.0;
}

/*
 * Both objectives of one choice (pick: an option per pod); pack is INFINITY
 * if it does not fit. The group bound leaves the other capacities out.
 */
static void value(const struct hp_group *g, const unsigned *pick, double *grp, double *pack)
{
	double loss = 0, m[HP_PLAN_MAX_PUS] = {0}, f[HP_PLAN_MAX_PUS] = {0};
	double u[HP_GROUP_MAX_RES] = {0};

	for (unsigned i = 0; i < g->n_pods; i++) {
		const struct hp_group_opt *o = &g->opts[pick[i]];

		loss += o->loss;
		for (unsigned r = 1; r <= g->n_rows; r++) {
			m[r] += (double)o->m[r];
			f[r] += o->f[r];
		}
		for (unsigned j = 0; j < g->n_res; j++)
			u[j] += g->res[pick[i] * g->n_res + j];
	}
	*grp = *pack = loss;
	for (unsigned j = 0; j < g->n_res; j++) {
		if (u[j] > g->res_b[j] + g->res_tol[j])
			*pack = INFINITY;
		else
			*pack += g->res_y[j] * (g->res_b[j] - u[j]);
	}
	for (unsigned r = 1; r <= g->n_rows; r++) {
		double rho = fmod(g->b[r] + g->tol[r] - f[r], g->q[r]);
		double load = m[r] * g->q[r] + f[r];

		if (rho < 0)
			rho += g->q[r];
		*grp += g->y[r] * (rho - g->tol[r]);
		if (load > g->b[r] + g->tol[r])
			*pack = INFINITY;
		else
			*pack += g->y[r] * (g->b[r] - load);
	}
}

static bool close_to(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (1 + fabs(b));
}

/*
 * A packing search's answer got (best: its choice) against the least
 * penalty want: the same below the limit, and a choice worth it; else the
 * limit.
 */
static void packing_is(const char *what, uint64_t seed, const struct hp_group *g,
		       const unsigned *best, double got, double want, double limit)
{
	double vg, vp;

	if (want >= limit) {
		CHECKF(got == limit, "seed %llu: %s %.12f below the limit %.12f",
		       (unsigned long long)seed, what, got, limit);
		return;
	}
	CHECKF(close_to(got, want), "seed %llu: %s %.12f, every choice %.12f",
	       (unsigned long long)seed, what, got, want);
	value(g, best, &vg, &vp);
	CHECKF(close_to(vp, got), "seed %llu: %s's choice is worth %.12f, not %.12f",
	       (unsigned long long)seed, what, vp, got);
}

/*
 * Meeting in the middle with refine: a choice stands for its class (per pod,
 * the options that load alike), worth the least over the class's choices of
 * their packing penalty plus an extra of each (none, some, or too much to be
 * below any limit, by a hash of the choice), which refine_class works out by
 * enumerating the class. Meeting in the middle must find the least of that
 * over every choice, and where refine sometimes cannot tell (unsure), a
 * bound of it no less than the least packing penalty.
 */
struct refine_test {
	const struct hp_group *g;
	uint64_t key; /* of the extras */
	uint64_t rng; /* of unsure's answers */
	bool unsure;
	bool bad; /* a choice handed over is not the least of its class */
	unsigned calls;
};

static double refine_extra(const struct refine_test *a, const unsigned *pick)
{
	uint64_t h = a->key;

	for (unsigned i = 0; i < a->g->n_pods; i++) {
		h += pick[i];
		h = rnd(&h);
	}
	return h % 3 == 0   ? 0
	       : h % 3 == 1 ? 0.05 * (double)(h >> 11) / 9007199254740992.0
			    : INFINITY;
}

static double refined(const struct refine_test *a, const unsigned *pick)
{
	double vg, vp;

	value(a->g, pick, &vg, &vp);
	return vp + refine_extra(a, pick);
}

static int refine_class(void *arg, const unsigned *choice, double v, double limit, double *t)
{
	struct refine_test *a = arg;
	const struct hp_group *g = a->g;
	unsigned opt[6][4], n[6], at[6] = {0}, pick[6] = {0};
	double least = INFINITY, pen = INFINITY;

	a->calls++;
	for (unsigned i = 0; i < g->n_pods; i++) {
		n[i] = 0;
		for (unsigned k = g->first[i]; k < g->first[i] + g->n[i]; k++)
			if (hp_group_same_load(g, k, choice[i]))
				opt[i][n[i]++] = k;
	}
	for (;;) {
		unsigned i;
		double vg, vp;

		for (i = 0; i < g->n_pods; i++)
			pick[i] = opt[i][at[i]];
		value(g, pick, &vg, &vp);
		pen = fmin(pen, vp);
		least = fmin(least, refined(a, pick));
		for (i = 0; i < g->n_pods && ++at[i] == n[i]; i++)
			at[i] = 0;
		if (i == g->n_pods)
			break;
	}
	a->bad |= !close_to(pen, v);
	if (a->unsure && rnd(&a->rng) % 4 == 0)
		return -E2BIG;
	*t = fmin(least, limit);
	return 0;
}

/*
 * One random problem, every choice enumerated, against the searches. With
 * twins, pods often repeat the one before (its options, losses and loads),
 * as real manifests repeat pods: the packing search orders such pods'
 * choices, and must still find the least.
 */
static void one(uint64_t seed, bool twins, unsigned *below, unsigned *met, unsigned *refines,
		unsigned *fulls)
{
	uint64_t s = seed;
	struct hp_group g = {
	    .n_rows = 1 + rnd(&s) % 3, .n_pods = 1 + rnd(&s) % 6, .n_res = rnd(&s) % 3};
	unsigned first[6], n[6], pick[6] = {0}, best[6];
	struct hp_group_opt opts[6 * 4];
	double res[6 * 4 * 2];
	double min_grp = INFINITY, min_pack = INFINITY, min_ref = INFINITY, limit, got;
	struct refine_test rt = {.g = &g, .key = seed};
	struct hp_pack_limits lim;
	/* half without crossing costs but in a few pods: the row by row search */
	bool pure = rnd(&s) % 2;
	int r;

	for (unsigned q = 1; q <= g.n_rows; q++) {
		g.q[q] = 1.0 / (2 + rnd(&s) % 8);
		g.b[q] = 1 + 6 * unit(&s);
		g.tol[q] = 1e-7 * fmax(1.0, g.b[q]);
		g.y[q] = rnd(&s) % 5 ? 0.1 + 2 * unit(&s) : 0;
	}
	/* other capacities: often not binding, sometimes tight, sometimes priced */
	for (unsigned j = 0; j < g.n_res; j++) {
		g.res_b[j] = 2 + 8 * unit(&s);
		g.res_tol[j] = 1e-7 * fmax(1.0, g.res_b[j]);
		g.res_y[j] = rnd(&s) % 3 ? 0 : 0.5 * unit(&s);
		g.res_row[j] = rnd(&s) % (g.n_rows + 1);
	}
	g.first = first;
	g.n = n;
	g.opts = opts;
	g.res = res;
	for (unsigned i = 0; i < g.n_pods; i++) {
		bool crosses = !pure || rnd(&s) % 4 == 0;

		if (twins && i && rnd(&s) % 2) {
			first[i] = g.n_opts;
			n[i] = n[i - 1];
			for (unsigned k = 0; k < n[i]; k++, g.n_opts++) {
				opts[g.n_opts] = opts[first[i - 1] + k];
				for (unsigned j = 0; j < g.n_res; j++)
					res[g.n_opts * g.n_res + j] =
					    res[(first[i - 1] + k) * g.n_res + j];
			}
			continue;
		}
		first[i] = g.n_opts;
		n[i] = 1 + rnd(&s) % 4;
		for (unsigned k = 0; k < n[i]; k++) {
			struct hp_group_opt *o = &opts[g.n_opts++];

			memset(o, 0, sizeof(*o));
			/* ascending loss, the first 0, ties likely */
			o->loss = k == 0 ? 0 : o[-1].loss + (rnd(&s) % 3 ? 0.05 * unit(&s) : 0);
			for (unsigned q = 1; q <= g.n_rows; q++) {
				o->m[q] = (long long)(rnd(&s) % 6);
				o->f[q] = !crosses || rnd(&s) % 3 ? 0 : 0.3 * unit(&s);
			}
			for (unsigned j = 0; j < g.n_res; j++)
				res[(g.n_opts - 1) * g.n_res + j] = rnd(&s) % 2 ? 0 : 3 * unit(&s);
		}
	}
	/* every choice */
	for (;;) {
		unsigned i;
		double vg, vp;

		for (i = 0; i < g.n_pods; i++)
			best[i] = first[i] + pick[i];
		value(&g, best, &vg, &vp);
		min_grp = fmin(min_grp, vg);
		min_pack = fmin(min_pack, vp);
		min_ref = fmin(min_ref, refined(&rt, best));
		for (i = 0; i < g.n_pods && ++pick[i] == n[i]; i++)
			pick[i] = 0;
		if (i == g.n_pods)
			break;
	}
	CHECKF(min_grp <= min_pack + 1e-9, "seed %llu: group %.12f above packing %.12f",
	       (unsigned long long)seed, min_grp, min_pack);
	for (unsigned t = 0; t < 3; t++) {
		unsigned long leaves = 1ul << 20, used;

		limit = t == 0 ? 1e9 : t == 1 ? min_pack + 1e-6 : min_grp + 0.01 * unit(&s);
		r = hp_group_min(&g, limit, &leaves, 0, best, &got);
		CHECKF(r == 0, "seed %llu: hp_group_min %d", (unsigned long long)seed, r);
		/* it counts the choices it looked at: as many do, one fewer is too few */
		used = (1ul << 20) - leaves;
		CHECKF(used || min_grp >= limit, "seed %llu: found a choice, counted none",
		       (unsigned long long)seed);
		if (used) {
			double again;

			leaves = used;
			CHECKF(hp_group_min(&g, limit, &leaves, 0, NULL, &again) == 0 && !leaves &&
				   again == got,
			       "seed %llu: %lu choices were not enough", (unsigned long long)seed,
			       used);
			leaves = used - 1;
			CHECKF(hp_group_min(&g, limit, &leaves, 0, NULL, &again) == -E2BIG,
			       "seed %llu: %lu choices, done with one fewer",
			       (unsigned long long)seed, used);
		}
		if (min_grp < limit) {
			double vg, vp;

			CHECKF(close_to(got, min_grp), "seed %llu: group %.12f, every choice %.12f",
			       (unsigned long long)seed, got, min_grp);
			value(&g, best, &vg, &vp);
			CHECKF(close_to(vg, got),
			       "seed %llu: group's choice is worth %.12f, not %.12f",
			       (unsigned long long)seed, vg, got);
			(*below)++;
		} else {
			CHECKF(got == limit, "seed %llu: group %.12f below the limit %.12f",
			       (unsigned long long)seed, got, limit);
		}
		if (!isfinite(min_pack))
			continue;
		/*
		 * turns of a few nodes: both ways of pack_run take part, and
		 * after the first turn each way, up to three threads
		 */
		lim = (struct hp_pack_limits){.nodes = 1ul << 20,
					      .fill = t != 1,
					      .turn = t == 2 ? 1 + seed % 16 : 0,
					      .threads = t == 2 ? 1 + seed % 3 : 0};
		r = hp_group_pack_min(&g, limit, t == 0 ? min_grp : min_grp - 1, &lim, best, &got);
		CHECKF(r == 0, "seed %llu: hp_group_pack_min %d", (unsigned long long)seed, r);
		packing_is("packing", seed, &g, best, got, min_pack, limit);
		/*
		 * the same by meeting in the middle; it declines when nothing
		 * is priced. In two threads (t == 2), however short its lists.
		 */
		lim = (struct hp_pack_limits){
		    .nodes = 1ul << 20, .threads = t == 2 ? 2 : 0, .two_from = 1};
		r = hp_group_meet_min(&g, limit, t == 0 ? min_grp : min_grp - 1, &lim, best, &got);
		if (r == -E2BIG)
			continue;
		CHECKF(r == 0, "seed %llu: hp_group_meet_min %d", (unsigned long long)seed, r);
		(*met)++;
		packing_is("meeting", seed, &g, best, got, min_pack, limit);
		/* sure, unsure, and sure keeping two choices only (lim.keep) */
		for (unsigned pass = 0; pass < 3; pass++) {
			double want = fmin(min_ref, limit);
			bool unsure = pass == 1;

			rt.unsure = unsure;
			rt.rng = seed;
			lim = (struct hp_pack_limits){.nodes = 1ul << 20,
						      .threads = t == 2 ? 2 : 0,
						      .two_from = 1,
						      .refine = refine_class,
						      .arg = &rt,
						      .keep = pass == 2 ? 2 : 0};
			r = hp_group_meet_min(&g, limit, t == 0 ? min_grp : min_grp - 1, &lim, NULL,
					      &got);
			CHECKF(r == 0, "seed %llu: refined, hp_group_meet_min %d",
			       (unsigned long long)seed, r);
			CHECKF(!rt.bad, "seed %llu: refine got a choice not its class's least",
			       (unsigned long long)seed);
			if (pass == 2) {
				/* a bound of the least; the least unless the two filled up */
				*fulls += lim.full;
				CHECKF(got <= want + 1e-9 && got >= fmin(min_pack, limit) - 1e-9,
				       "seed %llu: refined (two kept) %.12f, not in [%.12f, %.12f]",
				       (unsigned long long)seed, got, fmin(min_pack, limit), want);
				CHECKF(lim.full || close_to(got, want),
				       "seed %llu: two kept, not full: %.12f, not %.12f",
				       (unsigned long long)seed, got, want);
			} else if (unsure)
				CHECKF(got <= want + 1e-9 && got >= fmin(min_pack, limit) - 1e-9,
				       "seed %llu: refined (unsure) %.12f, not in [%.12f, %.12f]",
				       (unsigned long long)seed, got, fmin(min_pack, limit), want);
			else
				CHECKF(close_to(got, want),
				       "seed %llu: refined %.12f, every choice %.12f",
				       (unsigned long long)seed, got, want);
		}
	}
	*refines += rt.calls;
}

/*
 * A problem with one row and two capacities (as one DPU short of memory)
 * for meeting in the middle, large enough that its lists are sorted and
 * binned: 12-16 pods of 2-4 options with random losses and loads, the
 * capacities priced; or, with ties, 10-12 pods of 2-3 options that mostly
 * lose what their CPU costs at the row's price, few loads, so that many
 * choices have the same penalty to rounding, and the capacities unpriced
 * (as where applications move: the join's windows hold many entries, and
 * it passes over those that cannot beat the best, meet_least). The
 * capacities are what a random choice fills, and a little more; the limit
 * is returned.
 */
struct one_row {
	struct hp_group g;
	unsigned first[20], n[20];
	struct hp_group_opt opts[20 * 4];
	double res[20 * 4 * 2];
};

static double one_row(struct one_row *t, uint64_t *s, bool ties)
{
	struct hp_group *g = &t->g;
	unsigned pick[20];
	double u[2] = {0}, load = 0, limit;

	*g = (struct hp_group){.n_rows = 1, .n_res = 2};
	g->n_pods = ties ? 10 + rnd(s) % 3 : 12 + rnd(s) % 5;
	g->q[1] = 0.01;
	g->y[1] = 1;
	g->tol[1] = 1e-7;
	for (unsigned j = 0; j < 2; j++) {
		g->res_y[j] = ties ? 0 : 0.05 + 0.2 * unit(s);
		g->res_tol[j] = 1e-7;
		g->res_row[j] = j ? 0 : 1;
	}
	g->first = t->first;
	g->n = t->n;
	g->opts = t->opts;
	g->res = t->res;
	for (unsigned i = 0; i < g->n_pods; i++) {
		t->first[i] = g->n_opts;
		t->n[i] = 2 + rnd(s) % (ties ? 2 : 3);
		pick[i] = t->first[i] + rnd(s) % t->n[i];
		for (unsigned k = 0; k < t->n[i]; k++) {
			struct hp_group_opt *o = &t->opts[g->n_opts++];

			memset(o, 0, sizeof(*o));
			if (ties) {
				o->m[1] = (long long)(rnd(s) % 2) + (k == 0 ? 0 : o[-1].m[1] + 1);
				o->loss = (double)(o->m[1] - t->opts[t->first[i]].m[1]) * g->q[1];
				if (rnd(s) % 8 == 0)
					o->loss += 1e-4 * unit(s); /* a few break the ties */
			} else {
				o->loss = k == 0 ? 0 : o[-1].loss + 0.02 * unit(s);
				o->m[1] = (long long)(rnd(s) % 40);
				o->f[1] = rnd(s) % 2 ? 0 : 0.01 * unit(s);
			}
			for (unsigned j = 0; j < 2; j++)
				t->res[(g->n_opts - 1) * 2 + j] = 2 * unit(s);
		}
	}
	for (unsigned i = 0; i < g->n_pods; i++) {
		load += (double)t->opts[pick[i]].m[1] * g->q[1] + t->opts[pick[i]].f[1];
		for (unsigned j = 0; j < 2; j++)
			u[j] += t->res[pick[i] * 2 + j];
	}
	g->b[1] = load + (ties ? 0.005 : 0.02) * unit(s);
	for (unsigned j = 0; j < 2; j++)
		g->res_b[j] = u[j] + (ties ? 0.5 : 0.1) * unit(s);
	if (!ties)
		return 0.05 + 0.1 * unit(s);
	/* every choice that fits and breaks no tie has the penalty of the first options */
	limit = g->b[1] + 0.001 * (1 + unit(s));
	for (unsigned i = 0; i < g->n_pods; i++)
		limit -= (double)t->opts[t->first[i]].m[1] * g->q[1];
	return limit;
}

/* A refinement that is sure each choice is worth its penalty. */
static int refine_same(void *arg, const unsigned *choice, double v, double limit, double *t)
{
	(void)arg;
	(void)choice;
	(void)limit;
	*t = v;
	return 0;
}

/* Meeting in the middle against the packing search on a larger problem. */
static void large(uint64_t seed, unsigned *found, unsigned *beyond, unsigned *capped)
{
	uint64_t s = seed;
	struct one_row t;
	struct hp_group g;
	unsigned best[20], far[20];
	double limit = one_row(&t, &s, false), got, want, got_short;
	struct hp_pack_limits lim = {.nodes = 1ul << 26};
	int r;

	g = t.g;
	r = hp_group_pack_min(&g, limit, -1, &lim, best, &want);
	CHECKF(r == 0, "large %llu: hp_group_pack_min %d", (unsigned long long)seed, r);
	/* in two threads after a first turn of 16 nodes: the same least */
	lim = (struct hp_pack_limits){.nodes = 1ul << 26, .turn = 16, .threads = 2};
	r = hp_group_pack_min(&g, limit, -1, &lim, best, &got);
	CHECKF(r == 0, "large %llu: hp_group_pack_min in two threads %d", (unsigned long long)seed,
	       r);
	packing_is("packing (two threads)", seed, &g, best, got, want, limit);
	lim = (struct hp_pack_limits){.nodes = 1ul << 26};
	lim.nodes = 1ul << 26;
	r = hp_group_meet_min(&g, limit, -1, &lim, best, &got);
	CHECKF(r == 0, "large %llu: hp_group_meet_min %d", (unsigned long long)seed, r);
	packing_is("meeting (large)", seed, &g, best, got, want, limit);
	*found += want < limit;
	/* a half held to 1024 changes (lim.entries): the same least, or nothing said */
	lim = (struct hp_pack_limits){.nodes = 1ul << 26, .entries = 1024};
	r = hp_group_meet_min(&g, limit, -1, &lim, best, &got);
	if (r == -E2BIG) {
		CHECKF(got == limit && !lim.whole, "large %llu: lists overflowed, %.12f",
		       (unsigned long long)seed, got);
		++*capped;
	} else {
		CHECKF(r == 0, "large %llu: 1024 changes a half, %d", (unsigned long long)seed, r);
		packing_is("meeting (1024 changes a half)", seed, &g, best, got, want, limit);
	}
	/* the same in two threads: listed, sorted and joined */
	lim = (struct hp_pack_limits){.nodes = 1ul << 26, .threads = 2, .two_from = 1};
	r = hp_group_meet_min(&g, limit, -1, &lim, best, &got);
	CHECKF(r == 0, "large %llu: hp_group_meet_min in two threads %d", (unsigned long long)seed,
	       r);
	packing_is("meeting (large, two threads)", seed, &g, best, got, want, limit);
	/* keeping the best two in two threads: each keeps its own, and they are merged */
	lim = (struct hp_pack_limits){
	    .nodes = 1ul << 26, .threads = 2, .two_from = 1, .refine = refine_same, .keep = 2};
	r = hp_group_meet_min(&g, limit, -1, &lim, NULL, &got);
	CHECKF(r == 0 && (want < limit ? close_to(got, want) : got == limit),
	       "large %llu: kept two in two threads %d: %.12f, the least %.12f",
	       (unsigned long long)seed, r, got, want);
	/*
	 * listing less than the limit: a choice worth what it says, never
	 * below the least (in two threads for odd seeds, as below)
	 */
	lim = (struct hp_pack_limits){
	    .nodes = 1ul << 26, .list = limit / 2, .threads = 1 + seed % 2, .two_from = 1};
	r = hp_group_meet_min(&g, limit, -1, &lim, best, &got);
	CHECKF(r == -E2BIG, "large %llu: meeting with a short list %d", (unsigned long long)seed,
	       r);
	if (got < limit) {
		double vg, vp;

		value(&g, best, &vg, &vp);
		CHECKF(close_to(vp, got) && got >= want - 1e-9,
		       "large %llu: short list's choice %.12f worth %.12f, the least %.12f",
		       (unsigned long long)seed, got, vp, want);
	} else {
		CHECKF(got == limit, "large %llu: short list %.12f", (unsigned long long)seed, got);
	}
	/*
	 * Below half the limit, joined below the limit too (beyond): where
	 * nothing is below half, what the short list found.
	 */
	got_short = got;
	lim = (struct hp_pack_limits){.nodes = 1ul << 26,
				      .threads = 1 + seed % 2,
				      .two_from = 1,
				      .beyond = limit,
				      .beyond_m = HUGE_VAL,
				      .beyond_best = far};
	r = hp_group_meet_min(&g, limit / 2, -1, &lim, best, &got);
	CHECKF(r == 0, "large %llu: meeting below half %d", (unsigned long long)seed, r);
	if (got < limit / 2) {
		CHECKF(lim.beyond_m == HUGE_VAL, "large %llu: joined beyond %.12f below half",
		       (unsigned long long)seed, lim.beyond_m);
		return;
	}
	++*beyond;
	CHECKF(close_to(lim.beyond_m, got_short), "large %llu: beyond %.12f, short list %.12f",
	       (unsigned long long)seed, lim.beyond_m, got_short);
	if (lim.beyond_m < limit) {
		double vg, vp;

		value(&g, far, &vg, &vp);
		CHECKF(close_to(vp, lim.beyond_m), "large %llu: beyond's choice %.12f worth %.12f",
		       (unsigned long long)seed, lim.beyond_m, vp);
	}
}

/* The same with ties: whether the least is below the limit. */
static bool ties(uint64_t seed)
{
	uint64_t s = seed;
	struct one_row t;
	unsigned best[20];
	double limit = one_row(&t, &s, true), got, want;
	struct hp_pack_limits lim = {.nodes = 1ul << 26};
	int r;

	r = hp_group_pack_min(&t.g, limit, -1, &lim, best, &want);
	CHECKF(r == 0, "ties %llu: hp_group_pack_min %d", (unsigned long long)seed, r);
	lim = (struct hp_pack_limits){.nodes = 1ul << 26, .threads = 1 + seed % 2, .two_from = 1};
	r = hp_group_meet_min(&t.g, limit, -1, &lim, best, &got);
	CHECKF(r == 0, "ties %llu: hp_group_meet_min %d", (unsigned long long)seed, r);
	packing_is("meeting (ties)", seed, &t.g, best, got, want, limit);
	return want < limit;
}

/*
 * Searches that go on from where the last stopped (hp_pack_resume): a
 * problem of 2-4 rows and 10-15 pods of 2-5 options, each loading one row
 * or none, in three of four problems most with crossing costs (both ways
 * of pack_run, racing in two threads) and in the others none (row by row
 * from the first pod, and in two threads shared out), with and without
 * the fill bound. Its least, and then below a limit a little above it,
 * searched once and in runs of 100-200 nodes, each below the least the
 * last found, as the solver does. Every run walks back to where the last
 * stopped, so the least comes out in a few runs more than the nodes of
 * one search take; from the root each time, searches of more nodes than a
 * run would never end. Returns how many runs it took; *held_runs counts
 * the searches of the same options with a pod held to one after a run
 * that kept a path.
 */
static unsigned resumed(uint64_t seed, unsigned *held_runs)
{
	uint64_t s = seed;
	struct hp_group g = { .n_rows = 2 + rnd(&s) % 3, .n_pods = 10 + rnd(&s) % 6, .n_res = 2 };
	unsigned first[15], n[15], best[15], runs = 0, threads = 1 + (seed / 2) % 2;
	struct hp_group_opt opts[15 * 5];
	double res[15 * 5 * 2], limit = 0.3 + unit(&s), want, got;
	bool crosses = rnd(&s) % 4;
	bool fill = seed % 2;
	struct hp_pack_limits lim = { .nodes = 1ul << 30, .fill = fill };
	struct hp_pack_resume rs = { 0 };
	unsigned long budget = 100 + seed % 100, nodes;
	int r;

	g.first = first;
	g.n = n;
	g.opts = opts;
	g.res = res;
	for (unsigned i = 0; i < g.n_pods; i++) {
		first[i] = g.n_opts;
		n[i] = 2 + rnd(&s) % 4;
		for (unsigned k = 0; k < n[i]; k++) {
			struct hp_group_opt *o = &opts[g.n_opts++];
			/* the row it loads, or none (the first: all fit) */
			unsigned on = k ? rnd(&s) % (g.n_rows + 1) : 0;

			memset(o, 0, sizeof(*o));
			o->loss = k == 0 ? 0 : o[-1].loss + (rnd(&s) % 2 ? 0 : 0.01 * unit(&s));
			for (unsigned q = 1; q <= g.n_rows; q++) {
				o->m[q] = q == on ? 1 + (long long)(rnd(&s) % 9) : 0;
				o->f[q] = crosses && on && rnd(&s) % 2 ? 0.02 * unit(&s) : 0;
			}
			for (unsigned j = 0; j < g.n_res; j++)
				res[(g.n_opts - 1) * g.n_res + j] = on ? 0.4 * unit(&s) : 0;
		}
	}
	for (unsigned q = 1; q <= g.n_rows; q++) {
		g.q[q] = 0.1;
		g.b[q] = 0.3 + 0.6 * unit(&s);
		g.tol[q] = 1e-7;
		g.y[q] = 0.2 + unit(&s);
	}
	for (unsigned j = 0; j < g.n_res; j++) {
		g.res_b[j] = 0.15 * g.n_pods;
		g.res_tol[j] = 1e-7;
		g.res_y[j] = j ? 0 : 0.05 * unit(&s);
		g.res_row[j] = 1 + j;
	}
	/* the least, and below a little above it: a search of many nodes */
	r = hp_group_pack_min(&g, HUGE_VAL, -1, &lim, best, &want);
	CHECKF(r == 0, "resumed %llu: the least, %d", (unsigned long long)seed, r);
	limit = want + 0.1 * limit;
	lim.nodes = 1ul << 30;
	r = hp_group_pack_min(&g, limit, -1, &lim, best, &want);
	CHECKF(r == 0, "resumed %llu: below %.12f, %d", (unsigned long long)seed, limit, r);
	nodes = (1ul << 30) - lim.nodes;
	do {
		lim = (struct hp_pack_limits){ .nodes = budget,
					       .fill = fill,
					       .turn = crosses ? budget / 4 : budget / 2,
					       .threads = threads,
					       .resume = &rs };
		r = hp_group_pack_min(&g, limit, -1, &lim, best, &got);
		if (got < limit) {
			packing_is("packing (resumed)", seed, &g, best, got, got, HUGE_VAL);
			limit = got;
		}
	} while (r == -E2BIG && ++runs < 4 * nodes / budget + 100);
	CHECKF(r == 0, "resumed %llu: %d after %u runs of %lu nodes (one search: %lu)",
	       (unsigned long long)seed, r, runs, budget, nodes);
	CHECKF(close_to(fmin(got, limit), want), "resumed %llu: %.12f, one search %.12f",
	       (unsigned long long)seed, fmin(got, limit), want);
	/*
	 * Where a short run kept a path: the same options with a pod held to
	 * its first (as the neighbourhood search's group) is another search,
	 * and goes on from no path of this one's.
	 */
	limit = want + 1e-6;
	for (unsigned i = 0; i < g.n_pods; i++) {
		unsigned held[15];
		double least;

		hp_pack_resume_free(&rs);
		g.n = n;
		lim =
		    (struct hp_pack_limits){ .nodes = 64, .fill = fill, .turn = 64, .resume = &rs };
		if (hp_group_pack_min(&g, limit, -1, &lim, best, &got) != -E2BIG || got < limit)
			break; /* nothing kept */
		memcpy(held, n, sizeof(held));
		held[i] = 1;
		g.n = held;
		lim = (struct hp_pack_limits){ .nodes = 1ul << 30, .fill = fill };
		CHECK(hp_group_pack_min(&g, limit, -1, &lim, best, &least) == 0);
		lim = (struct hp_pack_limits){ .nodes = 1ul << 30, .fill = fill, .resume = &rs };
		CHECK(hp_group_pack_min(&g, limit, -1, &lim, best, &got) == 0);
		CHECKF(close_to(got, least), "resumed %llu: pod %u held, %.12f, one search %.12f",
		       (unsigned long long)seed, i, got, least);
		(*held_runs)++;
	}
	g.n = n;
	hp_pack_resume_free(&rs);
	return runs;
}

/*
 * A pod whose first option does not fit and whose next loses more than the
 * short list: meeting in the middle must not say that nothing is below the
 * limit, only that it did not look (-E2BIG).
 */
static void short_list(void)
{
	unsigned first = 0, n = 2, best;
	struct hp_group_opt opts[2] = {{.loss = 0, .m = {0, 20}}, {.loss = 0.5, .m = {0, 10}}};
	struct hp_group g = {.n_rows = 1,
			     .b = {0, 1},
			     .q = {0, 0.1},
			     .tol = {0, 1e-7},
			     .y = {0, 1},
			     .n_pods = 1,
			     .first = &first,
			     .n = &n,
			     .opts = opts,
			     .n_opts = 2};
	struct hp_pack_limits lim = {.nodes = 1000};
	double got;
	int r = hp_group_meet_min(&g, 2, -1, &lim, &best, &got);

	CHECKF(r == 0 && close_to(got, 0.5) && best == 1, "meeting: %d %.12f (option %u)", r, got,
	       best);
	lim = (struct hp_pack_limits){.nodes = 1000, .list = 0.25};
	r = hp_group_meet_min(&g, 2, -1, &lim, &best, &got);
	CHECKF(r == -E2BIG, "meeting with a short list: %d %.12f, not -E2BIG", r, got);
}

int main(void)
{
	unsigned below = 0, met = 0, refines = 0, fulls = 0, beyond = 0, capped = 0;

	for (uint64_t seed = 1; seed <= 2000; seed++)
		one(seed, false, &below, &met, &refines, &fulls);
	printf("group: 2000 problems, %u searches with a choice below the limit, "
	       "%u met in the middle, %u choices refined, %u filling two kept\n",
	       below, met, refines, fulls);
	CHECK(below > 1000);
	CHECK(met > 1000);
	CHECK(refines > 1000);
	CHECK(fulls > 100);
	below = met = refines = fulls = 0;
	for (uint64_t seed = 2001; seed <= 4000; seed++)
		one(seed, true, &below, &met, &refines, &fulls);
	printf("group: 2000 problems with pods alike, %u searches with a choice below the limit\n",
	       below);
	CHECK(below > 1000);
	short_list();
	below = 0;
	for (uint64_t seed = 1; seed <= 200; seed++)
		large(seed, &below, &beyond, &capped);
	printf("group: 200 larger problems met in the middle, %u with a choice below the limit, "
	       "%u joined beyond half of it, %u overflowing 1024 changes a half\n",
	       below, beyond, capped);
	CHECK(below > 50 && beyond > 50 && capped > 20 && capped < 180);
	below = 0;
	for (uint64_t seed = 1; seed <= 200; seed++)
		below += ties(seed);
	printf(
	    "group: 200 problems with ties met in the middle, %u with a choice below the limit\n",
	    below);
	CHECK(below > 50);
	{
		unsigned long runs = 0, many = 0;
		unsigned held = 0;

		for (uint64_t seed = 1; seed <= 300; seed++) {
			unsigned n = resumed(seed, &held);

			runs += n;
			many += n >= 3;
		}
		printf("group: 300 packing searches in runs of 100-200 nodes, going on from "
		       "where they stopped: %lu runs, %lu searches of 3 runs or more; %u "
		       "with a pod held after a run that kept a path\n",
		       runs, many, held);
		CHECK(many > 50);
		CHECK(held > 500);
	}
	hp_group_meet_release();
	return check_done("test-plan-group");
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The group bound: what the integrality of the DPUs' millicore counts costs
 * the LP relaxation (Gomory's group relaxation, on the DPU CPU rows only).
 * bound.c builds one from the root LP's duals; group.c searches it, and
 * meet.c its packings by meeting in the middle.
 */
#ifndef HP_PLAN_GROUP_H
#define HP_PLAN_GROUP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"
#include "util/util.h"

/*
 * The clock the searches stop by, in CLOCK_MONOTONIC ms: hp_now_ms(), but
 * past every limit once hp_plan_interrupt has been called. What a step
 * took, and the time limit itself, are hp_now_ms()'s.
 */
#define HP_PLAN_INTERRUPTED_MS 1e15
extern atomic_int hp_plan_interrupted; /* lock-free: a handler on any thread sets it */
static inline double hp_plan_clock_ms(void)
{
	return hp_now_ms() + (atomic_load_explicit(&hp_plan_interrupted, memory_order_relaxed)
				  ? HP_PLAN_INTERRUPTED_MS
				  : 0);
}

/*
 * One choice of a pod: how far its LP reduced value is below the pod's best
 * (loss >= 0), and its load on each DPU CPU row: m whole grid steps plus f
 * (crossing costs), in the row's units.
 */
struct hp_group_opt {
	double loss;
	long long m[HP_PLAN_MAX_PUS];
	double f[HP_PLAN_MAX_PUS];
};

#define HP_GROUP_MAX_RES (2 * HP_PLAN_MAX_PUS)

struct hp_group {
	unsigned n_rows;	     /* DPU CPU rows, indexed 1..n_rows */
	double b[HP_PLAN_MAX_PUS];   /* capacity */
	double q[HP_PLAN_MAX_PUS];   /* grid step of the rest of the load (> 0) */
	double tol[HP_PLAN_MAX_PUS]; /* how far a placement may exceed b */
	double y[HP_PLAN_MAX_PUS];   /* the row's dual value (>= 0) */
	unsigned n_pods;
	unsigned *first, *n; /* each pod's options in opts[], by ascending loss */
	struct hp_group_opt *opts;
	unsigned n_opts;
	/*
	 * Other capacities (the DPUs' memory and link), for the packing search
	 * only: option k uses res[k * n_res + j] >= 0 of capacity j.
	 */
	unsigned n_res;
	double res_b[HP_GROUP_MAX_RES], res_tol[HP_GROUP_MAX_RES], res_y[HP_GROUP_MAX_RES];
	/*
	 * The row whose DPU capacity j belongs to (0: none): what the pods add
	 * to that row and what they use of j go together (pack_fill_bound).
	 */
	unsigned res_row[HP_GROUP_MAX_RES];
	const double *res;
};

/* Do two options put the same crossing costs on every row (to rounding)? */
bool hp_group_same_f(const struct hp_group *g, const struct hp_group_opt *a,
		     const struct hp_group_opt *b);

/* Do options a and b (into opts) load every row and capacity alike, to rounding? */
bool hp_group_same_load(const struct hp_group *g, unsigned a, unsigned b);

/*
 * Options by their loads (hp_group_same_load), to drop a pod's duplicates
 * in time linear in its options: compared pair by pair, a pod's 6561
 * options on eight DPUs took 0.1 s past the time limit. Hashed on what
 * hp_group_same_load compares exactly (grid steps, capacities used). With
 * f_only, by their crossing costs alone (hp_group_same_f), as the group
 * bound's search tells them apart: hashed on them to a nanocore, so two
 * equal to rounding across a step of it are taken for two (kept both, as
 * a pod's options that differ are).
 */
struct hp_load_set {
	const struct hp_group *g;
	unsigned mask, cap;
	unsigned *slot; /* option + 1; 0: empty */
	bool f_only;
};
int hp_load_set_init(struct hp_load_set *s, const struct hp_group *g, bool f_only);
void hp_load_set_free(struct hp_load_set *s);
/* Empty it, for up to n options. */
void hp_load_set_clear(struct hp_load_set *s, unsigned n);
/* Does it hold an option of k's loads? If not, k is added. */
bool hp_load_set_seen(struct hp_load_set *s, unsigned k);

/*
 * The least loss of a choice of one option per pod, plus for every row y
 * times its slack, which is at least what the grid leaves:
 *
 *   min  sum_i loss(k_i) + sum_r y_r rho_r,
 *   rho_r = ((b_r + tol_r - sum_i f_r(k_i)) mod q_r) - tol_r
 *
 * searched only below limit. Sets *ret to the minimum, or to limit when every
 * choice costs at least that, and returns 0; -E2BIG when more than *leaves
 * choices had to be looked at or the search reached stop_ms (CLOCK_MONOTONIC,
 * in ms; 0: none), -ENOMEM. *leaves is reduced by the choices it looked at.
 * best (n_pods entries, may be NULL) receives the index into opts[] chosen
 * for each pod.
 */
int hp_group_min(const struct hp_group *g, double limit, unsigned long *leaves, double stop_ms,
		 unsigned *best, double *ret);

/*
 * Where a packing search (hp_group_pack_min) that ran out of time or nodes
 * with nothing found below its limit had got to, each way it searches (pod
 * by pod, row by row; [0] is the one row by row from the first pod): the
 * child taken at each level of the path to the node it stopped at. The
 * next search below the same limit, of the same group and with the same
 * fill, goes on from there, where it would have searched again from the
 * root what it had searched. The same group: the same capacities, prices,
 * pods' options and losses, and the same arrays of the options' loads
 * (opts, res), whose contents are taken to be the same too: a caller that
 * changes them in place zeroes this. Zeroed, nothing is kept.
 *
 * A search goes on only where its walk down the path fits its budget:
 * several threads sharing one way's tree out (pack_run's, with no pod
 * crossing) keep no place of their own, and the next goes on from where
 * its first turn, alone, stopped.
 */
struct hp_pack_resume {
	uint64_t key;	   /* the group, limit and fill searched (0: nothing kept) */
	unsigned k0[2];	   /* each way's first pod row by row */
	unsigned n[2];	   /* ... its path's levels (0: from the root) */
	unsigned *path[2]; /* ... and the path */
	size_t cap;	   /* the levels each path has room for */
};
void hp_pack_resume_free(struct hp_pack_resume *r);

/* How far the packing search may go. */
struct hp_pack_limits {
	unsigned long nodes; /* the most nodes it may visit; reduced by those it did */
	double stop_ms;	     /* CLOCK_MONOTONIC time, in ms, at which it stops (0: none) */
	/*
	 * The packing search (hp_group_pack_min) only: past stop_ms, it goes
	 * on up to hard_ms where it has found something below limit (0: it
	 * stops at stop_ms all the same).
	 */
	double hard_ms;
	bool fill;	     /* also bound what filling each row costs (pack_fill_bound) */
	unsigned long turn;  /* nodes of the first turn each way (pack_run); 0: the default */
	/*
	 * Threads the packing search may run in (0, 1: the caller's alone);
	 * nodes counts them all. Meeting in the middle runs in two at most,
	 * where its lists hold two_from changes or more in all (0: 16 Ki).
	 */
	unsigned threads;
	size_t two_from;
	/* Meeting in the middle: the changes a half may list (0: HP_GROUP_MEET_ENTRIES). */
	size_t entries;
	/*
	 * Meeting in the middle: list only the changes that lose less than
	 * this (0: the limit). Below the limit, then, it finds a good choice,
	 * not the least: -E2BIG.
	 */
	double list;
	/*
	 * Meeting in the middle, when set: the choices are classes of
	 * placements, and refine tells what the best placement of one is
	 * worth. It gets the choice (one option per pod; the pods without
	 * options left as they are), its penalty v and a limit above it, and
	 * returns 0 with *t >= v, the least penalty of a placement of that
	 * class (or a bound of it that a placement reaches to within the
	 * caller's tolerance; *t >= limit: none below limit), or -E2BIG when
	 * it cannot tell. See hp_group_meet_min.
	 */
	int (*refine)(void *arg, const unsigned *choice, double v, double limit, double *t);
	void *arg;
	size_t keep; /* ... the best choices kept to refine (0: HP_GROUP_REFINE_KEEP) */
	bool full;   /* ... set when they filled it: choices above the most kept were not */
	bool whole;  /* meeting in the middle: set when it listed and joined to the end */
	/*
	 * Meeting in the middle, when above the limit (and best is given):
	 * where nothing is below the limit and a half listed beyond_from
	 * changes or more, the same lists are joined below beyond too, as with
	 * list set to the limit (the caller need not list them again when the
	 * next limit's lists overflow): the least they hold below it in beyond_m
	 * (beyond: none) and its choice in beyond_best; beyond_m is left as it
	 * was when they were not joined to the end.
	 */
	double beyond, beyond_m;
	size_t beyond_from;
	unsigned *beyond_best;
	/* The packing search: where to go on from, and kept for the next (NULL: the root). */
	struct hp_pack_resume *resume;
};

#define HP_GROUP_MEET_ENTRIES (3ul << 19) /* changes a half may list: 1.5 Mi */

/*
 * The same with the rows' slack exact instead of modulo the grid, and the
 * other capacities too: the least
 *
 *   sum_i loss(k_i) + sum_r y_r (b_r - q_r m_r - f_r) + sum_j res_y_j (res_b_j - u_j),
 *   q_r m_r + f_r <= b_r + tol_r,   u_j <= res_b_j + res_tol_j,
 *
 * a packing of the pods into the DPUs, searched depth first below limit and
 * pruned by what the remaining pods can still add to each row and use of
 * each other capacity; with several rows, also row by row (each DPU filled
 * in turn, those whose rows are unpriced but whose other capacities are
 * priced first). Meant for instances with few pods, where whole pods, not
 * millicores, leave the DPUs short. lower is a known lower bound
 * (hp_group_min's): reaching it ends the search. Returns
 * as hp_group_min, except that when lim runs out (nodes or time) it returns
 * -E2BIG with *ret and best set to the best choice found so far (*ret =
 * limit if none).
 */
int hp_group_pack_min(const struct hp_group *g, double limit, double lower,
		      struct hp_pack_limits *lim, unsigned *best, double *ret);

/*
 * The same least penalty as hp_group_pack_min, by meeting in the middle
 * (meet.c): every pod at its first option, the changes below the limit of
 * each half of the pods with others listed, and the two lists joined. For
 * many pods of which only a few change below the limit (one DPU short of
 * memory). lim->nodes bounds the changes listed and the pairs looked at;
 * -E2BIG also when a half lists too many (nothing found then) or no
 * capacity is priced. Returns as hp_group_pack_min.
 *
 * With lim->refine, the least of what refine returns instead: the best
 * choices below the limit (lim->keep, HP_GROUP_REFINE_KEEP if 0) are kept and refined
 * from the least, until the next is no less than the best refined. *ret
 * is then a lower bound of the least refined penalty below limit (limit:
 * none below it), the least itself when refine told it; best is not set.
 */
#define HP_GROUP_REFINE_KEEP 256 /* hp_pack_limits.keep's default */

int hp_group_meet_min(const struct hp_group *g, double limit, double lower,
		      struct hp_pack_limits *lim, unsigned *best, double *ret);
/*
 * Its lists are kept for the next search in the same thread (it is not
 * re-entrant: refine must not meet in the middle); this releases them.
 */
void hp_group_meet_release(void);

/*
 * Is a price y on a capacity b worth anything: more than a millionth of a
 * host core on all of it (not a degenerate dual of 1e-23 a byte)?
 */
static inline bool hp_group_priced(double y, double b)
{
	return y * b > 1e-6;
}

/*
 * In the searches' inner loops, where there is no NaN: fmin and fmax are
 * calls into libm there, 15% of the packing search and 10% of a join.
 */
static inline double max_d(double a, double b)
{
	return a > b ? a : b;
}

static inline double min_d(double a, double b)
{
	return a < b ? a : b;
}

/*
 * dst |= src << s, over n words, bits past n words dropped (from the last
 * word down, so dst may be src). The word-aligned and the first word's cases
 * apart, so that the loop has no branch (it was a fifth of the row-by-row
 * search's time with one).
 */
static inline void hp_bits_or_shift(uint64_t *dst, const uint64_t *src, size_t n, long long s)
{
	size_t w = (size_t)(s >> 6);
	unsigned b = (unsigned)(s & 63);

	if (w >= n)
		return;
	if (!b) {
		for (size_t i = n; i-- > w;)
			dst[i] |= src[i - w];
		return;
	}
	for (size_t i = n; i-- > w + 1;)
		dst[i] |= src[i - w] << b | src[i - w - 1] >> (64 - b);
	dst[w] |= src[0] << b;
}

/* Clear the bits past max, a sum that never fits, in the last of n words. */
static inline void hp_bits_clip(uint64_t *bits, size_t n, long long max)
{
	if ((max & 63) != 63)
		bits[n - 1] &= (2ull << (max & 63)) - 1;
}

/* The largest set bit at or below x, -1 if none. */
static inline long long hp_bits_max_le(const uint64_t *bits, size_t n, long long x)
{
	long long w;
	uint64_t v;

	if (x < 0)
		return -1;
	w = x >> 6;
	if ((size_t)w >= n) {
		w = (long long)n - 1;
		v = bits[w];
	} else {
		v = bits[w] & ((x & 63) == 63 ? ~0ull : (2ull << (x & 63)) - 1);
	}
	for (;;) {
		if (v)
			return w * 64 + 63 - __builtin_clzll(v);
		if (--w < 0)
			return -1;
		v = bits[w];
	}
}

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The group bound's and the packing bound's searches (group.h).
 *
 * Group bound: almost every pod's options below the limit put the same
 * crossing costs on the DPUs (usually none), so they add a constant; the few
 * pods whose options differ there are enumerated depth first, pruned by the
 * loss so far.
 *
 * Packing bound: pod by pod (pack_dfs) and row by row (rows_*), taking turns
 * (pack_run), in several threads when it is given them (pack_par).
 */
#include "plan/group.h"
#include "util/util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

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
	unsigned long leaves, max_leaves, nodes;
	double stop_ms;		     /* 0: no time limit */
	unsigned *cur, *best_choice; /* per varying pod: index into its opt[] */
	double floor_res;	     /* the least the rows can add: sum of -y tol */
};

/* Two crossing costs equal to rounding. */
static bool same_f(double a, double b)
{
	return fabs(a - b) <= 1e-12 * (1 + fabs(a));
}

bool hp_group_same_f(const struct hp_group *g, const struct hp_group_opt *a,
		     const struct hp_group_opt *b)
{
	for (unsigned r = 1; r <= g->n_rows; r++)
		if (!same_f(a->f[r], b->f[r]))
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
	/* (every 64 Ki nodes was 30 ms of four DPUs, 2000 containers: past the limit) */
	if (s->stop_ms && !(++s->nodes & 0xfff) && hp_plan_clock_ms() >= s->stop_ms)
		return -E2BIG;
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

int hp_group_min(const struct hp_group *g, double limit, unsigned long *leaves, double stop_ms,
		 unsigned *best, double *ret)
{
	_cleanup_free_ struct vpod *v = calloc(g->n_pods ? g->n_pods : 1, sizeof(*v));
	_cleanup_free_ unsigned *pool = calloc(g->n_opts ? g->n_opts : 1, sizeof(unsigned));
	_cleanup_free_ unsigned *cur = calloc(g->n_pods ? g->n_pods : 1, sizeof(unsigned));
	_cleanup_free_ unsigned *bc = calloc(g->n_pods ? g->n_pods : 1, sizeof(unsigned));
	double base[HP_PLAN_MAX_PUS] = {0}, base_loss = 0;
	struct search s = {.g = g,
			   .v = v,
			   .best = limit,
			   .max_leaves = *leaves,
			   .stop_ms = stop_ms,
			   .cur = cur,
			   .best_choice = bc};
	__attribute__((cleanup(hp_load_set_free))) struct hp_load_set seen = { 0 };
	size_t used = 0;
	int r;

	if (!v || !pool || !cur || !bc || hp_load_set_init(&seen, g, true) < 0)
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
		hp_load_set_clear(&seen, g->n[i]);
		for (unsigned k = g->first[i]; k < g->first[i] + g->n[i]; k++) {
			if (g->opts[k].loss >= limit)
				break;
			if (!hp_load_set_seen(&seen, k))
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
	*leaves -= s.leaves < *leaves ? s.leaves : *leaves;
	if (r < 0)
		return r;
	if (best && s.best < limit)
		for (unsigned j = 0; j < s.n_v; j++)
			best[v[j].pod] = v[j].opt[bc[j]];
	*ret = s.best;
	return 0;
}

/* ---- the packing bound ------------------------------------------------------- */

/* What an option adds to a row: grid steps and crossing costs. */
struct rsum {
	long long m;
	double f;
};

static inline unsigned max_u(unsigned a, unsigned b)
{
	return a > b ? a : b;
}

#define PACK_MAX_WORDS (4ul << 20) /* reachability tables: 32 MiB at most */
#define PACK_MAX_LOSS (2ul << 20)  /* least-loss and least-use tables: 16 MiB at most ... */
#define PACK_MAX_WORK (64ul << 20) /* ... and 64 Mi steps to fill them */
#define PACK_BLOCK 64		   /* sums per block of pack.bmin */
#define PACK_TURN (1ul << 12)	   /* the first turn's nodes, each way (pack_run) */
#define PACK_TALLY 1024		   /* nodes a thread counts before it adds them up (pack_par) */
#define PACK_GIVE_EVERY 16	   /* nodes between looks for a part to give */
#define PACK_GIFT_TRIES 8	   /* parts given before ... */
#define PACK_GIFT_NODES 256	   /* ... fewer nodes than this a part, on average, stop it, */
#define PACK_WALK_SHARE 2	   /* ... and so do walks to them taking half their time */

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
	bool crosses;	/* has an option with crossing costs, for the order */
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
	 * add to the row: the least of their loss less y_r times the crossing
	 * costs they add to it (pack_cost) they take to add it (NULL if too big).
	 */
	double *lmin;
	size_t loff[HP_PLAN_MAX_PUS], lstride;
	/*
	 * Per table and block of PACK_BLOCK sums of a row, the least in it of
	 * lmin(x) - y_r q_r x (at boff[r]) and of umin (at buoff[j]), HUGE_VAL
	 * where none is reachable: the fill bound passes over blocks where no
	 * sum can bring the row's cost below the best or fit its DPU's other
	 * capacities (NULL without lmin and umin).
	 */
	double *bmin;
	size_t boff[HP_PLAN_MAX_PUS], buoff[HP_GROUP_MAX_RES], bstride;
	/*
	 * Per table and capacity j tied to a row (res_row) that the pods could
	 * overfill, for each sum they can add to the row: the least of j they
	 * use to add it (NULL if none or too big).
	 */
	double *umin;
	size_t uoff[HP_GROUP_MAX_RES], ustride;
	bool utab[HP_GROUP_MAX_RES];
	double best, floor;
	double res_floor; /* the least the other capacities add: sum of -res_y res_tol */
	/*
	 * Per table, the most the remaining pods can use of each capacity
	 * (n_res entries): with what is used, a floor under its slack.
	 */
	double *umax;
	unsigned n_pr, pr[HP_GROUP_MAX_RES]; /* the capacities with a price (res_y > 0) */
	/*
	 * Row by row (pack_rows), from pod k0 on, where no option adds crossing
	 * costs: what each pod may still choose (its options left, in their
	 * order, after each of the rows it chose for: the last of its lists,
	 * of n_left[k] at lev[k]), its least loss and use of each capacity
	 * among those, the reachability tables of each level, and what the
	 * pods before k0 chose.
	 */
	unsigned k0;
	/*
	 * The rows filled before the others (a bit each): those whose CPU is
	 * free (y_r = 0) but whose DPU's memory or link is priced. Filled
	 * last, as the one with most room, nothing bounds them while the
	 * others are filled but what their pods could still use, and every
	 * exact fill of the others was tried against them: two DPUs short of
	 * memory, 200 containers, seed 15, 53 M nodes below a limit of 0.01
	 * that filling that DPU first searches in 3.
	 */
	unsigned first;
	unsigned *left, *n_left, *lev;
	double *plo, *puse; /* per pod: n_res least uses of its options left, then n_res most */
	uint64_t *rtab, *scratch;
	unsigned *act, n_act[HP_PLAN_MAX_PUS]; /* per level: the pods with a choice left */
	struct rsum *sums;		       /* per level and pod: its distinct loads */
	unsigned *cls;			       /* ... and which of them each option left adds */
	double *sf;	/* per level and suffix of act: least and most crossing costs */
	unsigned max_n; /* the most options of a pod */
	long long pre_m[HP_PLAN_MAX_PUS];
	double pre_f[HP_PLAN_MAX_PUS], pre_u[HP_GROUP_MAX_RES], pre_loss;
	unsigned long nodes, max_nodes, turn;
	double stop_ms; /* 0: no time limit */
	double hard_ms, limit; /* hp_pack_limits.hard_ms, and the limit it goes on below */
	unsigned *cur, *best_choice;
	/*
	 * twin[k]: pod k has the same options as pod k - 1 (losses, loads,
	 * other capacities, in the same order), so the two can trade
	 * placements without changing anything: k chooses no earlier option
	 * than k - 1, pod by pod, and no earlier load on a row where their
	 * options left are the same, row by row (rcls: each pod's load on the
	 * row being filled). Real manifests have many pods alike (42 of 100m
	 * and 300Mi in Train-Ticket).
	 */
	const bool *twin;
	unsigned *rcls;
	/*
	 * Where the search is: lvl choices made from the root, the one at
	 * each level at[] (its index among the node's cnt[] children). A
	 * node at a level up to task searches only its children from lo[] to
	 * below hi[]: the path to a part of the tree it was given (pack_par),
	 * which it walks again from the root. Deeper, all of them, but lo[]
	 * moves past those it gives to a thread with nothing to do
	 * (pack_give).
	 */
	unsigned lvl, task, *at, *cnt, *lo, *hi; /* cnt: 0 where the node may not give */
	/*
	 * Going on from where a search its way stopped (hp_pack_resume): a
	 * node at a level below on starts at its child on from[] (the path
	 * there, n_from levels), until the search leaves that path; halt is
	 * the level this search stopped at (UINT_MAX: not yet).
	 */
	struct hp_pack_resume *resume;
	const unsigned *from;
	unsigned n_from, on, halt;
	double walk_from, walked; /* when its walk to its part began (0: there), what it took */
	unsigned threads;
	struct pack_share *sh; /* NULL: alone */
	struct pack *helpers;  /* threads - 1 of them, their space kept between turns */
};

/* What the threads of one search share. */
struct pack_share {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	_Atomic double best; /* the least penalty found, written under lock with choice */
	unsigned *choice;
	atomic_uint idle;   /* threads waiting for a part of the tree */
	atomic_ulong nodes; /* visited, PACK_TALLY at a time, against budget */
	unsigned long budget;
	atomic_bool stop; /* one ran out of nodes or time, or reached the floor */
	unsigned threads;
	bool given, done;	      /* a part waits in task; every thread is idle */
	unsigned task, *path, lo, hi; /* the part: path to its level, its children */
	int ret;		      /* the first nonzero return */
	/*
	 * Parts given and the nodes their threads searched in them; of the
	 * last PACK_GIFT_TRIES searched, the time that took and what of it
	 * the walks to them took: where they are too small to be worth the
	 * walk, none are given any more (stingy). Walks that rebuild the rows'
	 * tables cost far more than their nodes say: two DPUs short of
	 * memory, 200 containers, seed 15, walked 0.13 ms to each part of
	 * ~400 nodes, and of 15 runs two gave 13,000 parts in 1.7 s, where
	 * others gave 50 in 0.3 s, ran out of time and lost the proof (proven
	 * in 0.56-1.47 s in the others). Stingy once walks take half the
	 * time of the last parts, 15 of 15 were proven, in 0.56-0.70 s.
	 */
	unsigned long gives, gift_nodes;
	unsigned recent;
	double gift_ms, walk_ms;
	atomic_bool stingy;
};

static inline long long floor_ll(double x)
{
	long long i = (long long)x;

	return i - (i > x);
}

/*
 * Into b, per block of PACK_BLOCK of the n + 1 entries l: the least of
 * l(x) - slope x (HUGE_VAL less a finite number stays HUGE_VAL).
 */
static void pack_block_min(const double *l, long long n, double slope, double *b)
{
	for (long long i = 0; i <= n / PACK_BLOCK; i++) {
		long long end = (i + 1) * PACK_BLOCK <= n ? (i + 1) * PACK_BLOCK : n + 1;
		double least = HUGE_VAL;

		for (long long x = i * PACK_BLOCK; x < end; x++)
			least = min_d(least, l[x] - slope * (double)x);
		b[i] = least;
	}
}

/* pack.bmin, from pack.lmin and pack.umin (either may be NULL). */
static double *pack_blocks(struct pack *s)
{
	const struct hp_group *g = s->g;
	double *tab;

	s->bstride = 0;
	for (unsigned q = 1; q <= g->n_rows && s->lmin; q++) {
		s->boff[q] = s->bstride;
		s->bstride += (size_t)s->cap[q] / PACK_BLOCK + 1;
	}
	for (unsigned j = 0; j < g->n_res && s->umin; j++)
		if (s->utab[j]) {
			s->buoff[j] = s->bstride;
			s->bstride += (size_t)s->cap[g->res_row[j]] / PACK_BLOCK + 1;
		}
	tab = malloc((size_t)(s->n_v + 1) * s->bstride * sizeof(double));
	for (unsigned k = 0; k <= s->n_v && tab; k++) {
		double *b = tab + (size_t)k * s->bstride;

		for (unsigned q = 1; q <= g->n_rows && s->lmin; q++)
			pack_block_min(s->lmin + (size_t)k * s->lstride + s->loff[q], s->cap[q],
				       g->y[q] * g->q[q], b + s->boff[q]);
		for (unsigned j = 0; j < g->n_res && s->umin; j++)
			if (s->utab[j])
				pack_block_min(s->umin + (size_t)k * s->ustride + s->uoff[j],
					       s->cap[g->res_row[j]], 0, b + s->buoff[j]);
	}
	return tab;
}

/*
 * Is x's block of row r ruled out: can no sum in it bring the row's cost
 * below t (a0 as in pack_fill_bound), or does every sum in it take more of
 * one of the DPU's other capacities than is left (u: what is used)?
 */
static bool pack_block_out(const struct pack *s, unsigned k, unsigned r, long long x, double a0,
			   double t, const double *u)
{
	const struct hp_group *g = s->g;
	const double *b = s->bmin + (size_t)k * s->bstride;
	long long i = x / PACK_BLOCK;

	/* lmin(x) + y max(-tol, a0 - q x) >= lmin(x) - y q x + y a0 */
	if (s->lmin && b[s->boff[r] + i] + g->y[r] * a0 - t > 1e-12 * (1 + fabs(t)))
		return true;
	for (unsigned j = 0; j < g->n_res && s->umin; j++)
		if (s->utab[j] && g->res_row[j] == r &&
		    b[s->buoff[j] + i] + u[j] > g->res_b[j] + g->res_tol[j])
			return true;
	return false;
}

/* Can the remaining pods add x to row r within what is left of its capacities (umin)? */
static bool pack_fill_fits(const struct pack *s, unsigned k, unsigned r, long long x,
			   const double *u)
{
	const struct hp_group *g = s->g;

	for (unsigned j = 0; j < g->n_res; j++)
		if (s->utab[j] && g->res_row[j] == r &&
		    s->umin[(size_t)k * s->ustride + s->uoff[j] + (size_t)x] + u[j] >
			g->res_b[j] + g->res_tol[j])
			return false;
	return true;
}

/*
 * What filling a row costs: if the remaining pods add x grid steps to row r,
 * it ends with at least the penalty y_r max(-tol_r, a_r - q_r x) (a_r: with
 * their largest crossing costs), and their loss and the row's penalty
 * together are at least lmin(x) + y_r max(-tol_r, a0_r - q_r x) (a0_r:
 * without their crossing costs, which lmin counts with the choices that
 * add them); they use at least umin(x) of its DPU's other capacities. The
 * other rows end with at least what the largest sums (add) leave; base is
 * the loss so far with the least the other capacities add (res_pen). False
 * when, for some row, no x that fits gets the total below the best.
 */
static bool pack_fill_bound(const struct pack *s, unsigned k, double base, const double *a,
			    const long long *add, const double *u)
{
	const struct hp_group *g = s->g;
	double pen[HP_PLAN_MAX_PUS], sum = 0;

	for (unsigned r = 1; r <= g->n_rows; r++) {
		pen[r] = g->y[r] * max_d(-g->tol[r], a[r] - (double)add[r] * g->q[r]);
		sum += pen[r];
	}
	for (unsigned r = 1; r <= g->n_rows; r++) {
		const double *l = s->lmin ? s->lmin + (size_t)k * s->lstride + s->loff[r] : NULL;
		const uint64_t *reach = s->reach + (size_t)k * s->stride + s->off[r];
		double t = s->best - base - (sum - pen[r]);
		double a0 = a[r] + s->fmax[k * HP_PLAN_MAX_PUS + r];
		bool ok = false;

		if (g->y[r] <= 0)
			continue;
		/*
		 * Only the sums the pods reach (add[r] is one): the others have
		 * no loss or use in the tables, and stepping through them one by
		 * one was most of the search where its limit is cores wide
		 * (three DPUs short of memory, 50 containers).
		 */
		for (long long x = add[r]; x >= 0 && !ok;
		     x = hp_bits_max_le(reach, s->words[r], x - 1)) {
			double p = g->y[r] * max_d(-g->tol[r], a[r] - (double)x * g->q[r]);

			if (p >= t)
				break; /* less fill only leaves more slack */
			if (s->bmin && pack_block_out(s, k, r, x, a0, t, u)) {
				x -= x % PACK_BLOCK; /* none in its block: on below it */
				continue;
			}
			if (l)
				p = max_d(p, l[x] + g->y[r] * max_d(-g->tol[r],
								    a0 - (double)x * g->q[r]));
			ok = p < t && (!s->umin || pack_fill_fits(s, k, r, x, u));
		}
		if (!ok)
			return false;
	}
	return true;
}

/*
 * What an option costs in a least-cost table for row q: its loss less what
 * its crossing costs fill of the row (res < 0), or its use of res.
 */
static double pack_cost(const struct pack *s, const struct popt *o, unsigned q, int res)
{
	if (res < 0)
		return o->loss - s->g->y[q] * o->o->f[q];
	return s->g->res[(size_t)o->idx * s->g->n_res + (unsigned)res];
}

/*
 * The loads m, f, u plus option o's, into nm, nf, nu; false when a capacity
 * other than the rows overflows (what is used only grows).
 */
static bool pack_add(const struct pack *s, const struct popt *o, const long long *m,
		     const double *f, const double *u, long long *nm, double *nf, double *nu)
{
	const struct hp_group *g = s->g;
	const double *ou = g->n_res ? g->res + (size_t)o->idx * g->n_res : NULL;
	bool fits = true;

	for (unsigned q = 1; q <= g->n_rows; q++) {
		nm[q] = m[q] + o->o->m[q];
		nf[q] = f[q] + o->o->f[q];
	}
	for (unsigned q = 0; q < g->n_res; q++) {
		nu[q] = u[q] + ou[q];
		fits &= nu[q] <= g->res_b[q] + g->res_tol[q];
	}
	return fits;
}

/* Every pod has chosen: the penalty, exact. */
static void pack_leaf(struct pack *s, double loss, const long long *m, const double *f,
		      const double *u)
{
	const struct hp_group *g = s->g;
	double v = loss;

	for (unsigned r = 1; r <= g->n_rows; r++) {
		double load = (double)m[r] * g->q[r] + f[r];

		if (load > g->b[r] + g->tol[r])
			return;
		v += g->y[r] * (g->b[r] - load);
	}
	for (unsigned j = 0; j < g->n_res; j++)
		v += g->res_y[j] * (g->res_b[j] - u[j]);
	if (v >= s->best)
		return;
	s->best = v;
	if (!s->sh) {
		memcpy(s->best_choice, s->cur, s->n_v * sizeof(unsigned));
		return;
	}
	pthread_mutex_lock(&s->sh->lock);
	if (v < atomic_load(&s->sh->best)) {
		memcpy(s->sh->choice, s->cur, s->n_v * sizeof(unsigned));
		atomic_store(&s->sh->best, v);
	}
	pthread_mutex_unlock(&s->sh->lock);
}

/*
 * Is it past the time limit? Checked also while the tables are built: those
 * of the surrogate's row (two DPUs short of memory, 1000 containers, 279
 * pods with a choice, 24 MiB) took up to 30 ms, ending past the limit.
 */
static bool pack_late(const struct pack *s)
{
	double now, best = s->best;

	if (!s->stop_ms || (now = hp_plan_clock_ms()) < s->stop_ms)
		return false;
	if (s->sh)
		best = min_d(best, atomic_load_explicit(&s->sh->best, memory_order_relaxed));
	return now >= s->hard_ms || best >= s->limit;
}

static void pack_give(struct pack *s);

/* Out of nodes or time at the node it is at: that is where the next goes on. */
static int pack_halt(struct pack *s)
{
	if (s->halt == UINT_MAX)
		s->halt = s->lvl;
	return -E2BIG;
}

/*
 * One more node: 1 when nothing can be better, -E2BIG when out of nodes or
 * time (or another thread is). With other threads, it prunes against what
 * they found too, and looks now and then for one with nothing to do.
 */
static int pack_count(struct pack *s)
{
	if (s->sh) {
		s->best = min_d(s->best, atomic_load_explicit(&s->sh->best, memory_order_relaxed));
		if (!(s->nodes % PACK_GIVE_EVERY) &&
		    atomic_load_explicit(&s->sh->idle, memory_order_relaxed) &&
		    !atomic_load_explicit(&s->sh->stingy, memory_order_relaxed))
			pack_give(s);
	}
	if (s->best <= s->floor)
		return 1; /* nothing can be better */
	if (++s->nodes > s->max_nodes)
		return pack_halt(s);
	if (!(s->nodes % PACK_TALLY) && s->sh &&
	    (atomic_fetch_add_explicit(&s->sh->nodes, PACK_TALLY, memory_order_relaxed) >=
		 s->sh->budget ||
	     atomic_load_explicit(&s->sh->stop, memory_order_relaxed)))
		return pack_halt(s);
	if (!(s->nodes & 0xfff) && pack_late(s))
		return pack_halt(s);
	return 0;
}

/*
 * A node's children, n of them: the first this thread searches (its level's
 * lo; below the level of its part of the tree, the first of all). The loop
 * goes on from lo[] if that is further (pack_next) and stops below hi[],
 * both read again each time: pack_give moves lo[] past what it gives, from
 * nodes that may give: those of the first row and of the last. Those of the
 * rows between may not: walking to them again from the root rebuilds the
 * later rows' tables on the way, and with the small parts they have left
 * that was most of the other thread's time (four DPUs, 50 containers: 610
 * parts in 75 ms where 16 Ki nodes of the search pod by pod took 2). Below
 * the last row's nodes there is no row left to build, and the first row's
 * parts can be all but empty: two DPUs short of memory, 200 containers,
 * seed 15, gave 64 nodes of the first row away and searched 8.4 M in one
 * thread (1.12-1.56 s, three runs); giving from the last row too, 4.3-5.6
 * M of 9.5-10.0 M went to the other (0.68-1.15 s).
 */
static unsigned pack_children(struct pack *s, unsigned n, bool give)
{
	unsigned l = s->lvl;

	s->cnt[l] = give ? n : 0;
	if (s->walk_from && l >= s->task) {
		s->walked = hp_now_ms() - s->walk_from;
		s->walk_from = 0;
	}
	if (l > s->task) {
		s->lo[l] = 0;
		s->hi[l] = UINT_MAX;
	}
	if (l < s->on && s->from[l] > s->lo[l])
		s->lo[l] = s->from[l]; /* those before were searched */
	return s->lo[l];
}

/*
 * Into child c of the node at level l (out again: s->lvl = l). Off the path
 * it went on from, the nodes below start at their first child.
 */
static inline void pack_down(struct pack *s, unsigned l, unsigned c)
{
	s->at[l] = c;
	s->lvl = l + 1;
	if (l + 1 < s->on && c != s->from[l])
		s->on = l + 1;
}

/* The child after c at level l that is still this thread's to search. */
static inline unsigned pack_next(const struct pack *s, unsigned l, unsigned c)
{
	return c + 1 > s->lo[l] ? c + 1 : s->lo[l];
}

/* ---- row by row -------------------------------------------------------------- */

/*
 * From pod k0 on, the search fills the DPUs one after another (bin
 * completion): every pod chooses what it adds to one row (grid steps and
 * crossing costs), which narrows its options, and only when the row is
 * decided does the next start, with reachability tables of what the pods
 * have left. The per-pod search checks each row on its own against every pod
 * still undecided; when each row can be filled but not all of them together,
 * it cannot see that before the last pods, and row by row it is seen where
 * the rows meet: on seed 11 of the benchmark's 100 containers with three
 * DPUs, 26 nodes instead of 1.39 G.
 */

static uint64_t *rows_tab(const struct pack *s, unsigned depth, unsigned k)
{
	return s->rtab + ((size_t)depth * (s->n_v + 1) + k) * s->stride;
}

/* Pod k's options left after l of its rows were chosen: *n of them, in their order. */
static unsigned *row_left(const struct pack *s, unsigned k, unsigned l, unsigned **n)
{
	size_t at = (size_t)k * (s->g->n_rows + 1) + l;

	*n = s->n_left + at;
	return s->left + at * s->max_n;
}

/* The most grid steps row r takes with crossing costs of at least flo and m steps. */
static long long row_room(const struct pack *s, unsigned r, long long m, double flo)
{
	const struct hp_group *g = s->g;

	return floor_ll((g->b[r] + g->tol[r] - flo) / g->q[r]) - m;
}

/* Row r's least penalty with m grid steps and crossing costs of at most fhi. */
static double row_pen(const struct pack *s, unsigned r, long long m, double fhi)
{
	const struct hp_group *g = s->g;

	return g->y[r] * max_d(-g->tol[r], g->b[r] - (double)m * g->q[r] - fhi);
}

/*
 * The least the other capacities add when at most u_j + more_j of each is
 * used (more may be NULL): res_y_j times the slack left, no less than
 * -res_tol_j. Where memory binds, its slack is most of a packing's penalty,
 * and counting it only at the leaves left the search blind to it: on two
 * DPUs short of memory, 100 containers, seed 4, the packing search (both
 * ways racing) proved the optimum in 26.5 M nodes without this, 9.2 M with
 * it.
 */
static double res_pen(const struct pack *s, const double *u, const double *more)
{
	const struct hp_group *g = s->g;
	double v = 0;

	for (unsigned i = 0; i < s->n_pr; i++) {
		unsigned j = s->pr[i];

		v += g->res_y[j] * max_d(-g->res_tol[j], g->res_b[j] - u[j] - (more ? more[j] : 0));
	}
	return v;
}

/* Every row is decided: the pods choose among the options left, exactly. */
static int rows_finish(struct pack *s, unsigned k, double loss, const long long *m, const double *f,
		       const double *u)
{
	int ret;

	if ((ret = pack_count(s)))
		return ret;
	if (loss + s->res_floor >= s->best)
		return 0;
	if (k == s->n_v) {
		pack_leaf(s, loss, m, f, u);
		return 0;
	}
	unsigned *n_left, *left = row_left(s, k, s->lev[k], &n_left), lvl = s->lvl;

	for (unsigned i = pack_children(s, *n_left, false); i < *n_left && i < s->hi[lvl];
	     i = pack_next(s, lvl, i)) {
		unsigned j = left[i];
		const struct popt *o = &s->v[k].opt[j];
		long long nm[HP_PLAN_MAX_PUS];
		double nf[HP_PLAN_MAX_PUS], nu[HP_GROUP_MAX_RES];

		if (loss + o->loss >= s->best)
			break;
		if (!pack_add(s, o, m, f, u, nm, nf, nu))
			continue;
		s->cur[k] = j;
		pack_down(s, lvl, i);
		ret = rows_finish(s, k + 1, loss + o->loss, nm, nf, nu);
		s->lvl = lvl;
		if (ret)
			return ret;
	}
	return 0;
}

static int rows_next(struct pack *s, unsigned depth, unsigned todo, double loss, const long long *m,
		     const double *f, const double *u, double done);

/*
 * The distinct loads (grid steps, crossing costs) pod k's options left add
 * to row r, in their order (by ascending loss), into d; returns how many.
 * With cls, cls[i] is which of them the i-th option left adds.
 */
static unsigned rows_sums(const struct pack *s, unsigned k, unsigned r, struct rsum *d,
			  unsigned *cls)
{
	const struct ppod *p = &s->v[k];
	unsigned n = 0, *n_left, *left = row_left(s, k, s->lev[k], &n_left);

	for (unsigned i = 0; i < *n_left; i++) {
		const struct hp_group_opt *o = p->opt[left[i]].o;
		unsigned t = 0;

		while (t < n && !(d[t].m == o->m[r] && same_f(d[t].f, o->f[r])))
			t++;
		if (t == n)
			d[n++] = (struct rsum){.m = o->m[r], .f = o->f[r]};
		if (cls)
			cls[i] = t;
	}
	return n;
}

/*
 * The first load the j-th pod with a choice at level depth may add to its
 * row: the one the pod before it chose, where that is its twin with the
 * same options left (and so the same loads, in the same order), else 0.
 */
static unsigned rows_twin_from(const struct pack *s, unsigned depth, unsigned j)
{
	unsigned i = s->act[depth * s->n_v + j], *na, *nb, *a, *b;

	if (!j || !s->twin[i] || s->act[depth * s->n_v + j - 1] != i - 1)
		return 0;
	a = row_left(s, i - 1, s->lev[i - 1] - 1, &na); /* before its choice on this row */
	b = row_left(s, i, s->lev[i], &nb);
	if (*na != *nb || memcmp(a, b, *na * sizeof(unsigned)))
		return 0;
	return s->rcls[i - 1];
}

/*
 * Fill row r at level depth: the j-th pod that still has a choice for it
 * chooses what it adds. m and f are what the rows have so far, loss and u
 * the least the pods' remaining options can lose and use (from
 * u + HP_GROUP_MAX_RES, the most they can use), done the penalty of the rows
 * already decided, later the least of the rows still to come.
 */
static int rows_fill(struct pack *s, unsigned depth, unsigned r, unsigned todo, unsigned j,
		     double loss, const long long *m, const double *f, const double *u, double done,
		     double later)
{
	const struct hp_group *g = s->g;
	const double *sf = s->sf + (size_t)depth * 2 * (s->n_v + 1);
	double flo = f[r] + sf[2 * j], fhi = f[r] + sf[2 * j + 1];
	long long x = hp_bits_max_le(rows_tab(s, depth, j), s->words[r], row_room(s, r, m[r], flo));
	struct rsum *d;
	unsigned i, n, *n_from, *from, *n_to, *to, *cls, lvl;
	int ret;

	if ((ret = pack_count(s)))
		return ret;
	if (x < 0 || loss + res_pen(s, u + HP_GROUP_MAX_RES, NULL) + done + later +
			     row_pen(s, r, m[r] + x, fhi) >=
			 s->best)
		return 0;
	if (j == s->n_act[depth])
		return rows_next(s, depth + 1, todo, loss, m, f, u,
				 done + row_pen(s, r, m[r], f[r]));
	i = s->act[depth * s->n_v + j];
	d = s->sums + ((size_t)depth * (s->n_v + 1) + j) * s->max_n;
	cls = s->cls + ((size_t)depth * (s->n_v + 1) + j) * s->max_n;
	n = rows_sums(s, i, r, d, cls);
	from = row_left(s, i, s->lev[i], &n_from);
	to = row_left(s, i, s->lev[i] + 1, &n_to);
	lvl = s->lvl;
	for (unsigned c = max_u(pack_children(s, n, !depth || !todo), rows_twin_from(s, depth, j));
	     c < n && c < s->hi[lvl] && !ret; c = pack_next(s, lvl, c)) {
		const struct ppod *p = &s->v[i];
		double lo = HUGE_VAL, umin[HP_GROUP_MAX_RES], umax[HP_GROUP_MAX_RES];
		double nu[2 * HP_GROUP_MAX_RES];
		double *plo = &s->plo[i], *pu = s->puse + (size_t)i * 2 * g->n_res;
		bool fits = true;

		for (unsigned q = 0; q < g->n_res; q++) {
			umin[q] = HUGE_VAL;
			umax[q] = 0; /* priced ones only (res_pen's) */
		}
		/* keep only the options that load the row with d[c] */
		*n_to = 0;
		for (unsigned w = 0; w < *n_from; w++) {
			const struct popt *o = &p->opt[from[w]];

			if (cls[w] != c)
				continue;
			to[(*n_to)++] = from[w];
			lo = min_d(lo, o->loss);
			for (unsigned q = 0; q < g->n_res; q++)
				umin[q] = min_d(umin[q], pack_cost(s, o, r, (int)q));
			for (unsigned t = 0; t < s->n_pr; t++)
				umax[s->pr[t]] =
				    max_d(umax[s->pr[t]], pack_cost(s, o, r, (int)s->pr[t]));
		}
		for (unsigned q = 0; q < g->n_res; q++) {
			nu[q] = u[q] - pu[q] + umin[q];
			nu[HP_GROUP_MAX_RES + q] =
			    u[HP_GROUP_MAX_RES + q] - pu[g->n_res + q] + umax[q];
			fits &= nu[q] <= g->res_b[q] + g->res_tol[q];
		}
		if (fits) {
			double old_lo = *plo, old_u[2 * HP_GROUP_MAX_RES], nf[HP_PLAN_MAX_PUS];
			long long nm[HP_PLAN_MAX_PUS];

			memcpy(nm, m, sizeof(nm));
			memcpy(nf, f, sizeof(nf));
			nm[r] += d[c].m;
			nf[r] += d[c].f;
			memcpy(old_u, pu, 2 * g->n_res * sizeof(double));
			*plo = lo;
			memcpy(pu, umin, g->n_res * sizeof(double));
			memcpy(pu + g->n_res, umax, g->n_res * sizeof(double));
			s->rcls[i] = c;
			s->lev[i]++;
			pack_down(s, lvl, c);
			ret = rows_fill(s, depth, r, todo, j + 1, loss - old_lo + lo, nm, nf, nu,
					done, later);
			s->lvl = lvl;
			s->lev[i]--;
			*plo = old_lo;
			memcpy(pu, old_u, 2 * g->n_res * sizeof(double));
		}
	}
	return ret;
}

/*
 * What the pods from k0 on can still add to row r: those left one way add
 * *bm steps and *bf crossing costs, the others a sum in the bitset
 * returned and crossing costs between *flo and *fhi. With into (level
 * depth), the others are listed in act and every suffix of them gets its
 * table and crossing cost range; without, only the whole set, in scratch.
 */
static const uint64_t *rows_reach(struct pack *s, unsigned r, unsigned depth, bool into,
				  long long *bm, double *bf, double *flo, double *fhi)
{
	/* the last level's space is scratch */
	unsigned level = into ? depth : s->g->n_rows, *act = s->act + level * s->n_v, na = 0;
	struct rsum *d = s->sums + (size_t)s->g->n_rows * (s->n_v + 1) * s->max_n;
	double *sf = s->sf + (size_t)level * 2 * (s->n_v + 1);
	uint64_t *cur = s->scratch, *next = s->scratch + s->stride;
	size_t w = s->words[r];

	*bm = 0;
	*bf = 0;
	for (unsigned k = s->k0; k < s->n_v; k++) {
		if (rows_sums(s, k, r, d, NULL) == 1) {
			*bm += d[0].m;
			*bf += d[0].f;
		} else {
			act[na++] = k;
		}
	}
	if (into) {
		s->n_act[depth] = na;
		next = rows_tab(s, depth, na);
	}
	memset(next, 0, w * sizeof(uint64_t));
	next[0] = 1;
	sf[2 * na] = sf[2 * na + 1] = 0;
	/*
	 * top: the largest sum next can hold; the words above it are 0, and the
	 * shifts need not read them (half the row-by-row search's time was
	 * these shifts, over the whole row every time).
	 */
	for (long long top = 0; na-- > 0;) {
		unsigned j = na, n = rows_sums(s, act[j], r, d, NULL);
		double lo = HUGE_VAL, hi = -HUGE_VAL;
		long long most = 0; /* the pod's largest sum that fits */

		if (into)
			cur = rows_tab(s, depth, j);
		memset(cur, 0, w * sizeof(uint64_t));
		for (unsigned c = 0; c < n; c++) {
			if (d[c].m <= s->cap[r]) {
				size_t used = (size_t)((top + d[c].m) / 64) + 1;

				hp_bits_or_shift(cur, next, used < w ? used : w, d[c].m);
				most = d[c].m > most ? d[c].m : most;
			}
			lo = min_d(lo, d[c].f);
			hi = max_d(hi, d[c].f);
		}
		top = top + most < s->cap[r] ? top + most : s->cap[r];
		hp_bits_clip(cur, w, s->cap[r]);
		sf[2 * j] = sf[2 * j + 2] + lo;
		sf[2 * j + 1] = sf[2 * j + 3] + hi;
		if (into) {
			next = cur;
		} else {
			uint64_t *t = cur;

			cur = next;
			next = t;
		}
	}
	*flo = sf[0];
	*fhi = sf[1];
	return next;
}

/*
 * Level depth: the rows in todo are still open. Bound them all by what the
 * pods can still add to each, and fill the one with least room.
 */
static int rows_next(struct pack *s, unsigned depth, unsigned todo, double loss, const long long *m,
		     const double *f, const double *u, double done)
{
	const struct hp_group *g = s->g;
	long long least = LLONG_MAX, nm[HP_PLAN_MAX_PUS];
	double pen = 0, sum = 0, nf[HP_PLAN_MAX_PUS];
	unsigned pick = 0, from = todo & s->first ? todo & s->first : todo; /* pack.first */

	if (!todo) {
		/* the exact tallies again, from what the pods before k0 chose */
		return rows_finish(s, s->k0, s->pre_loss, s->pre_m, s->pre_f, s->pre_u);
	}
	/*
	 * The bitsets of every open row are built again below, far more work
	 * than a node: counted as one (pack_count looks at the clock every
	 * 4096), the search ran up to 6.5 ms past its stop (two DPUs short of
	 * memory, 200 containers, seed 19, ending at 2.004 s).
	 */
	if (pack_late(s))
		return pack_halt(s);
	for (unsigned r = 1; r <= g->n_rows; r++)
		if ((from & (1u << r)) && row_room(s, r, m[r], f[r]) < least) {
			least = row_room(s, r, m[r], f[r]);
			pick = r;
		}
	memcpy(nm, m, sizeof(nm));
	memcpy(nf, f, sizeof(nf));
	for (unsigned r = 1; r <= g->n_rows; r++) {
		const uint64_t *reach;
		long long bm, x;
		double bf, flo, fhi, p;

		if (!(todo & (1u << r)))
			continue;
		reach = rows_reach(s, r, depth, r == pick, &bm, &bf, &flo, &fhi);
		x = hp_bits_max_le(reach, s->words[r], row_room(s, r, m[r] + bm, f[r] + bf + flo));
		if (x < 0)
			return 0;
		p = row_pen(s, r, m[r] + bm + x, f[r] + bf + fhi);
		sum += p;
		if (r == pick) {
			pen = p;
			nm[r] += bm;
			nf[r] += bf;
		}
		if (loss + res_pen(s, u + HP_GROUP_MAX_RES, NULL) + done + sum >= s->best)
			return 0;
	}
	return rows_fill(s, depth, pick, todo & ~(1u << pick), 0, loss, nm, nf, u, done, sum - pen);
}

/* Pods from k0 on, row by row; m, f, u, loss: what the pods before chose. */
static int pack_rows(struct pack *s, double loss, const long long *m, const double *f,
		     const double *u)
{
	const struct hp_group *g = s->g;
	double uu[2 * HP_GROUP_MAX_RES];
	unsigned todo = 0;

	memcpy(s->pre_m, m, sizeof(s->pre_m));
	memcpy(s->pre_f, f, sizeof(s->pre_f));
	memcpy(s->pre_u, u, g->n_res * sizeof(double));
	s->pre_loss = loss;
	memcpy(uu, u, g->n_res * sizeof(double));
	memcpy(uu + HP_GROUP_MAX_RES, u, g->n_res * sizeof(double));
	for (unsigned k = s->k0; k < s->n_v; k++) {
		const struct ppod *p = &s->v[k];
		double *pu = s->puse + (size_t)k * 2 * g->n_res;

		s->plo[k] = p->opt[0].loss; /* by ascending loss */
		loss += s->plo[k];
		for (unsigned q = 0; q < g->n_res; q++) {
			double lo = HUGE_VAL, hi = -HUGE_VAL;

			for (unsigned j = 0; j < p->n; j++) {
				lo = min_d(lo, pack_cost(s, &p->opt[j], 1, (int)q));
				hi = max_d(hi, pack_cost(s, &p->opt[j], 1, (int)q));
			}
			pu[q] = lo;
			pu[g->n_res + q] = hi;
			uu[q] += lo;
			uu[HP_GROUP_MAX_RES + q] += hi;
		}
	}
	for (unsigned r = 1; r <= g->n_rows; r++)
		todo |= 1u << r;
	return rows_next(s, 0, todo, loss, m, f, uu, 0);
}

static int pack_dfs(struct pack *s, unsigned k, double loss, const long long *m, const double *f,
		    const double *u)
{
	const struct hp_group *g = s->g;
	const uint64_t *tab = s->reach + (size_t)k * s->stride;
	double rp = res_pen(s, u, s->umax + (size_t)k * g->n_res), lb = loss + rp;
	unsigned lvl;
	int ret;

	if ((ret = pack_count(s)))
		return ret;
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
			long long add_r = hp_bits_max_le(tab + s->off[r], s->words[r],
							 row_room(s, r, m[r], f[r] + lo));

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
		if (lb < s->best && (s->lmin || s->umin) &&
		    !pack_fill_bound(s, k, loss + rp, a, add, u))
			return 0;
	}
	if (lb >= s->best)
		return 0;
	if (k == s->n_v) {
		pack_leaf(s, loss, m, f, u);
		return 0;
	}
	if (k == s->k0 && s->rtab)
		return pack_rows(s, loss, m, f, u);
	lvl = s->lvl;
	for (unsigned j = max_u(pack_children(s, s->v[k].n, true), s->twin[k] ? s->cur[k - 1] : 0);
	     j < s->v[k].n && j < s->hi[lvl]; j = pack_next(s, lvl, j)) {
		const struct popt *o = &s->v[k].opt[j];
		long long nm[HP_PLAN_MAX_PUS];
		double nf[HP_PLAN_MAX_PUS], nu[HP_GROUP_MAX_RES];

		if (loss + o->loss >= s->best)
			break; /* by ascending loss */
		if (!pack_add(s, o, m, f, u, nm, nf, nu))
			continue;
		s->cur[k] = j;
		pack_down(s, lvl, j);
		ret = pack_dfs(s, k + 1, loss + o->loss, nm, nf, nu);
		s->lvl = lvl;
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A least-cost table for row q, at off in tables of stride entries: from the
 * last (nothing left: 0 at 0) back to the first, the least cost at which the
 * pods from k on add each sum of grid steps to the row.
 */
static bool pack_least(const struct pack *s, double *tab, size_t stride, size_t off, unsigned q,
		       int res)
{
	for (unsigned k = 0; k <= s->n_v; k++)
		for (long long x = 0; x <= s->cap[q]; x++)
			tab[(size_t)k * stride + off + (size_t)x] = HUGE_VAL;
	tab[(size_t)s->n_v * stride + off] = 0;
	for (unsigned k = s->n_v; k-- > 0;) {
		const struct ppod *p = &s->v[k];
		const double *next = tab + (size_t)(k + 1) * stride + off;
		double *cur = tab + (size_t)k * stride + off;

		if (pack_late(s))
			return false;
		for (unsigned j = 0; j < p->n; j++) {
			long long d = p->opt[j].o->m[q];
			double c = pack_cost(s, &p->opt[j], q, res);
			bool seen = false;

			for (unsigned i = 0; i < j && !seen; i++)
				seen =
				    p->opt[i].o->m[q] == d && pack_cost(s, &p->opt[i], q, res) <= c;
			if (seen || d > s->cap[q])
				continue;
			{
				/* rows k and k + 1, apart: a loop without a branch */
				double *restrict to = cur + d;
				const double *restrict from = next;

				for (long long x = 0; x + d <= s->cap[q]; x++)
					to[x] = min_d(to[x], from[x] + c);
			}
		}
	}
	return true;
}

/*
 * pack.umin, for the capacities tied to a row that the pods could overfill
 * (base: what the pods with one option use), within PACK_MAX_LOSS entries
 * and PACK_MAX_WORK steps; none (NULL) is fine too.
 */
static double *pack_use_tables(struct pack *s, const double *base)
{
	const struct hp_group *g = s->g;
	size_t work = 0;

	double *tab;

	s->ustride = 0;
	for (unsigned j = 0; j < g->n_res; j++) {
		unsigned q = g->res_row[j];
		double most = base[j];

		s->utab[j] = false;
		if (q < 1 || q > g->n_rows)
			continue;
		for (unsigned k = 0; k < s->n_v; k++) {
			double hi = 0;

			for (unsigned i = 0; i < s->v[k].n; i++)
				hi = max_d(hi, pack_cost(s, &s->v[k].opt[i], q, (int)j));
			most += hi;
		}
		if (most <= g->res_b[j] + g->res_tol[j])
			continue; /* no choice overfills it */
		s->utab[j] = true;
		s->uoff[j] = s->ustride;
		s->ustride += (size_t)s->cap[q] + 1;
		for (unsigned k = 0; k < s->n_v; k++)
			work += (size_t)s->v[k].n * ((size_t)s->cap[q] + 1);
	}
	if (!s->ustride || (size_t)(s->n_v + 1) * s->ustride > PACK_MAX_LOSS ||
	    work > PACK_MAX_WORK)
		return NULL;
	tab = malloc((size_t)(s->n_v + 1) * s->ustride * sizeof(double));
	for (unsigned j = 0; j < g->n_res && tab; j++)
		if (s->utab[j] &&
		    !pack_least(s, tab, s->ustride, s->uoff[j], g->res_row[j], (int)j)) {
			free(tab);
			return NULL; /* past the time limit */
		}
	return tab;
}

/* The most levels a path can have: pod by pod, each row, the last pass. */
static size_t pack_levels(const struct pack *s)
{
	return ((size_t)(s->n_v ? s->n_v : 1) + 1) * (s->g->n_rows + 2);
}

/*
 * A thread's own space: its choices and, with rows, the row-by-row search's
 * (each pod's first list of options left holds all of them; the others,
 * like the tables, are written before they are read).
 */
static int pack_space(struct pack *s, bool rows)
{
	const struct hp_group *g = s->g;
	size_t nv = s->n_v ? s->n_v : 1;
	size_t levels = pack_levels(s);

	s->cur = calloc(nv, sizeof(unsigned));
	s->best_choice = calloc(nv, sizeof(unsigned));
	s->rcls = calloc(nv, sizeof(unsigned));
	s->at = malloc(4 * levels * sizeof(unsigned));
	if (!s->cur || !s->best_choice || !s->rcls || !s->at)
		return -ENOMEM;
	s->cnt = s->at + levels;
	s->lo = s->cnt + levels;
	s->hi = s->lo + levels;
	if (!rows)
		return 0;
	s->plo = malloc(nv * sizeof(double));
	s->puse = malloc(nv * 2 * (g->n_res ? g->n_res : 1) * sizeof(double));
	s->rtab = malloc((size_t)g->n_rows * (nv + 1) * s->stride * sizeof(uint64_t));
	s->left = malloc(nv * (g->n_rows + 1) * s->max_n * sizeof(unsigned));
	s->n_left = malloc(nv * (g->n_rows + 1) * sizeof(unsigned));
	s->lev = calloc(nv, sizeof(unsigned));
	s->act = malloc((size_t)(g->n_rows + 1) * nv * sizeof(unsigned));
	s->sums = malloc((size_t)(g->n_rows + 1) * (nv + 1) * s->max_n * sizeof(*s->sums));
	s->cls = malloc((size_t)g->n_rows * (nv + 1) * s->max_n * sizeof(*s->cls));
	s->sf = malloc((size_t)(g->n_rows + 1) * 2 * (nv + 1) * sizeof(double));
	s->scratch = malloc(2 * s->stride * sizeof(uint64_t));
	if (!s->plo || !s->puse || !s->rtab || !s->left || !s->n_left || !s->lev || !s->act ||
	    !s->sums || !s->cls || !s->sf || !s->scratch)
		return -ENOMEM;
	for (unsigned k = 0; k < s->n_v; k++) {
		unsigned *n, *l = row_left(s, k, 0, &n);

		for (unsigned j = 0; j < s->v[k].n; j++)
			l[j] = j;
		*n = s->v[k].n;
	}
	return 0;
}

static void pack_space_free(struct pack *s)
{
	free(s->cur);
	free(s->best_choice);
	free(s->rcls);
	free(s->at);
	free(s->plo);
	free(s->puse);
	free(s->rtab);
	free(s->left);
	free(s->n_left);
	free(s->lev);
	free(s->act);
	free(s->sums);
	free(s->cls);
	free(s->sf);
	free(s->scratch);
}

/* The helpers and their space. */
static void pack_helpers_free(struct pack *s)
{
	for (unsigned t = 0; s->helpers && t + 1 < s->threads; t++)
		pack_space_free(&s->helpers[t]);
	free(s->helpers);
	s->helpers = NULL;
}

/* hp_group_pack_min's cleanup: its space and its helpers'. */
static void pack_freep(struct pack *s)
{
	pack_helpers_free(s);
	pack_space_free(s);
}

/* A helper thread's copy of s: everything but its own space (pack_space's). */
static void pack_copy(struct pack *dst, const struct pack *src)
{
	struct pack own = *dst;

	*dst = *src;
	dst->cur = own.cur;
	dst->best_choice = own.best_choice;
	dst->rcls = own.rcls;
	dst->at = own.at;
	dst->cnt = own.cnt;
	dst->lo = own.lo;
	dst->hi = own.hi;
	dst->plo = own.plo;
	dst->puse = own.puse;
	dst->rtab = own.rtab;
	dst->left = own.left;
	dst->n_left = own.n_left;
	dst->lev = own.lev;
	dst->act = own.act;
	dst->sums = own.sums;
	dst->cls = own.cls;
	dst->sf = own.sf;
	dst->scratch = own.scratch;
	dst->helpers = NULL;
}

/*
 * The helpers' space, kept from one turn to the next; without it (-ENOMEM)
 * the search goes on alone.
 */
static int pack_helpers(struct pack *s)
{
	s->helpers = calloc(s->threads - 1, sizeof(*s->helpers));
	for (unsigned t = 0; s->helpers && t + 1 < s->threads; t++) {
		pack_copy(&s->helpers[t], s); /* their space NULL until pack_space */
		if (pack_space(&s->helpers[t], s->rtab != NULL) < 0)
			pack_helpers_free(s);
	}
	if (s->helpers)
		return 0;
	s->threads = 1;
	return -ENOMEM;
}

/* The slot of s's way (k0) in s->resume. */
static unsigned pack_way(const struct pack *s)
{
	return s->k0 != 0;
}

/*
 * From the root, every child: as the search starts alone, its way (k0)
 * going on from where the last search stopped.
 */
static void pack_root(struct pack *s)
{
	struct hp_pack_resume *rs = s->resume;
	unsigned w = pack_way(s);

	s->lvl = s->task = 0;
	s->lo[0] = 0;
	s->hi[0] = UINT_MAX;
	s->halt = UINT_MAX;
	s->on = s->n_from = rs && rs->k0[w] == s->k0 ? rs->n[w] : 0;
	s->from = rs ? rs->path[w] : NULL;
}

/*
 * After a search from the root its way (pack_root), out of nodes or time
 * (-E2BIG): where it stopped, for the next. Stopped on the path it went on
 * from, before its end, nothing past that was searched: it stays.
 */
static void pack_keep(struct pack *s, int r)
{
	struct hp_pack_resume *rs = s->resume;
	unsigned w = pack_way(s);

	if (!rs || r != -E2BIG || s->halt == UINT_MAX ||
	    (s->on == s->n_from && s->halt < s->n_from))
		return;
	memmove(rs->path[w], s->at, s->halt * sizeof(unsigned));
	rs->n[w] = s->halt;
	rs->k0[w] = s->k0;
}

/*
 * Another thread has nothing to do: give it the next half of the children
 * left at the shallowest node of this one's path that has some (the next
 * are the likelier, by ascending loss: worth a thread), and go on after
 * them.
 */
static void pack_give(struct pack *s)
{
	struct pack_share *sh = s->sh;
	unsigned l, first = 0, end = 0;

	for (l = s->task; l < s->lvl; l++) {
		first = s->at[l] + 1 > s->lo[l] ? s->at[l] + 1 : s->lo[l];
		end = s->cnt[l] < s->hi[l] ? s->cnt[l] : s->hi[l];
		if (first < end)
			break;
	}
	if (l == s->lvl)
		return;
	pthread_mutex_lock(&sh->lock);
	if (!sh->given && !sh->done && atomic_load(&sh->idle)) {
		unsigned mid = first + (end - first + 1) / 2;

		memcpy(sh->path, s->at, l * sizeof(unsigned));
		sh->task = l;
		sh->lo = first;
		sh->hi = mid;
		s->lo[l] = mid; /* its loop goes on from there */
		sh->given = true;
		sh->gives++;
		pthread_cond_signal(&sh->wake);
	}
	pthread_mutex_unlock(&sh->lock);
}

struct pack_job {
	struct pack *s;
	double loss;
	const long long *m;
	const double *f, *u;
};

/*
 * A thread of pack_par: it takes a part of the tree (the path to a node,
 * and which of its children), walks to it from the root and searches it,
 * until every thread waits for one or one stops them all.
 */
static void *pack_thread(void *arg)
{
	struct pack_job *j = arg;
	struct pack *s = j->s;
	struct pack_share *sh = s->sh;
	unsigned long from = 0;
	double start = 0;
	bool gift = false;
	int r = 0;

	pthread_mutex_lock(&sh->lock);
	for (;;) {
		if (gift) {
			sh->gift_nodes += s->nodes - from;
			sh->gift_ms += hp_now_ms() - start;
			sh->walk_ms += s->walked;
			if (sh->gives >= PACK_GIFT_TRIES &&
			    (sh->gift_nodes < PACK_GIFT_NODES * sh->gives ||
			     (sh->recent + 1 == PACK_GIFT_TRIES &&
			      sh->walk_ms * PACK_WALK_SHARE > sh->gift_ms)))
				atomic_store(&sh->stingy, true);
			if (++sh->recent == PACK_GIFT_TRIES) {
				sh->recent = 0;
				sh->gift_ms = sh->walk_ms = 0;
			}
		}
		if (r) {
			if (r == 1 || !sh->ret)
				sh->ret = r; /* the floor reached says more than out of nodes */
			atomic_store(&sh->stop, true);
		}
		if (atomic_fetch_add(&sh->idle, 1) + 1 == sh->threads && !sh->given)
			sh->done = true;
		if (sh->done || atomic_load(&sh->stop))
			pthread_cond_broadcast(&sh->wake);
		while (!sh->given && !sh->done && !atomic_load(&sh->stop))
			pthread_cond_wait(&sh->wake, &sh->lock);
		if (sh->done || atomic_load(&sh->stop))
			break;
		s->lvl = 0;
		s->task = sh->task;
		for (unsigned l = 0; l < sh->task; l++) {
			s->lo[l] = sh->path[l];
			s->hi[l] = sh->path[l] + 1;
		}
		s->lo[sh->task] = sh->lo;
		s->hi[sh->task] = sh->hi;
		gift = sh->task || sh->lo || sh->hi != UINT_MAX; /* not the whole tree */
		if (gift)
			s->on = 0;
		from = s->nodes;
		start = hp_now_ms();
		s->walk_from = gift ? start : 0;
		s->walked = 0;
		sh->given = false;
		atomic_fetch_sub(&sh->idle, 1);
		pthread_mutex_unlock(&sh->lock);
		r = pack_dfs(s, 0, j->loss, j->m, j->f, j->u);
		pthread_mutex_lock(&sh->lock);
	}
	pthread_mutex_unlock(&sh->lock);
	return NULL;
}

/*
 * One search from the root (from where its way last stopped, pack_root),
 * budget nodes, in the caller's thread alone.
 */
static int pack_alone(struct pack *s, unsigned long budget, double loss, const long long *m,
		      const double *f, const double *u)
{
	int r;

	s->max_nodes = s->nodes + budget;
	pack_root(s);
	r = pack_dfs(s, 0, loss, m, f, u);
	pack_keep(s, r);
	return r;
}

/* May the search use other threads (their space allocated, pack_helpers)? */
static bool pack_threaded(struct pack *s)
{
	return s->threads > 1 && (s->helpers || !pack_helpers(s));
}

/*
 * Threads share sh from here on (its lock, wake, choice, threads and part
 * already set), budget nodes in all, s counting from 0 (the caller keeps
 * what it had counted). stingy: no part is ever given.
 */
static void pack_share_start(struct pack *s, struct pack_share *sh, unsigned long budget,
			     bool stingy)
{
	sh->budget = budget;
	atomic_init(&sh->best, s->best);
	atomic_init(&sh->idle, 0);
	atomic_init(&sh->nodes, 0);
	atomic_init(&sh->stop, false);
	atomic_init(&sh->stingy, stingy);
	s->sh = sh;
	s->nodes = 0;
	s->max_nodes = budget + 1; /* the tally stops it first, but for the last few */
}

/* Their search over: s alone again, with nodes counted and the least found. */
static int pack_share_end(struct pack *s, struct pack_share *sh, unsigned long nodes)
{
	s->nodes = nodes;
	s->best = atomic_load(&sh->best);
	s->sh = NULL;
	pack_root(s);
	return sh->ret;
}

/*
 * One search from the root (pack_root) in s->threads threads, budget nodes
 * in all. The tree is shared out as they go: one thread takes all of it, and one
 * with nothing to do gets half of what another has left at the shallowest
 * node it can give from (pack_give). Returns as pack_dfs, with the least
 * found and its choice in s.
 */
static int pack_par(struct pack *s, unsigned long budget, double loss, const long long *m,
		    const double *f, const double *u)
{
	unsigned n = s->threads, started = 1;
	_cleanup_free_ unsigned *path = malloc(pack_levels(s) * sizeof(unsigned));
	struct pack_share sh = {.lock = PTHREAD_MUTEX_INITIALIZER,
				.wake = PTHREAD_COND_INITIALIZER,
				.choice = s->best_choice,
				.threads = n,
				.given = true, /* the whole tree */
				.path = path,
				.hi = UINT_MAX};
	struct pack_job job[HP_PLAN_MAX_THREADS];
	pthread_t tid[HP_PLAN_MAX_THREADS];
	unsigned long nodes = s->nodes, all = 0;

	if (!path)
		return pack_alone(s, budget, loss, m, f, u);
	pack_share_start(s, &sh, budget, false);
	/*
	 * The thread that takes the whole tree goes on from where the last
	 * search stopped (each has s's path). Stopped in several parts, there
	 * is no one place to go on from; the next goes on from where this one
	 * started.
	 */
	pack_root(s);
	for (unsigned t = 0; t < n; t++) {
		if (t)
			pack_copy(&s->helpers[t - 1], s);
		job[t] = (struct pack_job){t ? &s->helpers[t - 1] : s, loss, m, f, u};
	}
	/* one that does not start is never idle: "done" waits for the others only */
	while (started < n && !pthread_create(&tid[started], NULL, pack_thread, &job[started]))
		started++;
	pthread_mutex_lock(&sh.lock);
	sh.threads = started;
	pthread_mutex_unlock(&sh.lock);
	pack_thread(&job[0]);
	for (unsigned t = 0; t < started; t++) {
		if (t)
			pthread_join(tid[t], NULL);
		all += job[t].s->nodes;
	}
	return pack_share_end(s, &sh, nodes + all);
}

/*
 * A thread of pack_race: the whole tree its way (its k0), from where that
 * way last stopped. The first to finish has the least; the other stops.
 */
static void *pack_racer(void *arg)
{
	struct pack_job *j = arg;
	struct pack_share *sh = j->s->sh;
	int r;

	pack_root(j->s);
	r = pack_dfs(j->s, 0, j->loss, j->m, j->f, j->u);
	pack_keep(j->s, r);
	pthread_mutex_lock(&sh->lock);
	if (!sh->done) {
		sh->done = r != -E2BIG; /* else out of nodes or time, and so is the other */
		sh->ret = r;
	}
	atomic_store(&sh->stop, true);
	pthread_mutex_unlock(&sh->lock);
	return NULL;
}

/*
 * Both ways at once, one a thread, budget nodes in all: pod by pod from
 * cross on, and row by row from the first pod. Which is faster varies by
 * instance, 10^4 times either way; racing them, the time is the faster
 * one's, where taking turns alone it is up to twice that. Returns as
 * pack_dfs, with the least found and its choice in s.
 */
static int pack_race(struct pack *s, unsigned long budget, unsigned cross, double loss,
		     const long long *m, const double *f, const double *u)
{
	struct pack_share sh = {.lock = PTHREAD_MUTEX_INITIALIZER,
				.wake = PTHREAD_COND_INITIALIZER,
				.choice = s->best_choice,
				.threads = 2};
	struct pack_job job[2] = {{s, loss, m, f, u}, {&s->helpers[0], loss, m, f, u}};
	unsigned long nodes = s->nodes;
	pthread_t tid;

	pack_share_start(s, &sh, budget, true);
	s->k0 = 0;
	pack_copy(&s->helpers[0], s);
	s->k0 = cross;
	if (pthread_create(&tid, NULL, pack_racer, &job[1])) {
		s->sh = NULL;
		s->nodes = nodes;
		return pack_alone(s, budget, loss, m, f, u); /* pod by pod */
	}
	pack_racer(&job[0]);
	pthread_join(tid, NULL);
	return pack_share_end(s, &sh, nodes + s->nodes + s->helpers[0].nodes);
}

/*
 * One search from the root (pack_root), budget nodes: alone the first time
 * (small searches are most of them), in every thread after.
 */
static int pack_go(struct pack *s, unsigned long budget, bool alone, double loss,
		   const long long *m, const double *f, const double *u)
{
	if (!alone && pack_threaded(s))
		return pack_par(s, budget, loss, m, f, u);
	return pack_alone(s, budget, loss, m, f, u);
}

/*
 * Run the search. With several rows there are two ways, both exact: pod by
 * pod over the pods with crossing costs (they come first) and row by row
 * over the rest, or row by row over all of them. Which is faster varies by
 * instance (10^4 times either way), so they take turns, with budgets that
 * grow 4 times a turn, each starting from the best the others found. With
 * one way, a first turn and then the rest. The first turn each way is
 * alone; the others, in every thread. Where some rows are filled first
 * (pack.first), row by row over all the pods only: pod by pod, nothing
 * bounds those rows but what their pods could still use (two DPUs short
 * of memory, 200 containers, seed 15: pod by pod and then row by row took
 * 1.5 s, row by row alone 0.84 s, and racing the two on this two-core VM
 * as long as the slower).
 */
static int pack_run(struct pack *s, double loss, const long long *m, const double *f,
		    const double *u)
{
	unsigned long total = s->max_nodes, budget = s->turn ? s->turn : PACK_TURN;
	unsigned cross = 0;
	int r;

	while (cross < s->n_v && s->v[cross].crosses)
		cross++;
	if (!s->rtab || !cross || s->first) {
		s->k0 = s->rtab ? 0 : s->n_v;
		if (s->threads < 2)
			return pack_alone(s, total, loss, m, f, u);
		r = pack_go(s, budget < total ? budget : total, true, loss, m, f, u);
		if (r != -E2BIG || total <= budget || pack_late(s))
			return r;
		return pack_go(s, total - s->nodes, false, loss, m, f, u);
	}
	for (unsigned turn = 0;; turn++) {
		unsigned long left = s->nodes < total ? total - s->nodes : 0;

		if (turn == 2 && pack_threaded(s))
			return pack_race(s, left, cross, loss, m, f, u);
		s->k0 = turn % 2 ? 0 : cross;
		r = pack_go(s, left < budget ? left : budget, true, loss, m, f, u);
		if (r != -E2BIG || left <= budget || pack_late(s))
			return r;
		if (turn % 2)
			budget *= 4;
	}
}

/* Options that tie on loss and size, in one order for every pod alike (twin). */
static int cmp_popt_load(const struct hp_group *g, const struct popt *x, const struct popt *y)
{
	for (unsigned r = 1; r < HP_PLAN_MAX_PUS; r++) {
		if (x->o->m[r] != y->o->m[r])
			return x->o->m[r] < y->o->m[r] ? -1 : 1;
		if (x->o->f[r] != y->o->f[r])
			return x->o->f[r] < y->o->f[r] ? -1 : 1;
	}
	for (unsigned j = 0; j < g->n_res; j++) {
		double a = g->res[(size_t)x->idx * g->n_res + j];
		double b = g->res[(size_t)y->idx * g->n_res + j];

		if (a != b)
			return a < b ? -1 : 1;
	}
	return 0;
}

static int cmp_popt(const void *a, const void *b, void *arg)
{
	const struct popt *x = a, *y = b;
	long long sx = 0, sy = 0;

	if (x->loss != y->loss)
		return x->loss < y->loss ? -1 : 1;
	for (unsigned r = 1; r < HP_PLAN_MAX_PUS; r++) {
		sx += x->o->m[r];
		sy += y->o->m[r];
	}
	if (sx != sy)
		return sx > sy ? -1 : 1; /* fuller first */
	return cmp_popt_load(arg, x, y);
}

static int cmp_ppod(const void *a, const void *b, void *arg)
{
	const struct ppod *x = a, *y = b;

	if (x->crosses != y->crosses)
		return x->crosses ? -1 : 1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	/* pods alike next to each other */
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	for (unsigned j = 0; j < x->n; j++) {
		int c;

		if (x->opt[j].loss != y->opt[j].loss)
			return x->opt[j].loss < y->opt[j].loss ? -1 : 1;
		if ((c = cmp_popt_load(arg, &x->opt[j], &y->opt[j])))
			return c;
	}
	return 0;
}

bool hp_group_same_load(const struct hp_group *g, unsigned a, unsigned b)
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

int hp_load_set_init(struct hp_load_set *s, const struct hp_group *g, bool f_only)
{
	unsigned most = 1;

	for (unsigned i = 0; i < g->n_pods; i++)
		most = g->n[i] > most ? g->n[i] : most;
	*s = (struct hp_load_set){ .g = g, .cap = 2, .f_only = f_only };
	while (s->cap < 2 * most)
		s->cap *= 2;
	s->slot = calloc(s->cap, sizeof(unsigned));
	return s->slot ? 0 : -ENOMEM;
}

void hp_load_set_free(struct hp_load_set *s)
{
	free(s->slot);
	s->slot = NULL;
}

void hp_load_set_clear(struct hp_load_set *s, unsigned n)
{
	unsigned size = 2;

	while (size < 2 * n && size < s->cap)
		size *= 2;
	s->mask = size - 1;
	memset(s->slot, 0, size * sizeof(unsigned));
}

/* Every bit of x into h (murmur3's finaliser): round figures differ high up. */
static uint64_t hash_mix(uint64_t h, uint64_t x)
{
	h ^= x;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ h >> 33;
}

static uint64_t hash_double(uint64_t h, double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof(b));
	return hash_mix(h, b);
}

static uint64_t load_hash(const struct hp_group *g, unsigned k)
{
	uint64_t h = 0;

	for (unsigned r = 1; r <= g->n_rows; r++)
		h = hash_mix(h, (uint64_t)g->opts[k].m[r]);
	for (unsigned j = 0; j < g->n_res; j++) {
		double v = g->res[(size_t)k * g->n_res + j];

		h = hash_double(h, v == 0 ? 0 : v); /* -0 is 0 */
	}
	return h;
}

static uint64_t f_hash(const struct hp_group *g, unsigned k)
{
	uint64_t h = 0;

	for (unsigned r = 1; r <= g->n_rows; r++)
		h = hash_mix(h, (uint64_t)llround(g->opts[k].f[r] * 1e9));
	return h;
}

bool hp_load_set_seen(struct hp_load_set *s, unsigned k)
{
	const struct hp_group *g = s->g;
	uint64_t h = s->f_only ? f_hash(g, k) : load_hash(g, k);

	for (unsigned at = (unsigned)h & s->mask;; at = (at + 1) & s->mask) {
		unsigned o;

		if (!s->slot[at]) {
			s->slot[at] = k + 1;
			return false;
		}
		o = s->slot[at] - 1;
		if (s->f_only ? hp_group_same_f(g, &g->opts[o], &g->opts[k])
			      : hp_group_same_load(g, o, k))
			return true;
	}
}

/*
 * What a search resumes only when it is the same (hp_pack_resume.key): the
 * limit, the fill bound, the group's capacities, prices and rows of its
 * other capacities, which options each pod has and their losses, and
 * which arrays hold the options' loads (their contents are not hashed:
 * 240 K options of eight rows would take 20 ms; the losses, 0.3 ms for
 * 100 K). A neighbourhood search's group, the same options with other
 * pods', differs in which pods have which (first, n). Never 0.
 */
static uint64_t pack_key(const struct hp_group *g, double limit, bool fill)
{
	uint64_t h = hash_mix(hash_double(0, limit), (uint64_t)fill << 32 | g->n_rows);

	h = hash_mix(h, (uint64_t)g->n_pods << 32 | g->n_opts);
	h = hash_mix(hash_mix(h, (uintptr_t)g->opts), (uintptr_t)g->res);
	for (unsigned r = 1; r <= g->n_rows; r++) {
		h = hash_double(hash_double(h, g->b[r]), g->q[r]);
		h = hash_double(hash_double(h, g->tol[r]), g->y[r]);
	}
	for (unsigned j = 0; j < g->n_res; j++) {
		h = hash_double(hash_double(h, g->res_b[j]), g->res_tol[j]);
		h = hash_mix(hash_double(h, g->res_y[j]), g->res_row[j]);
	}
	for (unsigned i = 0; i < g->n_pods; i++)
		h = hash_mix(h, (uint64_t)g->first[i] << 32 | g->n[i]);
	for (unsigned k = 0; k < g->n_opts; k++)
		h = hash_double(h, g->opts[k].loss);
	return h ? h : 1;
}

/*
 * s goes on from lim->resume where that was kept for the same search, else
 * from the root, keeping where it stops there; without room for the paths,
 * from the root and nothing kept.
 */
static void pack_resume_start(struct pack *s, const struct hp_pack_limits *lim, size_t levels)
{
	struct hp_pack_resume *rs = lim->resume;
	uint64_t key;

	if (!rs)
		return;
	key = pack_key(s->g, s->limit, lim->fill);
	if (rs->cap < levels) {
		for (unsigned w = 0; w < 2; w++) {
			unsigned *p = realloc(rs->path[w], levels * sizeof(unsigned));

			if (!p) {
				rs->key = 0;
				return;
			}
			rs->path[w] = p;
		}
		rs->cap = levels;
	}
	if (rs->key != key) {
		rs->key = key;
		rs->n[0] = rs->n[1] = 0;
	}
	s->resume = rs;
}

void hp_pack_resume_free(struct hp_pack_resume *r)
{
	free(r->path[0]);
	free(r->path[1]);
	*r = (struct hp_pack_resume){ 0 };
}

/* The threads a search runs in: 1 to HP_PLAN_MAX_THREADS. */
static unsigned pack_threads(unsigned n)
{
	return n < 1 ? 1 : n > HP_PLAN_MAX_THREADS ? HP_PLAN_MAX_THREADS : n;
}

int hp_group_pack_min(const struct hp_group *g, double limit, double lower,
		      struct hp_pack_limits *lim, unsigned *best, double *ret)
{
	unsigned np = g->n_pods ? g->n_pods : 1;
	_cleanup_free_ struct ppod *v = calloc(np, sizeof(*v));
	_cleanup_free_ struct popt *pool = calloc(g->n_opts ? g->n_opts : 1, sizeof(*pool));
	_cleanup_free_ uint64_t *reach = NULL;
	_cleanup_free_ double *fmin_t = NULL, *fmax_t = NULL, *lmin = NULL, *umin = NULL;
	_cleanup_free_ double *bmin = NULL, *umax_t = NULL;
	_cleanup_free_ bool *twin = NULL;
	long long base_m[HP_PLAN_MAX_PUS] = {0};
	double base_f[HP_PLAN_MAX_PUS] = {0}, base_u[HP_GROUP_MAX_RES] = {0}, base_loss = 0;
	__attribute__((cleanup(pack_freep))) struct pack s = {
		.g = g,
		.v = v,
		.best = limit,
		.floor = lower + 1e-12,
		.max_nodes = lim->nodes,
		.turn = lim->turn,
		.stop_ms = lim->stop_ms,
		.hard_ms = lim->hard_ms,
		.limit = limit,
		.threads = pack_threads(lim->threads),
	};
	__attribute__((cleanup(hp_load_set_free))) struct hp_load_set seen = { 0 };
	size_t used = 0, work = 0;
	bool rows;
	int r;

	*ret = limit; /* none found, also when its tables would be too large (-E2BIG) */
	if (!v || !pool || hp_load_set_init(&seen, g, false) < 0)
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
	for (unsigned j = 0; j < g->n_res; j++) {
		unsigned q = g->res_row[j];

		if (g->res_y[j] > 0)
			s.pr[s.n_pr++] = j;
		if (q && !hp_group_priced(g->y[q], g->b[q]) &&
		    hp_group_priced(g->res_y[j], g->res_b[j]))
			s.first |= 1u << q;
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
		p->crosses = false;
		hp_load_set_clear(&seen, g->n[i]);
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
			dup = fits && hp_load_set_seen(&seen, k);
			if (dup || !fits)
				continue;
			p->opt[p->n++] = (struct popt){.loss = o->loss, .o = o, .idx = k};
			if (size > p->size)
				p->size = size;
			for (unsigned q = 1; q <= g->n_rows; q++)
				p->crosses |= fabs(o->f[q]) > 1e-6 * g->q[q];
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
		qsort_r(p->opt, p->n, sizeof(*p->opt), cmp_popt, (void *)g);
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
	qsort_r(v, s.n_v, sizeof(*v), cmp_ppod, (void *)g);
	twin = calloc(s.n_v + 1, sizeof(bool));
	if (!twin)
		return -ENOMEM;
	for (unsigned k = 1; k < s.n_v; k++)
		twin[k] = !cmp_ppod(&v[k - 1], &v[k], (void *)g);
	s.twin = twin;
	if ((size_t)(s.n_v + 1) * s.stride > PACK_MAX_WORDS)
		return -E2BIG;
	reach = calloc((size_t)(s.n_v + 1) * s.stride, sizeof(uint64_t));
	fmin_t = calloc((size_t)(s.n_v + 1) * HP_PLAN_MAX_PUS, sizeof(double));
	fmax_t = calloc((size_t)(s.n_v + 1) * HP_PLAN_MAX_PUS, sizeof(double));
	umax_t = calloc((size_t)(s.n_v + 1) * (g->n_res ? g->n_res : 1), sizeof(double));
	if (!reach || !fmin_t || !fmax_t || !umax_t)
		return -ENOMEM;
	for (unsigned k = s.n_v; k-- > 0;)
		for (unsigned q = 0; q < g->n_res; q++) {
			double hi = 0;

			for (unsigned j = 0; j < v[k].n; j++)
				hi = max_d(hi, g->res[(size_t)v[k].opt[j].idx * g->n_res + q]);
			umax_t[(size_t)k * g->n_res + q] =
			    umax_t[(size_t)(k + 1) * g->n_res + q] + hi;
		}
	s.umax = umax_t;
	/* What the pods from k on can add to each row: grid steps reachable, crossing costs. */
	for (unsigned q = 0; q <= g->n_rows; q++)
		reach[(size_t)s.n_v * s.stride + s.off[q]] = 1;
	for (unsigned k = s.n_v; k-- > 0;) {
		const uint64_t *next = reach + (size_t)(k + 1) * s.stride;
		uint64_t *tab = reach + (size_t)k * s.stride;

		if (pack_late(&s))
			return -E2BIG;
		for (unsigned j = 0; j < v[k].n; j++) {
			long long t = 0;

			for (unsigned q = 1; q <= g->n_rows; q++)
				t += v[k].opt[j].o->m[q];
			hp_bits_or_shift(tab + s.off[0], next + s.off[0], s.words[0], t);
		}
		hp_bits_clip(tab + s.off[0], s.words[0], s.cap[0]);
		for (unsigned q = 1; q <= g->n_rows; q++) {
			double lo = HUGE_VAL, hi = -HUGE_VAL;

			for (unsigned j = 0; j < v[k].n; j++) {
				const struct hp_group_opt *o = v[k].opt[j].o;

				hp_bits_or_shift(tab + s.off[q], next + s.off[q], s.words[q],
						 o->m[q]);
				lo = fmin(lo, o->f[q]);
				hi = fmax(hi, o->f[q]);
			}
			hp_bits_clip(tab + s.off[q], s.words[q], s.cap[q]);
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
		for (unsigned q = 1; q <= g->n_rows; q++)
			if (!pack_least(&s, lmin, s.lstride, s.loff[q], q, -1))
				return -E2BIG; /* past the time limit */
	s.lmin = lmin;
	if (lim->fill)
		umin = pack_use_tables(&s, base_u);
	if (pack_late(&s))
		return -E2BIG;
	s.umin = umin;
	if ((lmin || umin) && !(bmin = pack_blocks(&s)))
		return -ENOMEM;
	s.bmin = bmin;
	s.reach = reach;
	/*
	 * The row-by-row search's space (pack_run says from which pod on it
	 * runs), with the choices' (pack_space). With one pod that has a
	 * choice there is nothing to search row by row.
	 */
	rows = g->n_rows >= 2 && s.n_v >= 2 &&
	       (size_t)g->n_rows * (s.n_v + 1) * s.stride <= PACK_MAX_WORDS;
	s.max_n = 1;
	for (unsigned k = 0; k < s.n_v; k++)
		s.max_n = v[k].n > s.max_n ? v[k].n : s.max_n;
	if (pack_space(&s, rows) < 0)
		return -ENOMEM;
	s.fmin = fmin_t;
	s.fmax = fmax_t;
	pack_resume_start(&s, lim, pack_levels(&s));
	r = pack_run(&s, base_loss, base_m, base_f, base_u);
	/* done, or a placement found: the next search is another (its best is not kept) */
	if (s.resume && (r != -E2BIG || s.best < limit))
		s.resume->key = 0;
	lim->nodes -= s.nodes < lim->nodes ? s.nodes : lim->nodes;
	if (r < 0 && r != -E2BIG)
		return r;
	if (best && s.best < limit)
		for (unsigned j = 0; j < s.n_v; j++)
			best[v[j].pod] = v[j].opt[s.best_choice[j]].idx;
	*ret = s.best;
	return r < 0 ? r : 0;
}

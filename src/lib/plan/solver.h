/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The exact solver's parts, shared by its files (not an API):
 *
 *   milp.c       the 0-1 program, GLPK's branch and cut and its callback
 *   heur.c       the incumbent heuristic
 *   bound.c      the group and packing bounds, and the searches they run
 *   surrogate.c  the surrogate bound, its split and its refinement
 *   split.c      pods whose units move independently, split into parts
 *
 * solve.c holds hp_plan_solve, the units every solver works on, the greedy
 * and the exhaustive solvers. group.c and meet.c are the searches.
 */
#ifndef HP_PLAN_SOLVER_H
#define HP_PLAN_SOLVER_H

#include "plan/group.h"
#include "plan/plan.h"
#include "util/util.h"

#include <glpk.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>

struct unit {
	unsigned pod, rep; /* rep: a container of the unit */
	double gain;	   /* objective when moved */
	double cpu, mem;   /* host cores and bytes, all replicas */
	unsigned allowed;  /* PUs */
};

/* A unit that may run on more than one PU: one a placement decides. */
static inline bool unit_free(const struct hp_plan_problem *p, const struct unit *u)
{
	return __builtin_popcount(u->allowed & ((1u << p->n_pus) - 1)) > 1;
}

struct uedge {
	unsigned u, v, pod;
	double cost;  /* host cores when crossing the host, all replicas */
	double bytes; /* all replicas */
	double lat;   /* µs per request */
};

struct units {
	struct unit *u;
	unsigned n;
	unsigned *of; /* unit of each container */
	struct uedge *e;
	unsigned n_e;
};

struct lp {
	glp_prob *prob;
	int *ia, *ja;
	double *ar;
	int nz, cap;
	/* column kinds, to give the incumbent's auxiliary values */
	int *kind; /* 0: x, 1: h, 2: z, 3: s, 4: configuration, 5: millicore count */
	unsigned *ku, *kd;
	int ncols, capcols;
	bool names; /* name the rows and columns (a model to write) */
};

/*
 * Pods with few placements are given to the solver as a choice among their
 * placements ("configurations"): one binary per placement that survives the
 * latency budget and is not dominated (another one frees at least as much
 * while using no more of any DPU resource). That is the convex hull of the
 * pod's placements, so the LP relaxation is as tight as it can be per pod and
 * only the shared DPU capacities make branching necessary. Pods with more
 * placements than the limit use the x/h/z/s rows (milp.c): CFG_MAX, or
 * CFG_FEW where the pods' placements up to CFG_MAX would be more than
 * CFG_TOTAL in all (a model too large to build and solve in time: 420 K
 * columns of 2000 containers on eight DPUs take 1.1 s to build and 0.5 s
 * to the root LP). At 240 K, where 270 K of 1000 containers on eight DPUs
 * had overrun 2 s by up to 0.3 s, those used the x/h/z/s rows and two of
 * five were proven; with the root LP priced (lp_root) and the group bound's
 * options hashed (hp_load_set), at 320 K four are, in 1.1-1.4 s, and none
 * overran. Past CFG_FEW a pod's placements are kept
 * dominated or not: with five or more DPUs, few are (0.2-0.6%), and
 * comparing them pair by pair is quadratic.
 */
#define CFG_MAX 8192 /* every pod of four units with eight DPUs: 9^4 */
#define CFG_FEW 1024 /* ... of four units with four DPUs: 5^4 */
#define CFG_TOTAL (320u << 10)
/* Pods of more placements start the root LP with those on one DPU (lp_root) */
#define ROOT_FEW 64
#define NRES (3 * HP_PLAN_MAX_PUS) /* cpu, memory, link per PU */

struct podcfg {
	unsigned ufirst, un; /* its units */
	unsigned *edges, ne; /* its unit edges */
	unsigned first, n;   /* its configurations in cfgs[] */
	int greedy;	     /* configuration of the greedy placement, -1 */
};

struct cfg {
	double gain;
	double use[NRES];
	int *upu; /* un entries */
	bool dead;
	int col;
};

/* The exact solver's limits and shares of the time, and what its steps cost. */
#define FILL_W 1024		    /* heur_fill: millicores either way */
#define HEUR_KICKS 20		    /* kicks of the iterated local search, at the root ... */
#define KICK_SHARE 16		    /* ... in a sixteenth of the time left at most */
#define HEUR_FAILS 3		    /* failed runs in a row before ... */
#define HEUR_PERIOD 32		    /* ... the heuristic runs on every 32nd node only */
#define GROUP_LEAVES (1ul << 20)    /* group bound: choices looked at, at most */
#define GROUP_TRIES 16		    /* its choices the heuristic tries to build */
#define GROUP_RETRY 4		    /* out of choices at a gap: again below 1/4 of it */
#define GROUP_FIRST 1024	    /* its first limit: 1/1024 of the gap ... */
#define GROUP_GROW 8		    /* ... then 8 times the last ... */
#define GROUP_TIES 8		    /* ... or the gap, after one using 1/8 of its choices */
#define GROUP_QUICK_SHARE 4	    /* ... on the greedy's incumbent, a quarter of the time left */
#define GROUP_PRICES 12		    /* group_fill: doublings of memory's price, at most */
#define GROUP_BISECT 8		    /* ... then halvings of the interval it is in */
#define LNS_PODS 12		    /* pods free in a neighbourhood, at first */
#define LNS_NODES (1ul << 16)	    /* the packing search's nodes in one neighbourhood */
#define LNS_FAILS 16		    /* neighbourhoods in a row without a better placement */
#define LNS_NODES_TOTAL (8ul << 20) /* over a solve */
#define PROBE_FIRST 256		    /* pack_probe: its first limit 1/256 of the gap at least ... */
#define PROBE_GROW 4		    /* ... then 4 times the last, up to half the gap ... */
#define PROBE_SHARE 4		    /* ... in a quarter of the time left */
#define PACK_ROUNDS 7 /* the surrogate search's limits: 1/64 of the way to the gap, 1/32, ... */
#define PACK_NODES_ANY (ULONG_MAX / 2) /* the packing bound's search: time stops it */
#define SUR_NODES_TOTAL (4ul << 20)   /* the surrogate bound's, over a solve */
#define MEET_WORK_TOTAL (64ul << 20)  /* meeting in the middle: changes and pairs, over a solve */
/* (and as much for sur_refine's) */
/* Lists this long in a half are joined below the next limit too (they grow ~4 times a step). */
#define MEET_BEYOND_FROM (HP_GROUP_MEET_ENTRIES / 4)
/*
 * Below the incumbent's gap itself, where what it finds ends the search or
 * betters the incumbent, a half may list twice as many changes. Two DPUs
 * short of memory, 200 containers, seed 5: its surrogate's lists overflowed
 * at the gap, and each limit below it was listed again (0.25-0.3 s each),
 * the bound ending 8% of the way short; with these it is proven at the gap
 * in 1.1-1.3 s, its lists ~0.2 GB more. Longer ones for every limit cost
 * 7% more time where they overflow all the same.
 */
#define MEET_GAP_ENTRIES (2 * HP_GROUP_MEET_ENTRIES)
#define SUR_SPLIT_NODES (8ul << 20)    /* splitting the surrogate's least packing among the DPUs */
#define SPLIT_SHARE 4		       /* ... in a quarter of the time left at most */
#define REFINE_SPLIT_NODES (1ul << 20) /* ... and each packing sur_refine looks at */
#define SUR_WEAK 16		       /* its value 1/16 of the gap above the LP's: fewer rows */
#define SUR_TIE 1024		       /* memory's price may raise it by 1/1024 of the gap */
#define REFINE_SHARE 4		       /* sur_refine: no round after one taking 1/4 of the time */
#define REFINE_HALVINGS 4	       /* ... then halfway back, 4 times at most */
#define REFINE_KEEP_MAX 16384	       /* ... and at most */
#define REFINE_NEAR 3		       /* ... grown from 1/3 of the way to the incumbent */
#define SPLIT_ROUNDS 200	       /* ... first by local search (sur_place) */
#define SPLIT_MITM 32		       /* ... pods it rebalances two DPUs with */
#define SPLIT_REBALANCE 64	       /* ... at every 64th local optimum */
#define SPLIT_OFF_GRID 10	       /* ... of them off the millicore grid, at most */
#define SPLIT_LOOKS (1ul << 20)	       /* ... their choices it checks whole, at most */
#define TEARDOWN_NS 40		       /* the answer taken and the model released, per nonzero */
#define BRANCH_NS 1000		       /* GLPK's choice of a column to branch on, per nonzero */
#define HAND_SLACK_MS 2		       /* a search's last look at the clock, past its stop */

/* A sort key and what it sorts (an index) */
struct keyed {
	double key;
	unsigned m;
};

/*
 * What pack_min's meeting in the middle on one group learnt: the limit from
 * which its lists overflowed (fail; fail_gap with the longer lists it may
 * have below the incumbent's gap), and its last join of lists that fit
 * beyond their limit (listed below list, joined below limit: the least
 * found, m, and its choice).
 */
struct meet_memo {
	double fail, fail_gap;
	double list, limit, m;
	unsigned *choice;
};

/*
 * The exact solver's state during GLPK's search: the model, the incumbent
 * heuristic's placement and tables, and the bounds and their budgets.
 */
struct heur {
	struct lp *lp;
	const struct hp_plan_problem *p;
	const struct units *s;
	const int *upu; /* greedy incumbent, NULL if none */
	const struct podcfg *pcs;
	const struct cfg *cfgs;
	const bool *cfg_pod;
	const int *int_row; /* per DPU: the row defining its millicore count, 0 */
	const int *int_col; /* its integer column */
	/*
	 * The other nonzeros of those rows, for heur_hand (it had looked for
	 * them among all 466,000 of 2000 containers on four DPUs at every
	 * hand-over): each with its DPU.
	 */
	struct int_nz {
		int col;
		unsigned d;
		double a;
	} * int_nz;
	size_t n_int_nz;
	unsigned npu, nres;
	bool cfg_only; /* every pod with columns chooses a configuration */
	/*
	 * Not cfg_only, but with a greedy placement (upu): the heuristic moves
	 * the pods that choose a configuration, the others stay where upu has
	 * them, using base of each resource.
	 */
	bool mixed;
	double base[NRES];
	bool given;
	unsigned ncalls, fails;
	double cap[NRES];
	int *choice; /* per pod: its configuration, -1 */
	double use[NRES];
	struct hmove *moves;
	unsigned n_moves;
	struct keyed *order, *order_tmp; /* heur_two's moves by key, and room to sort them */
	unsigned *pre1, *pre2;
	uint64_t rng;
	double *fill_dp;		    /* heur_fill: two rows of the table */
	double fill_price[HP_PLAN_MAX_PUS]; /* ... what memory costs in it, per byte and DPU */
	int *fill_pick, *fill_delta, *fill_save;
	double best_bound;   /* GLPK's global bound at the last callback */
	/*
	 * The best placement found too late to hand to GLPK (heur_hand): its
	 * columns and objective, NULL and -HUGE_VAL if none.
	 */
	double *late_x, late_obj;
	struct hp_group grp; /* the group bound (group_build), n_rows 0 if none */
	double *sur_res;     /* the surrogate bound's options' memory and link */
	unsigned *sur_from;  /* ... and which of grp's each one is */
	unsigned *grp_cfg;   /* its options' configurations */
	double *grp_res;     /* their memory and link use, grp.res */
	long long *ccount;   /* per configuration and DPU: its millicore steps */
	unsigned *grp_best;  /* the group bound's choice, per pod */
	unsigned grp_tries;
	unsigned long lns_budget;  /* nodes its neighbourhood search may still search */
	bool pack_split;	   /* the packing search has had its first share of the time */
	struct hp_pack_resume pack_resume; /* ... and where it stopped in it (pack_check) */
	bool probed;		   /* pack_probe has run */
	unsigned long meet_budget; /* what meeting in the middle may still do (pack_min) */
	struct meet_memo grp_meet, sur_meet; /* meeting in the middle on grp and sur */
	double deadline;		     /* hp_now_ms() at the time limit */
	/*
	 * When the callback last returned, and the longest GLPK has taken
	 * between two of its calls (milp_callback).
	 */
	double cb_out, glpk_ms;
	double branch_ms;	     /* what GLPK's branching may take (BRANCH_NS a nonzero) */
	unsigned threads;	     /* the packing search's and meeting's (hp_plan_threads) */
	double submit_ms;	     /* what handing GLPK a placement took, at most */
	double rebalance_ms;	     /* sur_rebalance listing and sorting its halves, at most */
	double step_ms;		     /* what a pass of heur_local or a heur_fill took, at most */
	double grp_z;		     /* the root LP's value, from its duals */
	double grp_inc;		     /* the incumbent it last ran against */
	double grp_bound;	     /* the bound it gave */
	double grp_fail;	     /* the gap at which it last ran out of choices */
	double grp_gap, grp_m;	     /* the gap of its last search, and the least below it */
	bool grp_ties;		     /* a small limit pruned few of its choices (group_min) */
	double pack_lb;		     /* no placement has a smaller penalty (packing search) */
	const char *grp_proven;	     /* which bound proved the incumbent optimal, NULL */
	bool gap_met;		     /* the incumbent is within params.mip_gap of the bound */
	struct hp_group sur;	     /* the surrogate bound (sur_build), n_rows 0 if none */
	unsigned sur_cpu;	     /* ... which DPUs' CPU rows it sums (bit d) */
	unsigned sur_in;	     /* ... and which memory and link rows (bit j of grp.res) */
	unsigned res_tight;	     /* grp.res's rows at their bound in the root LP (bit j) */
	double sur_z;		     /* its LP value */
	double sur_lb;		     /* no packing (sur_refine: split) has a smaller penalty */
	bool sur_exact;		     /* ... and sur_lb is its least (the search finished) */
	double refine_gap;	     /* the gap sur_refine last ran at */
	double refine_fail;	     /* the limit from which its lists overflowed or it got stuck */
	unsigned long refine_budget; /* what its meeting in the middle may still do */
	unsigned refine_halvings;    /* of the way to refine_fail, so far */
	size_t refine_keep;	     /* the packings it keeps to refine */
	unsigned long sur_budget;    /* nodes its search may still visit */
};

/* One move of the incumbent heuristic: pod to configuration to, gaining dgain */
struct hmove {
	unsigned pod;
	int to;
	double dgain;
	double key;
};

/*
 * How far the incumbent inc is below a bound z, less rounding: an incumbent
 * within 1e-9 relative of the bound is optimal.
 */
static inline double gap_to(double z, double inc)
{
	return z - inc - 1e-9 * (1 + fabs(inc));
}

/* Does use fit every DPU's CPU, memory and link? */
static inline bool heur_fits(const struct heur *h, const double *use)
{
	for (unsigned r = 3; r < h->nres; r++)
		if (use[r] > h->cap[r])
			return false;
	return true;
}

/* splitmix64, for the kicks: the same on every run */
static inline uint64_t heur_rand(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * Is it too late to improve the placement: would handing it to GLPK end
 * past the limit? (That took 51 ms of a 2000-container four-DPU model.)
 */
static inline bool heur_late(const struct heur *h)
{
	return hp_plan_clock_ms() + h->submit_ms >= h->deadline;
}

/*
 * When a search whose find is handed to GLPK after it ends must stop (the
 * packing bound's, the neighbourhood search's and the refinement's): the
 * longest hand-over before the limit, and HAND_SLACK_MS more for its last
 * look at the clock. Run to the limit, the packing search of two DPUs
 * short of memory, 200 containers, seed 15, found the optimum too late to
 * hand it over. A proof they would have finished in that stretch is lost
 * (under 3 ms on small models).
 */
static inline double heur_stop(const struct heur *h)
{
	return h->deadline - h->submit_ms - HAND_SLACK_MS;
}

/* When a step given a share-th of the time left, from now, must stop. */
static inline double heur_share(const struct heur *h, double share)
{
	double now = hp_now_ms();

	return now + (h->deadline - now) / share;
}

/* The next of limits that grow by a quarter (by step at least) from l, up to limit. */
static inline double grow_limit(double l, double step, double limit)
{
	return fmin(limit, l + fmax(step, l / 4));
}

/* qsort's order of struct keyed: ascending key */
static inline int keyed_cmp(const void *a, const void *b)
{
	double x = ((const struct keyed *)a)->key, y = ((const struct keyed *)b)->key;

	return x < y ? -1 : x > y;
}

/*
 * split.c: the problem the exact solver gets, q, with pods whose units move
 * independently split into parts; p's container c is q's at[c] (q's other
 * containers stand in for fixed units). q's arrays are its own, its strings
 * p's. split_build: 0 where no pod splits (sp left empty), 1, or -ENOMEM.
 */
struct split {
	struct hp_plan_problem q;
	unsigned *at;
};
int split_build(const struct hp_plan_problem *p, const struct units *s, struct split *sp);
void split_free(struct split *sp);

/* milp.c: the exact solver, hp_plan_solve's HP_PLAN_MILP */
int milp_solve(const struct hp_plan_problem *p, const struct units *s, int *upu, const int *greedy,
	       double *t0, struct hp_plan_result *res, char **model_tmp, struct hp_error *err);

/* heur.c: the incumbent heuristic (placements in h->choice, checked, handed to GLPK) */
void heur_apply(struct heur *h, unsigned pod, int to);
int heur_collect_moves(struct heur *h);
double heur_gain(const struct heur *h);
void heur_greedy(struct heur *h, glp_tree *tree);
void heur_local(struct heur *h);
bool heur_repair(struct heur *h);
bool heur_run(struct heur *h, glp_tree *tree);
void heur_set(struct heur *h, const int *choice);
bool heur_submit(struct heur *h, glp_tree *tree);
void heur_fill_add_row(struct heur *h, unsigned first, unsigned m, const struct cfg *from,
		       unsigned row);
void heur_fill_apply(struct heur *h, unsigned rows, unsigned j);
int heur_int_nz_build(struct heur *h);

/* bound.c: the group and packing bounds, run from the callback (group_check) */
int group_build(struct heur *h, const int *cpu_row, const int *mem_row, const int *link_row,
		long long qg);
void group_check(struct heur *h, glp_tree *tree, bool quick);
int pack_min(struct heur *h, const struct hp_group *g, struct meet_memo *mm, double *proved,
	     double limit, struct hp_pack_limits *lim, unsigned *best, double *m);
const char *bound_proves(const struct heur *h, double inc);
bool gap_accepted(struct heur *h, double inc);

/* surrogate.c: the surrogate bound against the incumbent inc (sur_check) */
int sur_check(struct heur *h, glp_tree *tree, double inc);
bool sur_proves(const struct heur *h, double inc);

#endif

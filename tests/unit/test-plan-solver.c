/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The exact solver against exhaustive search on random small instances (the
 * objective must match) and against the greedy heuristic (never worse).
 */
#include "check.h"
#include "plan/plan.h"
#include "util/util.h"

#include <errno.h>
#include <glpk.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

static bool same(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(a));
}

/*
 * How the exact solver's answers were proven: branch and bound, group bound,
 * packing bound, surrogate bound.
 */
static unsigned proofs[4];

static void compare(const struct hp_plan_gen *g, uint64_t seed, unsigned *matched,
		    unsigned *infeasible)
{
	struct hp_plan_problem p;
	struct hp_plan_result milp = { 0 }, exh = { 0 }, gr = { 0 };
	struct hp_error err = { "" };
	int rm, re, rg;

	if (hp_plan_generate(&p, g, seed) < 0) {
		CHECKF(0, "generate failed");
		return;
	}
	rm = hp_plan_solve(&p, HP_PLAN_MILP, &milp, &err);
	re = hp_plan_solve(&p, HP_PLAN_EXHAUSTIVE, &exh, &err);
	rg = hp_plan_solve(&p, HP_PLAN_GREEDY, &gr, &err);
	CHECKF(re != -E2BIG, "seed %llu: instance too large for exhaustive search",
	      (unsigned long long)seed);
	CHECKF((rm == 0) == (re == 0), "seed %llu (%u containers, %u DPUs): milp %d exhaustive %d",
	      (unsigned long long)seed, p.n_ctr, p.n_pus - 1, rm, re);
	if (rm == 0 && re == 0) {
		CHECKF(milp.optimal, "seed %llu: not proven optimal", (unsigned long long)seed);
		CHECKF(same(milp.objective, exh.objective),
		      "seed %llu (%u containers, %u DPUs): milp %.12f exhaustive %.12f",
		      (unsigned long long)seed, p.n_ctr, p.n_pus - 1, milp.objective, exh.objective);
		*matched += same(milp.objective, exh.objective);
		if (milp.proof)
			proofs[!strcmp(milp.proof, "group bound")	  ? 1
			       : !strcmp(milp.proof, "packing bound")	  ? 2
			       : !strcmp(milp.proof, "surrogate bound") ? 3
									  : 0]++;
		if (rg == 0)
			CHECKF(gr.objective <= milp.objective + 1e-9,
			      "seed %llu: greedy %.12f beats milp %.12f", (unsigned long long)seed,
			      gr.objective, milp.objective);
	} else if (rm == -EDOM && re == -EDOM) {
		(*infeasible)++;
	}
	hp_plan_result_free(&milp);
	hp_plan_result_free(&exh);
	hp_plan_result_free(&gr);
	hp_plan_problem_free(&p);
}

static void test_exhaustive(void)
{
	unsigned matched = 0, infeasible = 0, total = 0;

	for (unsigned i = 0; i < 400; i++) {
		struct hp_plan_gen g = {
			.dpus = i % 4 == 3 ? 3 : i % 4 == 2 ? 2 : 1,
			.move_apps = i % 3 != 0,
			.restrictions = i % 5 != 0,
			.latency = i % 2 == 0,
			.tightness = 0.2 + (i % 7) * 0.1,
		};
		unsigned max = g.dpus == 1 ? 18 : g.dpus == 2 ? 11 : 9;

		g.containers = 1 + i % max;
		if (i % 4 == 0)
			g.containers = max; /* the largest size, often */
		compare(&g, 1000 + i, &matched, &infeasible);
		total++;
	}
	printf("exhaustive: %u/%u instances matched exactly (%u infeasible in both)\n", matched,
	       total, infeasible);
	CHECKF(matched + infeasible == total, "%u mismatches", total - matched - infeasible);
}

/*
 * Five to eight DPUs: a pod of four movable containers has 6^4 to 9^4
 * placements, past the 1024 that had sent such pods to the x/h/z/s rows,
 * and now a choice among its placements (CFG_MAX).
 */
static void test_exhaustive_many(void)
{
	unsigned matched = 0, infeasible = 0, total = 0, big = 0;

	for (unsigned i = 0; i < 48; i++) {
		struct hp_plan_gen g = {
			.dpus = 5 + i % 4,
			.containers = 4 + i % 3,
			.move_apps = true,
			.restrictions = i % 3 == 0,
			.latency = i % 2 == 0,
			.tightness = 0.2 + (i % 5) * 0.1,
		};
		struct hp_plan_problem p;

		if (hp_plan_generate(&p, &g, 5000 + i) == 0) {
			for (unsigned k = 0; k < p.n_pods; k++) {
				unsigned movable = 0;

				for (unsigned c = p.pods[k].first;
				     c < p.pods[k].first + p.pods[k].n; c++)
					movable += (p.ctr[c].allowed & ~1u) != 0;
				big += movable >= 4;
			}
			hp_plan_problem_free(&p);
		}
		compare(&g, 5000 + i, &matched, &infeasible);
		total++;
	}
	printf("exhaustive, 5-8 DPUs: %u/%u instances matched exactly (%u infeasible in both), "
	       "%u pods of four movable containers or more\n",
	       matched, total, infeasible, big);
	CHECKF(matched + infeasible == total, "%u mismatches", total - matched - infeasible);
	CHECKF(big > 0, "no pod with more than 1024 placements");
}

/*
 * 240 instances shaped like the benchmark's (the DPUs sized to the movable
 * demand, pins, budgets; memory as --memory, 0: the default) on dpus0 to
 * three DPUs, from min2 (one or two DPUs) or min3 containers up to 14, 11
 * or 9, small enough for exhaustive search. Prints how
 * they were proven (proofs[]).
 */
static void family(const char *name, bool move_apps, double memory, unsigned dpus0,
		   unsigned min2, unsigned min3, uint64_t seed0)
{
	unsigned matched = 0, infeasible = 0, total = 0;

	memset(proofs, 0, sizeof(proofs));
	for (unsigned i = 0; i < 240; i++) {
		struct hp_plan_gen g = { .dpus = dpus0 + i % (4 - dpus0), .move_apps = move_apps,
					 .restrictions = i % 4 != 0, .latency = i % 3 != 0,
					 .tightness = 0.3 + (i % 5) * 0.1, .feasible = true,
					 .memory = memory };
		unsigned min = g.dpus <= 2 ? min2 : min3;
		unsigned max = g.dpus == 1 ? 14 : g.dpus == 2 ? 11 : 9;

		g.containers = min + (i / 2) % (max - min + 1);
		compare(&g, seed0 + i, &matched, &infeasible);
		total++;
	}
	printf("%s: %u/%u instances matched exactly (%u infeasible in both); proven by branch "
	       "and bound %u, group bound %u, packing bound %u, surrogate bound %u\n",
	       name, matched, total, infeasible, proofs[0], proofs[1], proofs[2], proofs[3]);
	CHECKF(matched + infeasible == total, "%s: %u mismatches", name,
	       total - matched - infeasible);
}

/*
 * Applications may move too: here the packing and surrogate bounds, not
 * branch and bound, prove most answers, so this is where a wrong bound
 * would show as an objective below the optimum (the packing bound proves
 * one or none here, as the surrogate's refinement goes: the memory-short
 * family requires each to prove some).
 */
static void test_packing(void)
{
	family("packing", true, 0, 2, 6, 5, 9000);
	CHECKF(proofs[2] + proofs[3] > 0, "neither packing nor surrogate bound was exercised");
}

/*
 * Only sidecars move (applications stay on the host, heteropod plan's
 * default): every move pays crossing costs, the DPUs' loads are off the
 * millicore grid, and the surrogate bound (the DPUs' CPU added up) proves
 * many answers, so it is checked against exhaustive search here.
 */
static void test_sidecars(void)
{
	family("sidecars", false, 0, 2, 7, 6, 12000);
	CHECKF(proofs[3] > 0, "the surrogate bound was not exercised");
}

/*
 * DPUs short of memory (bench plan --memory 0.5), one to three of them:
 * memory is priced, and where the group bound does not prove the answer
 * the packing bound (with one DPU, by meeting in the middle first) and the
 * surrogate bound (the same, on its one row) do; which of the packing
 * bound's searches proved it, the test does not see.
 */
static void test_memory(void)
{
	family("memory short", true, 0.5, 1, 8, 6, 15000);
	CHECKF(proofs[2] > 0, "the packing bound was not exercised");
	CHECKF(proofs[3] > 0, "the surrogate bound was not exercised");
}

/*
 * The size: 2000 containers on a node with one DPU, the benchmark's
 * instances (bench plan, the same seeds). Proven optimal is what is asserted;
 * the time limit is generous so that a loaded machine cannot fail the test,
 * and the time taken is printed (docs/planner.md has the figures).
 */
static void test_large(void)
{
	for (unsigned i = 0; i < 6; i++) {
		unsigned dpus = i < 3 ? 1 : i < 5 ? 2 : 3, seed = i < 3 ? i : i - (i < 5 ? 3 : 5);
		struct hp_plan_gen g = { .containers = 2000, .dpus = dpus, .move_apps = true,
					 .restrictions = true, .latency = true, .tightness = 0.4,
					 .feasible = true };
		struct hp_plan_problem p;
		struct hp_plan_result milp = { 0 }, gr = { 0 };
		struct hp_error err = { "" };
		int rm, rg;

		if (hp_plan_generate(&p, &g, 7919ull * g.containers + seed) < 0) {
			CHECKF(0, "generate failed");
			return;
		}
		p.params.time_limit_s = 60;
		rm = hp_plan_solve(&p, HP_PLAN_MILP, &milp, &err);
		CHECKF(rm == 0, "2000 containers, %u DPUs, seed %u: %s", dpus, seed, err.msg);
		rg = hp_plan_solve(&p, HP_PLAN_GREEDY, &gr, &err);
		if (rm == 0) {
			printf("large: %u containers, %u pods, %u DPU%s: %s by %s, objective %.6f, "
			       "%.0f ms (greedy %.6f)\n",
			       p.n_ctr, p.n_pods, dpus, dpus > 1 ? "s" : "", milp.status,
			       milp.optimal && milp.proof ? milp.proof : "-", milp.objective,
			       milp.solve_ms, rg == 0 ? gr.objective : NAN);
			CHECKF(milp.optimal, "2000 containers, %u DPUs, seed %u: not proven optimal in "
			       "60 s (%.6f, bound %.6f)", dpus, seed, milp.objective, milp.bound);
			CHECKF(rg != 0 || gr.objective <= milp.objective + 1e-9,
			       "seed %u: greedy %.9f beats milp %.9f", seed, gr.objective,
			       milp.objective);
		}
		hp_plan_result_free(&milp);
		hp_plan_result_free(&gr);
		hp_plan_problem_free(&p);
	}
}

/*
 * Solve the benchmark's instance of g (its seed i: bench plan's 7919 n + i)
 * and require it proven optimal within limit seconds; print what it took.
 * Returns the objective (NAN if none).
 */
static double proven_within(const char *what, const struct hp_plan_gen *g, unsigned i,
			    double limit)
{
	struct hp_plan_problem p;
	struct hp_plan_result r = { 0 };
	struct hp_error err = { "" };
	double obj;

	if (hp_plan_generate(&p, g, 7919ull * g->containers + i) < 0) {
		CHECKF(0, "%s: generate failed", what);
		return NAN;
	}
	p.params.time_limit_s = limit;
	CHECKF(hp_plan_solve(&p, HP_PLAN_MILP, &r, &err) == 0, "%s: %s", what, err.msg);
	printf("%s: %s by %s, objective %.6f, %.0f ms\n", what, r.status,
	       r.optimal && r.proof ? r.proof : "-", r.objective, r.solve_ms);
	CHECKF(r.optimal, "%s: not proven optimal in %.0f s (%.6f, bound %.6f)", what, limit,
	       r.objective, r.bound);
	obj = r.pu ? r.objective : NAN;
	hp_plan_result_free(&r);
	hp_plan_problem_free(&p);
	return obj;
}

/*
 * One DPU short of memory (bench plan --memory 0.5, 2000 containers).
 * Seed 1: the group bound's choice is built by packing the pods leanest in
 * memory per millicore first (heur_pack_exact). Walking the packing at
 * random put twice the DPU's memory on it, and the optimum took GLPK's
 * search 8 s; it now takes about 0.1 s. Seed 0: the optimum is 3.9
 * millicores below the LP, where the memory's price counts, and only the
 * packing bound met in the middle (meet.c) proves it, in about 0.25 s; 60 s
 * of search left 0.6 millicores open before. Three DPUs, seed 0: the
 * surrogate's least packing fills the DPUs' CPU to 0.02 millicores and
 * their memory to 17 MiB in all, and splitting it takes a rebalance of
 * two DPUs at a time that fits CPU and memory at once (sur_rebalance);
 * about 1.5 s, where 20 s had left it 0.07 cores short of its bound. 5 and
 * 10 s keep a loaded machine from failing the test.
 */
static void test_memory_short(void)
{
	struct hp_plan_gen g = { .containers = 2000, .dpus = 1, .move_apps = true,
				 .restrictions = true, .latency = true, .tightness = 0.4,
				 .feasible = true, .memory = 0.5 };

	proven_within("memory short", &g, 1, 5);
	proven_within("memory short, priced", &g, 0, 10);
	g.dpus = 3;
	proven_within("memory short, 3 DPUs", &g, 0, 10);
}

/*
 * On a time limit the reported bound must still be a bound: never below the
 * optimum found by exhaustive search. Two and three DPUs, a 1-5 ms limit so
 * that some searches stop with nodes open.
 */
static void test_bound(void)
{
	unsigned stopped = 0, total = 0;

	for (unsigned i = 0; i < 120; i++) {
		struct hp_plan_gen g = { .dpus = 2 + i % 2, .move_apps = true,
					 .restrictions = i % 3 != 0, .latency = i % 2 == 0,
					 .tightness = 0.3 + (i % 4) * 0.1 };
		struct hp_plan_problem p;
		struct hp_plan_result milp = { 0 }, exh = { 0 };
		struct hp_error err = { "" };

		g.containers = g.dpus == 2 ? 11 : 9;
		if (hp_plan_generate(&p, &g, 5000 + i) < 0) {
			CHECKF(0, "generate failed");
			return;
		}
		p.params.time_limit_s = 0.001 * (1 + i % 5);
		if (hp_plan_solve(&p, HP_PLAN_MILP, &milp, &err) == 0 &&
		    hp_plan_solve(&p, HP_PLAN_EXHAUSTIVE, &exh, &err) == 0) {
			total++;
			stopped += !milp.optimal;
			CHECKF(milp.bound >= exh.objective - 1e-9 * fmax(1.0, exh.objective),
			       "seed %u: bound %.12f below the optimum %.12f", 5000 + i, milp.bound,
			       exh.objective);
			CHECKF(milp.bound >= milp.objective, "seed %u: bound below the objective",
			       5000 + i);
		}
		hp_plan_result_free(&milp);
		hp_plan_result_free(&exh);
		hp_plan_problem_free(&p);
	}
	printf("bound: %u instances, %u stopped by the time limit\n", total,
	       stopped);
}

static void test_evaluate(void)
{
	struct hp_plan_problem p;
	struct hp_plan_eval ev;
	int pu[3];
	int pod;

	hp_plan_problem_init(&p);
	p.n_pus = 2;
	strcpy(p.pu[1].name, "dpu0");
	p.pu[1].cores = 1;
	p.pu[1].speed = 0.5;
	p.pu[1].memory = 1e9;
	p.pu[1].link_bw = 1e9;
	pod = hp_plan_add_pod(&p, "Pod/x", 2);
	hp_plan_add_container(&p, pod, "app", NULL);
	hp_plan_add_container(&p, pod, "proxy", NULL);
	hp_plan_add_container(&p, pod, "agent", NULL);
	p.ctr[0].cpu = 1;
	p.ctr[1].cpu = 0.2;
	p.ctr[2].cpu = 0.1;
	/* 1000 msgs/s and 1 MB/s: 2 ms + 0.1 ms of CPU per second and side */
	hp_plan_add_edge(&p, 0, 1, 1000, 1e6, 2);
	pu[0] = 0, pu[1] = 1, pu[2] = 0;
	hp_plan_evaluate(&p, pu, &ev);
	CHECKF(ev.feasible, "%s", ev.why);
	CHECKF(same(ev.host_cores_freed, 2 * (0.2 - 0.0021)), "freed %f", ev.host_cores_freed);
	CHECKF(same(ev.dpu_cpu[1], 2 * (0.2 + 0.0021) / 0.5), "dpu cpu %f", ev.dpu_cpu[1]);
	CHECKF(same(ev.dpu_link[1], 2e6), "link %f", ev.dpu_link[1]);
	pu[2] = 1; /* 0.4 + 0.2 more DPU cores: over capacity */
	hp_plan_evaluate(&p, pu, &ev);
	CHECKF(!ev.feasible, "capacity not enforced");
	p.pods[0].latency_budget_us = 5; /* one crossing pair costs 2 x 5 us */
	pu[2] = 0;
	hp_plan_evaluate(&p, pu, &ev);
	CHECKF(!ev.feasible, "latency budget not enforced");
	hp_plan_problem_free(&p);
}

/*
 * Memory short: by gain per core the three tie and the first (by order)
 * takes all of the DPU's memory; by gain per share of cores and memory the
 * other two come first and both fit.
 */
/*
 * A report asks, for every container, what moving its group to each DPU
 * would do (hp_plan_evaluate_move, one pod's work): it must say what
 * hp_plan_evaluate says of the moved placement, feasible or not and why,
 * from placements the greedy heuristic finds on random instances (latency
 * budgets, pins, groups, one to three DPUs, memory short or not).
 */
static void test_evaluate_move(void)
{
	unsigned moves = 0, infeasible = 0, pays = 0, checked = 0;

	for (unsigned seed = 0; seed < 24; seed++) {
		struct hp_plan_gen g = {.containers = 60,
					.dpus = 1 + seed % 3,
					.move_apps = seed % 2,
					.restrictions = true,
					.latency = true,
					.tightness = 0.4,
					.feasible = true,
					.memory = seed % 4 ? 1.5 : 0.5};
		struct hp_plan_problem p;
		struct hp_plan_result r = {0};
		struct hp_error err = {""};
		struct hp_plan_eval cur, ev, want;
		unsigned *edges;
		int *alt, *base;

		if (hp_plan_generate(&p, &g, 31 * seed + 7) < 0 ||
		    hp_plan_solve(&p, HP_PLAN_GREEDY, &r, &err) < 0) {
			hp_plan_problem_free(&p);
			continue;
		}
		alt = malloc(p.n_ctr * sizeof(int));
		edges = malloc((p.n_edges + 1) * sizeof(unsigned));
		base = calloc(p.n_ctr, sizeof(int));
		/* the greedy placement, and everything on the host where nothing is pinned */
		for (unsigned from = 0; alt && edges && base && from < 2; from++) {
			const int *pu = from ? base : r.pu;

			hp_plan_evaluate(&p, pu, &cur);
			if (!cur.feasible)
				continue;
			checked++;
			for (unsigned c = 0; c < p.n_ctr; c++) {
				unsigned pod = p.ctr[c].pod, n = 0;

				for (unsigned i = 0; i < p.n_edges; i++)
					if (p.ctr[p.edges[i].a].pod == pod)
						edges[n++] = i;
				CHECKF(same(hp_plan_container_freed_in(&p, pu, c, edges, n),
					    hp_plan_container_freed(&p, pu, c)),
				       "seed %u container %u: freed from its pod's edges differs",
				       seed, c);
				for (unsigned d = 0; d < p.n_pus; d++) {
					memcpy(alt, pu, p.n_ctr * sizeof(int));
					for (unsigned i = 0; i < p.n_ctr; i++)
						if (p.ctr[i].group == p.ctr[c].group)
							alt[i] = (int)d;
					hp_plan_evaluate(&p, alt, &want);
					hp_plan_evaluate_move(&p, pu, &cur, c, (int)d, edges, n,
							      &ev);
					moves++;
					infeasible += !want.feasible;
					pays +=
					    want.feasible && want.objective > cur.objective + 1e-12;
					CHECKF(ev.feasible == want.feasible &&
						   (!want.feasible ||
						    (same(ev.objective, want.objective) &&
						     same(ev.host_cores_freed,
							  want.host_cores_freed))),
					       "seed %u container %u to %u: move %d %.9f, "
					       "placement %d %.9f",
					       seed, c, d, ev.feasible, ev.objective, want.feasible,
					       want.objective);
					CHECKF(ev.feasible || !strcmp(ev.why, want.why),
					       "seed %u container %u to %u: '%s', placement '%s'",
					       seed, c, d, ev.why, want.why);
				}
			}
		}
		free(alt);
		free(edges);
		free(base);
		hp_plan_result_free(&r);
		hp_plan_problem_free(&p);
	}
	/* the cases the reasons tell apart all occur */
	CHECKF(checked >= 24 && infeasible > 100 && pays > 100 && moves - infeasible - pays > 100,
	       "placements %u, moves %u, infeasible %u, paying %u", checked, moves, infeasible,
	       pays);
}

static void test_greedy_memory(void)
{
	static const double cpu[] = { 0.6, 0.45, 0.45 }, gib[] = { 1, 0.4, 0.4 };
	struct hp_plan_problem p;
	struct hp_plan_result gr = { 0 }, ex = { 0 };
	struct hp_error err = { "" };

	hp_plan_problem_init(&p);
	p.n_pus = 2;
	strcpy(p.pu[1].name, "dpu0");
	p.pu[1].cores = 1;
	p.pu[1].speed = 1;
	p.pu[1].memory = HP_PLAN_GIB;
	p.pu[1].link_bw = 1e9;
	for (unsigned i = 0; i < 3; i++) {
		int pod = hp_plan_add_pod(&p, i == 0 ? "Pod/a" : i == 1 ? "Pod/b" : "Pod/c", 1);

		hp_plan_add_container(&p, (unsigned)pod, "agent", NULL);
		p.ctr[i].cpu = cpu[i];
		p.ctr[i].memory = gib[i] * HP_PLAN_GIB;
	}
	CHECKF(hp_plan_solve(&p, HP_PLAN_GREEDY, &gr, &err) == 0, "greedy: %s", err.msg);
	CHECKF(hp_plan_solve(&p, HP_PLAN_EXHAUSTIVE, &ex, &err) == 0, "exhaustive: %s", err.msg);
	CHECKF(same(ex.objective, 0.9), "exhaustive %f, not 0.9", ex.objective);
	CHECKF(same(gr.objective, ex.objective), "greedy %f, exhaustive %f", gr.objective,
	       ex.objective);
	hp_plan_result_free(&gr);
	hp_plan_result_free(&ex);
	hp_plan_problem_free(&p);
}

/*
 * Only sidecars move, 2000 containers, two DPUs (bench plan --sidecars-only
 * --dpus 2, seed 0): before the surrogate bound no instance of this family
 * from 500 containers on was proven within 2 s; this one now takes about
 * 0.3 s. Four DPUs, 200 containers, seed 3: the surrogate's least packing
 * has no split, and only the refined surrogate proves it (about 0.3 s; 60 s
 * had not). Its optimum, 9.01880096, is CBC 2.10's (the model as GLPK
 * writes it, glp_write_lp, solved by cbc with no gap allowed: proven in
 * 325 s), an answer from another solver. 500 containers, seed 2: the split
 * search of the surrogate's least packing runs out; the local search's
 * rebalance splits it at once (about 0.2 s; 0.75 s by the refinement's
 * local search before the rebalance took the DPUs two at a time in turn).
 * 10 s keeps a loaded machine from failing the test.
 */
static void test_sidecars_large(void)
{
	struct hp_plan_gen g = { .containers = 2000, .dpus = 2, .move_apps = false,
				 .restrictions = true, .latency = true, .tightness = 0.4,
				 .feasible = true };
	double obj;

	proven_within("sidecars only, 2000 containers, 2 DPUs", &g, 0, 10);
	g.containers = 200;
	g.dpus = 4;
	obj = proven_within("sidecars only, 200 containers, 4 DPUs", &g, 3, 10);
	CHECKF(fabs(obj - 9.01880096) <= 1e-7, "sidecars only, 4 DPUs: %.9f, CBC's optimum 9.01880096",
	       obj);
	g.containers = 500;
	proven_within("sidecars only, 500 containers, 4 DPUs", &g, 2, 10);
}

/*
 * The model written by --write-model (params.model_file), read back and
 * solved by GLPK alone, has the optimum the planner and exhaustive search
 * find: on random small instances (choices of configurations), and on a pod
 * too large for them, which enters as x/h/z/s columns with their rows.
 */
static double model_optimum(const char *path)
{
	glp_prob *lp = glp_create_prob();
	glp_iocp iocp;
	double v = NAN;

	glp_term_out(GLP_OFF);
	if (glp_read_lp(lp, NULL, path) == 0) {
		glp_init_iocp(&iocp);
		iocp.presolve = GLP_ON;
		iocp.msg_lev = GLP_MSG_OFF;
		iocp.tm_lim = 60000;
		if (glp_intopt(lp, &iocp) == 0 && glp_mip_status(lp) == GLP_OPT)
			v = glp_mip_obj_val(lp);
	}
	glp_delete_prob(lp);
	return v;
}

/* Returns whether a model was written and checked (not when infeasible or nothing may move). */
static bool model_check(struct hp_plan_problem *p, const char *path, const char *what)
{
	struct hp_plan_result milp = {0}, exh = {0};
	struct hp_error err = {""};
	bool checked = false;
	int rm, re;
	double v;

	unlink(path);
	p->params.model_file = path;
	rm = hp_plan_solve(p, HP_PLAN_MILP, &milp, &err);
	p->params.model_file = NULL;
	re = hp_plan_solve(p, HP_PLAN_EXHAUSTIVE, &exh, &err);
	if (rm == -EDOM || re == -EDOM) {
		CHECKF(rm == re, "%s: planner %d, exhaustive %d", what, rm, re);
		return false;
	}
	if (rm < 0 || re < 0) {
		CHECKF(0, "%s: planner %d, exhaustive %d: %s", what, rm, re, err.msg);
		return false;
	}
	if (!milp.model_written) {
		/* only where nothing may move */
		CHECKF(same(milp.objective, 0) && access(path, F_OK) < 0,
		       "%s: no model written, objective %f", what, milp.objective);
	} else {
		v = model_optimum(path);
		CHECKF(fabs(v - exh.objective) <= 1e-6 * fmax(1.0, fabs(v)),
		       "%s: the written model's optimum %.9f, exhaustive %.9f", what, v,
		       exh.objective);
		checked = true;
	}
	CHECKF(milp.optimal && same(milp.objective, exh.objective),
	       "%s: planner %.9f, exhaustive %.9f", what, milp.objective, exh.objective);
	hp_plan_result_free(&milp);
	hp_plan_result_free(&exh);
	return checked;
}

static void test_model_file(void)
{
	char dir[] = "/tmp/hp-plan-model.XXXXXX", path[64], what[64];
	struct hp_plan_problem p;
	struct hp_plan_params prm;
	unsigned written = 0;

	/* callers keep their parameters on the stack: the defaults leave no path to write to */
	memset(&prm, 0xa5, sizeof(prm));
	hp_plan_params_defaults(&prm);
	CHECKF(prm.model_file == NULL, "default parameters write a model");
	if (!mkdtemp(dir)) {
		CHECKF(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/model.lp", dir);
	for (unsigned i = 0; i < 30; i++) {
		struct hp_plan_gen g = {.containers = 8 + i % 5,
					.dpus = 1 + i % 3,
					.move_apps = true,
					.restrictions = true,
					.latency = true,
					.tightness = 0.4,
					.feasible = true,
					.memory = i % 2 ? 0.5 : 0};

		if (hp_plan_generate(&p, &g, 31000 + i) < 0) {
			CHECKF(0, "generate failed");
			continue;
		}
		snprintf(what, sizeof(what), "model, seed %u", 31000 + i);
		written += model_check(&p, path, what);
		hp_plan_problem_free(&p);
	}
	CHECKF(written >= 20, "models checked for %u of 30 instances", written);

	/*
	 * One pod of seven containers, six of which may move to three DPUs:
	 * 4096 placements, too many to choose among.
	 */
	hp_plan_problem_init(&p);
	p.n_pus = 4;
	for (unsigned d = 1; d < 4; d++) {
		snprintf(p.pu[d].name, sizeof(p.pu[d].name), "dpu%u", d - 1);
		p.pu[d].cores = 0.5 * d;
		p.pu[d].speed = 0.3 + 0.2 * d;
		p.pu[d].memory = 0.6 * d * HP_PLAN_GIB;
		p.pu[d].link_bw = 4e6;
	}
	hp_plan_add_pod(&p, "Pod/big", 1);
	p.pods[0].latency_budget_us = 60;
	for (unsigned c = 0; c < 7; c++) {
		char name[16];
		int idx;

		snprintf(name, sizeof(name), "c%u", c);
		idx = hp_plan_add_container(&p, 0, name, NULL);
		p.ctr[idx].role = c < 2 ? HP_PLAN_APP : HP_PLAN_INFRA;
		p.ctr[idx].cpu = 0.1 + 0.06 * c;
		p.ctr[idx].memory = (0.1 + 0.04 * c) * HP_PLAN_GIB;
		p.ctr[idx].allowed = c ? 0xf : 1; /* c0 stays: its edges cross the host */
	}
	for (unsigned c = 2; c < 7; c++) {
		hp_plan_add_edge(&p, 0, c, 500.0 * c, 2e5 * c, 1 + c % 2);
		hp_plan_add_edge(&p, 1, c, 300.0 * c, 1e5 * c, c % 2);
	}
	CHECKF(model_check(&p, path, "model, a pod of seven containers on three DPUs"),
	       "model of the large pod not checked");
	hp_plan_problem_free(&p);
	unlink(path);
	rmdir(dir);
	printf("model file: %u of 30 random instances (the others infeasible) and a large pod "
	       "checked against exhaustive search\n",
	       written);
}

/*
 * Many DPUs: six DPUs, 500 containers (pods of four movable containers have
 * 7^4 placements) proven, as pods of placements (none proven in 10 s when
 * such pods took the x/h/z/s rows); eight DPUs, 2000 containers, whose
 * placements come to more than CFG_TOTAL: those pods in the x/h/z/s rows
 * again, a feasible answer no worse than greedy's and its bound above it.
 */
static void test_many_dpus(void)
{
	struct hp_plan_gen g = { .containers = 500,
				 .dpus = 6,
				 .move_apps = true,
				 .restrictions = true,
				 .latency = true,
				 .tightness = 0.4,
				 .feasible = true };
	struct hp_plan_problem p;
	struct hp_plan_result r = { 0 }, gr = { 0 };
	struct hp_plan_eval ev;
	struct hp_error err = { "" };

	proven_within("six DPUs, 500 containers", &g, 0, 10);
	g.containers = 2000;
	g.dpus = 8;
	if (hp_plan_generate(&p, &g, 7919ull * g.containers) < 0) {
		CHECKF(0, "generate failed");
		return;
	}
	p.params.time_limit_s = 1;
	CHECKF(hp_plan_solve(&p, HP_PLAN_MILP, &r, &err) == 0, "eight DPUs: %s", err.msg);
	CHECKF(hp_plan_solve(&p, HP_PLAN_GREEDY, &gr, &err) == 0, "eight DPUs, greedy: %s",
	       err.msg);
	if (r.pu && gr.pu) {
		hp_plan_evaluate(&p, r.pu, &ev);
		CHECKF(ev.feasible, "eight DPUs, 2000 containers: infeasible (%s)", ev.why);
		CHECKF(r.objective >= gr.objective - 1e-9 && r.bound >= r.objective - 1e-9,
		       "eight DPUs: %.6f, greedy %.6f, bound %.6f", r.objective, gr.objective,
		       r.bound);
		printf("eight DPUs, 2000 containers: %s, objective %.6f, bound %.6f, %.0f ms\n",
		       r.status, r.objective, r.bound, r.solve_ms);
	}
	hp_plan_result_free(&r);
	hp_plan_result_free(&gr);
	hp_plan_problem_free(&p);
}

/*
 * A container the answer keeps on the host says why: "fits on no DPU" or
 * the latency budget only where no DPU it may run on takes it, and "not
 * moved, though" where one takes it and frees more. The first DPU's reason
 * had stood for all of them, also beside a move that paid (greedy's
 * answers, which prove nothing, on random instances).
 */
static void test_reasons(void)
{
	unsigned kept = 0, pays = 0;

	for (uint64_t seed = 1; seed <= 200; seed++) {
		struct hp_plan_gen g = { .containers = 20 + seed % 40,
					 .dpus = 2 + seed % 3,
					 .move_apps = seed % 2,
					 .restrictions = true,
					 .latency = true,
					 .tightness = 0.5,
					 .feasible = true };
		struct hp_plan_problem p;
		struct hp_plan_result r = { 0 };
		struct hp_plan_eval cur, ev;
		struct hp_error err = { "" };
		_cleanup_free_ unsigned *edges = NULL;
		_cleanup_free_ char *js = NULL;
		json_t *o = NULL, *pl;

		if (hp_plan_generate(&p, &g, seed) < 0 ||
		    hp_plan_solve(&p, HP_PLAN_GREEDY, &r, &err) < 0 ||
		    !(js = hp_plan_report_json(&p, &r)) || !(o = json_loads(js, 0, NULL)) ||
		    !(edges = calloc(p.n_edges + 1, sizeof(unsigned)))) {
			hp_plan_result_free(&r);
			hp_plan_problem_free(&p);
			json_decref(o);
			continue;
		}
		pl = json_object_get(o, "placements");
		hp_plan_evaluate(&p, r.pu, &cur);
		for (unsigned c = 0; c < p.n_ctr; c++) {
			const char *why =
			    json_string_value(json_object_get(json_array_get(pl, c), "reason"));
			bool none = why && (!strncmp(why, "fits on no DPU", 14) ||
					    !strncmp(why, "over its pod's latency", 22));
			bool fits = false, pay = false;
			unsigned ne = 0;

			if (r.pu[c] != 0 || !why)
				continue;
			for (unsigned k = 0; k < p.n_edges; k++)
				if (p.ctr[p.edges[k].a].pod == p.ctr[c].pod)
					edges[ne++] = k;
			for (unsigned d = 1; d < p.n_pus; d++) {
				hp_plan_evaluate_move(&p, r.pu, &cur, c, (int)d, edges, ne, &ev);
				fits |= ev.feasible;
				pay |=
				    ev.feasible &&
				    ev.objective > cur.objective + 1e-9 * (1 + fabs(cur.objective));
			}
			kept++;
			pays += pay;
			CHECKF(!none || !fits, "seed %llu: %s kept, '%s', but a DPU takes it",
			       (unsigned long long)seed, p.ctr[c].name, why);
			CHECKF(pay == !strncmp(why, "not moved, though", 17),
			       "seed %llu: %s kept, '%s', a move %s", (unsigned long long)seed,
			       p.ctr[c].name, why, pay ? "pays" : "does not pay");
		}
		json_decref(o);
		hp_plan_result_free(&r);
		hp_plan_problem_free(&p);
	}
	printf("reasons: %u containers kept by greedy, %u of them where a move would pay\n", kept,
	       pays);
	CHECKF(kept > 100 && pays > 0, "%u kept, %u paying", kept, pays);
}

static unsigned split_pick(uint64_t *s, unsigned lo, unsigned hi)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return lo + (unsigned)((*s >> 33) % (hi - lo + 1));
}

/*
 * A node of dpus small DPUs and n_pods pods, each of apps applications on
 * the host and side[i] sidecars that each talk to each of them (split.c splits such pods
 * where they have more than 1024 placements). With variants from seed: a
 * sidecar pinned to a DPU or kept on the host (a fixed unit, which the
 * parts reach through stand-ins), two sidecars that talk to each other (a
 * part of two), two that share a PU (one unit), a latency budget that no
 * placement breaks or one of 5 us, which keeps off the DPUs every sidecar
 * whose traffic with the applications would cross twice (units_latency),
 * and binds the others (the pod splits only where what may still cross
 * fits it).
 */
static int split_instance(struct hp_plan_problem *p, unsigned dpus, unsigned n_pods, unsigned apps,
			  const unsigned *side, uint64_t seed)
{
	uint64_t s = seed;

	hp_plan_problem_init(p);
	p->n_pus = 1 + dpus;
	for (unsigned d = 1; d <= dpus; d++) {
		snprintf(p->pu[d].name, sizeof(p->pu[d].name), "dpu%u", d - 1);
		p->pu[d].cores = split_pick(&s, 2, 10) / 10.0;
		p->pu[d].speed = split_pick(&s, 5, 10) / 10.0;
		p->pu[d].memory = split_pick(&s, 100, 400) * 1048576.0;
		p->pu[d].link_bw = split_pick(&s, 2, 20) * 1e6;
	}
	for (unsigned i = 0; i < n_pods; i++) {
		char name[32];
		int pod, app = -1, first;

		snprintf(name, sizeof(name), "Deployment/s%u", i);
		pod = hp_plan_add_pod(p, name, 1);
		if (pod < 0)
			return -ENOMEM;
		for (unsigned k = 0; k < apps; k++) {
			snprintf(name, sizeof(name), "app%u", k);
			if ((app = hp_plan_add_container(p, (unsigned)pod, name, NULL)) < 0)
				return -ENOMEM;
			p->ctr[app].role = HP_PLAN_APP;
			p->ctr[app].cpu = 1;
			p->ctr[app].allowed = 1;
		}
		first = app + 1;
		for (unsigned k = 0; k < side[i]; k++) {
			struct hp_plan_container *c;
			int idx;

			snprintf(name, sizeof(name), "envoy-%u", k);
			if ((idx = hp_plan_add_container(p, (unsigned)pod, name, NULL)) < 0)
				return -ENOMEM;
			for (int a = first - (int)apps; a < first; a++) {
				double msgs = split_pick(&s, 1, 10) * 100.0;

				if (hp_plan_add_edge(p, (unsigned)idx, (unsigned)a, msgs,
						     msgs * split_pick(&s, 1, 32) * 256.0,
						     split_pick(&s, 0, 2)) < 0)
					return -ENOMEM;
			}
			c = &p->ctr[idx];
			c->role = HP_PLAN_INFRA;
			c->cpu = split_pick(&s, 1, 10) * 0.05;
			c->memory = split_pick(&s, 16, 128) * 1048576.0;
			c->allowed = (1u << p->n_pus) - 1;
		}
		switch (side[i] < 2 ? 5 : split_pick(&s, 0, 5)) {
		case 0:
			p->ctr[first].allowed = 1u << split_pick(&s, 1, dpus);
			p->ctr[first].pin = __builtin_ctz(p->ctr[first].allowed);
			break;
		case 1:
			p->ctr[first].allowed = 1;
			break;
		case 2:
			if (hp_plan_add_edge(p, (unsigned)first, (unsigned)first + 1, 500, 1e5, 1) <
			    0)
				return -ENOMEM;
			break;
		case 3:
			hp_plan_colocate(p, (unsigned)first, (unsigned)first + 1);
			break;
		case 4:
			p->pods[pod].latency_budget_us = split_pick(&s, 0, 1) ? 1000 : 5;
			break;
		}
	}
	return 0;
}

/*
 * A latency budget that each proxy of a pod breaks alone (two applications,
 * two crossings each, 5 us a crossing, against 10 us): units_latency keeps
 * them on the host, and the exact solver's answer must still be exhaustive
 * search's (seven sidecars) and proven (sixteen). test-plan-cli has the
 * black-box review's pod that the x/h/z/s rows had left 15% over the
 * optimum at 10 s. 5 s keeps a loaded machine from failing.
 */
static void test_latency_fixed(void)
{
	for (unsigned big = 0; big < 2; big++) {
		struct hp_plan_problem p;
		struct hp_plan_result r = { 0 }, ex = { 0 };
		struct hp_error err = { "" };
		unsigned side = big ? 16 : 7, dpus = big ? 4 : 3;
		int pod;

		hp_plan_problem_init(&p);
		p.n_pus = 1 + dpus;
		for (unsigned d = 1; d <= dpus; d++) {
			snprintf(p.pu[d].name, sizeof(p.pu[d].name), "dpu%u", d - 1);
			p.pu[d].cores = 1;
			p.pu[d].speed = d % 2 ? 1 : 0.5;
			p.pu[d].memory = (d % 2 ? 256.0 : 16384.0) * 1048576.0;
			p.pu[d].link_bw = d % 2 ? 3.125e9 : 1.25e7;
		}
		pod = hp_plan_add_pod(&p, "Deployment/w0", 1);
		for (unsigned k = 0; pod >= 0 && k < 2 + side; k++) {
			char name[16];
			int c;

			snprintf(name, sizeof(name), k < 2 ? "app%u" : "s%u", k);
			c = hp_plan_add_container(&p, (unsigned)pod, name, NULL);
			if (c < 0)
				break;
			p.ctr[c].role = k < 2 ? HP_PLAN_APP : HP_PLAN_INFRA;
			p.ctr[c].cpu = k < 2 ? 0.5 : 0.02 * (1 + k % 10);
			p.ctr[c].memory = (k < 2 ? 256 : 10 + 10 * (k % 10)) * 1048576.0;
			p.ctr[c].allowed = k < 2 ? 1 : (1u << p.n_pus) - 1;
			/* proxies (odd) carry each request, agents (even) do not cross */
			for (int a = 0; k >= 2 && a < 2; a++)
				hp_plan_add_edge(&p, (unsigned)c, (unsigned)a, 200, 2e5,
						 k % 2 ? 2 : 0);
		}
		p.pods[pod].latency_budget_us = 10;
		p.params.time_limit_s = 5;
		CHECKF(hp_plan_solve(&p, HP_PLAN_MILP, &r, &err) == 0, "budget: %s", err.msg);
		printf("a budget each proxy breaks, %u sidecars: %s, objective %.6f, %.1f ms\n",
		       side, r.status, r.objective, r.solve_ms);
		CHECKF(r.optimal, "%u sidecars: not proven (%.6f, bound %.6f)", side, r.objective,
		       r.bound);
		if (!big && hp_plan_solve(&p, HP_PLAN_EXHAUSTIVE, &ex, &err) == 0)
			CHECKF(same(ex.objective, r.objective), "exhaustive %.9f, milp %.9f",
			       ex.objective, r.objective);
		hp_plan_result_free(&r);
		hp_plan_result_free(&ex);
		hp_plan_problem_free(&p);
	}
}

/*
 * Pods that split, against exhaustive search: three DPUs and seven sidecars
 * (4^7 placements, 4^6 = 4096 where one is fixed or two share a PU) or five
 * DPUs and five (6^5, 6^4 = 1296), with a second pod of one sidecar; the
 * model written says which split (more pods than two). Then two pods of eight sidecars, each
 * talking to two applications, on eight DPUs (9^8 placements a pod): as one choice each they were
 * past CFG_MAX, and the x/h/z/s rows took 7.4 and 8.2 s to prove these two; split, 0.2-0.4 s, 1.4 s
 * under ASan (5 s keeps a loaded machine from failing).
 */
/* The rows one_pI of the model in path: pods given as a choice among their placements. */
/* Rows of a written model whose names start with name ("one_p": a pod's choice). */
static unsigned model_rows(const char *path, const char *name)
{
	_cleanup_free_ char *text = NULL, *key = hp_sprintf("\n %s", name);
	unsigned n = 0;

	if (!key || hp_read_file(path, &text) < 0)
		return 0;
	for (const char *at = text; (at = strstr(at, key)); at++)
		n++;
	return n;
}

static unsigned model_pods(const char *path)
{
	return model_rows(path, "one_p");
}

/* Exact against exhaustive search over a family of instances. */
struct tally {
	unsigned matched, infeasible, total;
};

/* A new directory for written models (dir a mkdtemp template), and path in it. */
static bool model_path(char *dir, char *path, size_t size)
{
	if (!mkdtemp(dir)) {
		CHECKF(0, "mkdtemp: %s", strerror(errno));
		return false;
	}
	snprintf(path, size, "%s/model.lp", dir);
	return true;
}

/* Every instance matched, or had no placement either way. */
static void tally_check(const struct tally *t)
{
	CHECKF(t->matched + t->infeasible == t->total, "%u mismatches",
	       t->total - t->matched - t->infeasible);
}

/*
 * Solve p exactly, its model written to path, and by exhaustive search:
 * both solve or neither does, and to the same objective, proven; with
 * greedy, greedy's is no better. The exact answer into *milp (the caller
 * frees it and removes path).
 */
static void against_exhaustive(struct hp_plan_problem *p, const char *path, const char *what,
			       unsigned i, bool greedy, struct hp_plan_result *milp,
			       struct tally *t)
{
	struct hp_plan_result exh = { 0 }, gr = { 0 };
	struct hp_error err = { "" };
	int rm, re;

	p->params.model_file = path;
	rm = hp_plan_solve(p, HP_PLAN_MILP, milp, &err);
	p->params.model_file = NULL;
	re = hp_plan_solve(p, HP_PLAN_EXHAUSTIVE, &exh, &err);
	CHECKF((rm == 0) == (re == 0), "%s %u: milp %d exhaustive %d (%s)", what, i, rm, re,
	       err.msg);
	if (rm == 0 && re == 0) {
		CHECKF(milp->optimal && same(milp->objective, exh.objective),
		       "%s %u (%u DPUs): milp %.12f (%s), exhaustive %.12f", what, i, p->n_pus - 1,
		       milp->objective, milp->status, exh.objective);
		t->matched += milp->optimal && same(milp->objective, exh.objective);
		if (greedy && hp_plan_solve(p, HP_PLAN_GREEDY, &gr, &err) == 0)
			CHECKF(gr.objective <= milp->objective + 1e-9,
			       "%s %u: greedy %.12f beats milp %.12f", what, i, gr.objective,
			       milp->objective);
	} else if (rm == -EDOM && re == -EDOM) {
		t->infeasible++;
	}
	t->total++;
	hp_plan_result_free(&exh);
	hp_plan_result_free(&gr);
}

static void test_split(void)
{
	char dir[] = "/tmp/hp-plan-split.XXXXXX", path[64];
	struct tally t = { 0 };
	unsigned split = 0;

	if (!model_path(dir, path, sizeof(path)))
		return;
	for (unsigned i = 0; i < 40; i++) {
		unsigned dpus = i % 2 ? 5 : 3, side[] = { dpus == 3 ? 7 : 5, 1 };
		struct hp_plan_problem p;
		struct hp_plan_result milp = { 0 };

		if (split_instance(&p, dpus, 2, 1, side, 9000 + i) < 0) {
			CHECKF(0, "split instance %u: out of memory", i);
			hp_plan_problem_free(&p);
			continue;
		}
		against_exhaustive(&p, path, "split", i, true, &milp, &t);
		/* split, the two pods are three or more */
		split += milp.pu && milp.model_written && model_pods(path) > 2;
		unlink(path);
		hp_plan_result_free(&milp);
		hp_plan_problem_free(&p);
	}
	rmdir(dir);
	printf("split pods: %u/%u instances matched exhaustive search (%u infeasible in both), "
	       "%u split\n",
	       t.matched, t.total, t.infeasible, split);
	tally_check(&t);
	CHECKF(split >= 20, "only %u instances split", split);

	for (unsigned i = 11; i <= 12; i++) {
		static const unsigned side[] = { 8, 8 };
		struct hp_plan_problem p;
		struct hp_plan_result r = { 0 };
		struct hp_error err = { "" };

		if (split_instance(&p, 8, 2, 2, side, 9900 + i) < 0) {
			CHECKF(0, "split instance: out of memory");
			hp_plan_problem_free(&p);
			continue;
		}
		p.params.time_limit_s = 5;
		CHECKF(hp_plan_solve(&p, HP_PLAN_MILP, &r, &err) == 0, "eight DPUs, seed %u: %s", i,
		       err.msg);
		printf("eight DPUs, two pods of eight sidecars, seed %u: %s, objective %.6f, "
		       "%.0f ms\n",
		       i, r.status, r.objective, r.solve_ms);
		CHECKF(r.optimal,
		       "eight DPUs, two pods of eight sidecars, seed %u: not proven in "
		       "5 s (%.6f, bound %.6f)",
		       i, r.objective, r.bound);
		hp_plan_result_free(&r);
		hp_plan_problem_free(&p);
	}
}

/*
 * A pod of five sidecars that talk to each other has 9^5 placements on
 * eight DPUs, past CFG_MAX: it gets the x/h/z/s rows, beside pods that
 * choose among their placements. The heuristic moves those while the big
 * pod stays where greedy has it (heur.mixed; it had not run at all on such
 * models), and what it hands GLPK must keep to the rows: the answers are
 * exhaustive search's.
 */
static void test_mixed(void)
{
	char dir[] = "/tmp/hp-plan-mixed.XXXXXX", path[64];
	struct tally t = { 0 };
	unsigned mixed = 0;

	if (!model_path(dir, path, sizeof(path)))
		return;
	for (unsigned i = 0; i < 24; i++) {
		static const unsigned side[] = { 5, 1 };
		struct hp_plan_problem p;
		struct hp_plan_result milp = { 0 };

		if (split_instance(&p, 8, 2, 1, side, 9500 + i) < 0) {
			CHECKF(0, "mixed instance %u: out of memory", i);
			hp_plan_problem_free(&p);
			continue;
		}
		/* the sidecars in a chain: one part, which split.c leaves whole */
		for (unsigned c = p.pods[0].first + 1; c + 1 < p.pods[0].first + p.pods[0].n; c++)
			if (hp_plan_add_edge(&p, c, c + 1, 200, 2e4, 0) < 0)
				CHECKF(0, "mixed instance %u: out of memory", i);
		against_exhaustive(&p, path, "mixed", i, false, &milp, &t);
		mixed += milp.pu && milp.model_written && model_rows(path, "one_u") &&
			 model_rows(path, "one_p");
		unlink(path);
		hp_plan_result_free(&milp);
		hp_plan_problem_free(&p);
	}
	rmdir(dir);
	printf("mixed models: %u/%u instances matched exhaustive search (%u infeasible in both), "
	       "%u mixed\n",
	       t.matched, t.total, t.infeasible, mixed);
	tally_check(&t);
	CHECKF(mixed >= 10, "only %u models mixed", mixed);

	/*
	 * The benchmark's eight DPUs, 2000 containers, seed 0: pods past
	 * CFG_TOTAL in all get the x/h/z/s rows, and the answer had been
	 * greedy's (705.71; its bound 708.60). With the heuristic, better, and
	 * a placement that keeps to the rows (leaving the x/h/z/s pods' use
	 * out of it put 227 cores on a DPU of 218). 4 s: a loaded machine.
	 */
	{
		struct hp_plan_gen g = { .containers = 2000,
					 .dpus = 8,
					 .move_apps = true,
					 .restrictions = true,
					 .latency = true,
					 .tightness = 0.4,
					 .feasible = true };
		struct hp_plan_problem p;
		struct hp_plan_result milp = { 0 }, gr = { 0 };
		struct hp_error err = { "" };

		if (hp_plan_generate(&p, &g, 7919ull * g.containers) < 0) {
			CHECKF(0, "generate failed");
			return;
		}
		p.params.time_limit_s = 4;
		CHECKF(hp_plan_solve(&p, HP_PLAN_MILP, &milp, &err) == 0, "eight DPUs, 2000: %s",
		       err.msg);
		CHECKF(hp_plan_solve(&p, HP_PLAN_GREEDY, &gr, &err) == 0, "greedy: %s", err.msg);
		printf("mixed model, eight DPUs, 2000 containers: %.6f (greedy %.6f, bound %.6f), "
		       "%.0f ms\n",
		       milp.objective, gr.objective, milp.bound, milp.solve_ms);
		CHECKF(milp.pu && gr.pu && milp.objective > gr.objective + 1e-6,
		       "eight DPUs, 2000: exact %.6f, no better than greedy's %.6f", milp.objective,
		       gr.objective);
		hp_plan_result_free(&milp);
		hp_plan_result_free(&gr);
		hp_plan_problem_free(&p);
	}
}

int main(void)
{
	test_evaluate();
	test_evaluate_move();
	test_reasons();
	test_greedy_memory();
	test_model_file();
	test_exhaustive();
	test_exhaustive_many();
	test_split();
	test_mixed();
	test_latency_fixed();
	test_many_dpus();
	test_packing();
	test_sidecars();
	test_memory();
	test_bound();
	test_large();
	test_memory_short();
	test_sidecars_large();
	hp_plan_solver_cleanup();
	return check_done("test-plan-solver");
}

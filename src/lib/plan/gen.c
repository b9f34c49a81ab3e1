/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Random planner instances (tests compare solvers on them; bench times them). */
#include "plan/plan.h"
#include "util/util.h"

#include <math.h>

/* splitmix64: small, seedable, the same on every machine */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned pick(uint64_t *s, unsigned lo, unsigned hi)
{
	return lo + (unsigned)(next(s) % (hi - lo + 1));
}

static bool chance(uint64_t *s, unsigned percent)
{
	return next(s) % 100 < percent;
}

int hp_plan_generate(struct hp_plan_problem *p, const struct hp_plan_gen *g, uint64_t seed)
{
	static const char *const infra[] = { "istio-proxy", "linkerd-proxy", "queue-proxy",
					     "daprd", "fluent-bit", "otel-collector" };
	uint64_t s = seed;
	double demand_cpu = 0, demand_mem = 0, demand_bytes = 0, mem;
	unsigned dpus = g->dpus < 1 ? 1 : g->dpus > HP_PLAN_MAX_PUS - 1 ? HP_PLAN_MAX_PUS - 1 : g->dpus;

	hp_plan_problem_init(p);
	p->n_pus = 1 + dpus;
	for (unsigned d = 1; d <= dpus; d++) {
		snprintf(p->pu[d].name, sizeof(p->pu[d].name), "dpu%u", d - 1);
		p->pu[d].speed = pick(&s, 2, 10) / 10.0;
		strcpy(p->pu[d].arch, "arm64");
	}
	while (p->n_ctr < g->containers) {
		char name[32];
		unsigned left = g->containers - p->n_ctr;
		unsigned apps = pick(&s, 1, left >= 2 ? 2 : 1);
		unsigned n_inf = left > apps ? pick(&s, 0, left - apps >= 2 ? 2 : left - apps) : 0;
		bool init = left > apps + n_inf && chance(&s, 20);
		unsigned first = p->n_ctr;
		int pod;

		snprintf(name, sizeof(name), "Deployment/w%u", p->n_pods);
		pod = hp_plan_add_pod(p, name, chance(&s, 70) ? 1 : pick(&s, 2, 3));
		if (pod < 0)
			return pod;
		if (g->latency && chance(&s, 30))
			p->pods[pod].latency_budget_us = pick(&s, 0, 4) * 10.0;
		for (unsigned i = 0; i < apps + n_inf + init; i++) {
			struct hp_plan_container *c;
			bool is_init = init && i == 0;
			bool is_app = !is_init && i < apps + init;
			int idx;

			if (is_init)
				snprintf(name, sizeof(name), "init");
			else if (is_app)
				snprintf(name, sizeof(name), "app%u", i - init);
			else
				snprintf(name, sizeof(name), "%s-%u",
					 infra[pick(&s, 0, ARRAY_SIZE(infra) - 1)], i);
			idx = hp_plan_add_container(p, pod, name, NULL);
			if (idx < 0)
				return idx;
			c = &p->ctr[idx];
			c->ctype = is_init ? HP_PLAN_INIT : HP_PLAN_REGULAR;
			c->role = is_app ? HP_PLAN_APP : HP_PLAN_INFRA;
			c->cpu = pick(&s, is_app ? 50 : 10, is_app ? 2000 : 600) / 1000.0;
			c->memory = pick(&s, 16, 512) * 1048576.0;
			c->allowed = (1u << p->n_pus) - 1;
			if (is_init || (is_app && !g->move_apps)) {
				c->allowed = 1;
				continue;
			}
			if (g->restrictions) {
				if (chance(&s, 8)) {
					c->allowed = 1; /* blocked: host access */
				} else if (chance(&s, 5)) {
					c->pin = 0;
					c->allowed = 1;
				} else if (chance(&s, 4)) {
					unsigned d = pick(&s, 1, dpus);

					c->pin = (int)d;
					c->allowed = 1u << d;
				} else if (dpus > 1 && chance(&s, 15)) {
					c->allowed &= ~(1u << pick(&s, 1, dpus)); /* no image */
				}
			}
			if (c->allowed & ~1u) {
				demand_cpu += p->pods[pod].replicas * c->cpu;
				demand_mem += p->pods[pod].replicas * c->memory;
			}
		}
		/* traffic: every infra container talks to every application */
		for (unsigned a = first; a < p->n_ctr; a++) {
			if (p->ctr[a].role != HP_PLAN_INFRA || p->ctr[a].ctype == HP_PLAN_INIT)
				continue;
			for (unsigned b = first; b < p->n_ctr; b++) {
				double msgs, bytes;
				int r;

				if (p->ctr[b].role != HP_PLAN_APP || p->ctr[b].ctype == HP_PLAN_INIT)
					continue;
				msgs = pick(&s, 1, 100) * 100.0;
				bytes = msgs * pick(&s, 1, 32) * 256.0;
				r = hp_plan_add_edge(p, a, b, msgs, bytes, pick(&s, 0, 2));
				if (r < 0)
					return r;
				demand_bytes += p->pods[pod].replicas * bytes;
			}
		}
		if (g->restrictions && p->n_ctr - first >= 2 && chance(&s, 10))
			hp_plan_colocate(p, first + (init ? 1 : 0), p->n_ctr - 1);
		/*
		 * A pod whose pins to a DPU force crossings makes the whole node
		 * infeasible; in large instances some pod almost always does. Real
		 * users would not write one, so keep its budget off when asked.
		 */
		if (g->feasible && p->pods[pod].latency_budget_us >= 0)
			for (unsigned c = first; c < p->n_ctr; c++)
				if (!(p->ctr[c].allowed & 1))
					p->pods[pod].latency_budget_us = -1;
	}
	/*
	 * Capacity: a share of the movable demand, split over the DPUs; link
	 * 1.5 times that share and memory g->memory times it (1.5 by default),
	 * so that CPU is what binds unless memory is made short.
	 */
	mem = g->memory > 0 ? g->memory : 1.5;
	for (unsigned d = 1; d <= dpus; d++) {
		double share = g->tightness / dpus * pick(&s, 70, 130) / 100.0;

		p->pu[d].cores = ceil(demand_cpu * share / p->pu[d].speed * 10) / 10;
		p->pu[d].memory = ceil(demand_mem * (share * mem) / 1048576.0) * 1048576.0;
		p->pu[d].link_bw = ceil(demand_bytes * (share * 1.5) / 1e3) * 1e3;
	}
	/* Pinned groups must stay satisfiable for solvers to compare. */
	for (unsigned c = 0; c < p->n_ctr; c++) {
		unsigned gmask = (1u << p->n_pus) - 1;

		for (unsigned i = p->pods[p->ctr[c].pod].first;
		     i < p->pods[p->ctr[c].pod].first + p->pods[p->ctr[c].pod].n; i++)
			if (p->ctr[i].group == p->ctr[c].group)
				gmask &= p->ctr[i].allowed;
		if (!gmask) {
			p->ctr[c].allowed = (1u << p->n_pus) - 1;
			p->ctr[c].pin = -1;
		}
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The solvers. All three work on "units": the groups of containers that must
 * share a PU, with their CPU, memory and gain summed, and the edges between
 * different units. Every answer is expanded back to containers and checked
 * by hp_plan_evaluate, whose objective is the one reported. This file holds
 * the greedy and the exhaustive solvers and hp_plan_solve; the exact one is
 * milp.c and the files solver.h names.
 */
#include "plan/solver.h"

#include <float.h>

static void units_free(struct units *s)
{
	free(s->u);
	free(s->of);
	free(s->e);
}

/* "file:line: " of container c into buf, "" when it has no file:line. */
static const char *ctr_at(const struct hp_plan_problem *p, unsigned c, char *buf, size_t size)
{
	const struct hp_plan_pod *pod = &p->pods[p->ctr[c].pod];

	if (!pod->file || !p->ctr[c].line)
		return "";
	snprintf(buf, size, "%s:%u: ", pod->file, p->ctr[c].line);
	return buf;
}

static int units_build(const struct hp_plan_problem *p, struct units *s, struct hp_error *err)
{
	unsigned all = (1u << p->n_pus) - 1;

	memset(s, 0, sizeof(*s));
	s->u = calloc(p->n_ctr ? p->n_ctr : 1, sizeof(*s->u));
	s->of = calloc(p->n_ctr ? p->n_ctr : 1, sizeof(*s->of));
	s->e = calloc(p->n_edges ? p->n_edges : 1, sizeof(*s->e));
	if (!s->u || !s->of || !s->e)
		return -ENOMEM;
	for (unsigned c = 0; c < p->n_ctr; c++) {
		const struct hp_plan_container *k = &p->ctr[c];
		double r = p->pods[k->pod].replicas;
		unsigned g = k->group;
		struct unit *u;

		if (g == c) {
			s->of[c] = s->n;
			u = &s->u[s->n++];
			u->pod = k->pod;
			u->rep = c;
			u->allowed = all;
		} else if (g < c) {
			u = &s->u[s->of[g]];
			s->of[c] = s->of[g];
		} else {
			/* The representative comes later: fix up in a second pass. */
			s->of[c] = UINT32_MAX;
			continue;
		}
		u->gain += r * (k->cpu + p->params.memory_weight * k->memory / HP_PLAN_GIB);
		u->cpu += r * k->cpu;
		u->mem += r * k->memory;
		u->allowed &= k->allowed;
	}
	for (unsigned c = 0; c < p->n_ctr; c++) {
		const struct hp_plan_container *k = &p->ctr[c];
		double r = p->pods[k->pod].replicas;
		struct unit *u;

		if (s->of[c] != UINT32_MAX)
			continue;
		s->of[c] = s->of[k->group];
		u = &s->u[s->of[c]];
		u->gain += r * (k->cpu + p->params.memory_weight * k->memory / HP_PLAN_GIB);
		u->cpu += r * k->cpu;
		u->mem += r * k->memory;
		u->allowed &= k->allowed;
	}
	for (unsigned i = 0; i < s->n; i++) {
		if (!s->u[i].allowed) {
			const struct hp_plan_container *k = &p->ctr[s->u[i].rep];
			char at[PATH_MAX + 16];

			hp_error_set(err,
				     "%simpossible instance: %s: container %s%s has no PU "
				     "it may run on",
				     ctr_at(p, s->u[i].rep, at, sizeof(at)),
				     p->pods[k->pod].workload, k->name,
				     k->group != s->u[i].rep ? " (and those sharing its PU)" : "");
			return -EDOM;
		}
	}
	for (unsigned i = 0; i < p->n_edges; i++) {
		const struct hp_plan_edge *e = &p->edges[i];
		unsigned u = s->of[e->a], v = s->of[e->b];
		double r = p->pods[p->ctr[e->a].pod].replicas;
		struct uedge *ue;

		if (u == v)
			continue;
		ue = &s->e[s->n_e++];
		ue->u = u;
		ue->v = v;
		ue->pod = p->ctr[e->a].pod;
		ue->cost = r * hp_plan_edge_cost(p, e);
		ue->bytes = r * e->bytes;
		ue->lat = e->crossings * p->params.msg_latency_us;
	}
	return 0;
}

/*
 * The PUs a pod's latency budget rules out, left out of its units' allowed:
 * a unit on d crosses every edge to a unit that may run on one PU other
 * than d, and where those edges' latency alone is over the budget, no
 * placement has it on d. Again while that fixes more units. Where it would
 * leave a unit no PU, the solvers say the instance is impossible. In the
 * x/h/z/s rows the budget bounded only the LP's fractions: a pod of
 * sixteen sidecars, each of whose proxies broke a budget of 10 us alone,
 * had a bound 15% over the optimum, unproven at 10 s; GLPK on the written
 * model, in 35 nodes.
 */
static void units_latency(const struct hp_plan_problem *p, struct units *s)
{
	unsigned all = (1u << p->n_pus) - 1;
	_cleanup_free_ double *forced =
	    malloc((size_t)(s->n ? s->n : 1) * HP_PLAN_MAX_PUS * sizeof(double));
	bool more = forced != NULL;

	while (more) {
		more = false;
		memset(forced, 0, (size_t)s->n * HP_PLAN_MAX_PUS * sizeof(double));
		for (unsigned k = 0; k < s->n_e; k++) {
			const struct uedge *e = &s->e[k];

			for (int side = 0; side < 2; side++) {
				unsigned u = side ? e->v : e->u, v = side ? e->u : e->v;
				unsigned fixed = s->u[v].allowed & all;

				if (unit_free(p, &s->u[v]))
					continue;
				for (unsigned d = 0; d < p->n_pus; d++)
					if (!(fixed & (1u << d)))
						forced[(size_t)u * HP_PLAN_MAX_PUS + d] += e->lat;
			}
		}
		for (unsigned u = 0; u < s->n; u++) {
			const struct hp_plan_pod *pod = &p->pods[s->u[u].pod];
			double b = pod->latency_budget_us;
			unsigned keep = s->u[u].allowed & all;

			if (b < 0 || !pod->replicas || !unit_free(p, &s->u[u]))
				continue;
			for (unsigned d = 0; d < p->n_pus; d++)
				if (!hp_plan_within(forced[(size_t)u * HP_PLAN_MAX_PUS + d], b))
					keep &= ~(1u << d);
			if (keep && keep != (s->u[u].allowed & all)) {
				s->u[u].allowed = keep;
				more = true;
			}
		}
	}
}

static void expand(const struct hp_plan_problem *p, const struct units *s, const int *upu,
		   int *pu)
{
	for (unsigned c = 0; c < p->n_ctr; c++)
		pu[c] = upu[s->of[c]];
}

/* ---- greedy ---------------------------------------------------------------- */

struct greedy_key {
	unsigned u;
	double density;
};

static int cmp_density(const void *a, const void *b)
{
	const struct greedy_key *x = a, *y = b;

	if (x->density != y->density)
		return x->density > y->density ? -1 : 1;
	return x->u < y->u ? -1 : x->u > y->u;
}

/*
 * A placement of the units, with what the evaluator makes of it kept up to
 * date move by move: the objective, each DPU's CPU, memory and PU link, and
 * each pod's latency (lat). hp_plan_evaluate over the whole placement, once
 * per unit and DPU the greedy tried, took 97 ms of 2000 containers on four
 * DPUs and 290 ms of 5000 on three. Each unit's edges: edge[first[u] ..
 * first[u + 1]).
 */
struct gstate {
	double obj, cpu[HP_PLAN_MAX_PUS], mem[HP_PLAN_MAX_PUS], link[HP_PLAN_MAX_PUS];
	double *lat;
	unsigned *first, *edge;
};

/* Unit u on PU d added to g (sign 1) or taken from it (-1). */
static void gstate_unit(const struct hp_plan_problem *p, const struct unit *u, int d, double sign,
			struct gstate *g)
{
	if (d == HP_PLAN_HOST)
		return;
	g->obj += sign * u->gain;
	g->cpu[d] += sign * u->cpu / p->pu[d].speed;
	g->mem[d] += sign * u->mem;
}

/* Edge e with its ends on du and dv, the same; lat: its pod's latency. */
static void gstate_edge(const struct hp_plan_problem *p, const struct uedge *e, int du, int dv,
			double sign, struct gstate *g, double *lat)
{
	if (du == dv)
		return;
	*lat += sign * e->lat;
	if (du == HP_PLAN_HOST || dv == HP_PLAN_HOST)
		g->obj -= sign * e->cost;
	for (int side = 0; side < 2; side++) {
		int d = side ? dv : du;

		if (d == HP_PLAN_HOST)
			continue;
		g->cpu[d] += sign * e->cost / p->pu[d].speed;
		g->link[d] += sign * e->bytes;
	}
}

/* g with every unit where upu has it; false without memory. */
static bool gstate_init(const struct hp_plan_problem *p, const struct units *s, const int *upu,
			struct gstate *g)
{
	*g = (struct gstate){.lat = calloc(p->n_pods ? p->n_pods : 1, sizeof(double)),
			     .first = calloc(s->n + 1, sizeof(unsigned)),
			     .edge = calloc(2 * (size_t)s->n_e + 1, sizeof(unsigned))};
	if (!g->lat || !g->first || !g->edge)
		return false;
	for (unsigned i = 0; i < s->n_e; i++) {
		g->first[s->e[i].u + 1]++;
		g->first[s->e[i].v + 1]++;
	}
	for (unsigned u = 0; u < s->n; u++)
		g->first[u + 1] += g->first[u];
	for (unsigned i = 0; i < s->n_e; i++) /* first[u] counts up to first[u + 1] ... */
		for (int side = 0; side < 2; side++)
			g->edge[g->first[side ? s->e[i].v : s->e[i].u]++] = i;
	for (unsigned u = s->n; u > 0; u--) /* ... and is put back */
		g->first[u] = g->first[u - 1];
	g->first[0] = 0;
	for (unsigned u = 0; u < s->n; u++)
		gstate_unit(p, &s->u[u], upu[u], 1, g);
	for (unsigned i = 0; i < s->n_e; i++)
		gstate_edge(p, &s->e[i], upu[s->e[i].u], upu[s->e[i].v], 1, g,
			    &g->lat[s->e[i].pod]);
	return true;
}

static void gstate_free(struct gstate *g)
{
	free(g->lat);
	free(g->first);
	free(g->edge);
}

/*
 * Unit u moved to PU to (upu: where every unit is now): g as it would be,
 * into ng, its pod's latency into *lat; false when that is infeasible.
 */
static bool gstate_move(const struct hp_plan_problem *p, const struct units *s, const int *upu,
			unsigned u, int to, const struct gstate *g, struct gstate *ng, double *lat)
{
	const struct hp_plan_pod *pod = &p->pods[s->u[u].pod];

	*ng = *g;
	*lat = g->lat[s->u[u].pod];
	gstate_unit(p, &s->u[u], upu[u], -1, ng);
	gstate_unit(p, &s->u[u], to, 1, ng);
	for (unsigned k = g->first[u]; k < g->first[u + 1]; k++) {
		const struct uedge *e = &s->e[g->edge[k]];
		unsigned other = e->u == u ? e->v : e->u;

		gstate_edge(p, e, upu[u], upu[other], -1, ng, lat);
		gstate_edge(p, e, to, upu[other], 1, ng, lat);
	}
	for (unsigned d = 1; d < p->n_pus; d++)
		if (!hp_plan_within(ng->cpu[d], p->pu[d].cores) ||
		    !hp_plan_within(ng->mem[d], p->pu[d].memory) ||
		    !hp_plan_within(ng->link[d], p->pu[d].link_bw))
			return false;
	return pod->latency_budget_us < 0 || hp_plan_within(*lat, pod->latency_budget_us);
}

/*
 * One pass: the units in keys' order, each to the DPU where it improves the
 * objective most while everything stays feasible. upu starts with every
 * unit on the host, or on the first DPU it may run on when it must leave;
 * obj is its objective, and the answer's.
 */
static int greedy_pass(const struct hp_plan_problem *p, const struct units *s,
		       const struct greedy_key *keys, int *upu, double *obj)
{
	struct gstate g, ng, keep;
	double lat, keep_lat = 0;

	if (!gstate_init(p, s, upu, &g)) {
		gstate_free(&g);
		return -ENOMEM;
	}
	g.obj = *obj; /* the evaluator's sum, as the moves are weighed against it */
	for (unsigned i = 0; i < s->n; i++) {
		unsigned u = keys[i].u;
		int best = upu[u];

		if (!(s->u[u].allowed & 1))
			continue; /* pinned to a DPU: keep the one chosen */
		keep = g;
		for (unsigned d = 1; d < p->n_pus; d++) {
			if (!(s->u[u].allowed & (1u << d)) ||
			    !gstate_move(p, s, upu, u, (int)d, &g, &ng, &lat) ||
			    ng.obj <= keep.obj + 1e-12)
				continue;
			keep = ng;
			keep_lat = lat;
			best = (int)d;
		}
		if (best != upu[u]) {
			g = keep;
			g.lat[s->u[u].pod] = keep_lat;
			upu[u] = best;
		}
	}
	*obj = g.obj;
	gstate_free(&g);
	return 0;
}

/*
 * Did memory stop the greedy pass: is some DPU's memory 90% used, or a unit
 * left on the host that would fit a DPU's cores (crossing costs aside) but
 * not its memory?
 */
static bool greedy_memory_stopped(const struct hp_plan_problem *p, const struct units *s,
				  const int *upu, int *pu)
{
	struct hp_plan_eval ev;

	expand(p, s, upu, pu);
	hp_plan_evaluate(p, pu, &ev);
	for (unsigned d = 1; d < p->n_pus; d++)
		if (p->pu[d].memory > 0 && ev.dpu_mem[d] >= 0.9 * p->pu[d].memory)
			return true;
	for (unsigned u = 0; u < s->n; u++) {
		if (upu[u] != HP_PLAN_HOST)
			continue;
		for (unsigned d = 1; d < p->n_pus; d++)
			if ((s->u[u].allowed & (1u << d)) &&
			    s->u[u].cpu / p->pu[d].speed <= p->pu[d].cores - ev.dpu_cpu[d] &&
			    s->u[u].mem > p->pu[d].memory - ev.dpu_mem[d])
				return true;
	}
	return false;
}

/*
 * Container i is pinned to a DPU, any one, and with the other pins where
 * pu has them breaks a constraint on the one it is on: what it breaks on
 * each DPU it may run on, with its group (the containers that must share
 * its PU) moved there too, into why ("small CPU: 4.000 > 1.000 cores; big memory: 4096 >
 * 2048 MiB"), each reason once. False where some DPU takes it or breaks
 * only what is elsewhere (it is the pins together that break: another
 * pod's, on another DPU), where the reason is the same on every DPU (a
 * pod's latency), or out of memory. From a code review: another pod's pin
 * had been listed as this one's reason, and "may not run on PU 2" for a
 * DPU of another architecture.
 */
static bool pinned_any_dpu(const struct hp_plan_problem *p, const int *pu, unsigned i, char *why,
			   size_t size)
{
	_cleanup_free_ int *to = malloc((p->n_ctr ? p->n_ctr : 1) * sizeof(int));
	const struct hp_plan_container *c = &p->ctr[i];
	struct hp_plan_eval ev[HP_PLAN_MAX_PUS];
	size_t len = 0;
	unsigned n = 0;

	if (!to)
		return false;
	*why = '\0';
	for (unsigned d = 1; d < p->n_pus; d++) {
		bool seen = false, may = true;

		for (unsigned k = 0; k < p->n_ctr; k++) {
			bool with = p->ctr[k].group == c->group;

			may &= !with || (p->ctr[k].allowed & (1u << d));
			to[k] = with ? (int)d : pu[k];
		}
		if (!may)
			continue; /* not a DPU it may run on */
		hp_plan_evaluate(p, to, &ev[n]);
		if (ev[n].feasible || (ev[n].why_pu != (int)d && ev[n].why_pod != (int)c->pod))
			return false;
		for (unsigned k = 0; k < n; k++)
			seen |= !strcmp(ev[k].why, ev[n].why);
		if (seen)
			continue;
		if (len < size)
			len += (size_t)snprintf(why + len, size - len, "%s%s", n ? "; " : "",
						ev[n].why);
		n++;
	}
	return n > 1;
}

/*
 * Is container k's unit off the host for its pod's latency budget alone:
 * every member may stay there and none is pinned, but units_latency took
 * the host from the unit (a crossing to a unit fixed on a DPU breaks the
 * budget)? Never under --greedy, whose units it leaves as they are.
 */
static bool budget_forced(const struct hp_plan_problem *p, const struct units *s, unsigned k)
{
	unsigned u = s->of[k];

	if (s->u[u].allowed & 1)
		return false;
	for (unsigned m = 0; m < p->n_ctr; m++)
		if (s->of[m] == u && (p->ctr[m].pin >= 0 || !(p->ctr[m].allowed & 1)))
			return false;
	return true;
}

/*
 * The containers of i's pod beside it there for the pod's latency budget
 * alone (budget_forced), into why (", with daprd, which the pod's latency
 * budget keeps beside it,"). From a black-box review: the pinned envoy
 * alone fit its DPU, and the message blamed "the pinned placements alone";
 * from a code review of that, a container beside it for a groupmate's
 * pin or architecture had been said to be there for the budget.
 */
static bool budget_kept(const struct hp_plan_problem *p, const struct units *s, const int *pu,
			unsigned i, char *why, size_t size)
{
	unsigned n = 0, first = 0;

	for (unsigned k = 0; k < p->n_ctr; k++)
		if (pu[k] == pu[i] && p->ctr[k].pod == p->ctr[i].pod && budget_forced(p, s, k) &&
		    !n++)
			first = k;
	if (!n)
		return false;
	if (n == 1)
		snprintf(why, size, ", with %s, which the pod's latency budget keeps beside it,",
			 p->ctr[first].name);
	else
		snprintf(why, size,
			 ", with %s and %u more, which the pod's latency budget keeps beside it,",
			 p->ctr[first].name, n - 1);
	return true;
}

/*
 * Where the pins alone break a constraint: the message names a container
 * pinned to the PU, or in the pod, that ev.why names (a container that only
 * follows a pinned one if there is none), with its file:line when it has one.
 * Pinned to any DPU, or with no image for the host, and fitting none, it
 * says why on each (it had said one DPU's reason, whichever the node
 * listed first: from black-box reviews).
 */
static void pinned_infeasible(const struct hp_plan_problem *p, const struct units *s, const int *pu,
			      const struct hp_plan_eval *ev, struct hp_error *err)
{
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < p->n_ctr; i++) {
			const struct hp_plan_container *c = &p->ctr[i];
			const char *where = p->pu[pu[i]].name;
			/* a reason a DPU and "; " between: hp_plan_eval.why's 160 bytes and 2 */
			char to[80], at[PATH_MAX + 16], each[HP_PLAN_MAX_PUS * (160 + 2)];

			if (pu[i] == HP_PLAN_HOST || (!pass && c->pin < 0) ||
			    (pu[i] != ev->why_pu && (int)c->pod != ev->why_pod))
				continue;
			if (c->pin < 0 && !(c->allowed & 1))
				snprintf(to, sizeof(to), "may not run on the host (here on %s)",
					 where);
			else if (c->pin < 0)
				snprintf(to, sizeof(to), "goes with a container pinned to %s",
					 where);
			else
				snprintf(to, sizeof(to), "is pinned to %s",
					 c->pin == HP_PLAN_PIN_DPU ? "a DPU" : where);
			/*
			 * Bound to some DPU, by a pin to any or by no image for the
			 * host: each DPU's reason (the latter had said the first
			 * DPU's alone, "here on" it: a black-box review).
			 */
			if ((c->pin == HP_PLAN_PIN_DPU || (c->pin < 0 && !(c->allowed & 1))) &&
			    p->n_pus > 2 && pinned_any_dpu(p, pu, i, each, sizeof(each))) {
				hp_error_set(err,
					     "%simpossible instance: %s %s, and with the pinned "
					     "placements alone fits on none (%s)",
					     ctr_at(p, i, at, sizeof(at)), c->name,
					     c->pin < 0 ? "has no image for the host's architecture"
							: to,
					     each);
				return;
			}
			/* the container first: hp_error's 1024 bytes may cut the end */
			hp_error_set(err,
				     "%simpossible instance: %s %s, and the pinned placements%s "
				     "are infeasible (%s)",
				     ctr_at(p, i, at, sizeof(at)), c->name, to,
				     budget_kept(p, s, pu, i, each, sizeof(each)) ? each : " alone",
				     ev->why);
			return;
		}
	}
	hp_error_set(err, "impossible instance: the pinned placements alone are infeasible (%s)",
		     ev->why);
}

/* Units by descending CPU (greedy_start's order); arg: the units. */
static int cmp_cpu_desc(const void *a, const void *b, void *arg)
{
	const struct units *s = arg;
	double x = s->u[*(const unsigned *)a].cpu, y = s->u[*(const unsigned *)b].cpu;

	return x > y ? -1 : x < y;
}

/*
 * start_search tries every choice where there are at most so many, and
 * evaluating them all looks at no more than START_WORK containers and edges.
 */
#define START_COMBOS 65536
#define START_WORK 5e7

/*
 * Every choice of DPU for the nf units forced[] (each of the others as in
 * start): the first feasible one into start, pu and ev; false if none.
 */
static int start_search(const struct hp_plan_problem *p, const struct units *s,
			const unsigned *forced, unsigned nf, int *start, int *pu,
			struct hp_plan_eval *ev)
{
	_cleanup_free_ int *cur = malloc((s->n ? s->n : 1) * sizeof(int));
	_cleanup_free_ int *try_pu = malloc((p->n_ctr ? p->n_ctr : 1) * sizeof(int));
	struct hp_plan_eval tev, lat_ev = { .feasible = true };

	if (!cur || !try_pu)
		return -ENOMEM;
	memcpy(cur, start, s->n * sizeof(int));
	for (unsigned i = 0; i < nf; i++)
		cur[forced[i]] = __builtin_ctz(s->u[forced[i]].allowed);
	for (;;) {
		unsigned i;

		expand(p, s, cur, try_pu);
		hp_plan_evaluate(p, try_pu, &tev);
		if (tev.feasible) {
			memcpy(start, cur, s->n * sizeof(int));
			memcpy(pu, try_pu, p->n_ctr * sizeof(int));
			*ev = tev;
			return true;
		}
		/*
		 * A latency budget broken where the capacities held (it is
		 * checked last) is what to say where none fits, whatever the
		 * DPUs' order: the first placement's room had been said instead.
		 */
		if (tev.why_pod >= 0 && lat_ev.feasible)
			lat_ev = tev;
		for (i = 0; i < nf; i++) {
			unsigned u = forced[i], rest = s->u[u].allowed & ~((2u << cur[u]) - 1);

			if (rest) {
				cur[u] = __builtin_ctz(rest);
				break;
			}
			cur[u] = __builtin_ctz(s->u[u].allowed);
		}
		if (i == nf) {
			if (!lat_ev.feasible)
				*ev = lat_ev;
			return false;
		}
	}
}

/*
 * Where the greedy search starts: every unit on the host but those that may
 * not stay there, each on a DPU it may run on: largest first, each where the
 * most CPU is left after it of the DPUs it fits on (CPU and memory); where
 * that breaks a constraint, the first of every choice that does not (up to
 * START_COMBOS and START_WORK). Pinned to "a DPU", a container that went to the first one
 * had made --greedy call an instance impossible that was not. pu and ev:
 * the start expanded and evaluated (the first start's where none is
 * feasible: it says why).
 */
static int greedy_start(const struct hp_plan_problem *p, const struct units *s, int *start, int *pu,
			struct hp_plan_eval *ev)
{
	_cleanup_free_ unsigned *forced = calloc(s->n ? s->n : 1, sizeof(unsigned));
	double cpu[HP_PLAN_MAX_PUS], mem[HP_PLAN_MAX_PUS], combos = 1;
	unsigned nf = 0;
	int r;

	if (!forced)
		return -ENOMEM;
	for (unsigned d = 1; d < p->n_pus; d++) {
		cpu[d] = p->pu[d].cores;
		mem[d] = p->pu[d].memory;
	}
	for (unsigned u = 0; u < s->n; u++) {
		start[u] = HP_PLAN_HOST;
		if (!(s->u[u].allowed & 1))
			forced[nf++] = u;
	}
	qsort_r(forced, nf, sizeof(*forced), cmp_cpu_desc, (void *)s);
	for (unsigned i = 0; i < nf; i++) {
		const struct unit *un = &s->u[forced[i]];
		double best_left = -HUGE_VAL;
		int to = -1;

		for (unsigned d = 1; d < p->n_pus; d++) {
			double need = un->cpu / p->pu[d].speed;
			bool fits = hp_plan_within(need, cpu[d]) && hp_plan_within(un->mem, mem[d]);

			if (!(un->allowed & (1u << d)))
				continue;
			if (to < 0 || (fits && cpu[d] - need > best_left)) {
				to = (int)d;
				best_left = fits ? cpu[d] - need : -HUGE_VAL;
			}
		}
		start[forced[i]] = to;
		cpu[to] -= un->cpu / p->pu[to].speed;
		mem[to] -= un->mem;
		combos *= __builtin_popcount(un->allowed);
	}
	expand(p, s, start, pu);
	hp_plan_evaluate(p, pu, ev);
	if (ev->feasible || combos <= 1 || combos > START_COMBOS ||
	    combos * (p->n_ctr + p->n_edges) > START_WORK)
		return 0;
	r = start_search(p, s, forced, nf, start, pu, ev);
	return r < 0 ? r : 0;
}

/*
 * Move units to DPUs in order of net gain per unit of what they use, each to
 * the DPU where it improves the objective most while everything stays
 * feasible. Gain per host core first; when memory stopped that, also gain
 * per share of the DPUs' cores and memory together, and the better answer
 * is kept. When memory is short the first order fills it with whatever
 * comes first (two DPUs with a third of the benchmark's memory, 10-2000
 * containers: 11-32% below the exact optimum on average; with both orders
 * 0-8%). The baseline the exact solver must never be worse than.
 */
static int solve_greedy(const struct hp_plan_problem *p, const struct units *s, int *upu,
			struct hp_error *err)
{
	unsigned n = s->n ? s->n : 1;
	_cleanup_free_ int *pu = calloc(p->n_ctr ? p->n_ctr : 1, sizeof(int));
	_cleanup_free_ int *start = calloc(n, sizeof(int));
	_cleanup_free_ int *other = calloc(n, sizeof(int));
	_cleanup_free_ struct greedy_key *keys = calloc(n, sizeof(*keys));
	_cleanup_free_ double *edge_cost = calloc(n, sizeof(double));
	struct hp_plan_eval ev;
	double cores = 0, memory = 0, start_obj, obj, other_obj;

	if (!pu || !start || !other || !keys || !edge_cost)
		return -ENOMEM;
	for (unsigned i = 0; i < s->n_e; i++) {
		edge_cost[s->e[i].u] += s->e[i].cost;
		edge_cost[s->e[i].v] += s->e[i].cost;
	}
	for (unsigned d = 1; d < p->n_pus; d++) {
		cores += p->pu[d].cores * p->pu[d].speed; /* in host cores */
		memory += p->pu[d].memory;
	}
	if (greedy_start(p, s, start, pu, &ev) < 0)
		return -ENOMEM;
	if (!ev.feasible) {
		pinned_infeasible(p, s, pu, &ev, err);
		return -EDOM;
	}
	start_obj = ev.objective;
	for (int order = 0; order < 2; order++) {
		int *to = order ? other : upu;
		double *o = order ? &other_obj : &obj;

		for (unsigned u = 0; u < s->n; u++) {
			double use = s->u[u].cpu;

			if (order)
				use = s->u[u].cpu / fmax(cores, 1e-9) +
				      s->u[u].mem / fmax(memory, 1.0);
			keys[u].u = u;
			keys[u].density = (s->u[u].gain - edge_cost[u]) / fmax(use, 1e-9);
		}
		qsort(keys, s->n, sizeof(*keys), cmp_density);
		memcpy(to, start, n * sizeof(int));
		*o = start_obj;
		if (greedy_pass(p, s, keys, to, o) < 0)
			return -ENOMEM;
		if (!order && !greedy_memory_stopped(p, s, upu, pu))
			return 0; /* memory did not stop the first order */
	}
	if (other_obj > obj + 1e-12)
		memcpy(upu, other, n * sizeof(int));
	return 0;
}

/*
 * A bound for the greedy answer, which proves nothing itself: no placement
 * frees more than every unit that may move would, nor more host cores than
 * the DPUs have (a unit on d takes its host cores / speed of d's cores), nor
 * more memory than they hold. Weak, but a bound, as "bound" promises.
 */
static double greedy_bound(const struct hp_plan_problem *p, const struct units *s)
{
	double gain = 0, mem = 0, cores = 0, dpu_mem = 0;

	for (unsigned u = 0; u < s->n; u++)
		if ((s->u[u].allowed & ~1u) && s->u[u].gain > 0) {
			gain += s->u[u].gain;
			mem += s->u[u].mem;
		}
	/* each capacity as the evaluator takes it, to its tolerance */
	for (unsigned d = 1; d < p->n_pus; d++) {
		cores += p->pu[d].cores * (1 + 1e-7) * p->pu[d].speed + 1e-7 * p->pu[d].speed;
		dpu_mem += p->pu[d].memory * (1 + 1e-7) + 1e-7;
	}
	return fmin(gain, cores + p->params.memory_weight * fmin(mem, dpu_mem) / HP_PLAN_GIB);
}

/*
 * The greedy search found no feasible start: the containers that must run
 * on a DPU, each on one, the rest on the host. That proves nothing where
 * more than one start was possible, nor where moving others along could
 * help (a crossing's latency gone): the exact solver decides, and only an
 * instance it finds impossible is called so (greedy's message, which names
 * the pinned container). -ENOSPC where it finds a placement.
 */
static int greedy_confirm(const struct hp_plan_problem *p, const struct units *s,
			  struct hp_error *err)
{
	_cleanup_free_ int *upu = calloc(s->n ? s->n : 1, sizeof(int));
	struct hp_plan_problem q = *p;
	struct hp_plan_result res = { 0 };
	struct hp_error merr = { "" };
	char *model_tmp = NULL;
	double t0 = hp_now_ms();
	int r;

	if (!upu)
		return -ENOMEM;
	q.params.model_file = NULL;
	r = milp_solve(&q, s, upu, NULL, &t0, &res, &model_tmp, &merr);
	free(model_tmp);
	if (r == -EDOM)
		return -EDOM;
	if (r == -ETIME) {
		hp_error_set(err,
			     "the greedy search found no feasible start for the containers "
			     "that must run on a DPU, and the exact solver could not tell in "
			     "%.1f s whether any placement exists",
			     p->params.time_limit_s);
		return r;
	}
	if (r < 0) {
		*err = merr;
		return r;
	}
	hp_error_set(err, "the greedy search found no feasible start for the containers that "
			  "must run on a DPU, where the exact solver (without --greedy) finds a "
			  "placement");
	return -ENOSPC;
}

/* ---- exhaustive -------------------------------------------------------------- */

static int solve_exhaustive(const struct hp_plan_problem *p, const struct units *s, int *upu,
			    struct hp_error *err)
{
	_cleanup_free_ int *cur = calloc(s->n ? s->n : 1, sizeof(int));
	_cleanup_free_ int *pu = calloc(p->n_ctr ? p->n_ctr : 1, sizeof(int));
	double combos = 1, best = -INFINITY;
	struct hp_plan_eval ev;
	bool found = false;

	if (!cur || !pu)
		return -ENOMEM;
	for (unsigned u = 0; u < s->n; u++)
		combos *= __builtin_popcount(s->u[u].allowed & ((1u << p->n_pus) - 1));
	if (combos > 5e7) {
		hp_error_set(err, "exhaustive search: %.0f placements is too many", combos);
		return -E2BIG;
	}
	/* Mixed-radix counter over each unit's allowed PUs. */
	for (unsigned u = 0; u < s->n; u++)
		cur[u] = __builtin_ctz(s->u[u].allowed);
	for (;;) {
		unsigned u;

		expand(p, s, cur, pu);
		hp_plan_evaluate(p, pu, &ev);
		if (ev.feasible && ev.objective > best) {
			best = ev.objective;
			memcpy(upu, cur, s->n * sizeof(int));
			found = true;
		}
		for (u = 0; u < s->n; u++) {
			unsigned rest = s->u[u].allowed & ((1u << p->n_pus) - 1) &
					~((2u << cur[u]) - 1);

			if (rest) {
				cur[u] = __builtin_ctz(rest);
				break;
			}
			cur[u] = __builtin_ctz(s->u[u].allowed);
		}
		if (u == s->n)
			break;
	}
	if (!found) {
		hp_error_set(err, "impossible instance: no placement satisfies every constraint");
		return -EDOM;
	}
	return 0;
}

/*
 * The exact solver, on split.c's q where a pod splits: greedy (PUs of s's
 * units) seeds it, and upu gets its answer as s's units' PUs.
 */
static int solve_milp(const struct hp_plan_problem *p, const struct units *s, int *upu,
		      const int *greedy, double *t0, struct hp_plan_result *res, char **model_tmp,
		      struct hp_error *err)
{
	__attribute__((cleanup(split_free))) struct split sp;
	_cleanup_free_ int *qpu = NULL, *qupu = NULL, *qgreedy = NULL;
	struct units qs = { 0 };
	unsigned all = (1u << p->n_pus) - 1;
	int r = split_build(p, s, &sp);

	if (r <= 0)
		return r ? r : milp_solve(p, s, upu, greedy, t0, res, model_tmp, err);
	r = units_build(&sp.q, &qs, err);
	if (r < 0)
		goto out;
	qpu = calloc(sp.q.n_ctr ? sp.q.n_ctr : 1, sizeof(int));
	qupu = calloc(qs.n ? qs.n : 1, sizeof(int));
	qgreedy = calloc(qs.n ? qs.n : 1, sizeof(int));
	if (!qpu || !qupu || !qgreedy) {
		r = -ENOMEM;
		goto out;
	}
	/* a stand-in's PU is its unit's one */
	for (unsigned k = 0; k < sp.q.n_ctr; k++)
		qpu[k] = __builtin_ctz(sp.q.ctr[k].allowed & all);
	for (unsigned c = 0; greedy && c < p->n_ctr; c++)
		qpu[sp.at[c]] = greedy[s->of[c]];
	for (unsigned k = 0; k < sp.q.n_ctr; k++)
		qgreedy[qs.of[k]] = qpu[k];
	r = milp_solve(&sp.q, &qs, qupu, greedy ? qgreedy : NULL, t0, res, model_tmp, err);
	if (r < 0)
		goto out;
	expand(&sp.q, &qs, qupu, qpu);
	for (unsigned c = 0; c < p->n_ctr; c++)
		upu[s->of[c]] = qpu[sp.at[c]];
out:
	units_free(&qs);
	return r;
}

/* DPU d's fullest share in ev: of its CPU, memory or PU link in use. */
static double dpu_share(const struct hp_plan_problem *p, const struct hp_plan_eval *ev, int d)
{
	const double use[] = { ev->dpu_cpu[d], ev->dpu_mem[d], ev->dpu_link[d] };
	const double cap[] = { p->pu[d].cores, p->pu[d].memory, p->pu[d].link_bw };
	double s = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(use); i++)
		s = fmax(s, use[i] <= 0 ? 0 : cap[i] > 0 ? use[i] / cap[i] : HUGE_VAL);
	return s;
}

/*
 * Ties among the DPUs, after the solve: the solvers keep the first of
 * placements that free as many host cores, so a proxy went to the DPU
 * listed first, slow or fast, full or empty (a black-box review: 63% of a
 * slow DPU's cores, where a fast one would have been at 6%). What a pod
 * has on a DPU moves, whole, to a DPU that holds none of the pod and is
 * no slower (a slower one takes more of its cores for the same work),
 * where the answer stays feasible and its objective the same (to 1e-9),
 * and the fuller of the two DPUs is less full after (dpu_share); to the
 * least full such, BALANCE_PASSES passes over the pods at most, one pod's
 * work a move (hp_plan_evaluate_part). ev is pu's hp_plan_evaluate, and
 * stays so; the caller checks the whole again.
 */
#define BALANCE_PASSES 4
static int balance_ties(const struct hp_plan_problem *p, int *pu, struct hp_plan_eval *ev)
{
	_cleanup_free_ unsigned *eoff = NULL, *eidx = NULL;
	double floor = ev->objective - 1e-9 * (1 + fabs(ev->objective));

	if (p->n_pus < 3)
		return 0;
	if (hp_plan_pod_edges(p, &eoff, &eidx) < 0)
		return -ENOMEM;
	for (unsigned pass = 0; pass < BALANCE_PASSES; pass++) {
		bool moved = false;

		for (unsigned i = 0; i < p->n_pods; i++) {
			const struct hp_plan_pod *pod = &p->pods[i];
			const unsigned *edges = eidx + eoff[i], n_edges = eoff[i + 1] - eoff[i];
			unsigned used = 0;

			for (unsigned c = pod->first; c < pod->first + pod->n; c++)
				if (pu[c] != HP_PLAN_HOST)
					used |= 1u << pu[c];
			for (int d = 1; d < (int)p->n_pus; d++) {
				double best = HUGE_VAL, before;
				struct hp_plan_eval t, best_ev;
				int to = -1;

				if (!(used & (1u << d)))
					continue;
				for (int e = 1; e < (int)p->n_pus; e++) {
					if ((used & (1u << e)) || p->pu[e].speed < p->pu[d].speed)
						continue;
					hp_plan_evaluate_part(p, pu, ev, i, d, e, edges, n_edges,
							      &t);
					/* against the solver's own: no drift down, move by move */
					if (!t.feasible || t.objective < floor)
						continue;
					before = fmax(dpu_share(p, ev, d), dpu_share(p, ev, e));
					if (fmax(dpu_share(p, &t, d), dpu_share(p, &t, e)) <
						before - 1e-9 &&
					    dpu_share(p, &t, e) < best) {
						best = dpu_share(p, &t, e);
						best_ev = t;
						to = e;
					}
				}
				if (to < 0)
					continue;
				for (unsigned c = pod->first; c < pod->first + pod->n; c++)
					if (pu[c] == d)
						pu[c] = to;
				used = (used & ~(1u << d)) | 1u << to;
				*ev = best_ev;
				moved = true;
			}
		}
		if (!moved)
			break;
	}
	return 0;
}

atomic_int hp_plan_interrupted;

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "hp_plan_interrupt: a handler's store, lock-free");

void hp_plan_interrupt(void)
{
	atomic_store_explicit(&hp_plan_interrupted, 1, memory_order_relaxed);
}

void hp_plan_solver_cleanup(void)
{
	hp_group_meet_release();
	glp_free_env();
}

void hp_plan_result_free(struct hp_plan_result *r)
{
	if (!r)
		return;
	free(r->pu);
	r->pu = NULL;
}

int hp_plan_solve(const struct hp_plan_problem *p, enum hp_plan_method m,
		  struct hp_plan_result *ret, struct hp_error *err)
{
	_cleanup_free_ int *upu = NULL, *greedy = NULL, *pu = NULL;
	_cleanup_free_ char *model_tmp = NULL;
	struct hp_plan_result res = { 0 };
	struct hp_plan_eval ev;
	struct units s;
	double t0 = hp_now_ms();
	bool interrupted;
	int r;

	if (p->n_pus < 1 || p->n_pus > HP_PLAN_MAX_PUS) {
		hp_error_set(err, "a node has 1 to %d PUs", HP_PLAN_MAX_PUS);
		return -EINVAL;
	}
	r = units_build(p, &s, err);
	if (r < 0)
		goto out;
	upu = calloc(s.n ? s.n : 1, sizeof(int));
	greedy = calloc(s.n ? s.n : 1, sizeof(int));
	pu = calloc(p->n_ctr ? p->n_ctr : 1, sizeof(int));
	if (!upu || !greedy || !pu) {
		r = -ENOMEM;
		goto out;
	}
	switch (m) {
	case HP_PLAN_GREEDY:
		r = solve_greedy(p, &s, upu, err);
		if (r == -EDOM)
			r = greedy_confirm(p, &s, err);
		break;
	case HP_PLAN_EXHAUSTIVE:
		r = solve_exhaustive(p, &s, upu, err);
		res.optimal = r >= 0;
		res.proof = "exhaustive search";
		break;
	case HP_PLAN_MILP: {
		struct hp_error gerr = { "" };
		int rg;

		/* the exact solver's alone: exhaustive search checks it */
		units_latency(p, &s);
		/* The greedy answer seeds branch and bound with an incumbent. */
		rg = solve_greedy(p, &s, greedy, &gerr);
		r = solve_milp(p, &s, upu, rg >= 0 ? greedy : NULL, &t0, &res, &model_tmp, err);
		/* Where the pins alone break a constraint, greedy's says which. */
		if (r == -EDOM && rg == -EDOM)
			*err = gerr;
		break;
	}
	default:
		r = -EINVAL;
	}
	if (r < 0)
		goto out;
	expand(p, &s, upu, pu);
	hp_plan_evaluate(p, pu, &ev);
	if (!ev.feasible) {
		hp_error_set(err, "internal error: the solver's placement is infeasible (%s)",
			     ev.why);
		r = -EPROTO;
		goto out;
	}
	if (p->n_pus > 2) {
		_cleanup_free_ int *was = malloc((p->n_ctr ? p->n_ctr : 1) * sizeof(int));
		struct hp_plan_eval tied = ev;

		if (!was) {
			r = -ENOMEM;
			goto out;
		}
		memcpy(was, pu, p->n_ctr * sizeof(int));
		r = balance_ties(p, pu, &tied);
		if (r < 0)
			goto out;
		/* the whole again: what the moves left must be what the solver found */
		hp_plan_evaluate(p, pu, &tied);
		if (tied.feasible &&
		    tied.objective >= ev.objective - 1e-9 * (1 + fabs(ev.objective)))
			ev = tied;
		else
			memcpy(pu, was, p->n_ctr * sizeof(int));
	}
	res.objective = ev.objective;
	res.host_cores_freed = ev.host_cores_freed;
	/*
	 * A placement at the bound is optimal however the search ended: a
	 * time limit may stop it before GLPK's first node, the LP's bound
	 * already met.
	 */
	if (m == HP_PLAN_MILP && !res.optimal && gap_to(res.bound, ev.objective) <= 0) {
		res.optimal = true;
		res.proof = res.proof ? res.proof : "branch and bound";
		res.status = NULL;
	}
	/*
	 * A bound below the placement found is GLPK's sums and the evaluator's
	 * apart in the last digits.
	 */
	if (m == HP_PLAN_GREEDY)
		res.bound = fmax(greedy_bound(p, &s), ev.objective);
	else if (m != HP_PLAN_MILP || res.optimal || res.bound < ev.objective)
		res.bound = ev.objective;
	/*
	 * Within the gap accepted of the bound at the end, however the search
	 * ended: a placement found as the time ran out had been "feasible (time
	 * limit)" 1.4% from its bound with 3% accepted, where others within it
	 * were said to be (from a black-box review).
	 */
	if (m == HP_PLAN_MILP && !res.optimal && !res.status && p->params.mip_gap > 0 &&
	    res.bound - ev.objective <= p->params.mip_gap * (fabs(ev.objective) + DBL_EPSILON))
		res.status = "optimal within the accepted gap";
	/* interrupted before the time limit, not in what follows it */
	interrupted =
	    atomic_load(&hp_plan_interrupted) && hp_now_ms() - t0 < p->params.time_limit_s * 1e3;
	if (!res.status)
		res.status = res.optimal	   ? "optimal"
			     : m == HP_PLAN_GREEDY ? "heuristic"
			     : interrupted	   ? "feasible (interrupted)"
						   : "feasible (time limit)";
	if (model_tmp) {
		/* forgotten after: a Ctrl-C between the two unlinks a name now gone */
		if (rename(model_tmp, p->params.model_file) < 0) {
			hp_error_set(err, "writing the model to %s: %s", p->params.model_file,
				     strerror(errno));
			r = -EIO;
			goto out;
		}
		hp_tmp_forget(model_tmp);
		res.model_written = true;
	}
	res.solve_ms = hp_now_ms() - t0;
	res.pu = steal_ptr(pu);
	*ret = res;
	r = 0;
out:
	if (r < 0 && model_tmp) {
		unlink(model_tmp);
		hp_tmp_forget(model_tmp);
	}
	units_free(&s);
	return r;
}

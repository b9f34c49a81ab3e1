/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pods split where their traffic does not join them. The units of a pod
 * that may each run on more than one PU fall into parts, joined by the
 * edges between such units; where a pod has two parts or more (and a
 * latency budget, if any, that every placement meets: the edges that may
 * cross, all crossing), it frees the sum of
 * what its parts free, and each part uses its own share of every DPU. As one choice among its
 * placements it is their product (eleven sidecars on three DPUs: 4^11 = 4 Mi placements), past
 * CFG_MAX, and it went to the x/h/z/s rows, whose LP GLPK did not close: three such pods, 33
 * containers, 1.35 at 1 s and unproven at 10 s, where the optimum is 1.5787. Split, each part is a
 * pod of a few placements, and the convex hull of the parts' placements is that of the whole (the
 * objective and the rows are sums over the parts): the same LP, from a model that the group bound
 * and the packing searches work on.
 *
 * The exact solver gets a second problem, q: every pod of p that is not
 * split as it is, and for each that is, a pod of its fixed units (those
 * with one PU) and one per connected part of the others. An edge between
 * a part and a fixed unit goes to a stand-in for the fixed unit in the
 * part's pod: a container on the same PU with no CPU or memory, so that
 * the edge's costs are counted once, where the part's placement decides
 * them.
 */
#include "plan/solver.h"

static unsigned find(unsigned *up, unsigned u)
{
	while (up[u] != u)
		u = up[u] = up[up[u]];
	return u;
}

void split_free(struct split *sp)
{
	free(sp->q.pods);
	free(sp->q.ctr);
	free(sp->q.edges);
	free(sp->at);
	memset(sp, 0, sizeof(*sp));
}

/* Append container c of p, or a stand-in for its unit u, to q's pod qi. */
static unsigned add_ctr(struct split *sp, const struct hp_plan_problem *p, unsigned c, unsigned qi,
			const struct unit *u)
{
	struct hp_plan_container *k = &sp->q.ctr[sp->q.n_ctr];

	*k = p->ctr[c];
	k->pod = qi;
	if (u) {
		k->cpu = 0;
		k->memory = 0;
		k->allowed = u->allowed;
		k->group = sp->q.n_ctr;
	} else {
		sp->at[c] = sp->q.n_ctr;
	}
	sp->q.pods[qi].n++;
	return sp->q.n_ctr++;
}

static unsigned add_pod(struct split *sp, const struct hp_plan_problem *p, unsigned i)
{
	struct hp_plan_pod *pod = &sp->q.pods[sp->q.n_pods];

	*pod = p->pods[i];
	pod->n = 0;
	return sp->q.n_pods++;
}

/*
 * Pod i of p split: its pods in q from base on (the fixed units' first,
 * where there are any), their containers and edges.
 */
static void split_one(struct split *sp, const struct hp_plan_problem *p, const struct units *s,
		      unsigned i, unsigned *up, unsigned *qpod, unsigned *stand, const unsigned *pe,
		      unsigned n_pe)
{
	const struct hp_plan_pod *pod = &p->pods[i];
	unsigned base = sp->q.n_pods, fixed = UINT_MAX;

	for (unsigned c = pod->first; c < pod->first + pod->n; c++) {
		unsigned u = s->of[c];

		if (!unit_free(p, &s->u[u]))
			qpod[u] = fixed = fixed == UINT_MAX ? add_pod(sp, p, i) : fixed;
	}
	for (unsigned c = pod->first; c < pod->first + pod->n; c++) {
		unsigned u = s->of[c], root = find(up, u);

		if (unit_free(p, &s->u[u]) && root == u)
			qpod[u] = add_pod(sp, p, i);
	}
	for (unsigned c = pod->first; c < pod->first + pod->n; c++) {
		unsigned u = s->of[c];

		if (unit_free(p, &s->u[u]))
			qpod[u] = qpod[find(up, u)];
	}
	for (unsigned qi = base; qi < sp->q.n_pods; qi++) {
		sp->q.pods[qi].first = sp->q.n_ctr;
		for (unsigned c = pod->first; c < pod->first + pod->n; c++)
			if (qpod[s->of[c]] == qi)
				add_ctr(sp, p, c, qi, NULL);
		for (unsigned c = pod->first; c < pod->first + pod->n; c++)
			stand[s->of[c]] = UINT_MAX;
		for (unsigned k = 0; k < n_pe; k++) {
			struct hp_plan_edge e = p->edges[pe[k]];
			unsigned a = s->of[e.a], b = s->of[e.b];

			if (qpod[a] != qi && qpod[b] != qi)
				continue;
			if (qpod[a] == qi && qpod[b] == qi) {
				e.a = sp->at[e.a];
				e.b = sp->at[e.b];
			} else if (qi == fixed) {
				continue; /* the part's pod has it */
			} else {
				/* the other end is a fixed unit: two free ones are one part */
				unsigned f = qpod[a] == qi ? b : a;

				if (stand[f] == UINT_MAX)
					stand[f] = add_ctr(sp, p, s->u[f].rep, qi, &s->u[f]);
				e.a = qpod[a] == qi ? sp->at[e.a] : stand[f];
				e.b = qpod[b] == qi ? sp->at[e.b] : stand[f];
			}
			sp->q.edges[sp->q.n_edges++] = e;
		}
	}
}

/*
 * Would every pod of q that may use a DPU be a choice among its placements,
 * by milp.c's rule: at most 64 units, and at most CFG_MAX placements, or
 * CFG_FEW where the pods' placements up to CFG_MAX come to more than
 * CFG_TOTAL in all? Where some would still use the x/h/z/s rows, p is left
 * whole: GLPK's tree over a model of both kinds was the slower (five DPUs,
 * three pods of seven sidecars, one with a latency budget that binds, so
 * not split: proven in 0.03-0.3 s whole, 0.8-3.6 s split), and the
 * searches of bound.c need every pod's placements anyway. A part's units
 * are counted with a stand-in for each fixed unit of its pod (at most).
 */
static bool all_placements(const struct hp_plan_problem *p, const struct units *s,
			   const bool *split, const double *count, const double *pcount,
			   const unsigned *units, unsigned *up)
{
	unsigned dpus = ((1u << p->n_pus) - 1) & ~1u;
	double total = 0, most = 0;

	for (unsigned u = 0, first = 0; u < s->n; u = first) {
		unsigned pod = s->u[u].pod, n = 0, fixed = 0;
		bool movable = false, fixed_dpu = false;

		for (first = u; first < s->n && s->u[first].pod == pod; first++, n++) {
			movable |= (s->u[first].allowed & dpus) != 0;
			if (!unit_free(p, &s->u[first])) {
				fixed++;
				fixed_dpu |= (s->u[first].allowed & dpus) != 0;
			}
		}
		if (!split[pod]) {
			total += count[pod] <= CFG_MAX ? count[pod] : 0;
			if (movable && (n > 64 || count[pod] > CFG_MAX))
				return false;
			most = movable ? fmax(most, count[pod]) : most;
			continue;
		}
		total += fixed > 0; /* the fixed units' pod: one placement */
		if (fixed_dpu && fixed > 64)
			return false;
		for (unsigned v = u; v < first; v++) {
			if (!unit_free(p, &s->u[v]) || find(up, v) != v)
				continue;
			if (units[v] + fixed > 64 || pcount[v] > CFG_MAX)
				return false;
			total += pcount[v];
			most = fmax(most, pcount[v]);
		}
	}
	return most <= (total <= CFG_TOTAL ? CFG_MAX : CFG_FEW);
}

int split_build(const struct hp_plan_problem *p, const struct units *s, struct split *sp)
{
	unsigned np = p->n_pods ? p->n_pods : 1, nu = s->n ? s->n : 1;
	_cleanup_free_ unsigned *up = malloc(nu * sizeof(unsigned));
	_cleanup_free_ unsigned *qpod = malloc(nu * sizeof(unsigned));
	_cleanup_free_ unsigned *stand = malloc(nu * sizeof(unsigned));
	_cleanup_free_ unsigned *parts = calloc(np, sizeof(unsigned));
	_cleanup_free_ double *count = malloc(np * sizeof(double));
	_cleanup_free_ double *lat = calloc(np, sizeof(double));
	/* each pod's edges, pe[pe_at[i]] on, in p's order */
	_cleanup_free_ unsigned *pe_at = calloc(np + 1, sizeof(unsigned));
	_cleanup_free_ unsigned *pe = malloc((p->n_edges ? p->n_edges : 1) * sizeof(unsigned));
	_cleanup_free_ bool *split = calloc(np, sizeof(bool));
	/* per part (at its root): placements, units */
	_cleanup_free_ double *pcount = malloc(nu * sizeof(double));
	_cleanup_free_ unsigned *units = malloc(nu * sizeof(unsigned));
	unsigned n_split = 0, all = (1u << p->n_pus) - 1;

	memset(sp, 0, sizeof(*sp));
	if (!up || !qpod || !stand || !parts || !count || !lat || !pe_at || !pe || !split ||
	    !pcount || !units)
		return -ENOMEM;
	for (unsigned i = 0; i < p->n_pods; i++)
		count[i] = 1;
	for (unsigned u = 0; u < s->n; u++) {
		up[u] = u;
		count[s->u[u].pod] *= __builtin_popcount(s->u[u].allowed & all);
	}
	for (unsigned k = 0; k < s->n_e; k++) {
		const struct uedge *e = &s->e[k];

		/* an edge between two units fixed on one PU never crosses */
		if (unit_free(p, &s->u[e->u]) || unit_free(p, &s->u[e->v]) ||
		    (s->u[e->u].allowed & all) != (s->u[e->v].allowed & all))
			lat[e->pod] += e->lat;
		if (unit_free(p, &s->u[e->u]) && unit_free(p, &s->u[e->v]))
			up[find(up, e->u)] = find(up, e->v);
	}
	for (unsigned u = 0; u < s->n; u++) {
		parts[s->u[u].pod] += unit_free(p, &s->u[u]) && find(up, u) == u;
		pcount[u] = 1;
		units[u] = 0;
	}
	for (unsigned u = 0; u < s->n; u++) {
		if (!unit_free(p, &s->u[u]))
			continue;
		pcount[find(up, u)] *= __builtin_popcount(s->u[u].allowed & all);
		units[find(up, u)]++;
	}
	/*
	 * More placements than CFG_FEW (fewer are enumerated whole anyway), no
	 * latency budget a placement could break, two parts or more.
	 */
	for (unsigned i = 0; i < p->n_pods; i++) {
		double b = p->pods[i].latency_budget_us;

		split[i] =
		    count[i] > CFG_FEW && parts[i] > 1 && (b < 0 || hp_plan_within(lat[i], b));
		n_split += split[i];
	}
	if (!n_split || !all_placements(p, s, split, count, pcount, units, up))
		return 0;
	for (unsigned k = 0; k < p->n_edges; k++)
		pe_at[p->ctr[p->edges[k].a].pod + 1]++;
	for (unsigned i = 0; i < p->n_pods; i++)
		pe_at[i + 1] += pe_at[i];
	for (unsigned k = 0; k < p->n_edges; k++)
		pe[pe_at[p->ctr[p->edges[k].a].pod]++] = k;
	for (unsigned i = p->n_pods; i > 0; i--) /* back to each pod's first */
		pe_at[i] = pe_at[i - 1];
	pe_at[0] = 0;
	/* a stand-in per edge at most; a pod per unit at most */
	sp->q.pods = calloc((size_t)p->n_pods + s->n + 1, sizeof(*sp->q.pods));
	sp->q.ctr = calloc((size_t)p->n_ctr + s->n_e + 1, sizeof(*sp->q.ctr));
	sp->q.edges = calloc((size_t)p->n_edges + 1, sizeof(*sp->q.edges));
	sp->at = calloc((size_t)p->n_ctr + 1, sizeof(unsigned));
	if (!sp->q.pods || !sp->q.ctr || !sp->q.edges || !sp->at) {
		split_free(sp);
		return -ENOMEM;
	}
	memcpy(sp->q.pu, p->pu, sizeof(p->pu));
	sp->q.n_pus = p->n_pus;
	sp->q.params = p->params;
	for (unsigned i = 0; i < p->n_pods; i++) {
		const struct hp_plan_pod *pod = &p->pods[i];

		if (split[i]) {
			split_one(sp, p, s, i, up, qpod, stand, pe + pe_at[i],
				  pe_at[i + 1] - pe_at[i]);
			continue;
		}
		sp->q.pods[add_pod(sp, p, i)].first = sp->q.n_ctr;
		for (unsigned c = pod->first; c < pod->first + pod->n; c++)
			add_ctr(sp, p, c, sp->q.n_pods - 1, NULL);
		for (unsigned k = pe_at[i]; k < pe_at[i + 1]; k++) {
			struct hp_plan_edge e = p->edges[pe[k]];

			e.a = sp->at[e.a];
			e.b = sp->at[e.b];
			sp->q.edges[sp->q.n_edges++] = e;
		}
	}
	/*
	 * A group is named by a container of it (stand-ins are their own); a
	 * container may run where its unit may (units_latency may have fixed it).
	 */
	for (unsigned c = 0; c < p->n_ctr; c++) {
		sp->q.ctr[sp->at[c]].group = sp->at[p->ctr[c].group];
		sp->q.ctr[sp->at[c]].allowed &= s->u[s->of[c]].allowed;
	}
	return 1;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The planner's model: building a problem, and the one evaluator every
 * solver's answer is checked against (the MILP's rounded solution, the greedy
 * heuristic's steps and every candidate of the exhaustive search all go
 * through hp_plan_evaluate, so they are compared on the same arithmetic).
 */
#include "plan/plan.h"
#include "util/util.h"

#include <math.h>
#include <sched.h>

void hp_plan_params_defaults(struct hp_plan_params *p)
{
	/*
	 * From the hetero-socket figures (ARCHITECTURE.md, "What fast means"):
	 * a window round trip is ~0.5 µs busy-polled; with the elastic
	 * notification a message costs a few µs of CPU on each side when the
	 * peer sleeps. Copying through the window runs at ~10 GB/s (0.1 ns/B).
	 */
	p->msg_cpu_us = 2.0;
	p->byte_cpu_ns = 0.1;
	p->msg_latency_us = 5.0;
	p->memory_weight = 0.0;
	p->default_rps = 1000.0;
	p->default_msg_bytes = 2048.0;
	p->time_limit_s = 10.0;
	p->mip_gap = 0.0;
	p->threads = 0;
	p->model_file = NULL;
}

unsigned hp_plan_threads(const struct hp_plan_params *p)
{
	cpu_set_t set;
	int n = 1;

	if (p->threads)
		n = (int)p->threads;
	else if (!sched_getaffinity(0, sizeof(set), &set))
		n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > HP_PLAN_MAX_THREADS ? HP_PLAN_MAX_THREADS : (unsigned)n;
}

void hp_plan_problem_init(struct hp_plan_problem *p)
{
	memset(p, 0, sizeof(*p));
	hp_plan_params_defaults(&p->params);
	p->n_pus = 1;
	strcpy(p->pu[0].name, "host");
	p->pu[0].cores = 16;
	p->pu[0].speed = 1;
	strcpy(p->pu[0].arch, "amd64");
}

void hp_plan_problem_free(struct hp_plan_problem *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->n_pods; i++) {
		free(p->pods[i].workload);
		free(p->pods[i].ns);
		free(p->pods[i].file);
	}
	for (unsigned i = 0; i < p->n_ctr; i++) {
		free(p->ctr[i].name);
		free(p->ctr[i].image);
		free(p->ctr[i].stay_reason);
	}
	for (unsigned i = 0; i < p->n_warnings; i++)
		free(p->warnings[i]);
	free(p->warnings);
	free(p->pods);
	free(p->ctr);
	free(p->edges);
	memset(p, 0, sizeof(*p));
}

int hp_plan_warn(struct hp_plan_problem *p, const char *fmt, ...)
{
	char **nw = reallocarray(p->warnings, p->n_warnings + 1, sizeof(*nw));
	va_list ap;
	int r;

	if (!nw)
		return -ENOMEM;
	p->warnings = nw;
	va_start(ap, fmt);
	r = vasprintf(&nw[p->n_warnings], fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	p->n_warnings++;
	return 0;
}

static int grow(void **arr, unsigned *cap, unsigned n, size_t size)
{
	void *na;
	unsigned ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	na = reallocarray(*arr, ncap, size);
	if (!na)
		return -ENOMEM;
	*arr = na;
	*cap = ncap;
	return 0;
}

int hp_plan_add_pod(struct hp_plan_problem *p, const char *workload, unsigned replicas)
{
	struct hp_plan_pod *pod;

	if (grow((void **)&p->pods, &p->cap_pods, p->n_pods, sizeof(*p->pods)) < 0)
		return -ENOMEM;
	pod = &p->pods[p->n_pods];
	memset(pod, 0, sizeof(*pod));
	pod->workload = strdup(workload);
	if (!pod->workload)
		return -ENOMEM;
	pod->replicas = replicas;
	pod->latency_budget_us = -1;
	pod->first = p->n_ctr;
	pod->tmpl_node = 0;
	return (int)p->n_pods++;
}

int hp_plan_add_container(struct hp_plan_problem *p, unsigned pod, const char *name,
			  const char *image)
{
	struct hp_plan_container *c;

	if (pod >= p->n_pods || p->pods[pod].first + p->pods[pod].n != p->n_ctr)
		return -EINVAL; /* a pod's containers are contiguous */
	if (grow((void **)&p->ctr, &p->cap_ctr, p->n_ctr, sizeof(*p->ctr)) < 0)
		return -ENOMEM;
	c = &p->ctr[p->n_ctr];
	memset(c, 0, sizeof(*c));
	c->name = strdup(name);
	c->image = image ? strdup(image) : NULL;
	if (!c->name || (image && !c->image)) {
		free(c->name);
		free(c->image);
		return -ENOMEM;
	}
	c->pod = pod;
	c->group = p->n_ctr;
	c->allowed = (1u << HP_PLAN_MAX_PUS) - 1;
	c->pin = -1;
	c->cpu_source = "default";
	p->pods[pod].n++;
	return (int)p->n_ctr++;
}

int hp_plan_add_edge(struct hp_plan_problem *p, unsigned a, unsigned b, double msgs,
		     double bytes, double crossings)
{
	struct hp_plan_edge *e;

	if (a >= p->n_ctr || b >= p->n_ctr || a == b || p->ctr[a].pod != p->ctr[b].pod)
		return -EINVAL;
	if (grow((void **)&p->edges, &p->cap_edges, p->n_edges, sizeof(*p->edges)) < 0)
		return -ENOMEM;
	e = &p->edges[p->n_edges];
	e->a = a;
	e->b = b;
	e->msgs = msgs;
	e->bytes = bytes;
	e->crossings = crossings;
	return (int)p->n_edges++;
}

void hp_plan_colocate(struct hp_plan_problem *p, unsigned a, unsigned b)
{
	unsigned ga = p->ctr[a].group, gb = p->ctr[b].group;
	const struct hp_plan_pod *pod = &p->pods[p->ctr[a].pod];

	if (ga == gb)
		return;
	/* Groups never leave their pod: relabel within it. */
	for (unsigned i = pod->first; i < pod->first + pod->n; i++)
		if (p->ctr[i].group == gb)
			p->ctr[i].group = ga;
}

unsigned hp_plan_group(const struct hp_plan_problem *p, unsigned c)
{
	return p->ctr[c].group;
}

double hp_plan_edge_cost(const struct hp_plan_problem *p, const struct hp_plan_edge *e)
{
	return e->msgs * p->params.msg_cpu_us * 1e-6 + e->bytes * p->params.byte_cpu_ns * 1e-9;
}

bool hp_plan_within(double used, double cap)
{
	/* GLPK's primal feasibility tolerance is 1e-7 (relative, on the scaled rows). */
	return used <= cap + 1e-7 * fmax(1.0, fabs(cap));
}

/* Container c on PU d, sign times: what it frees and loads (-1 takes it back). */
static void eval_ctr(const struct hp_plan_problem *p, unsigned c, int d, double sign,
		     struct hp_plan_eval *ev)
{
	const struct hp_plan_container *k = &p->ctr[c];
	double r = sign * p->pods[k->pod].replicas;

	if (d == HP_PLAN_HOST)
		return;
	ev->host_cores_freed += r * k->cpu;
	ev->objective += r * (k->cpu + p->params.memory_weight * k->memory / HP_PLAN_GIB);
	ev->dpu_cpu[d] += r * k->cpu / p->pu[d].speed;
	ev->dpu_mem[d] += r * k->memory;
}

/* Edge e with its ends on da and db, sign times; returns the latency it adds to its pod. */
static double eval_edge(const struct hp_plan_problem *p, const struct hp_plan_edge *e, int da,
			int db, double sign, struct hp_plan_eval *ev)
{
	double r = sign * p->pods[p->ctr[e->a].pod].replicas, cost;

	if (da == db)
		return 0;
	cost = hp_plan_edge_cost(p, e);
	if (da == HP_PLAN_HOST || db == HP_PLAN_HOST) {
		ev->host_cores_freed -= r * cost;
		ev->objective -= r * cost;
	}
	for (int side = 0; side < 2; side++) {
		int d = side ? db : da;

		if (d == HP_PLAN_HOST)
			continue;
		ev->dpu_cpu[d] += r * cost / p->pu[d].speed;
		ev->dpu_link[d] += r * e->bytes;
	}
	return e->crossings * p->params.msg_latency_us;
}

/*
 * May container c run on d (false: not at all), and is it with its group? If
 * not, ev says why (the first thing wrong).
 */
static bool eval_allowed(const struct hp_plan_problem *p, unsigned c, int d, int group_d,
			 struct hp_plan_eval *ev)
{
	const struct hp_plan_container *k = &p->ctr[c];
	bool ok = d >= 0 && (unsigned)d < p->n_pus && (k->allowed & (1u << d));

	if (!ok) {
		if (ev->feasible)
			snprintf(ev->why, sizeof(ev->why), "%s may not run on PU %d", k->name, d);
		ev->feasible = false;
	} else if (group_d != d) {
		if (ev->feasible)
			snprintf(ev->why, sizeof(ev->why), "%s must share a PU with %s", k->name,
				 p->ctr[k->group].name);
		ev->feasible = false;
	}
	return ok;
}

/* v in prec decimals; trim: its trailing zeros (and '.') dropped, "50", "4.096" */
static void eval_figure(char *buf, size_t size, int prec, double v, bool trim)
{
	size_t n = (size_t)snprintf(buf, size, "%.*f", prec, v);

	if (trim && prec > 0 && n < size) {
		while (buf[n - 1] == '0')
			buf[--n] = '\0';
		if (buf[n - 1] == '.')
			buf[--n] = '\0';
	}
}

/*
 * A use over its capacity, "a > b", in plain decimals: prec at least, and
 * as many more as tell the two apart ("0.7085 > 0.7084", not "0.709 >
 * 0.709"; a byte over 2 GiB takes 7 of MiB). trim: see eval_figure.
 */
#define EVAL_SIZE 400
static void eval_pair(char a[EVAL_SIZE], char b[EVAL_SIZE], double use, double cap, int prec,
		      bool trim)
{
	for (;; prec++) {
		eval_figure(a, EVAL_SIZE, prec, use, trim);
		eval_figure(b, EVAL_SIZE, prec, cap, trim);
		if (strcmp(a, b) || prec >= 9)
			break;
	}
}

/* Decimals for three significant digits of the smaller of two figures. */
static int eval_prec(double use, double cap)
{
	double small = fmin(use, cap);

	return small > 0 ? (int)fmin(fmax(0, 2 - floor(log10(small))), 9) : 3;
}

/*
 * "dpu0 memory: 50 > 10 MiB": use over capacity in unit (scale of them),
 * as the table's DPU lines give them.
 */
static void eval_over(struct hp_plan_eval *ev, const char *pu, const char *what, double use,
		      double cap, double scale, const char *unit)
{
	char a[EVAL_SIZE], b[EVAL_SIZE];

	eval_pair(a, b, use / scale, cap / scale, eval_prec(use / scale, cap / scale), true);
	snprintf(ev->why, sizeof(ev->why), "%s %s: %s > %s %s", pu, what, a, b, unit);
}

/* The DPUs' capacities against ev's loads. */
static void eval_capacity(const struct hp_plan_problem *p, struct hp_plan_eval *ev)
{
	for (unsigned d = 1; d < p->n_pus && ev->feasible; d++) {
		const struct hp_plan_pu *u = &p->pu[d];

		if (!hp_plan_within(ev->dpu_cpu[d], u->cores)) {
			char a[EVAL_SIZE], b[EVAL_SIZE];

			eval_pair(a, b, ev->dpu_cpu[d], u->cores, 3, false); /* millicores */
			snprintf(ev->why, sizeof(ev->why), "%s CPU: %s > %s cores", u->name, a, b);
		} else if (!hp_plan_within(ev->dpu_mem[d], u->memory))
			eval_over(ev, u->name, "memory", ev->dpu_mem[d], u->memory, 1048576.0,
				  "MiB");
		else if (!hp_plan_within(ev->dpu_link[d], u->link_bw))
			eval_over(ev, u->name, "PU link", ev->dpu_link[d], u->link_bw, 1e6, "MB/s");
		else
			continue;
		ev->feasible = false;
		ev->why_pu = (int)d;
	}
}

/* Pod i's latency lat against its budget. */
static void eval_latency(const struct hp_plan_problem *p, unsigned i, double lat,
			 struct hp_plan_eval *ev)
{
	const struct hp_plan_pod *pod = &p->pods[i];

	if (ev->feasible && pod->latency_budget_us >= 0 &&
	    !hp_plan_within(lat, pod->latency_budget_us)) {
		char a[EVAL_SIZE], b[EVAL_SIZE];

		eval_pair(a, b, lat, pod->latency_budget_us, eval_prec(lat, pod->latency_budget_us),
			  true);
		snprintf(ev->why, sizeof(ev->why), "%s%s%s%s latency: %s > %s us", pod->workload,
			 pod->ns ? " (namespace " : "", pod->ns ? pod->ns : "", pod->ns ? ")" : "",
			 a, b);
		ev->feasible = false;
		ev->why_pod = (int)i;
	}
}

static bool edge_valid(const struct hp_plan_problem *p, int da, int db)
{
	return da >= 0 && db >= 0 && (unsigned)da < p->n_pus && (unsigned)db < p->n_pus;
}

void hp_plan_evaluate(const struct hp_plan_problem *p, const int *pu, struct hp_plan_eval *ret)
{
	_cleanup_free_ double *lat = calloc(p->n_pods ? p->n_pods : 1, sizeof(double));
	struct hp_plan_eval ev = { .feasible = true, .why_pu = -1, .why_pod = -1 };

	if (!lat) {
		ev.feasible = false;
		snprintf(ev.why, sizeof(ev.why), "out of memory");
		*ret = ev;
		return;
	}
	for (unsigned c = 0; c < p->n_ctr; c++) {
		if (eval_allowed(p, c, pu[c], pu[p->ctr[c].group], &ev))
			eval_ctr(p, c, pu[c], 1, &ev);
	}
	for (unsigned i = 0; i < p->n_edges; i++) {
		const struct hp_plan_edge *e = &p->edges[i];

		if (edge_valid(p, pu[e->a], pu[e->b]))
			lat[p->ctr[e->a].pod] += eval_edge(p, e, pu[e->a], pu[e->b], 1, &ev);
	}
	eval_capacity(p, &ev);
	for (unsigned i = 0; i < p->n_pods; i++)
		eval_latency(p, i, lat[i], &ev);
	*ret = ev;
}

/*
 * hp_plan_evaluate of pu with some of pod pi's containers moved to PU d,
 * from cur: those of group group, or (group < 0) those on PU from.
 */
static void eval_moved(const struct hp_plan_problem *p, const int *pu,
		       const struct hp_plan_eval *cur, unsigned pi, long group, int from, int d,
		       const unsigned *edges, unsigned n_edges, struct hp_plan_eval *ret)
{
	const struct hp_plan_pod *pod = &p->pods[pi];
	struct hp_plan_eval ev = *cur;
	double lat = 0;

#define ALT(i) ((group >= 0 ? p->ctr[i].group == (unsigned long)group : pu[i] == from) ? d : pu[i])
	ev.feasible = true;
	ev.why[0] = '\0';
	ev.why_pu = ev.why_pod = -1;
	for (unsigned i = pod->first; i < pod->first + pod->n; i++) {
		if (eval_allowed(p, i, ALT(i), ALT(p->ctr[i].group), &ev) && ALT(i) != pu[i]) {
			eval_ctr(p, i, pu[i], -1, &ev);
			eval_ctr(p, i, ALT(i), 1, &ev);
		}
	}
	for (unsigned j = 0; j < n_edges; j++) {
		const struct hp_plan_edge *e = &p->edges[edges[j]];

		eval_edge(p, e, pu[e->a], pu[e->b], -1, &ev);
		lat += eval_edge(p, e, ALT(e->a), ALT(e->b), 1, &ev);
	}
#undef ALT
	eval_capacity(p, &ev);
	eval_latency(p, pi, lat, &ev);
	*ret = ev;
}

void hp_plan_evaluate_move(const struct hp_plan_problem *p, const int *pu,
			   const struct hp_plan_eval *cur, unsigned c, int d, const unsigned *edges,
			   unsigned n_edges, struct hp_plan_eval *ret)
{
	eval_moved(p, pu, cur, p->ctr[c].pod, p->ctr[c].group, -1, d, edges, n_edges, ret);
}

void hp_plan_evaluate_part(const struct hp_plan_problem *p, const int *pu,
			   const struct hp_plan_eval *cur, unsigned pod, int from, int to,
			   const unsigned *edges, unsigned n_edges, struct hp_plan_eval *ret)
{
	eval_moved(p, pu, cur, pod, -1, from, to, edges, n_edges, ret);
}

int hp_plan_pod_edges(const struct hp_plan_problem *p, unsigned **eoff, unsigned **eidx)
{
	unsigned *off = calloc(p->n_pods + 2, sizeof(unsigned));
	unsigned *idx = calloc(p->n_edges + 1, sizeof(unsigned)), *at;

	if (!off || !idx) {
		free(off);
		free(idx);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < p->n_edges; i++)
		off[p->ctr[p->edges[i].a].pod + 2]++;
	for (unsigned i = 2; i < p->n_pods + 2; i++)
		off[i] += off[i - 1];
	at = off + 1; /* at[pod]: the next free slot of pod's edges */
	for (unsigned i = 0; i < p->n_edges; i++)
		idx[at[p->ctr[p->edges[i].a].pod]++] = i;
	*eoff = off;
	*eidx = idx;
	return 0;
}

/* What edge e costs container c's DPU end, r replicas (0: c is not on it, or not split). */
static double edge_charge(const struct hp_plan_problem *p, const int *pu, unsigned c,
			  const struct hp_plan_edge *e, double r)
{
	unsigned other;

	if (e->a == c)
		other = e->b;
	else if (e->b == c)
		other = e->a;
	else
		return 0;
	return pu[other] == HP_PLAN_HOST ? r * hp_plan_edge_cost(p, e) : 0;
}

double hp_plan_container_freed_in(const struct hp_plan_problem *p, const int *pu, unsigned c,
				  const unsigned *edges, unsigned n_edges)
{
	const struct hp_plan_container *k = &p->ctr[c];
	double r = p->pods[k->pod].replicas, freed;

	if (pu[c] == HP_PLAN_HOST)
		return 0;
	freed = r * k->cpu;
	/* A split host–DPU edge is charged to its DPU end, so the sum is the total. */
	if (!edges)
		for (unsigned i = 0; i < p->n_edges; i++)
			freed -= edge_charge(p, pu, c, &p->edges[i], r);
	else
		for (unsigned j = 0; j < n_edges; j++)
			freed -= edge_charge(p, pu, c, &p->edges[edges[j]], r);
	return freed;
}

double hp_plan_container_freed(const struct hp_plan_problem *p, const int *pu, unsigned c)
{
	return hp_plan_container_freed_in(p, pu, c, NULL, 0);
}

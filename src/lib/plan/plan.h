/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The offload planner: which containers of a node's pods run on which PU.
 *
 * A problem is a set of pods (one per workload template, with a replica
 * count), their containers, traffic edges between containers of the same pod,
 * and the node's PUs: PU 0 is always the host, PUs 1..n are DPUs. Each
 * container goes to exactly one PU; all replicas of a template share the
 * placement (it is written into the template as one annotation).
 *
 * Containers that must share a PU (shared process or IPC namespace) carry the
 * same `group` (the index of one member). `allowed` is a bitmask of PUs the
 * container may use; bit 0 (host) is cleared only by a pin to a DPU.
 *
 * The model (docs/planner.md has the long form):
 *   freed   = sum over moved containers of replicas * cpu (+ memory_weight *
 *             GiB of memory), minus the host CPU spent on every message and
 *             byte that crosses between the host and a DPU;
 *   DPU d   : sum cpu / speed_d + crossing CPU / speed_d <= cores_d,
 *             sum memory <= memory_d, crossing bytes <= link_bw_d;
 *   pod     : crossings per request * msg_latency_us <= latency budget.
 * The solvers maximise `freed`.
 */
#ifndef HP_PLAN_H
#define HP_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"

#define HP_PLAN_MAX_PUS 9 /* the host and up to 8 DPUs */
#define HP_PLAN_HOST 0
#define HP_PLAN_GIB (1024.0 * 1024.0 * 1024.0)

/* Cost parameters (docs/planner.md, docs/plan-params.json). */
struct hp_plan_params {
	double msg_cpu_us;       /* host-core µs per crossing message, on each side */
	double byte_cpu_ns;      /* host-core ns per crossing byte, on each side */
	double msg_latency_us;   /* latency added by one crossing message */
	double memory_weight;    /* objective: host cores worth one GiB freed */
	double default_rps;      /* requests/s assumed through a proxy without profile */
	double default_msg_bytes; /* bytes per message assumed without profile */
	double time_limit_s;     /* solver time limit; the answer says if it was proven */
	double mip_gap;          /* relative gap accepted as optimal (0: proven exactly) */
	unsigned threads;	 /* the solver's (0: the CPUs it may run on; not in JSON) */
	/*
	 * The exact solver's model, as built before it solves it, is written
	 * here (CPLEX LP format, names in docs/planner.md) once there is an
	 * answer, so that another solver can check it; the time writing takes
	 * is not counted against the time limit, nor in solve_ms. NULL: not
	 * written. Not in JSON.
	 */
	const char *model_file;
};
void hp_plan_params_defaults(struct hp_plan_params *p);
#define HP_PLAN_MAX_THREADS 16 /* the most threads a solve runs in */
#define HP_PLAN_TIME_LIMIT_MAX 1e9 /* seconds: timeLimitS, --time-limit */
/* The threads a solve runs in: p->threads, or as many as the CPUs it may run on. */
unsigned hp_plan_threads(const struct hp_plan_params *p);
/* JSON object with the fields above (camelCase); unknown fields are errors. */
int hp_plan_params_load(struct hp_plan_params *p, const char *path, struct hp_error *err);
int hp_plan_params_parse(struct hp_plan_params *p, const char *text, size_t len, const char *file,
			 struct hp_error *err);

struct hp_plan_pu {
	char name[16];    /* "host", "dpu0", ... */
	double cores;     /* its own cores (DPU cores for a DPU) */
	double speed;     /* one of its cores relative to a host core */
	double memory;    /* bytes available for offloaded containers */
	double link_bw;   /* PU-link bytes/s (DPUs) */
	char arch[16];    /* "arm64", "amd64", ... */
};

enum hp_plan_ctype { HP_PLAN_REGULAR, HP_PLAN_INIT, HP_PLAN_SIDECAR };
enum hp_plan_role { HP_PLAN_APP, HP_PLAN_INFRA };

struct hp_plan_container {
	char *name;
	char *image;
	unsigned pod;             /* index in problem->pods */
	unsigned group;           /* containers with equal group share a PU */
	enum hp_plan_ctype ctype;
	enum hp_plan_role role;
	const char *kind;         /* recognised infrastructure kind, or NULL */
	double cpu;               /* host cores per replica */
	double memory;            /* bytes per replica */
	const char *cpu_source;   /* "profile", "requests", "limits", "default" */
	unsigned allowed;         /* bitmask of PUs */
	int pin;                  /* -1, a PU index, or HP_PLAN_PIN_DPU (any DPU) */
	char *stay_reason;        /* why it cannot leave the host (NULL: it can) */
	unsigned line;            /* 1-based line in the manifest, 0 if none */
};
#define HP_PLAN_PIN_DPU 100

struct hp_plan_edge {
	unsigned a, b;            /* container indices, same pod */
	double msgs;              /* messages/s per replica, both directions */
	double bytes;             /* bytes/s per replica, both directions */
	double crossings;         /* messages per request on the latency path */
};

struct hp_plan_pod {
	char *workload;           /* "Kind/name" */
	char *ns;                 /* metadata.namespace, or NULL where none is given */
	char *file;               /* manifest path, or NULL */
	unsigned line;            /* 1-based line of the workload's document */
	unsigned file_idx, doc_idx;
	int tmpl_node;            /* libyaml node of the pod template (metadata+spec) */
	unsigned replicas;
	double latency_budget_us; /* < 0: none */
	unsigned first, n;        /* its containers */
};

struct hp_plan_problem {
	struct hp_plan_pu pu[HP_PLAN_MAX_PUS];
	unsigned n_pus;           /* host + DPUs */
	struct hp_plan_params params;
	struct hp_plan_pod *pods;
	unsigned n_pods, cap_pods;
	struct hp_plan_container *ctr;
	unsigned n_ctr, cap_ctr;
	struct hp_plan_edge *edges;
	unsigned n_edges, cap_edges;
	char **warnings; /* what the manifests hold that the plan leaves out */
	unsigned n_warnings;
};

void hp_plan_problem_init(struct hp_plan_problem *p);
void hp_plan_problem_free(struct hp_plan_problem *p);
/* Append; they return the new index or -ENOMEM. Strings are copied. */
int hp_plan_add_pod(struct hp_plan_problem *p, const char *workload, unsigned replicas);
int hp_plan_add_container(struct hp_plan_problem *p, unsigned pod, const char *name,
			  const char *image);
int hp_plan_add_edge(struct hp_plan_problem *p, unsigned a, unsigned b, double msgs,
		     double bytes, double crossings);
/* Append a warning (printf format); 0 or -ENOMEM. */
int hp_plan_warn(struct hp_plan_problem *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Join the groups of two containers (they must share a PU). */
void hp_plan_colocate(struct hp_plan_problem *p, unsigned a, unsigned b);
unsigned hp_plan_group(const struct hp_plan_problem *p, unsigned c);
/* Host CPU (host cores/s) one replica of an edge costs on each side when split. */
double hp_plan_edge_cost(const struct hp_plan_problem *p, const struct hp_plan_edge *e);

/* A placement: pu[c] for every container. */
struct hp_plan_eval {
	bool feasible;
	char why[160];           /* first violated constraint when infeasible */
	int why_pu, why_pod;	 /* the DPU or pod why names (-1: neither) */
	double objective;        /* the solvers' objective */
	double host_cores_freed; /* without the memory term */
	double dpu_cpu[HP_PLAN_MAX_PUS], dpu_mem[HP_PLAN_MAX_PUS], dpu_link[HP_PLAN_MAX_PUS];
};
/* Check a placement against every constraint and compute its objective. */
void hp_plan_evaluate(const struct hp_plan_problem *p, const int *pu, struct hp_plan_eval *ret);
/* Is used within cap, to the evaluator's tolerance (GLPK's, 1e-7 relative)? */
bool hp_plan_within(double used, double cap);
/*
 * hp_plan_evaluate of pu with container c's group moved to PU d, from cur
 * (hp_plan_evaluate of pu) and the edges of c's pod (indices): one pod's
 * work, for reports that ask it of every container. pu must be feasible (a
 * solver's answer); where the move is not, feasible and why are what
 * hp_plan_evaluate says, the sums need not be.
 */
void hp_plan_evaluate_move(const struct hp_plan_problem *p, const int *pu,
			   const struct hp_plan_eval *cur, unsigned c, int d, const unsigned *edges,
			   unsigned n_edges, struct hp_plan_eval *ret);
/* The same with every container of pod pod on PU from moved to PU to. */
void hp_plan_evaluate_part(const struct hp_plan_problem *p, const int *pu,
			   const struct hp_plan_eval *cur, unsigned pod, int from, int to,
			   const unsigned *edges, unsigned n_edges, struct hp_plan_eval *ret);
/*
 * Each pod's edges: pod i's are (*eidx)[(*eoff)[i]] to below (*eoff)[i + 1]
 * (indices; the caller frees both). -ENOMEM.
 */
int hp_plan_pod_edges(const struct hp_plan_problem *p, unsigned **eoff, unsigned **eidx);
/* Host cores one container's placement frees, net of the crossings it causes. */
double hp_plan_container_freed(const struct hp_plan_problem *p, const int *pu, unsigned c);
/* The same from the edges of its pod (indices; NULL: every edge). */
double hp_plan_container_freed_in(const struct hp_plan_problem *p, const int *pu, unsigned c,
				  const unsigned *edges, unsigned n_edges);

enum hp_plan_method { HP_PLAN_MILP, HP_PLAN_GREEDY, HP_PLAN_EXHAUSTIVE };

struct hp_plan_result {
	int *pu;                 /* per container */
	bool optimal;            /* proven optimal for the model */
	double objective;
	double host_cores_freed;
	double solve_ms;
	double bound;            /* best bound known (MILP), = objective when optimal */
	const char *status;      /* "optimal", "feasible (time limit)", ... */
	const char *proof;	 /* when optimal (only): "branch and bound", "group bound", ...,
				    or HP_PLAN_NOTHING_MOVES (no search) */
	bool model_written;	 /* params.model_file holds the model (not when nothing may move) */
};
void hp_plan_result_free(struct hp_plan_result *r);
#define HP_PLAN_NOTHING_MOVES "nothing may move"

/*
 * Solve. -EDOM: no placement satisfies the constraints (err says which);
 * -ETIME: time limit with no placement found; -E2BIG: too large (exhaustive).
 */
int hp_plan_solve(const struct hp_plan_problem *p, enum hp_plan_method m,
		  struct hp_plan_result *ret, struct hp_error *err);
/*
 * Stop the solve that runs, and any after it, at its next look at the
 * clock, as at its time limit: its answer is the best placement it has
 * found (status "feasible (interrupted)", unless proven optimal all the
 * same). Async-signal-safe, for a SIGINT handler; for the rest of the
 * process.
 */
void hp_plan_interrupt(void);
/*
 * Release the solver's global state (GLPK environment, and the room meeting
 * in the middle keeps between solves of this thread); for leak checkers and
 * long-lived callers.
 */
void hp_plan_solver_cleanup(void);

/*
 * Reports: the JSON object of the command-line contract, and a table (-ENOMEM);
 * each container with where it goes, why, and the host cores it frees.
 */
char *hp_plan_report_json(const struct hp_plan_problem *p, const struct hp_plan_result *r);
int hp_plan_report_table(const struct hp_plan_problem *p, const struct hp_plan_result *r, FILE *f);
/*
 * s with control characters written \xNN and C1 controls \u00NN, as the
 * table writes names: for messages that quote a manifest. NULL: no memory.
 */
char *hp_plan_escape(const char *s);

/*
 * Random instances for tests and benchmarks: pods shaped like real ones (an
 * application, a proxy sidecar, telemetry agents, init containers), CPU on a
 * millicore grid, DPU capacity set so that only part of the demand fits.
 */
struct hp_plan_gen {
	unsigned containers;  /* at least; pods are added whole */
	unsigned dpus;        /* 1..8 */
	bool move_apps;       /* applications may move */
	bool restrictions;    /* pins, blocked containers, arch limits, groups */
	bool latency;         /* per-pod latency budgets */
	double tightness;     /* DPU cores / movable demand (e.g. 0.4) */
	bool feasible;        /* no pod whose DPU pins break its own latency budget */
	double memory;        /* DPU memory / its share of the movable memory [0: 1.5] */
};
int hp_plan_generate(struct hp_plan_problem *p, const struct hp_plan_gen *g, uint64_t seed);

#endif

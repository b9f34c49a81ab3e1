/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The group bound: what the integrality of the DPUs' millicore counts costs
 * the LP relaxation (Gomory's group relaxation, on the DPU CPU rows only).
 * solve.c builds one from the root LP's duals; group.c searches it.
 */
#ifndef HP_PLAN_GROUP_H
#define HP_PLAN_GROUP_H

#include <stdbool.h>

#include "plan/plan.h"

/*
 * One choice of a pod: how far its LP reduced value is below the pod's best
 * (loss >= 0), and the part of its load on each DPU CPU row that is not a
 * whole number of grid steps (crossing costs), in the row's units.
 */
struct hp_group_opt {
	double loss;
	double f[HP_PLAN_MAX_PUS];
};

struct hp_group {
	unsigned n_rows;               /* DPU CPU rows, indexed 1..n_rows */
	double b[HP_PLAN_MAX_PUS];     /* capacity */
	double q[HP_PLAN_MAX_PUS];     /* grid step of the rest of the load (> 0) */
	double tol[HP_PLAN_MAX_PUS];   /* how far a placement may exceed b */
	double y[HP_PLAN_MAX_PUS];     /* the row's dual value (>= 0) */
	unsigned n_pods;
	unsigned *first, *n;           /* each pod's options in opts[], by ascending loss */
	struct hp_group_opt *opts;
	unsigned n_opts;
};

/*
 * The least loss of a choice of one option per pod, plus for every row y
 * times its slack, which is at least what the grid leaves:
 *
 *   min  sum_i loss(k_i) + sum_r y_r rho_r,
 *   rho_r = ((b_r + tol_r - sum_i f_r(k_i)) mod q_r) - tol_r
 *
 * searched only below limit. Returns the minimum, or limit when every choice
 * costs at least that; a negative number (-E2BIG) when more than max_leaves
 * choices had to be looked at, -ENOMEM on allocation failure. best (n_pods
 * entries, may be NULL) receives the index into opts[] chosen for each pod.
 */
double hp_group_min(const struct hp_group *g, double limit, unsigned long max_leaves,
		    unsigned *best);

#endif

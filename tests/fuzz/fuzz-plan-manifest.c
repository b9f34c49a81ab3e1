/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: manifest parsing, model building, solving and annotating. */
// FUZZ-SOURCES: plan/*.c util/util.c config/config.c netns/addr.c
// FUZZ-LIBS: -lyaml -ljansson -lglpk
// FUZZ-CORPUS: ../shared/manifests/*/*.yaml
// FUZZ-MAXLEN: 65536
#include "plan/manifest.h"
#include "plan/plan.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_plan_manifests m = { 0 };
	struct hp_plan_node node;
	struct hp_plan_problem p;
	struct hp_plan_result r = { 0 };
	struct hp_error err;
	char **texts = NULL;

	hp_plan_node_defaults(&node);
	hp_plan_problem_init(&p);
	if (hp_plan_manifests_parse(&m, "fuzz.yaml", (const char *)data, size, &err) == 0 &&
	    hp_plan_build(&p, &m, &node, NULL, NULL, &err) == 0 && p.n_ctr <= 64 &&
	    hp_plan_solve(&p, HP_PLAN_GREEDY, &r, &err) == 0 &&
	    hp_plan_annotate(&m, &p, r.pu, &texts, &err) == 0) {
		for (unsigned i = 0; i < m.n_files; i++)
			free(texts[i]);
		free(texts);
	}
	hp_plan_result_free(&r);
	hp_plan_problem_free(&p);
	hp_plan_manifests_free(&m);
	hp_plan_node_free(&node);
	return 0;
}

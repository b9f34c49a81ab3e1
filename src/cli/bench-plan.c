/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * heteropod bench plan [--json] [--seeds N] [--dpus N] [--memory F] [--sidecars-only]
 *                      [--time-limit S] [--sizes LIST] [--manifests DIR] [--threads N]
 *
 * Solve time and optimality of the exact planner on random instances of
 * growing size, and the greedy heuristic's gap on the real manifests.
 */
#include "cli.h"
#include "plan/manifest.h"
#include "plan/plan.h"
#include "util/util.h"

#include <getopt.h>
#include <glob.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <sys/stat.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static json_t *bench_size(unsigned n, unsigned dpus, double memory, bool move_apps,
			  unsigned seeds, double time_limit, unsigned threads, bool json)
{
	_cleanup_free_ double *ms = calloc(seeds, sizeof(double));
	unsigned solved = 0, optimal = 0, infeasible = 0, containers = 0;
	double worst_gap = 0, greedy_gap = 0;

	if (!ms)
		return NULL;
	for (unsigned i = 0; i < seeds; i++) {
		struct hp_plan_gen g = { .containers = n, .dpus = dpus, .move_apps = move_apps,
					 .restrictions = true, .latency = true, .tightness = 0.4,
					 .feasible = true, .memory = memory };
		struct hp_plan_problem p;
		struct hp_plan_result r = { 0 }, gr = { 0 };
		struct hp_error err = { "" };

		if (hp_plan_generate(&p, &g, 7919ull * n + i) < 0)
			return NULL;
		containers = p.n_ctr;
		p.params.time_limit_s = time_limit;
		p.params.threads = threads;
		if (hp_plan_solve(&p, HP_PLAN_MILP, &r, &err) < 0) {
			infeasible++;
			hp_plan_problem_free(&p);
			continue;
		}
		ms[solved++] = r.solve_ms;
		optimal += r.optimal;
		if (r.bound > r.objective && r.objective > 0)
			worst_gap = fmax(worst_gap, (r.bound - r.objective) / r.objective);
		if (hp_plan_solve(&p, HP_PLAN_GREEDY, &gr, &err) == 0 && r.objective > 0)
			greedy_gap = fmax(greedy_gap, (r.objective - gr.objective) / r.objective);
		hp_plan_result_free(&r);
		hp_plan_result_free(&gr);
		hp_plan_problem_free(&p);
	}
	qsort(ms, solved, sizeof(double), cmp_double);
	if (!json) {
		char unsolved[48] = "";

		if (infeasible)
			snprintf(unsolved, sizeof(unsolved), "  (and %u without an answer)",
				 infeasible);
		/* both gaps in percent: a 4.2% gap had read as 0.042 beside 0.00% (a black-box review) */
		printf("%10u %5u %6u %8u/%-3u %10.1f %10.1f %9.3g%% %10.2f%%%s\n", containers, dpus,
		       solved, optimal, solved, solved ? ms[solved / 2] : 0.0,
		       solved ? ms[solved - 1] : 0.0, 100 * worst_gap, 100 * greedy_gap, unsolved);
	}
	return json_pack("{s:i, s:i, s:f, s:b, s:i, s:i, s:i, s:f, s:f, s:f, s:f}",
			 "containers", containers, "dpus", dpus, "memory", memory,
			 "apps_move", move_apps, "instances", solved, "proven_optimal", optimal,
			 "infeasible", infeasible, "median_ms", solved ? ms[solved / 2] : 0.0,
			 "max_ms", solved ? ms[solved - 1] : 0.0, "max_rel_gap", worst_gap,
			 "greedy_max_gap", greedy_gap);
}

static void default_manifests(char *buf, size_t n)
{
	const char *env = getenv("HETEROPOD_MANIFESTS");
	char self[PATH_MAX];
	ssize_t len;

	if (env && *env) {
		snprintf(buf, n, "%s", env);
		return;
	}
	/* build/heteropod -> <repo>/../shared/manifests */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0) {
		snprintf(buf, n, "../shared/manifests");
		return;
	}
	self[len] = '\0';
	snprintf(buf, n, "%s/../shared/manifests", dirname(dirname(self)));
}

/* Greedy against exact on each real manifest, on two nodes. */
static json_t *bench_manifests(const char *dir, double time_limit, unsigned threads, bool json,
			       int *ret_fail)
{
	_cleanup_free_ char *pat1 = hp_sprintf("%s/*.yaml", dir);
	_cleanup_free_ char *pat2 = hp_sprintf("%s/*/*.yaml", dir);
	json_t *arr = json_array();
	glob_t gl = { 0 };

	if (!pat1 || !pat2 || !arr)
		return NULL;
	glob(pat1, 0, NULL, &gl);
	glob(pat2, GLOB_APPEND, NULL, &gl);
	if (!json)
		printf("\n%-52s %-9s %5s %9s %9s %7s %s\n", "MANIFEST", "NODE", "CTRS", "EXACT",
		       "GREEDY", "GAP", "STATUS");
	for (size_t i = 0; i < gl.gl_pathc; i++) {
		struct stat st;

		/* a FIFO would block the run, a directory is no manifest */
		if (stat(gl.gl_pathv[i], &st) < 0 || !S_ISREG(st.st_mode)) {
			log_err("bench plan: %s: not a regular file, left out", gl.gl_pathv[i]);
			*ret_fail = 1;
			continue;
		}
		for (int scenario = 0; scenario < 2; scenario++) {
			struct hp_plan_manifests m = { 0 };
			struct hp_plan_node node;
			struct hp_plan_params params;
			struct hp_plan_problem p;
			struct hp_plan_result r = { 0 }, gr = { 0 };
			struct hp_error err = { "" };
			const char *name = gl.gl_pathv[i] + strlen(dir) + 1;
			/* default node; or a small DPU where applications may move too */
			const char *sc = scenario ? "small+app" : "default";
			double gap;

			hp_plan_node_defaults(&node);
			hp_plan_params_defaults(&params);
			params.time_limit_s = time_limit;
			params.threads = threads;
			if (scenario) {
				node.pu[1].cores = 1;
				node.pu[1].memory = 512.0 * 1048576;
				node.move_apps = true;
			}
			if (hp_plan_manifests_load(&m, gl.gl_pathv[i], &err) < 0 ||
			    hp_plan_build(&p, &m, &node, NULL, &params, &err) < 0 ||
			    hp_plan_solve(&p, HP_PLAN_MILP, &r, &err) < 0 ||
			    hp_plan_solve(&p, HP_PLAN_GREEDY, &gr, &err) < 0) {
				_cleanup_free_ char *msg = hp_plan_escape(err.msg);

				/* with --json, on standard error and in the JSON too */
				if (!json)
					printf("%-52s %-9s error: %s\n", name, sc,
					       msg ? msg : err.msg);
				else
					log_err("bench plan: %s (%s node): %s", name, sc,
						msg ? msg : err.msg);
				json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "manifest",
								     name, "node", sc, "error",
								     err.msg));
				*ret_fail = 1;
			} else {
				gap = r.objective > 0 ? (r.objective - gr.objective) / r.objective : 0;
				if (gr.objective > r.objective + 1e-9)
					*ret_fail = 1; /* the exact answer may never be worse */
				if (!json)
					printf("%-52s %-9s %5u %9.3f %9.3f %6.2f%% %s\n", name, sc,
					       p.n_ctr, r.objective, gr.objective, 100 * gap, r.status);
				json_array_append_new(
					arr, json_pack("{s:s, s:s, s:i, s:f, s:f, s:b, s:f}", "manifest",
						       name, "node", sc, "containers", p.n_ctr, "exact",
						       r.objective, "greedy", gr.objective, "optimal",
						       r.optimal, "solve_ms", r.solve_ms));
			}
			hp_plan_result_free(&r);
			hp_plan_result_free(&gr);
			hp_plan_problem_free(&p);
			hp_plan_node_free(&node);
			hp_plan_manifests_free(&m);
		}
	}
	if (!gl.gl_pathc && !json)
		printf("(no manifests under %s)\n", dir);
	globfree(&gl);
	return arr;
}

#define BENCH_SIZE_MAX 100000 /* containers in a random instance */

/* "10,100,1000" into sizes (at most max, each 1..BENCH_SIZE_MAX), all or nothing. */
static int parse_sizes(const char *arg, unsigned *sizes, size_t max, size_t *n)
{
	_cleanup_free_ char *copy = strdup(arg);
	size_t k = 0;

	if (!copy)
		return -ENOMEM;
	/* strtok_r would let ",," and a trailing ',' pass */
	if (!*arg || arg[0] == ',' || arg[strlen(arg) - 1] == ',' || strstr(arg, ",,"))
		return -EINVAL;
	for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (k == max || hp_parse_u64(tok, &v) < 0 || !v || v > BENCH_SIZE_MAX)
			return -EINVAL;
		sizes[k++] = (unsigned)v;
	}
	*n = k;
	return 0;
}

int bench_plan(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "seeds", required_argument, NULL, 's' },
		{ "time-limit", required_argument, NULL, 't' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "dpus", required_argument, NULL, 'd' },
		{ "memory", required_argument, NULL, 'M' },
		{ "sidecars-only", no_argument, NULL, 'S' },
		{ "manifests", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static const unsigned default_sizes[] = { 10, 20, 50, 100, 200, 500, 1000, 2000, 5000 };
	unsigned sizes[64];
	size_t n_sizes = ARRAY_SIZE(default_sizes);
	char dir[PATH_MAX];
	bool json = false, move_apps = true, dir_given = false;
	uint64_t seeds = 5, dpus = 1, threads = 0;
	struct hp_plan_params params;
	double time_limit = 10, memory = 1.5;
	struct stat st;
	json_t *out, *arr;
	int c, r, fail = 0;

	memcpy(sizes, default_sizes, sizeof(default_sizes));
	default_manifests(dir, sizeof(dir));
	optind = 0;
	argv[0] = (char *)"heteropod bench plan"; /* getopt's messages name it so */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 's':
			if (hp_parse_u64(optarg, &seeds) < 0 || !seeds || seeds > 1000)
				return cli_usage_error("bench plan: --seeds 1..1000");
			break;
		case 'd':
			if (hp_parse_u64(optarg, &dpus) < 0 || !dpus || dpus > 8)
				return cli_usage_error("bench plan: --dpus 1..8");
			break;
		case 'M':
			if (hp_parse_double(optarg, &memory) < 0 || memory <= 0 || memory > 100)
				return cli_usage_error("bench plan: --memory: a share above 0, "
						       "up to 100");
			break;
		case 't':
			if (hp_parse_double(optarg, &time_limit) < 0 || time_limit <= 0 ||
			    time_limit > HP_PLAN_TIME_LIMIT_MAX)
				return cli_usage_error("bench plan: --time-limit: '%s' is not a "
						       "number of seconds above 0 and at most %g",
						       optarg, HP_PLAN_TIME_LIMIT_MAX);
			break;
		case 'T':
			if (hp_parse_u64(optarg, &threads) < 0 || !threads ||
			    threads > HP_PLAN_MAX_THREADS)
				return cli_usage_error("bench plan: --threads 1..%d",
						       HP_PLAN_MAX_THREADS);
			break;
		case 'S': move_apps = false; break;
		case 'z':
			r = parse_sizes(optarg, sizes, ARRAY_SIZE(sizes), &n_sizes);
			if (r == -ENOMEM) {
				log_err("bench plan: %s", strerror(ENOMEM));
				return EXIT_FAIL;
			}
			if (r < 0)
				return cli_usage_error("bench plan: --sizes: a comma-separated list "
						       "of up to %zu sizes, each 1..%d",
						       ARRAY_SIZE(sizes), BENCH_SIZE_MAX);
			break;
		case 'm': {
			/* the default may be missing (no manifests beside the tree); one given may not */
			if (dir_given)
				return cli_usage_error("bench plan: --manifests given twice");
			if (stat(optarg, &st) < 0 || !S_ISDIR(st.st_mode))
				return cli_usage_error("bench plan: --manifests %s: not a directory",
						       optarg);
			snprintf(dir, sizeof(dir), "%s", optarg);
			dir_given = true;
			break;
		}
		case 'h':
			printf("Usage: heteropod bench plan [--json] [--seeds N] [--dpus N] "
			       "[--memory F] [--sidecars-only]\n"
			       "                            [--time-limit S] [--sizes 10,100,...] "
			       "[--manifests DIR] [--threads N]\n"
			       "Solve times and proofs of the exact planner on random instances, and\n"
			       "the greedy heuristic's gap on real manifests. The defaults take many\n"
			       "minutes (scripts/bench-plan.sh runs the docs' families).\n"
			       "  --json           machine-readable output\n"
			       "  --seeds N        random instances per size, 1 to 1000 [5]\n"
			       "  --dpus N         DPUs of the random node, 1 to 8 [1]\n"
			       "  --sizes LIST     containers per instance, comma-separated, at most\n"
			       "                   %zu, each 1 to %d [10,20,50,100,200,500,1000,2000,5000]\n"
			       "  --time-limit S   each solve's time limit, seconds [10]\n"
			       "  --memory F       random instances: each DPU gets F times its\n"
			       "                   share of the movable CPU as its share of the\n"
			       "                   movable memory, F above 0 and at most 100\n"
			       "                   [1.5: CPU binds; 0.5: memory does]\n"
			       "  --sidecars-only  random instances: applications stay on the host,\n"
			       "                   as heteropod plan has them without --move-apps\n"
			       "                   [default: they may move]\n"
			       "  --manifests DIR  the real manifests, DIR/*.yaml and DIR/*/*.yaml\n"
			       "                   [../shared/manifests beside the source tree]\n"
			       "  --threads N      the solver's threads, 1 to 16 [the CPUs it may\n"
			       "                   run on]\n",
			       ARRAY_SIZE(sizes), BENCH_SIZE_MAX);
			return EXIT_OK;
		default: /* getopt said which */
			return cli_usage_error("bench plan: see --help");
		}
	}
	if (optind < argc)
		return cli_usage_error("bench plan: '%s': no arguments but options (see --help)",
				       argv[optind]);
	/* said before the minutes of the random instances: their section had gone quietly */
	if (!dir_given && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		log_warn("bench plan: %s: no such directory; greedy's gaps on the real manifests "
			 "are left out (--manifests DIR)",
			 dir);
	hp_plan_params_defaults(&params);
	params.threads = (unsigned)threads;
	threads = hp_plan_threads(&params);
	out = json_object();
	arr = json_array();
	json_object_set_new(out, "threads", json_integer((json_int_t)threads));
	if (!json)
		printf("Exact planner (GLPK) on random instances, %llu per size, time limit %g s, "
		       "%llu thread%s\n"
		       "Each DPU's share of the movable memory: %g times its CPU share\n"
		       "%s\n"
		       "%10s %5s %6s %12s %10s %10s %10s %11s\n",
		       (unsigned long long)seeds, time_limit, (unsigned long long)threads,
		       threads == 1 ? "" : "s", memory,
		       move_apps ? "Applications may move" : "Only sidecars move",
		       "CONTAINERS", "DPUS",
		       "SOLVED", "OPTIMAL", "MEDIAN_MS", "MAX_MS", "MAX_GAP", "GREEDY_GAP");
	for (size_t i = 0; i < n_sizes; i++) {
		json_array_append_new(arr, bench_size(sizes[i], (unsigned)dpus, memory, move_apps,
						      (unsigned)seeds, time_limit, (unsigned)threads,
						      json));
		fflush(stdout);
	}
	json_object_set_new(out, "random", arr);
	json_object_set_new(out, "manifests",
			    bench_manifests(dir, time_limit, (unsigned)threads, json, &fail));
	if (json) {
		char *s = json_dumps(out, JSON_INDENT(2) | JSON_REAL_PRECISION(6));

		if (s) {
			printf("%s\n", s);
			free(s);
		} else {
			log_err("bench plan: %s", strerror(ENOMEM));
			fail = 1;
		}
	}
	json_decref(out);
	hp_plan_solver_cleanup();
	/* a benchmark whose figures were lost (a full disk) did not run as asked */
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_err("bench plan: writing standard output: %s", strerror(errno ? errno : EIO));
		fail = 1;
	}
	(void)cli;
	return fail ? EXIT_FAIL : EXIT_OK;
}

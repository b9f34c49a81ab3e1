/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * heteropod bench xpu: hetero-socket and its three baselines in one run on
 * a private emulated node, side by side, with ratios. A benchmark, not a
 * test: it measures and reports, it never passes or fails on a figure.
 */
#include "agent/proto.h"
#include "bench/xpu.h"
#include "cli.h"
#include "netns/half.h"
#include "node/node.h"
#include "node/ns.h"
#include "socket/hwin.h"
#include "util/util.h"

#include <math.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#define BASE_PORT 7100
#define WINDOW_SIZE (16u << 20)

struct metric {
	const char *key, *label;
	bool higher_better;
};

static const struct metric metrics[] = {
	{ "rtt_p50_us", "ping-pong RTT p50 (us)", false },
	{ "rtt_p99_us", "ping-pong RTT p99 (us)", false },
	{ "cpu_s_per_m_rtt", "CPU s per 1M round trips", false },
	{ "stream_gbytes_s", "64 KiB stream (GB/s)", true },
	{ "connects_per_s", "connection setups /s", true },
	{ "oversub_p50_us", "oversubscribed p50 (us)", false },
	{ "oversub_p99_us", "oversubscribed p99 (us)", false },
	{ "oversub_cpu_s_per_m_req", "oversub CPU s per 1M req", false },
	{ "idle_cpu_pct", "idle CPU (% of a core)", false },
	{ "idle_window_bytes", "idle window buffer bytes", false },
};

static const enum xpu_mode order[] = { XPU_HETERO_SOCKET, XPU_KERNEL_BYPASS, XPU_KERNEL_PATH,
				       XPU_LOOPBACK };

struct ctx {
	struct hp_node node;
	char window[XPU_NMODES][PATH_MAX];
	pid_t servers[XPU_NMODES];
};

static uint64_t pu_cpu_ns(void *data)
{
	struct hp_node *n = data;
	uint64_t sum = 0;

	for (unsigned i = 0; i <= n->cfg.n_dpus; i++) {
		uint64_t v = 0;

		hp_cgroup_cpu_usage(&n->cg, hp_node_pu_name(&n->cfg, i), NULL, &v);
		sum += v;
	}
	return sum;
}

static int enter_half(struct hp_node *n, const char *pod, unsigned pu_index)
{
	char netns[160], group[64];
	int r;

	hp_half_netns(n, pod, pu_index, netns, sizeof(netns));
	hp_half_group(pod, group, sizeof(group));
	r = hp_cgroup_attach(&n->cg, hp_node_pu_name(&n->cfg, pu_index), group, getpid());
	return r < 0 ? r : hp_netns_enter(netns);
}

static void teardown(struct ctx *c)
{
	struct hp_error err;

	for (unsigned m = 0; m < XPU_NMODES; m++) {
		if (c->servers[m] > 0) {
			kill(c->servers[m], SIGKILL);
			waitpid(c->servers[m], NULL, 0);
		}
		if (c->window[m][0])
			unlink(c->window[m]);
	}
	hp_node_down(c->node.cfg.name, &err);
}

static volatile sig_atomic_t interrupted;
static void on_signal(int sig)
{
	interrupted = sig;
}

/* One row per metric, one column per mode from order[first] on. */
static void print_grid(const char *title, json_t *by_mode, size_t first, int digits)
{
	printf("\n%s%-28s", title, "");
	for (size_t i = first; i < ARRAY_SIZE(order); i++)
		printf("%15s", xpu_mode_name(order[i]));
	printf("\n");
	for (size_t k = 0; k < ARRAY_SIZE(metrics); k++) {
		printf("%-28s", metrics[k].label);
		for (size_t i = first; i < ARRAY_SIZE(order); i++) {
			json_t *v = json_object_get(json_object_get(by_mode, xpu_mode_name(order[i])),
						    metrics[k].key);

			if (json_is_number(v))
				printf("%15.*g", digits, json_number_value(v));
			else
				printf("%15s", "-");
		}
		printf("\n");
	}
}

/* The large transfers: copy vs zero-copy, medians and ratios (> 1 = zero-copy better). */
static void print_large(json_t *modes, unsigned runs)
{
	static const enum xpu_mode which[] = { XPU_HETERO_SOCKET, XPU_KERNEL_PATH };
	static const char *const cols[] = { "copy_gbytes_s", "copy1m_gbytes_s", "zc_gbytes_s",
					    "gbytes_s_ratio", "copy_cpu_s_per_gb", "copy1m_cpu_s_per_gb",
					    "zc_cpu_s_per_gb", "cpu_ratio" };
	bool header = false;

	for (size_t i = 0; i < ARRAY_SIZE(which); i++) {
		json_t *large = json_object_get(json_object_get(modes, xpu_mode_name(which[i])), "large");
		const char *k;
		json_t *v;

		json_object_foreach(large, k, v) {
			char row[64];

			if (!header) {
				printf("\nlarge transfers, median of %u runs (GB/s; CPU s of both PUs per GB;\n"
				       "x = zero-copy vs copy, > 1 = zero-copy better)\n"
				       "%-30s%8s%8s%8s%7s%9s%9s%9s%7s\n",
				       runs, "", "copy", "copy1m", "zc", "x", "CPU copy", "copy1m", "zc", "x");
				header = true;
			}
			snprintf(row, sizeof(row), "%s %s", xpu_mode_name(which[i]), k);
			printf("%-30s", row);
			for (size_t c = 0; c < ARRAY_SIZE(cols); c++)
				printf(c % 4 == 3 ? "%7.2f" : c < 4 ? "%8.3f" : "%9.3f",
				       json_number_value(json_object_get(v, cols[c])));
			printf("\n");
		}
	}
	if (header)
		printf("(copy: a 64 KiB bounce buffer, as the interposer's copying path; copy1m: a 1 MiB\n"
		       " one; zc: straight into/out of the ring. kernel-path: copy = pread+send, zc = the\n"
		       " kernel's sendfile.)\n");
}

/* hetero-socket's advantage over each baseline: > 1 means hetero-socket is better. */
static json_t *ratios(json_t *modes)
{
	json_t *hs = json_object_get(modes, "hetero-socket"), *out = json_object();

	for (size_t i = 1; i < ARRAY_SIZE(order); i++) {
		json_t *base = json_object_get(modes, xpu_mode_name(order[i])), *r = json_object();

		for (size_t k = 0; k < ARRAY_SIZE(metrics); k++) {
			json_t *a = json_object_get(hs, metrics[k].key),
			       *b = json_object_get(base, metrics[k].key);
			double x, y;

			if (!json_is_number(a) || !json_is_number(b))
				continue;
			x = json_number_value(a);
			y = json_number_value(b);
			if (metrics[k].higher_better ? y > 0 : x > 0)
				json_object_set_new(r, metrics[k].key,
						    json_real(metrics[k].higher_better ? x / y : y / x));
		}
		json_object_set_new(out, xpu_mode_name(order[i]), r);
	}
	return out;
}


int bench_xpu(struct cli *cli, int argc, char **argv)
{
	struct xpu_params p = {
		.rtt_iters = 20000, .cpu_seconds = 1.0, .stream_seconds = 1.0, .connects = 2000, .oversub_conns = 16,
		.oversub_rate = 2000, .oversub_seconds = 3.0, .idle_conns = 1000, .idle_seconds = 5.0,
		.large_runs = 3, .large_seconds = 0.4,
	};
	struct hp_node_config cfg;
	struct hp_error err = { "" };
	struct ctx c = { 0 };
	char agent[PATH_MAX];
	bool as_json = false;
	json_t *modes = json_object(), *out;
	int pipefd[2], r;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			as_json = true;
		} else if (!strcmp(argv[i], "--quick")) {
			p.rtt_iters = 3000, p.cpu_seconds = 0.3, p.stream_seconds = 0.3, p.connects = 300;
			p.oversub_seconds = 0.5, p.idle_conns = 200, p.idle_seconds = 1.0;
			p.large_runs = 1, p.large_seconds = 0.15;
		} else if (!strcmp(argv[i], "--large-only")) {
			p.large_only = true;
		} else if (!strcmp(argv[i], "--large-runs")) {
			uint64_t v;

			if (i + 1 >= argc || hp_parse_u64(argv[i + 1], &v) < 0 || v < 1 || v > 16)
				return cli_usage_error("bench xpu: --large-runs wants a number from 1 to 16");
			p.large_runs = (unsigned)v;
			i++;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("Usage: heteropod bench xpu [--json] [--quick] [--large-only] [--large-runs N]\n\n"
			       "Brings up a private emulated node and measures, per mode (hetero-socket,\n"
			       "kernel-bypass, kernel-path, loopback): 64 B ping-pong RTT, CPU per round\n"
			       "trip, 64 KiB stream throughput, connection setup rate, 16 connections at\n"
			       "2000 req/s each, and 1000 idle connections; then the ratios.\n\n"
			       "Large transfers (hetero-socket, and kernel-path for reference): a file\n"
			       "sent in 1 MiB and 16 MiB sendfile-sized messages, copying path (64 KiB\n"
			       "bounce buffer; on TCP pread+send) vs zero-copy path (preadv straight into\n"
			       "the ring; on TCP the kernel's sendfile), and received into a file, copying\n"
			       "(recv + pwrite) vs zero-copy (pwritev straight from the ring); N runs of\n"
			       "each (default 3, interleaved), medians and the zero-copy/copy ratios.\n"
			       "  --large-only     only the large transfers\n"
			       "  --large-runs N   runs of each path (1-16)\n");
			return EXIT_OK;
		} else {
			return cli_usage_error("bench xpu: unexpected argument '%s'", argv[i]);
		}
	}
	if (cli_sibling("heteropodd", agent, sizeof(agent)) < 0)
		return cli_usage_error("cannot find heteropodd beside heteropod");

	hp_config_defaults(&cfg, ncpu > 0 ? (unsigned)ncpu : 1);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	snprintf(cfg.name, sizeof(cfg.name), "bx%04x", (unsigned)rand() & 0xffff);
	cfg.window_size = 4u << 20;
	if (hp_node_init(&c.node, &cfg, &err) < 0 || hp_node_up(&c.node, agent, &err) < 0) {
		log_err("bench xpu: %s", err.msg);
		return EXIT_FAIL;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "bench xpu: node %s up; creating the bench pod\n", cfg.name);
	{
		char sock[PATH_MAX];
		json_t *req = json_pack("{s:s, s:s}", "op", "pod-create", "pod", "bench"), *resp = NULL;

		hp_node_agent_sock(cfg.name, "host", sock, sizeof(sock));
		r = hp_ctl_call(sock, req, &resp, 30000);
		json_decref(req);
		if (r < 0 || !json_is_true(json_object_get(resp, "ok"))) {
			log_err("bench xpu: cannot create the bench pod");
			json_decref(resp);
			teardown(&c);
			return EXIT_FAIL;
		}
		json_decref(resp);
	}

	for (unsigned m = 0; m < XPU_NMODES; m++) {
		unsigned pu = m == XPU_LOOPBACK ? 0 : 1;

		if (xpu_mode_uses_window(m)) {
			snprintf(c.window[m], sizeof(c.window[m]), "/dev/shm/heteropod.%s.bench-%u.hwin",
				 cfg.name, m);
			r = hn_win_create(c.window[m], WINDOW_SIZE);
			if (r < 0) {
				log_err("bench xpu: window %s: %s", c.window[m], strerror(-r));
				teardown(&c);
				return EXIT_FAIL;
			}
		}
		c.servers[m] = fork();
		if (c.servers[m] == 0) {
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			if (enter_half(&c.node, "bench", pu) < 0)
				_exit(1);
			_exit(xpu_serve(m, BASE_PORT + m, c.window[m], pu) < 0 ? 1 : 0);
		}
	}

	if (pipe(pipefd) < 0) {
		teardown(&c);
		return EXIT_FAIL;
	}
	pid_t client = fork();

	if (client == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(pipefd[0]);
		if (enter_half(&c.node, "bench", 0) < 0)
			_exit(1);
		/* Busy pollers last: nothing they leave spinning can skew the others. */
		static const enum xpu_mode run[] = { XPU_KERNEL_PATH, XPU_LOOPBACK, XPU_HETERO_SOCKET,
						     XPU_KERNEL_BYPASS };

		for (size_t i = 0; i < ARRAY_SIZE(run); i++) {
			enum xpu_mode m = run[i];
			json_t *res;
			char *s;

			if (p.large_only && m != XPU_HETERO_SOCKET && m != XPU_KERNEL_PATH)
				continue;

			fprintf(stderr, "bench xpu: measuring %s...\n", xpu_mode_name(m));
			/* The server may still be starting: wait for its port. */
			for (int t = 0; t < 100; t++) {
				int fd = socket(AF_INET, SOCK_STREAM, 0);
				struct sockaddr_in sa = { .sin_family = AF_INET,
							  .sin_port = htons(BASE_PORT + m),
							  .sin_addr.s_addr = htonl(0x7f000001) };
				int ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;

				close(fd);
				if (ok)
					break;
				nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
			}
			res = xpu_measure(m, BASE_PORT + m, c.window[m], 0, &p, pu_cpu_ns, &c.node);
			json_object_set_new(res, "mode", json_string(xpu_mode_name(m)));
			s = json_dumps(res, JSON_COMPACT);
			dprintf(pipefd[1], "%s\n", s);
			free(s);
			json_decref(res);
			/* Let the previous mode's server threads wind down. */
			nanosleep(&(struct timespec){ .tv_nsec = 300000000 }, NULL);
		}
		_exit(0);
	}
	close(pipefd[1]);
	{
		FILE *f = fdopen(pipefd[0], "r");
		char *line = NULL;
		size_t cap = 0;

		while (f && getline(&line, &cap, f) > 0 && !interrupted) {
			json_t *res = json_loads(line, 0, NULL);
			char *name = strdup(json_string_value(json_object_get(res, "mode")) ?: "");

			if (name && *name) {
				json_object_del(res, "mode");
				json_object_set(modes, name, res);
			}
			free(name);
			json_decref(res);
		}
		free(line);
		if (f)
			fclose(f);
	}
	if (interrupted)
		kill(client, SIGKILL);
	waitpid(client, NULL, 0);
	teardown(&c);
	if (interrupted) {
		json_decref(modes);
		return EXIT_FAIL;
	}

	out = json_pack("{s:o, s:o, s:{s:s, s:i, s:i, s:i, s:f, s:i, s:i, s:i, s:f}}", "modes", modes,
			"ratios", ratios(modes), "setup", "node", cfg.name, "cpus", (int)ncpu,
			"rtt_iters", p.rtt_iters, "oversub_conns", p.oversub_conns, "oversub_seconds",
			p.oversub_seconds, "oversub_rate", p.oversub_rate, "idle_conns", p.idle_conns,
			"large_runs", p.large_runs, "large_seconds", p.large_seconds);
	if (as_json) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		if (!p.large_only) {
			print_grid("", json_object_get(out, "modes"), 0, 4);
			/* Ratios against each baseline: order[0] is hetero-socket itself. */
			print_grid("hetero-socket advantage, x (> 1 = hetero-socket better)\n",
				   json_object_get(out, "ratios"), 1, 3);
		}
		print_large(json_object_get(out, "modes"), p.large_runs);
	}
	r = EXIT_OK;
	{
		const char *k;
		json_t *v;

		json_object_foreach(json_object_get(out, "modes"), k, v) {
			if (json_object_get(v, "error")) {
				log_err("bench xpu: %s: %s", k, json_string_value(json_object_get(v, "error")));
				r = EXIT_FAIL;
			}
		}
	}
	json_decref(out);
	return r;
}

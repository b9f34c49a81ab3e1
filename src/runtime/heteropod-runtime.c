/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * heteropod-runtime: an OCI runtime for HeteroPods, delegating to runc.
 *
 * Engines (podman/conmon, containerd's runc shim, CRI-O) call it exactly as
 * they call runc. For each container it decides the PU from the pod's
 * heteropod.io/placement annotation (see runtime/spec.h):
 *
 *  - host: the bundle's config is adjusted (resource limits clamped to what
 *    the machine allows; inside a HeteroPod, the cgroup moves under the pod's
 *    group in the host PU's partition, where the hetero-netns hooks are) and
 *    runc does the rest. Every later command goes to runc unchanged.
 *
 *  - a DPU: the host never enters the DPU's namespaces. The container is
 *    created by the DPU's agent (the host agent relays over the PU link);
 *    here a stand-in process plays the container for the engine: its pid is
 *    the one the engine waits for, it writes the container's output where
 *    the engine reads it, and it exits with the container's status. start,
 *    kill, state and delete are relayed the same way.
 */
#include "agent/ctr.h"
#include "agent/proto.h"
#include "node/cgroup.h"
#include "node/node.h"
#include "runtime/podref.h"
#include "runtime/spec.h"
#include "util/util.h"

#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define STATE_DIR "/run/heteropod-runtime"
#define AGENT_TIMEOUT_MS 30000

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Global flags, as runc takes them; all are passed on to runc. */
static const char *globals[32];
static unsigned n_globals;
static bool systemd_cgroup;
static const char *log_file, *log_format; /* --log, --log-format: where engines look */

/* A DPU container's record, for the commands after create. */
struct dpu_ctr {
	char id[129];
	char node[HP_NODE_NAME_MAX + 1];
	char pod[HP_POD_NAME_MAX + 1];
	char pu[16];
	char bundle[PATH_MAX];
	pid_t standin;
	unsigned long long standin_start; /* its start time (/proc stat field 22) */
	bool started;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: heteropod-runtime [GLOBAL OPTIONS] COMMAND [ARGS...]\n\n"
		   "An OCI runtime that runs each container of a HeteroPod on the PU the pod's\n"
		   "heteropod.io/placement annotation gives it, delegating to runc.\n\n"
		   "Commands: create, start, state, kill, delete, features, and every other\n"
		   "runc command for containers on the host.\n"
		   "Global options (passed on to runc): --root DIR, --log FILE, --log-format\n"
		   "text|json, --systemd-cgroup, --debug, --criu PATH, --rootless BOOL.\n"
		   "  --version   print the version\n"
		   "  --help      this text\n");
}

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	fprintf(stderr, "heteropod-runtime: %s\n", msg ? msg : fmt);
	/* containerd reports the last error of --log (JSON), as runc writes it. */
	if (log_file && msg) {
		FILE *f = fopen(log_file, "ae");
		char when[64];
		time_t now = time(NULL);

		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
		if (f && log_format && !strcmp(log_format, "json")) {
			json_t *j = json_pack("{s:s, s:s, s:s}", "level", "error", "msg", msg,
					      "time", when);
			_cleanup_free_ char *line = j ? json_dumps(j, JSON_COMPACT) : NULL;

			if (line)
				fprintf(f, "%s\n", line);
			json_decref(j);
		} else if (f) {
			fprintf(f, "time=\"%s\" level=error msg=\"%s\"\n", when, msg);
		}
		if (f)
			fclose(f);
	}
	return code;
}

/* exec runc with the global flags and args; returns only on failure. */
static int exec_runc(char **args)
{
	const char *argv[128];
	unsigned n = 0;

	argv[n++] = "runc";
	for (unsigned i = 0; i < n_globals; i++)
		argv[n++] = globals[i];
	for (; *args && n < ARRAY_SIZE(argv) - 1; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	execvp("runc", (char **)argv);
	return fail(EXIT_FAIL, "cannot run runc: %s", strerror(errno));
}

/* Run runc (globals + args) and wait: its exit status. */
static int run_runc(char **args)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return fail(EXIT_FAIL, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(exec_runc(args));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return EXIT_FAIL;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_FAIL;
}

/* ---- finding the HeteroPod a container belongs to ---------------------- */

/* A request to the host agent of node; the reply, or NULL with the reason printed. */
static json_t *agent_call(const char *node, json_t *req)
{
	char sock[PATH_MAX];
	json_t *resp = NULL;
	int r;

	hp_node_agent_sock(node, "host", sock, sizeof(sock));
	r = hp_ctl_call(sock, req, &resp, AGENT_TIMEOUT_MS);
	json_decref(req);
	if (r < 0) {
		fail(EXIT_FAIL, "cannot reach the host agent of node %s: %s", node, strerror(-r));
		return NULL;
	}
	if (!json_is_true(json_object_get(resp, "ok"))) {
		fail(EXIT_FAIL, "%s",
		     json_string_value(json_object_get(resp, "error")) ?: "the agent refused");
		json_decref(resp);
		return NULL;
	}
	return resp;
}

/* ---- DPU container records -------------------------------------------- */

static void record_path(const char *id, char *buf, size_t n)
{
	snprintf(buf, n, STATE_DIR "/%s.json", id);
}

static int record_save(const struct dpu_ctr *d)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	json_t *j =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:b}", "id", d->id, "node", d->node,
		      "pod", d->pod, "pu", d->pu, "bundle", d->bundle, "standin", (int)d->standin,
		      "standin_start", (json_int_t)d->standin_start, "started", d->started);
	int r;

	record_path(d->id, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	r = hp_mkdir_p(STATE_DIR, 0700);
	if (r >= 0)
		r = json_dump_file(j, tmp, JSON_COMPACT) < 0 ? -EIO : 0;
	if (r >= 0 && rename(tmp, path) < 0)
		r = -errno;
	json_decref(j);
	return r;
}

/* 1 and d filled when id is a DPU container, 0 when it is not ours. */
static int record_load(const char *id, struct dpu_ctr *d)
{
	char path[PATH_MAX];
	json_t *j;
	const char *node, *pod, *pu, *bundle;
	int standin, started;

	if (!hp_ctr_id_valid(id))
		return 0;
	record_path(id, path, sizeof(path));
	j = json_load_file(path, 0, NULL);
	if (!j)
		return 0;
	if (json_unpack(j, "{s:s, s:s, s:s, s:s, s:i, s:b}", "node", &node, "pod", &pod, "pu", &pu,
			"bundle", &bundle, "standin", &standin, "started", &started) < 0) {
		json_decref(j);
		return 0;
	}
	memset(d, 0, sizeof(*d));
	snprintf(d->id, sizeof(d->id), "%s", id);
	snprintf(d->node, sizeof(d->node), "%s", node);
	snprintf(d->pod, sizeof(d->pod), "%s", pod);
	snprintf(d->pu, sizeof(d->pu), "%s", pu);
	snprintf(d->bundle, sizeof(d->bundle), "%s", bundle);
	d->standin = standin;
	d->standin_start =
	    (unsigned long long)json_integer_value(json_object_get(j, "standin_start"));
	d->started = started;
	json_decref(j);
	return 1;
}

/* Field 22 of /proc/pid/stat (start time), 0 if there is no such process. */
static unsigned long long start_time(pid_t pid)
{
	char path[64];
	_cleanup_free_ char *stat = NULL;
	const char *p;
	unsigned long long t = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid <= 0 || hp_read_file(path, &stat) < 0 || !(p = strrchr(stat, ')')))
		return 0;
	/* after ") ": state(3) ... starttime(22) */
	if (sscanf(
		p + 2,
		"%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		&t) != 1)
		return 0;
	return t;
}

/* Is the stand-in still alive, and the same process (pids are reused)? */
static bool standin_running(const struct dpu_ctr *d)
{
	return hp_pid_alive(d->standin) &&
	       (!d->standin_start || start_time(d->standin) == d->standin_start);
}

static json_t *ctr_request(const struct dpu_ctr *d, const char *op)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "op", op, "id", d->id, "pod", d->pod, "pu", d->pu);
}

/* ---- the stand-in ------------------------------------------------------ */

/* Write all of buf to fd; the engine may have gone (EPIPE): drop it then. */
static void write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

/*
 * The stand-in's life: relay the DPU container's output to our stdout and
 * stderr (the engine's), then end as the container ended.
 */
static _Noreturn void standin_relay(struct hp_conn *c, const struct dpu_ctr *d)
{
	static const int relayed[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	sigset_t mask;
	json_t *msg;
	int r, sfd;

	/* Signals sent to the stand-in itself (not through `kill`) are the
	 * container's: they go to it. */
	sigemptyset(&mask);
	for (size_t i = 0; i < ARRAY_SIZE(relayed); i++)
		sigaddset(&mask, relayed[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	for (;;) {
		struct pollfd pfd[2] = {{.fd = c->fd, .events = POLLIN},
					{.fd = sfd, .events = POLLIN}};

		if (poll(pfd, sfd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
			_exit(255);
		if (sfd >= 0 && (pfd[1].revents & POLLIN)) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				json_t *req = ctr_request(d, "ctr-kill");

				char sig[16];

				snprintf(sig, sizeof(sig), "%u", si.ssi_signo);
				json_object_set_new(req, "signal", json_string(sig));
				json_decref(agent_call(d->node, req));
			}
		}
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = hp_conn_fill(c);
		if (r == -EAGAIN || r == -EINTR)
			continue;
		if (r == 0 || r < 0) {
			fail(0, "lost the host agent: the DPU container's fate is unknown");
			_exit(255);
		}
		while (hp_conn_next(c, &msg) > 0) {
			const char *op = json_string_value(json_object_get(msg, "op")) ?: "";

			if (!strcmp(op, "ctr-out")) {
				const char *data = json_string_value(json_object_get(msg, "data"));
				int fd = (int)json_integer_value(json_object_get(msg, "fd"));
				size_t len = data ? strlen(data) : 0;
				_cleanup_free_ char *buf = malloc(len / 4 * 3 + 4);
				ssize_t n =
				    buf && data ? hp_unbase64(data, buf, len / 4 * 3 + 4) : -1;

				if (n > 0 && (fd == 1 || fd == 2))
					write_all(fd, buf, (size_t)n);
			} else if (!strcmp(op, "ctr-exit")) {
				int sig = (int)json_integer_value(json_object_get(msg, "signal"));
				int status =
				    (int)json_integer_value(json_object_get(msg, "status"));

				if (sig > 0 && sig < NSIG) {
					/* End the way the container did, so the engine
					 * reports the same (e.g. 137 for SIGKILL), without
					 * a core of the stand-in on the host. */
					setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
					signal(sig, SIG_DFL);
					sigset_t set;

					sigemptyset(&set);
					sigaddset(&set, sig);
					sigprocmask(SIG_UNBLOCK, &set, NULL);
					raise(sig);
					_exit(128 + sig);
				}
				_exit(status & 0xff);
			}
			json_decref(msg);
		}
	}
}

static int create_on_dpu(const char *id, json_t *spec, const char *bundle, const char *pid_file,
			 const struct hp_pod_ref *ref, const char *pu)
{
	struct dpu_ctr d = {.standin = 0};
	int pfd[2];
	pid_t pid;
	char verdict[1024] = "";
	ssize_t n;
	int status;

	snprintf(d.id, sizeof(d.id), "%s", id);
	snprintf(d.node, sizeof(d.node), "%s", ref->node);
	snprintf(d.pod, sizeof(d.pod), "%s", ref->pod);
	snprintf(d.pu, sizeof(d.pu), "%s", pu);
	snprintf(d.bundle, sizeof(d.bundle), "%s", bundle);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return fail(EXIT_FAIL, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return fail(EXIT_FAIL, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* The stand-in: ask for the container, tell the parent, relay. */
		char sock[PATH_MAX];
		struct hp_conn c;
		json_t *req = ctr_request(&d, "ctr-create"), *resp = NULL;
		int fd;

		close(pfd[0]);
		signal(SIGPIPE, SIG_IGN); /* the runtime may die before reading the verdict */
		json_object_set(req, "spec", spec);
		json_object_set_new(req, "bundle", json_string(bundle));
		/* The DPU agent mounts its own socket and interposer. */
		json_object_set_new(req, "accel",
				    json_boolean(ref->window && hp_spec_accel_wanted(spec)));
		hp_node_agent_sock(ref->node, "host", sock, sizeof(sock));
		fd = hp_ctl_connect(sock);
		if (fd < 0) {
			dprintf(pfd[1], "cannot reach the host agent of node %s: %s", ref->node,
				strerror(-fd));
			_exit(EXIT_FAIL);
		}
		hp_conn_init(&c, fd);
		if (hp_conn_send(&c, req) < 0 || hp_conn_recv(&c, &resp, AGENT_TIMEOUT_MS) < 0) {
			/* The DPU may still finish creating it: take it back. */
			json_decref(agent_call(ref->node, ctr_request(&d, "ctr-delete")));
			dprintf(pfd[1], "the host agent of node %s did not answer", ref->node);
			_exit(EXIT_FAIL);
		}
		if (!json_is_true(json_object_get(resp, "ok"))) {
			dprintf(pfd[1], "%s on %s: %s", id, pu,
				json_string_value(json_object_get(resp, "error")) ?: "refused");
			_exit(EXIT_FAIL);
		}
		json_decref(req);
		json_decref(resp);
		if (dprintf(pfd[1], "ok") < 0) {
			json_decref(agent_call(ref->node, ctr_request(&d, "ctr-delete")));
			_exit(EXIT_FAIL);
		}
		close(pfd[1]);
		/* The engine's stdin is not the container's: it has none here. */
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null >= 0)
			dup2(null, 0);
		standin_relay(&c, &d);
	}
	close(pfd[1]);
	n = read(pfd[0], verdict, sizeof(verdict) - 1);
	close(pfd[0]);
	verdict[n > 0 ? n : 0] = '\0';
	if (strcmp(verdict, "ok")) {
		waitpid(pid, &status, 0);
		return fail(EXIT_FAIL, "%s", verdict[0] ? verdict : "the stand-in died");
	}
	d.standin = pid;
	d.standin_start = start_time(pid);
	snprintf(verdict, sizeof(verdict), "%d", (int)pid);
	if (record_save(&d) < 0 || (pid_file && hp_write_file_create(pid_file, verdict) < 0)) {
		kill(pid, SIGKILL);
		json_decref(agent_call(d.node, ctr_request(&d, "ctr-delete")));
		return fail(EXIT_FAIL, "cannot record container %s", id);
	}
	return EXIT_OK;
}

/* ---- commands ---------------------------------------------------------- */

static int cmd_create(int argc, char **argv)
{
	const char *bundle = ".", *pid_file = NULL, *id = NULL;
	char config[PATH_MAX], pu[16], abs_bundle[PATH_MAX];
	struct hp_error err = {""};
	struct hp_pod_ref ref = {.window = false};
	const char *netns;
	json_t *spec;
	int in_pod = 0, r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if ((!strcmp(a, "--bundle") || !strcmp(a, "-b")) && i + 1 < argc)
			bundle = argv[++i];
		else if (!strncmp(a, "--bundle=", 9))
			bundle = a + 9;
		else if (!strcmp(a, "--pid-file") && i + 1 < argc)
			pid_file = argv[++i];
		else if (!strncmp(a, "--pid-file=", 11))
			pid_file = a + 11;
		else if ((!strcmp(a, "--console-socket") || !strcmp(a, "--preserve-fds")) &&
			 i + 1 < argc)
			i++;
		else if (a[0] != '-')
			id = a;
	}
	if (!id || !hp_ctr_id_valid(id))
		return fail(EXIT_USAGE, "create: missing or invalid container id");
	if (!realpath(bundle, abs_bundle))
		return fail(EXIT_USAGE, "create: bundle %s: %s", bundle, strerror(errno));
	snprintf(config, sizeof(config), "%s/config.json", abs_bundle);
	spec = json_load_file(config, 0, NULL);
	if (!json_is_object(spec)) {
		/* jansson refuses integers above INT64_MAX (an "unlimited" rlimit
		 * is UINT64_MAX): a spec that says nothing of HeteroPod goes to
		 * runc as it is. */
		_cleanup_free_ char *raw = NULL;

		if (hp_read_file(config, &raw) < 0)
			return fail(EXIT_USAGE, "create: cannot read %s", config);
		if (strstr(raw, HP_ANN_PLACEMENT) || strstr(raw, HP_ENV_PU))
			return fail(EXIT_USAGE,
				    "create: %s cannot be read as JSON (integers above 2^63?)",
				    config);
		return exec_runc(argv);
	}

	r = hp_spec_placement(spec, pu, sizeof(pu), &err);
	if (r < 0)
		return fail(EXIT_USAGE, "container %s: %s", hp_spec_container_name(spec) ?: id,
			    err.msg);
	netns = hp_spec_ns_path(spec, "network");
	if (netns) {
		in_pod = hp_pod_of_netns(netns, &ref);
		if (in_pod < 0)
			return fail(EXIT_FAIL, "create: network namespace %s: %s", netns,
				    strerror(-in_pod));
	}
	hp_spec_clamp_rlimits(spec);

	if (strcmp(pu, "host")) {
		const char *name = hp_spec_container_name(spec);

		if (!in_pod)
			return fail(
			    EXIT_USAGE,
			    "container '%s' is placed on %s, but its pod is not a HeteroPod "
			    "(no HeteroPod node has a pod in its network namespace)",
			    name, pu);
		if (strcmp(pu, ref.dpu))
			return fail(EXIT_USAGE,
				    "container '%s' is placed on %s, but pod %s spans host and %s",
				    name, pu, ref.pod, ref.dpu);
		if (json_is_true(json_object_get(json_object_get(spec, "process"), "terminal")))
			return fail(EXIT_USAGE,
				    "container '%s' on %s: a terminal (tty) for a DPU container is "
				    "not supported",
				    name, pu);
		return create_on_dpu(id, spec, abs_bundle, pid_file, &ref, pu);
	}

	/* On the host: runc does the work on the adjusted bundle. */
	if (in_pod && ref.window && hp_spec_accel_wanted(spec)) {
		char lib[PATH_MAX], sock[PATH_MAX];

		if (hp_exe_sibling(HP_PRELOAD_LIB, lib, sizeof(lib)) == 0 &&
		    access(lib, R_OK) == 0) {
			hp_node_agent_sock(ref.node, "host", sock, sizeof(sock));
			if (hp_spec_accelerate(spec, lib, sock, ref.pod) < 0)
				return fail(EXIT_FAIL, "create: cannot give %s hetero-socket", id);
		}
	}
	if (in_pod && !systemd_cgroup) {
		_cleanup_free_ char *cg =
		    hp_sprintf("/heteropod.%s/host/pod.%s/ctr-%.12s", ref.node, ref.pod, id);

		if (!cg || hp_spec_set_cgroups_path(spec, cg) < 0)
			return fail(EXIT_FAIL, "create: cannot set the cgroup of %s", id);
	}
	{
		char tmp[PATH_MAX + 8];

		snprintf(tmp, sizeof(tmp), "%s.hp", config);
		if (json_dump_file(spec, tmp, JSON_INDENT(1)) < 0 || rename(tmp, config) < 0)
			return fail(EXIT_FAIL, "create: cannot rewrite %s", config);
	}
	json_decref(spec);
	r = run_runc(argv);
	if (r == 0 && in_pod && pid_file) {
		/* Hybrid cgroups: runc placed the v1 controllers, the pod's hooks
		 * hang off its v2 group. */
		struct hp_node n;
		_cleanup_free_ char *text = NULL;
		char group[80];

		snprintf(group, sizeof(group), "pod.%s", ref.pod);
		if (hp_node_open(&n, ref.node, &err) == 0 && n.cg.mode == HP_CGROUP_V1 &&
		    hp_read_file(pid_file, &text) == 0 && atoi(text) > 0 &&
		    hp_cgroup_attach_v2(&n.cg, "host", group, atoi(text)) < 0)
			return fail(EXIT_FAIL, "create: cannot put %s in pod %s's cgroup", id,
				    ref.pod);
	}
	return r;
}

static const char *last_id(int argc, char **argv, int *at)
{
	for (int i = argc - 1; i > 0; i--) {
		if (argv[i][0] == '-')
			continue;
		/* kill ID SIGNAL: the id is the first positional argument. */
		if (!strcmp(argv[0], "kill")) {
			int first = -1;

			for (int k = 1; k < argc; k++)
				if (argv[k][0] != '-') {
					first = k;
					break;
				}
			if (at)
				*at = first;
			return first > 0 ? argv[first] : NULL;
		}
		if (at)
			*at = i;
		return argv[i];
	}
	return NULL;
}

static int cmd_state(struct dpu_ctr *d)
{
	const char *status;
	json_t *out;
	pid_t pid = d->standin;

	if (!standin_running(d)) {
		status = "stopped";
		pid = 0;
	} else {
		status = d->started ? "running" : "created";
	}
	out = json_pack("{s:s, s:s, s:s, s:i, s:s, s:{s:s, s:s}}", "ociVersion", "1.0.2", "id",
			d->id, "status", status, "pid", (int)pid, "bundle", d->bundle,
			"annotations", "heteropod.io/pu", d->pu, "heteropod.io/pod", d->pod);
	json_dumpf(out, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(out);
	return EXIT_OK;
}

static int cmd_dpu(int argc, char **argv, struct dpu_ctr *d)
{
	const char *cmd = argv[0];
	json_t *resp;

	if (!strcmp(cmd, "state"))
		return cmd_state(d);
	if (!strcmp(cmd, "start")) {
		resp = agent_call(d->node, ctr_request(d, "ctr-start"));
		if (!resp)
			return EXIT_FAIL;
		json_decref(resp);
		d->started = true;
		return record_save(d) < 0 ? fail(EXIT_FAIL, "cannot record %s", d->id) : EXIT_OK;
	}
	if (!strcmp(cmd, "kill")) {
		json_t *req = ctr_request(d, "ctr-kill");
		const char *sig = "SIGTERM";
		bool all = false;
		int at = -1;

		last_id(argc, argv, &at);
		for (int i = 1; i < argc; i++)
			if (!strcmp(argv[i], "--all") || !strcmp(argv[i], "-a"))
				all = true;
		if (at > 0 && at + 1 < argc)
			sig = argv[at + 1];
		json_object_set_new(req, "signal", json_string(sig));
		json_object_set_new(req, "all", json_boolean(all));
		if (!standin_running(d))
			return fail(EXIT_FAIL, "container %s is not running", d->id);
		resp = agent_call(d->node, req);
		json_decref(resp);
		return resp ? EXIT_OK : EXIT_FAIL;
	}
	if (!strcmp(cmd, "delete")) {
		bool force = false;
		char path[PATH_MAX];

		for (int i = 1; i < argc; i++)
			if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f"))
				force = true;
		if (standin_running(d) && d->started && !force)
			return fail(EXIT_FAIL, "container %s is running: stop it or use --force",
				    d->id);
		/* The agent may already have dropped it (its pod went away): fine. */
		json_decref(agent_call(d->node, ctr_request(d, "ctr-delete")));
		if (standin_running(d))
			kill(d->standin, SIGKILL);
		record_path(d->id, path, sizeof(path));
		unlink(path);
		return EXIT_OK;
	}
	return fail(EXIT_FAIL, "%s: not supported for containers on a DPU (%s runs on %s)", cmd,
		    d->id, d->pu);
}

/*
 * runc exec --process FILE: the engine's process.json asks for the same
 * resource limits as the container's spec did; lower them the same way.
 */
static void clamp_exec_process(int argc, char **argv)
{
	const char *file = NULL;
	json_t *proc, *wrap;

	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "--process") || !strcmp(argv[i], "-p")) && i + 1 < argc)
			file = argv[i + 1];
		else if (!strncmp(argv[i], "--process=", 10))
			file = argv[i] + 10;
	}
	if (!file || !(proc = json_load_file(file, 0, NULL)))
		return;
	wrap = json_pack("{s:o}", "process", proc);
	if (hp_spec_clamp_rlimits(wrap) > 0 && json_dump_file(proc, file, JSON_COMPACT) < 0)
		fail(0, "exec: cannot rewrite %s", file);
	json_decref(wrap);
}

int main(int argc, char **argv)
{
	struct dpu_ctr d;
	const char *id;
	int i;

	hp_log_init("heteropod-runtime");
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return EXIT_OK;
		}
		if (!strcmp(a, "--version") || !strcmp(a, "-v")) {
			printf("heteropod-runtime version %s\n", HP_VERSION);
			fflush(stdout);
			char *args[] = {"--version", NULL};

			return run_runc(args);
		}
		if (n_globals + 2 >= ARRAY_SIZE(globals))
			return fail(EXIT_USAGE, "too many global options");
		if (!strcmp(a, "--systemd-cgroup"))
			systemd_cgroup = true;
		if (!strcmp(a, "--log") && i + 1 < argc)
			log_file = argv[i + 1];
		else if (!strcmp(a, "--log-format") && i + 1 < argc)
			log_format = argv[i + 1];
		globals[n_globals++] = a;
		/* Options with a separate value. */
		if ((!strcmp(a, "--root") || !strcmp(a, "--log") || !strcmp(a, "--log-format") ||
		     !strcmp(a, "--criu") || !strcmp(a, "--rootless")) &&
		    i + 1 < argc)
			globals[n_globals++] = argv[++i];
	}
	if (i >= argc) {
		usage(stderr);
		return fail(EXIT_USAGE, "missing command");
	}
	argv += i;
	argc -= i;
	if (!strcmp(argv[0], "create"))
		return cmd_create(argc, argv);
	if (!strcmp(argv[0], "run"))
		return fail(EXIT_USAGE, "run: use create and start (engines do)");
	id = strcmp(argv[0], "features") ? last_id(argc, argv, NULL) : NULL;
	if (id && record_load(id, &d) == 1)
		return cmd_dpu(argc, argv, &d);
	if (!strcmp(argv[0], "exec")) {
		/* exec ID CMD...: the id is a positional argument, not the last. */
		for (i = 1; i < argc; i++)
			if (argv[i][0] != '-' && record_load(argv[i], &d) == 1)
				return fail(EXIT_FAIL,
					    "exec: %s runs on %s; entering a DPU container is not "
					    "supported",
					    d.id, d.pu);
		clamp_exec_process(argc, argv);
	}
	return exec_runc(argv);
}

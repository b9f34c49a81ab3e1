/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * heteropod plan FILE... [--node FILE] [--profile FILE] [--params FILE]
 *                        [--move-apps] [--greedy] [--time-limit S] [--threads N]
 *                        [--write-model FILE] [--json | --annotate]
 *
 * Decide which containers of the manifests go to which PU (docs/planner.md).
 */
#include "cli.h"
#include "plan/manifest.h"
#include "plan/plan.h"
#include "util/util.h"

#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: heteropod plan FILE... [--node FILE] [--profile FILE] [--params FILE]\n"
		"                      [--move-apps] [--greedy] [--time-limit S] [--threads N]\n"
		"                      [--write-model FILE] [--json | --annotate]\n"
		"\n"
		"Decide which containers of Kubernetes manifests run on the DPU, optimally\n"
		"for the model in docs/planner.md (a MILP solved with GLPK).\n"
		"\n"
		"  --node FILE        node description: host and DPU cores, speed, memory,\n"
		"                     PU link, architectures, replicas per workload\n"
		"  --profile FILE     measured CPU, memory and traffic per container (JSON)\n"
		"  --params FILE      crossing-cost parameters (JSON, docs/plan-params.json)\n"
		"  --move-apps        application containers may move too when it pays\n"
		"  --greedy           use the greedy heuristic instead of the exact solver\n"
		"  --time-limit SEC   stop the exact solver SEC seconds after it starts (default 10;\n"
		"                     a Ctrl-C stops it sooner, at the best placement so far)\n"
		"  --threads N        the exact solver's threads, 1 to 16 (default: the CPUs it\n"
		"                     may run on, at most 16)\n"
		"  --write-model FILE also write the exact solver's model to FILE (CPLEX LP\n"
		"                     format), for another solver to check the answer\n"
		"  --json             machine-readable output\n"
		"  --annotate         write heteropod.io/placement into the pod templates of\n"
		"                     FILE... in place, every file or none, symbolic links\n"
		"                     followed ('-' reads stdin and writes stdout, last)\n"
		"\n"
		"Exit status: 0 ok, 1 the solver or a write failed, 2 bad input or no feasible\n"
		"placement.\n");
}

static int exit_for(int r)
{
	return r == -EINVAL || r == -ENOENT || r == -EDOM || r == -ENOTSUP ? EXIT_USAGE
									    : EXIT_FAIL;
}

/*
 * One file --annotate rewrites: its name as given, the file it names
 * (symbolic links followed: the link stays a link), and the temporary file
 * beside it that holds the new text until every file is ready.
 */
struct out_file {
	const char *name;
	char *real, *tmp;
};

static int write_all(int fd, const char *text)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)n;
	}
	return 0;
}

/* The file attributes (chattr) of path; 0 where it has none or says none. */
static int fs_flags(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), flags = 0;

	if (fd < 0)
		return 0;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		flags = 0;
	close(fd);
	return flags;
}

/*
 * Would a rename over real fail where writing beside it does not? In a
 * sticky directory (/tmp) only the file's owner, the directory's or root may
 * replace it, and an append-only or immutable file or directory no one may.
 * Checked before anything is written: every file changes or none.
 */
static int replaceable(const char *name, const char *real, const struct stat *st)
{
	_cleanup_free_ char *copy = strdup(real);
	const char *dir;
	struct stat ds;
	uid_t me = geteuid();

	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (stat(dir, &ds) < 0)
		return -errno;
	if ((ds.st_mode & S_ISVTX) && me != 0 && me != st->st_uid && me != ds.st_uid) {
		log_err("plan: %s: its directory is sticky, and neither it nor the file is "
			"ours to replace",
			name);
		return -EPERM;
	}
	if ((fs_flags(real) | fs_flags(dir)) & (FS_APPEND_FL | FS_IMMUTABLE_FL)) {
		log_err("plan: %s: it or its directory is append-only or immutable (chattr)",
			name);
		return -EPERM;
	}
	return 0;
}

/* The new text into a temporary file beside o->real, with its owner and mode. */
static int out_prepare(struct out_file *o, const char *text)
{
	struct stat st;
	int fd, r;

	o->real = realpath(o->name, NULL);
	if (!o->real)
		return -errno;
	if (stat(o->real, &st) < 0)
		return -errno;
	if (access(o->real, W_OK) < 0)
		return -errno; /* read-only: said so, as an editor would */
	if ((r = replaceable(o->name, o->real, &st)) < 0)
		return r;
	if (st.st_nlink > 1)
		log_info("plan: %s has %lu hard links; the others keep the old text", o->name,
			 (unsigned long)st.st_nlink);
	fd = hp_create_beside(o->real, "hp-plan", &o->tmp);
	if (fd < 0)
		return fd;
	/* the owner's group too where we may (root); the mode hp_create_beside kept */
	if (fchown(fd, st.st_uid, st.st_gid) < 0 && errno != EPERM)
		r = -errno;
	else
		r = write_all(fd, text);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static void out_free(struct out_file *o, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (o[i].tmp)
			unlink(o[i].tmp);
		free(o[i].tmp);
		free(o[i].real);
	}
	free(o);
}

/*
 * A Ctrl-C during the solve stops it where it is, as its time limit would:
 * the best placement found so far is the answer, printed and written as
 * any (status "feasible (interrupted)", unless proven optimal or within
 * mipGap of its bound). A second one is the usual Ctrl-C
 * (hp_tmp_on_signal's: the temporary files go, and the process ends), but
 * within INT_TWICE_NS of the first it is the same Ctrl-C: timeout(1)
 * signals the process and then its group, and the two had ended the run
 * with no answer, one time in a hundred.
 */
#define INT_TWICE_NS 300000000ll
static struct sigaction int_before;
static atomic_llong int_first; /* CLOCK_MONOTONIC ns of the first, 0: none */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "solve_interrupted: a handler's atomics, lock-free");

static void solve_interrupted(int sig)
{
	struct timespec ts;
	long long now, first = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec * 1000000000ll + ts.tv_nsec;
	if (atomic_compare_exchange_strong(&int_first, &first, now)) {
		hp_plan_interrupt();
		return;
	}
	if (now - first < INT_TWICE_NS)
		return;
	sigaction(sig, &int_before, NULL);
	raise(sig); /* on its return: SIGINT is held while its handler runs */
}

static void solve_catch_int(bool on)
{
	static bool caught;
	struct sigaction sa = { .sa_handler = solve_interrupted };

	/*
	 * After the solve: the usual Ctrl-C again, but where one came, its
	 * twin within INT_TWICE_NS still may (writing a large answer took
	 * 0.35 s, and the twin had ended the run with half of it written);
	 * a later one ends the run through the handler.
	 */
	if (!on) {
		if (caught && !atomic_load(&int_first))
			sigaction(SIGINT, &int_before, NULL);
		caught = false;
		return;
	}
	/* ignored (a background job of a shell without job control): left so */
	if (sigaction(SIGINT, NULL, &int_before) < 0 || int_before.sa_handler == SIG_IGN)
		return;
	sigemptyset(&sa.sa_mask);
	caught = sigaction(SIGINT, &sa, NULL) == 0;
}

/*
 * What a person at a terminal waits for, said once a solve has taken a
 * second: where it had been said at 200 containers and more only, 100 on
 * eight DPUs ran its 10 s without a word (a black-box review).
 */
#define PROGRESS_AFTER_S 1

struct progress {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool done;
	char msg[160];
};

static void *progress_run(void *arg)
{
	struct progress *pg = arg;
	struct timespec at;
	int r = 0;

	clock_gettime(CLOCK_MONOTONIC, &at); /* the condition's clock (progress_start) */
	at.tv_sec += PROGRESS_AFTER_S;
	pthread_mutex_lock(&pg->lock);
	while (!pg->done && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&pg->wake, &pg->lock, &at);
	if (!pg->done && !atomic_load(&int_first)) /* not once a Ctrl-C came */
		log_info("%s", pg->msg);
	pthread_mutex_unlock(&pg->lock);
	return NULL;
}

/* The thread that says it; false where it could not start (nothing is said). */
static bool progress_start(struct progress *pg, pthread_t *tid)
{
	pthread_condattr_t ca;
	bool ok;

	if (pthread_condattr_init(&ca))
		return false;
	ok = !pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) && !pthread_cond_init(&pg->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (ok && pthread_create(tid, NULL, progress_run, pg)) {
		pthread_cond_destroy(&pg->wake);
		ok = false;
	}
	return ok;
}

static void progress_end(struct progress *pg, pthread_t tid)
{
	pthread_mutex_lock(&pg->lock);
	pg->done = true;
	pthread_cond_signal(&pg->wake);
	pthread_mutex_unlock(&pg->lock);
	pthread_join(tid, NULL);
	pthread_cond_destroy(&pg->wake);
}

/*
 * Write the annotated texts: every file's into its temporary file first, and
 * only when all are written, each renamed over its file; a failure before
 * that leaves every file as it was. '-' (stdin) goes to stdout, last. A file
 * that already holds its new text is left alone (*ret_same of them): it had
 * been replaced all the same, a new inode, and a read-only one had failed
 * the run. Every file or none also when a Ctrl-C comes: it waits for the
 * renames, or for the temporary files' removal (it had left 682 of 1500
 * files annotated and 818 temporary files beside the others); not for
 * standard output, which may never drain.
 */
static int write_annotated(const struct hp_plan_manifests *m, char **texts, unsigned *ret_files,
			   unsigned *ret_same)
{
	struct out_file *o = calloc(m->n_files + 1, sizeof(*o));
	unsigned n = 0, files = 0;
	sigset_t block, old;
	int r = 0;

	if (!o)
		return -ENOMEM;
	*ret_same = 0;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (unsigned i = 0; i < m->n_files && r == 0; i++) {
		const struct hp_plan_file *f = &m->files[i];

		if (!texts[i] || !strcmp(f->path, "-"))
			continue;
		if (strlen(texts[i]) == f->len && !memcmp(texts[i], f->text, f->len)) {
			++*ret_same;
			continue;
		}
		o[n].name = m->files[i].path;
		r = out_prepare(&o[n++], texts[i]);
		if (r < 0)
			log_err("plan: writing %s: %s (no file changed)", m->files[i].path,
				strerror(-r));
	}
	for (unsigned i = 0; i < n && r == 0; i++) {
		if (rename(o[i].tmp, o[i].real) < 0) {
			r = -errno;
			log_err("plan: writing %s: %s (%u of %u files changed)", o[i].name,
				strerror(-r), i, n);
			break;
		}
		free(o[i].tmp);
		o[i].tmp = NULL;
		files++;
	}
	out_free(o, n);
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (unsigned i = 0; i < m->n_files && r == 0; i++) {
		if (!texts[i] || strcmp(m->files[i].path, "-"))
			continue;
		errno = 0;
		fputs(texts[i], stdout);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			r = errno ? -errno : -EIO;
			log_err("plan: writing standard output: %s", strerror(-r));
			break;
		}
		files++;
	}
	*ret_files = files;
	return r;
}

struct input_id {
	dev_t dev;
	ino_t ino;
	int arg;
};

static int cmp_input(const void *a, const void *b)
{
	const struct input_id *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->arg - y->arg;
}

/*
 * Every manifest once: '-' or the same file under two names would plan its
 * pods twice (and --annotate write it twice). Each is looked at once. What
 * is written is replaced by a rename, which would turn a FIFO, a device or
 * (for the model) a symbolic link into a file: --annotate takes regular
 * files only ('-' for a stream), and --write-model a regular file or none,
 * not one of the manifests nor another input (opt[i] given as file[i]).
 */
static int distinct_inputs(int argc, char **argv, bool annotate, const char *model_file,
			   const char *const opt[3], const char *const file[3])
{
	_cleanup_free_ struct input_id *ids = calloc((size_t)argc + 1, sizeof(*ids));
	int n = 0, stdin_at = -1;
	struct stat st, mst;
	bool model = model_file && lstat(model_file, &mst) == 0;
	int model_errno = model_file && !model ? errno : 0;

	if (!ids)
		return cli_usage_error("plan: out of memory");
	/* '-' is stdin or stdout elsewhere; a file named '-' is not meant (a black-box review) */
	if (model_file && !strcmp(model_file, "-"))
		return cli_usage_error("plan: --write-model -: the model goes to a file, not to "
				       "stdout (the plan is there)");
	/*
	 * A new model's directory, where its temporary file goes too, before
	 * the solve (it had failed after it, exit 1).
	 */
	if (model || model_errno == ENOENT || model_errno == ENOTDIR) {
		_cleanup_free_ char *copy = strdup(model_file);
		const char *dir = copy ? dirname(copy) : NULL;

		if (!dir)
			return cli_usage_error("plan: out of memory");
		if (!model && model_file[strlen(model_file) - 1] == '/')
			return cli_usage_error("plan: --write-model %s: a file's name, not a "
					       "directory's",
					       model_file);
		if (!model && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)))
			return cli_usage_error("plan: --write-model %s: no directory %s", model_file,
					       dir);
		if (access(dir, W_OK | X_OK) < 0)
			return cli_usage_error("plan: --write-model %s: %s: %s", model_file, dir,
					       strerror(errno));
	}
	if (model && !S_ISREG(mst.st_mode))
		return cli_usage_error("plan: --write-model %s: not a regular file", model_file);
	for (int i = 0; model && i < 3; i++)
		if (file[i] && stat(file[i], &st) == 0 && st.st_dev == mst.st_dev &&
		    st.st_ino == mst.st_ino)
			return cli_usage_error("plan: --write-model %s is the %s file %s",
					       model_file, opt[i], file[i]);
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-")) {
			if (stdin_at >= 0)
				return cli_usage_error("plan: '-' (stdin) given twice");
			stdin_at = i;
			/* a file given by name and as stdin is given twice too */
			if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode)) {
				if (model && st.st_dev == mst.st_dev && st.st_ino == mst.st_ino)
					return cli_usage_error("plan: --write-model %s is the "
							       "manifest read from stdin",
							       model_file);
				ids[n++] = (struct input_id){ .dev = st.st_dev,
							      .ino = st.st_ino,
							      .arg = i };
			}
		} else if (stat(argv[i], &st) == 0) { /* else loading it says what is wrong */
			if (annotate && !S_ISREG(st.st_mode))
				return cli_usage_error("plan: --annotate %s: not a regular file "
						       "(- reads a stream)", argv[i]);
			if (model && st.st_dev == mst.st_dev && st.st_ino == mst.st_ino)
				return cli_usage_error("plan: --write-model %s is the manifest %s",
						       model_file, argv[i]);
			ids[n++] = (struct input_id){ .dev = st.st_dev, .ino = st.st_ino, .arg = i };
		}
	}
	qsort(ids, (size_t)n, sizeof(*ids), cmp_input);
	for (int i = 1; i < n; i++)
		if (ids[i].dev == ids[i - 1].dev && ids[i].ino == ids[i - 1].ino)
			return cli_usage_error("plan: %s and %s are the same file",
					       !strcmp(argv[ids[i - 1].arg], "-") ? "- (stdin)"
									   : argv[ids[i - 1].arg],
					       !strcmp(argv[ids[i].arg], "-") ? "- (stdin)"
									  : argv[ids[i].arg]);
	return 0;
}

/*
 * A file option's argument into *dst: given twice, the first file would go
 * unread, and an empty name is none; both usage errors (their status), else 0.
 */
static int file_opt(const char **dst, const char *opt)
{
	if (*dst)
		return cli_usage_error("plan: %s given twice", opt);
	if (!*optarg)
		return cli_usage_error("plan: %s needs a file name", opt);
	*dst = optarg;
	return 0;
}

int cmd_plan(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "profile", required_argument, NULL, 'p' },
		{ "params", required_argument, NULL, 'P' },
		{ "move-apps", no_argument, NULL, 'm' },
		{ "greedy", no_argument, NULL, 'g' },
		{ "time-limit", required_argument, NULL, 't' },
		{ "threads", required_argument, NULL, 'T' },
		{ "write-model", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "annotate", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *node_file = NULL, *profile_file = NULL, *params_file = NULL, *model_file = NULL;
	bool json = false, annotate = false, move_apps = false, greedy = false;
	struct progress progress = { .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t progress_tid;
	bool progress_on = false;
	double time_limit = -1;
	uint64_t threads = 0;
	struct hp_plan_manifests m = { 0 };
	struct hp_plan_node node;
	struct hp_plan_profile *prof = NULL;
	struct hp_plan_params params;
	struct hp_plan_problem p;
	struct hp_plan_result res = { 0 };
	struct hp_error err = { "" };
	_cleanup_free_ char *msg = NULL;
	char **texts = NULL;
	int c, r, ret = EXIT_OK;

	hp_plan_node_defaults(&node);
	hp_plan_params_defaults(&params);
	hp_plan_problem_init(&p);
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if ((r = file_opt(&node_file, "--node")))
				return r;
			break;
		case 'p':
			if ((r = file_opt(&profile_file, "--profile")))
				return r;
			break;
		case 'P':
			if ((r = file_opt(&params_file, "--params")))
				return r;
			break;
		case 'm': move_apps = true; break;
		case 'g': greedy = true; break;
		case 'j': json = true; break;
		case 'a': annotate = true; break;
		case 'w':
			if ((r = file_opt(&model_file, "--write-model")))
				return r;
			break;
		case 't':
			if (hp_parse_double(optarg, &time_limit) < 0 || time_limit <= 0 ||
			    time_limit > HP_PLAN_TIME_LIMIT_MAX)
				return cli_usage_error("plan: --time-limit: '%s' is not a number of "
						       "seconds above 0 and at most %g",
						       optarg, HP_PLAN_TIME_LIMIT_MAX);
			break;
		case 'T':
			if (hp_parse_u64(optarg, &threads) < 0 || !threads ||
			    threads > HP_PLAN_MAX_THREADS)
				return cli_usage_error("plan: --threads: 1..%d", HP_PLAN_MAX_THREADS);
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return cli_usage_error("plan: no manifest given");
	}
	for (int i = optind; i < argc; i++)
		if (!*argv[i])
			return cli_usage_error("plan: an empty manifest name");
	if (json && annotate)
		return cli_usage_error("plan: --json and --annotate exclude each other");
	if (greedy && model_file)
		return cli_usage_error("plan: --write-model writes the exact solver's model, not "
				       "--greedy's");
	if (distinct_inputs(argc - optind, argv + optind, annotate, model_file,
			    (const char *const[]){ "--node", "--profile", "--params" },
			    (const char *const[]){ node_file, profile_file, params_file }))
		return EXIT_USAGE; /* said why */

	hp_tmp_on_signal(); /* --write-model's temporary file goes with a Ctrl-C */
	if (node_file && (r = hp_plan_node_load(&node, node_file, &err)) < 0)
		goto fail;
	if (move_apps)
		node.move_apps = true;
	if (params_file && (r = hp_plan_params_load(&params, params_file, &err)) < 0)
		goto fail;
	if (time_limit > 0)
		params.time_limit_s = time_limit;
	params.threads = (unsigned)threads;
	params.model_file = model_file;
	if (profile_file && (r = hp_plan_profile_load(&prof, profile_file, &err)) < 0)
		goto fail;
	for (int i = optind; i < argc; i++)
		if ((r = hp_plan_manifests_load(&m, argv[i], &err)) < 0)
			goto fail;
	r = hp_plan_build(&p, &m, &node, prof, &params, &err);
	if (r < 0)
		goto fail;
	for (unsigned i = 0; i < p.n_warnings; i++) {
		_cleanup_free_ char *w = hp_plan_escape(p.warnings[i]);

		log_warn("%s", w ? w : p.warnings[i]);
	}
	/* a person waiting at a terminal sees what the next seconds are for */
	if (!greedy && isatty(STDERR_FILENO)) {
		snprintf(progress.msg, sizeof(progress.msg),
			 "plan: solving %u containers in %u pods on %u DPU%s (at most %g s; "
			 "Ctrl-C stops at the best placement so far)...",
			 p.n_ctr, p.n_pods, p.n_pus - 1, p.n_pus == 2 ? "" : "s",
			 params.time_limit_s);
		progress_on = progress_start(&progress, &progress_tid);
	}
	solve_catch_int(true);
	r = hp_plan_solve(&p, greedy ? HP_PLAN_GREEDY : HP_PLAN_MILP, &res, &err);
	solve_catch_int(false);
	if (progress_on)
		progress_end(&progress, progress_tid);
	if (r < 0)
		goto fail_solve;
	if (model_file && !res.model_written)
		log_info("plan: no model written to %s: nothing may move", model_file);
	if (annotate) {
		unsigned files = 0, same = 0;
		char upto[48] = "";

		r = hp_plan_annotate(&m, &p, res.pu, &texts, &err);
		if (r < 0)
			goto fail;
		/* Everything is computed and checked before the first write. */
		r = write_annotated(&m, texts, &files, &same);
		if (r < 0) {
			ret = EXIT_FAIL;
			goto out;
		}
		if (same)
			snprintf(upto, sizeof(upto), ", %u already up to date", same);
		log_info("plan: annotated %u pod template%s in %u file%s%s (%s, %.3f host "
			 "cores freed)",
			 p.n_pods, p.n_pods == 1 ? "" : "s", files, files == 1 ? "" : "s", upto,
			 res.status, res.host_cores_freed);
	} else if (json) {
		_cleanup_free_ char *s = hp_plan_report_json(&p, &res);

		if (!s) {
			log_err("plan: out of memory");
			ret = EXIT_FAIL;
			goto out;
		}
		printf("%s\n", s);
	} else {
		if (hp_plan_report_table(&p, &res, stdout) < 0) {
			log_err("plan: out of memory");
			ret = EXIT_FAIL;
			goto out;
		}
	}
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_err("plan: writing standard output: %s", strerror(errno ? errno : EIO));
		ret = EXIT_FAIL;
	}
	goto out;

fail_solve:
	/* names from a manifest may hold control characters: escaped as in the table */
	msg = hp_plan_escape(err.msg);
	/* an impossible instance says so itself, after its file:line where it has one */
	log_err(r == -EDOM && strncmp(err.msg, "impossible", 10) ? "%s" : "plan: %s",
		msg ? msg : err.msg);
	ret = r == -EDOM ? EXIT_USAGE : EXIT_FAIL;
	goto out;
fail:
	msg = hp_plan_escape(err.msg);
	log_err("%s", !err.msg[0] ? strerror(-r) : msg ? msg : err.msg);
	ret = exit_for(r);
out:
	if (texts)
		for (unsigned i = 0; i < m.n_files; i++)
			free(texts[i]);
	free(texts);
	hp_plan_result_free(&res);
	hp_plan_problem_free(&p);
	hp_plan_profile_free(prof);
	hp_plan_node_free(&node);
	hp_plan_manifests_free(&m);
	hp_plan_solver_cleanup();
	(void)cli;
	return ret;
}

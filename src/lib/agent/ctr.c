/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/ctr.h"
#include "runtime/spec.h"

#include <fcntl.h>
#include <resolv.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

void hp_ctrs_init(struct hp_ctrs *t, const char *state_dir, const char *pu)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->runc_root, sizeof(t->runc_root), "%s/%s-runc", state_dir, pu);
	snprintf(t->base, sizeof(t->base), "%s/%s-ctr", state_dir, pu);
	for (unsigned i = 0; i < HP_MAX_CTRS; i++)
		t->c[i].out[0] = t->c[i].out[1] = -1;
}

struct hp_ctr *hp_ctr_find(struct hp_ctrs *t, const char *id)
{
	for (unsigned i = 0; i < HP_MAX_CTRS; i++)
		if (t->c[i].used && !strcmp(t->c[i].id, id))
			return &t->c[i];
	return NULL;
}

struct hp_ctr *hp_ctr_reaped(struct hp_ctrs *t, pid_t pid, int status)
{
	for (unsigned i = 0; i < HP_MAX_CTRS; i++) {
		struct hp_ctr *c = &t->c[i];

		if (c->used && c->pid == pid && !c->exited) {
			c->exited = true;
			c->status = status;
			return c;
		}
	}
	return NULL;
}

/*
 * Run runc with stdio (stdin /dev/null) and wait for it. The agent blocks
 * its signals (it reads them from a signalfd), so the child gets a clean
 * mask and default dispositions: the container inherits both.
 */
static int spawn_wait(char *const argv[], int out_fd, int err_fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t empty, all;
	pid_t pid;
	int r, status;

	sigemptyset(&empty);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &empty);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	r = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r)
		return -r;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* runc's own complaint: the last line it wrote (a JSON log line or text). */
static void runc_error(struct hp_error *err, const char *what, const char *out)
{
	_cleanup_free_ char *copy = strdup(out ? out : "");
	char *line = copy, *nl;

	while (line && (nl = strrchr(line, '\n')) && nl[1] == '\0')
		*nl = '\0';
	if (line && (nl = strrchr(line, '\n')))
		line = nl + 1;
	hp_error_set(err, "runc %s: %s", what, line && *line ? line : "failed");
}

/* Run `runc --root R ARGS...` capturing its output. */
static int runc(struct hp_ctrs *t, char *const args[], char **ret_out)
{
	char *argv[16] = {"runc", "--root", t->runc_root};
	unsigned n = 3;
	char path[] = "/tmp/hp-runc-XXXXXX";
	_cleanup_close_ int fd = mkstemp(path);
	int r;

	if (fd < 0)
		return -errno;
	unlink(path);
	for (unsigned i = 0; args[i] && n < ARRAY_SIZE(argv) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	r = spawn_wait(argv, fd, fd);
	if (ret_out) {
		off_t len = lseek(fd, 0, SEEK_END);
		char *buf = calloc(1, (size_t)(len > 0 ? len : 0) + 1);

		if (buf && len > 0)
			(void)!pread(fd, buf, (size_t)len, 0);
		*ret_out = buf;
	}
	return r;
}

/* The engine's spec, moved to this PU's half of the pod. */
static int place_spec(json_t *spec, const char *bundle, const struct hp_ctr_place *place)
{
	json_t *root = json_object_get(spec, "root");
	const char *rootfs = json_string_value(json_object_get(root, "path"));
	int r;

	if (!rootfs)
		return -EINVAL;
	if (rootfs[0] != '/') {
		_cleanup_free_ char *abs = hp_sprintf("%s/%s", bundle, rootfs);

		if (!abs)
			return -ENOMEM;
		json_object_set_new(root, "path", json_string(abs));
	}
	/* The half's own network and hostname; private IPC and PID spaces (a
	 * container that shares them with the other PU cannot move, and the
	 * planner says so). */
	r = hp_spec_set_ns(spec, "network", place->netns);
	if (r >= 0)
		r = hp_spec_set_ns(spec, "uts", place->uts);
	if (r >= 0)
		r = hp_spec_set_ns(spec, "ipc", NULL);
	if (r >= 0)
		r = hp_spec_set_ns(spec, "pid", NULL);
	if (r >= 0)
		r = hp_spec_set_cgroups_path(spec, place->cgroups);
	json_object_del(spec, "hostname"); /* the half's UTS namespace has it */
	/* The engine's hooks run engine-side programs (conmon, netavark) that
	 * belong to the host. */
	json_object_del(spec, "hooks");
	return r;
}

int hp_ctr_create(struct hp_ctrs *t, const char *id, const char *pod, json_t *spec,
		  const char *bundle, const struct hp_ctr_place *place, struct hp_ctr **ret,
		  struct hp_error *err)
{
	struct hp_ctr *c = NULL;
	int out[2] = {-1, -1}, errp[2] = {-1, -1}, r;
	_cleanup_free_ char *config = NULL, *pidtext = NULL, *runc_out = NULL;
	char pidfile[PATH_MAX + 16];

	if (!hp_ctr_id_valid(id)) {
		hp_error_set(err, "invalid container id '%s'", id);
		return -EINVAL;
	}
	if (hp_ctr_find(t, id)) {
		hp_error_set(err, "container %s already exists", id);
		return -EEXIST;
	}
	for (unsigned i = 0; i < HP_MAX_CTRS && !c; i++)
		if (!t->c[i].used)
			c = &t->c[i];
	if (!c) {
		hp_error_set(err, "too many containers on this PU");
		return -ENOSPC;
	}
	r = place_spec(spec, bundle, place);
	if (r < 0) {
		hp_error_set(err, "container %s: the spec has no usable root or namespaces", id);
		return r;
	}
	snprintf(c->dir, sizeof(c->dir), "%s/%s", t->base, id);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", c->dir);
	config = hp_sprintf("%s/config.json", c->dir);
	if (!config || hp_mkdir_p(c->dir, 0700) < 0 || hp_mkdir_p(t->runc_root, 0700) < 0 ||
	    json_dump_file(spec, config, JSON_COMPACT) < 0) {
		hp_error_set(err, "cannot write the bundle of %s in %s", id, c->dir);
		r = -EIO;
		goto fail;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		r = -errno;
		hp_error_set(err, "pipe: %s", strerror(errno));
		goto fail;
	}
	{
		char *argv[] = {"runc", "--root",     t->runc_root, "create",	"--bundle",
				c->dir, "--pid-file", pidfile,	    (char *)id, NULL};

		r = spawn_wait(argv, out[1], errp[1]);
	}
	close(out[1]);
	close(errp[1]);
	out[1] = errp[1] = -1;
	if (r != 0) {
		char buf[4096];
		ssize_t n;

		fcntl(errp[0], F_SETFL, O_NONBLOCK);
		n = read(errp[0], buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		runc_error(err, "create", buf);
		r = r < 0 ? r : -EIO;
		goto fail;
	}
	if (hp_read_file(pidfile, &pidtext) < 0 || atoi(pidtext) <= 0) {
		hp_error_set(err, "runc create left no pid for %s", id);
		r = -EIO;
		goto fail;
	}
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(errp[0], F_SETFL, O_NONBLOCK);
	c->used = true;
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->pod, sizeof(c->pod), "%s", pod);
	c->pid = atoi(pidtext);
	c->out[0] = out[0];
	c->out[1] = errp[0];
	c->exited = false;
	*ret = c;
	return 0;

fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	{
		char *args[] = {"delete", "--force", (char *)id, NULL};

		runc(t, args, &runc_out);
	}
	if (config)
		unlink(config);
	unlink(pidfile);
	rmdir(c->dir);
	memset(c, 0, sizeof(*c));
	c->out[0] = c->out[1] = -1;
	return r;
}

int hp_ctr_start(struct hp_ctrs *t, struct hp_ctr *c, struct hp_error *err)
{
	char *args[] = {"start", c->id, NULL};
	_cleanup_free_ char *out = NULL;
	int r = runc(t, args, &out);

	if (r != 0) {
		runc_error(err, "start", out);
		return -EIO;
	}
	return 0;
}

int hp_ctr_kill(struct hp_ctrs *t, struct hp_ctr *c, const char *sig, bool all,
		struct hp_error *err)
{
	char *with_all[] = {"kill", "--all", c->id, (char *)sig, NULL};
	char *one[] = {"kill", c->id, (char *)sig, NULL};
	_cleanup_free_ char *out = NULL;
	int r;

	if (c->exited)
		return 0; /* nothing left to signal: like a kill racing the exit */
	r = runc(t, all ? with_all : one, &out);
	if (r != 0) {
		runc_error(err, "kill", out);
		return -EIO;
	}
	return 0;
}

int hp_ctr_state(struct hp_ctrs *t, struct hp_ctr *c, json_t **ret, struct hp_error *err)
{
	char *args[] = {"state", c->id, NULL};
	_cleanup_free_ char *out = NULL;
	int r = runc(t, args, &out);

	if (r != 0 || !(*ret = json_loads(out ? out : "", 0, NULL))) {
		runc_error(err, "state", out);
		return -EIO;
	}
	return 0;
}

void hp_ctr_delete(struct hp_ctrs *t, struct hp_ctr *c)
{
	char *args[] = {"delete", "--force", c->id, NULL};
	_cleanup_free_ char *out = NULL, *config = hp_sprintf("%s/config.json", c->dir),
			    *pid = hp_sprintf("%s/pid", c->dir);

	if (runc(t, args, &out) != 0)
		log_warn("container %s: runc delete: %s", c->id, out ? out : "failed");
	for (int i = 0; i < 2; i++)
		if (c->out[i] >= 0)
			close(c->out[i]);
	if (config)
		unlink(config);
	if (pid)
		unlink(pid);
	rmdir(c->dir);
	memset(c, 0, sizeof(*c));
	c->out[0] = c->out[1] = -1;
}

void hp_ctrs_remove_orphans(struct hp_ctrs *t)
{
	char *list[] = {"list", "-q", NULL};
	_cleanup_free_ char *out = NULL;

	if (access(t->runc_root, F_OK) < 0 || runc(t, list, &out) != 0 || !out)
		return;
	for (char *id = strtok(out, "\n"); id; id = strtok(NULL, "\n")) {
		char *args[] = {"delete", "--force", id, NULL};
		_cleanup_free_ char *o = NULL;

		if (!hp_ctr_id_valid(id))
			continue;
		log_info("container %.12s: removing what a previous agent left", id);
		runc(t, args, &o);
		free(steal_ptr(o));
		static const char *const files[] = {"config.json", "pid"};

		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			_cleanup_free_ char *path = hp_sprintf("%s/%s/%s", t->base, id, files[i]);

			if (path)
				unlink(path);
		}
		o = hp_sprintf("%s/%s", t->base, id);
		if (o)
			rmdir(o);
	}
}

char *hp_base64(const void *buf, size_t n)
{
	size_t len = (n + 2) / 3 * 4 + 1;
	char *s = malloc(len);

	if (s && b64_ntop(buf, n, s, len) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

ssize_t hp_unbase64(const char *in, void *out, size_t n)
{
	int r = b64_pton(in, out, n);

	return r < 0 ? -EINVAL : r;
}

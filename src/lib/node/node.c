/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "node/node.h"
#include "netns/addr.h"
#include "netns/half.h"
#include "node/ns.h"
#include "node/window.h"
#include "util/run.h"
#include "util/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

int hp_node_pu_index(const struct hp_node_config *c, const char *pu)
{
	if (!strcmp(pu, "host"))
		return 0;
	for (unsigned i = 0; i < c->n_dpus; i++)
		if (!strcmp(pu, c->dpu[i].name))
			return 1 + i;
	return -ENOENT;
}

const struct hp_pu_config *hp_node_pu(const struct hp_node_config *c, unsigned index)
{
	if (index == 0)
		return &c->host;
	return index <= c->n_dpus ? &c->dpu[index - 1] : NULL;
}

const char *hp_node_pu_name(const struct hp_node_config *c, unsigned index)
{
	const struct hp_pu_config *pu = hp_node_pu(c, index);

	return pu ? pu->name : NULL;
}

void hp_node_netns_name(const char *node, const char *pu, char *buf, size_t n)
{
	snprintf(buf, n, "%s.%s", node, pu);
}

void hp_pod_netns_name(const char *node, const char *pod, const char *pu, char *buf, size_t n)
{
	snprintf(buf, n, "%s.pod.%s.%s", node, pod, pu);
}

void hp_node_state_dir(const char *node, char *buf, size_t n)
{
	snprintf(buf, n, HP_RUN_DIR "/%s", node);
}

void hp_node_agent_sock(const char *node, const char *pu, char *buf, size_t n)
{
	snprintf(buf, n, HP_RUN_DIR "/%s/%s.sock", node, pu);
}

static void window_path_of(const struct hp_node_config *c, const char *state_dir, char *buf,
			   size_t n)
{
	if (c->window_hugepages)
		snprintf(buf, n, "%s/hugetlbfs/window", state_dir);
	else
		snprintf(buf, n, "/dev/shm/heteropod.%s.window", c->name);
}

int hp_node_init(struct hp_node *n, const struct hp_node_config *cfg, struct hp_error *err)
{
	int r;

	memset(n, 0, sizeof(*n));
	n->cfg = *cfg;
	r = hp_cgroups_detect(&n->cg, cfg->cgroup, "/sys/fs/cgroup", cfg->name, err);
	if (r < 0)
		return r;
	hp_node_state_dir(cfg->name, n->state_dir, sizeof(n->state_dir));
	window_path_of(cfg, n->state_dir, n->window_path, sizeof(n->window_path));
	return 0;
}

int hp_node_open(struct hp_node *n, const char *name, struct hp_error *err)
{
	struct hp_node_config cfg;
	char path[PATH_MAX];

	if (!hp_name_valid(name, HP_NODE_NAME_MAX)) {
		hp_error_set(err, "node name '%s' must be 1-%d characters of a-z, 0-9 and '-'", name,
			     HP_NODE_NAME_MAX);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), HP_RUN_DIR "/%s/node.conf", name);
	if (access(path, F_OK) < 0) {
		hp_error_set(err, "node '%s' is not up (run: heteropod node up)", name);
		return -ENOENT;
	}
	hp_config_defaults(&cfg, 1);
	if (hp_config_load(&cfg, path, err) < 0)
		return -EIO;
	return hp_node_init(n, &cfg, err);
}

/* --- agents --------------------------------------------------------------- */

static void pidfile_path(const struct hp_node *n, const char *pu, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.pid", n->state_dir, pu);
}

/* Alive and not a zombie (an agent's parent, init here, may be slow to reap it). */
/* A pid is our agent only if it is alive and its cmdline says so. */
static bool pid_is_agent(pid_t pid, const char *node)
{
	_cleanup_free_ char *cmd = NULL;
	char path[64];
	int len;

	if (pid <= 0 || !hp_pid_alive(pid))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	len = hp_read_file(path, &cmd);
	if (len <= 0)
		return false;
	/* argv: heteropodd --node NAME --pu PU */
	for (char *p = cmd; p < cmd + len; p += strlen(p) + 1)
		if (!strcmp(p, "--node") && p + strlen(p) + 1 < cmd + len &&
		    !strcmp(p + strlen(p) + 1, node))
			return strstr(cmd, "heteropodd") != NULL;
	return false;
}

static pid_t read_agent_pid(const char *state_dir, const char *node, const char *pu)
{
	_cleanup_free_ char *s = NULL;
	char path[PATH_MAX];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s.pid", state_dir, pu);
	if (hp_read_file(path, &s) < 0)
		return 0;
	pid = (pid_t)strtol(s, NULL, 10);
	return pid_is_agent(pid, node) ? pid : 0;
}

pid_t hp_node_agent_pid(const struct hp_node *n, unsigned pu_index)
{
	return read_agent_pid(n->state_dir, n->cfg.name, hp_node_pu_name(&n->cfg, pu_index));
}

int hp_node_start_agent(struct hp_node *n, unsigned pu_index, const char *agent_path,
			struct hp_error *err)
{
	const char *pu = hp_node_pu_name(&n->cfg, pu_index);
	char netns[128], logpath[PATH_MAX], pidpath[PATH_MAX], fdstr[16], msg[512];
	int pipefd[2], status;
	ssize_t len = 0;
	pid_t pid;
	int r;

	if (hp_node_agent_pid(n, pu_index))
		return 0;
	r = hp_cgroup_group_create(&n->cg, pu, "agent");
	if (r < 0) {
		hp_error_set(err, "cannot create the %s agent's cgroup: %s", pu, strerror(-r));
		return r;
	}
	hp_node_netns_name(n->cfg.name, pu, netns, sizeof(netns));
	snprintf(logpath, sizeof(logpath), "%s/%s.log", n->state_dir, pu);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;

	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		/* Detach into the PU: its partition, its network stack, its own session. */
		int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		close(pipefd[0]);
		if (log < 0 || null < 0 || setsid() < 0 ||
		    hp_cgroup_attach(&n->cg, pu, "agent", getpid()) < 0 || hp_netns_enter(netns) < 0)
			_exit(1);
		dup2(null, 0);
		dup2(log, 1);
		dup2(log, 2);
		/* Double fork so the agent is not our child: node up returns. */
		if (fork() != 0)
			_exit(0);
		fcntl(pipefd[1], F_SETFD, 0);
		snprintf(fdstr, sizeof(fdstr), "%d", pipefd[1]);
		setenv("HETEROPOD_READY_FD", fdstr, 1);
		execl(agent_path, "heteropodd", "--node", n->cfg.name, "--pu", pu, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	waitpid(pid, &status, 0);

	/* The agent writes "ok <pid>\n" or "error <message>\n" when it is ready. */
	struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };

	while (len < (ssize_t)sizeof(msg) - 1) {
		ssize_t k;

		if (poll(&pfd, 1, 15000) <= 0)
			break;
		k = read(pipefd[0], msg + len, sizeof(msg) - 1 - len);
		if (k <= 0)
			break;
		len += k;
		if (memchr(msg, '\n', len))
			break;
	}
	close(pipefd[0]);
	msg[len] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	if (strncmp(msg, "ok ", 3)) {
		hp_error_set(err, "the %s agent did not start: %s (see %s)", pu,
			     len ? msg : "no answer", logpath);
		return -EIO;
	}
	pidfile_path(n, pu, pidpath, sizeof(pidpath));
	return hp_write_file_create(pidpath, msg + 3);
}

static void stop_agent(const char *state_dir, const char *node, const char *pu)
{
	pid_t pid = read_agent_pid(state_dir, node, pu);

	if (!pid)
		return;
	/* SIGTERM lets the agent take its halves down cleanly. */
	kill(pid, SIGTERM);
	for (int i = 0; i < 500 && hp_pid_alive(pid); i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	if (hp_pid_alive(pid))
		kill(pid, SIGKILL);
}

/* --- topology ------------------------------------------------------------- */

static int topology_up(struct hp_node *n, struct hp_error *err)
{
	static const char *const fwd[] = { "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
					   NULL };
	const struct hp_node_config *c = &n->cfg;
	char hostns[128], wirens[128], dpuns[128], net[32], pul_h[32], pul_d[32], wire_d[32],
		wire_c[32];
	_cleanup_free_ char *links = strdup(""), *hosts = strdup("link set lo up\n"),
			    *wires = strdup("link set lo up\n");
	int r;

	hp_node_netns_name(c->name, "host", hostns, sizeof(hostns));
	hp_node_netns_name(c->name, "wire", wirens, sizeof(wirens));
	if (hp_netns_exists(hostns))
		return 0; /* idempotent: the topology is made in one go below */

	r = hp_netns_add(hostns);
	if (r >= 0)
		r = hp_netns_add(wirens);
	for (unsigned i = 0; r >= 0 && i < c->n_dpus; i++) {
		hp_node_netns_name(c->name, c->dpu[i].name, dpuns, sizeof(dpuns));
		r = hp_netns_add(dpuns);
	}
	if (r < 0) {
		hp_error_set(err, "cannot create the node's network namespaces");
		return r;
	}

	hp_ip4_format(c->pod_net, net, sizeof(net));
	for (unsigned i = 0; i < c->n_dpus && links && hosts && wires; i++) {
		const char *dpu = c->dpu[i].name;
		char *t;

		hp_node_netns_name(c->name, dpu, dpuns, sizeof(dpuns));
		hp_ip4_format(hp_pulink_host_addr(i), pul_h, sizeof(pul_h));
		hp_ip4_format(hp_wire_client_addr(i), wire_c, sizeof(wire_c));
		hp_ip4_format(hp_wire_dpu_addr(i), wire_d, sizeof(wire_d));

		/* PU link: host <-> dpuN. Wire: dpuN <-> outside. */
		t = hp_sprintf("%slink add pu-%s netns %s type veth peer name pu-host netns %s\n"
			       "link add wire0 netns %s type veth peer name %s netns %s\n",
			       links, dpu, hostns, dpuns, dpuns, dpu, wirens);
		free(links), links = t;
		t = hp_sprintf("%saddr add %s/30 dev pu-%s\nlink set pu-%s up\n", hosts, pul_h, dpu,
			       dpu);
		free(hosts), hosts = t;
		t = hp_sprintf("%saddr add %s/30 dev %s\nlink set %s up\n", wires, wire_c, dpu, dpu);
		free(wires), wires = t;
		if (i == 0 && wires) {
			/* The outside network routes the pod CIDR to the node's port. */
			t = hp_sprintf("%sroute add %s/%u via %s\n", wires, net, c->pod_prefix, wire_d);
			free(wires), wires = t;
		}
	}
	if (!links || !hosts || !wires)
		return -ENOMEM;

	r = hp_ip_batch(NULL, links);
	if (r >= 0)
		r = hp_ip_batch(hostns, hosts);
	if (r >= 0)
		r = hp_ip_batch(wirens, wires);
	for (unsigned i = 0; r >= 0 && i < c->n_dpus; i++) {
		_cleanup_free_ char *dpus = NULL;

		hp_node_netns_name(c->name, c->dpu[i].name, dpuns, sizeof(dpuns));
		hp_ip4_format(hp_pulink_dpu_addr(i), pul_d, sizeof(pul_d));
		hp_ip4_format(hp_wire_dpu_addr(i), wire_d, sizeof(wire_d));
		dpus = hp_sprintf("link set lo up\naddr add %s/30 dev pu-host\nlink set pu-host up\n"
				  "addr add %s/30 dev wire0\nlink set wire0 up\n",
				  pul_d, wire_d);
		r = dpus ? hp_ip_batch(dpuns, dpus) : -ENOMEM;
		if (r >= 0)
			r = hp_sysctl_in(dpuns, fwd);
	}
	if (r < 0) {
		hp_error_set(err, "cannot wire up the node's PU links and wire (see the message above)");
		return r;
	}
	return 0;
}

/* --- up / down ------------------------------------------------------------ */

static unsigned online_cpus_max(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n - 1 : 0;
}

static int check_machine(const struct hp_node_config *c, struct hp_error *err)
{
	unsigned max_cpu = online_cpus_max(), m;

	for (unsigned i = 0; i <= c->n_dpus; i++) {
		const struct hp_pu_config *pu = hp_node_pu(c, i);

		if (hp_cpulist_parse(pu->cpus, &m) < 0 || m > max_cpu) {
			hp_error_set(err, "field '%s.cpus': '%s' names CPUs this machine lacks (online: 0-%u)",
				     pu->name, pu->cpus, max_cpu);
			return -EINVAL;
		}
	}
	if (geteuid() != 0) {
		hp_error_set(err, "the emulated node needs root (namespaces, cgroups, eBPF)");
		return -EPERM;
	}
	return 0;
}

static int hugetlb_prepare(struct hp_node *n, struct hp_error *err)
{
	char dir[PATH_MAX], cur[64], want[64];
	_cleanup_free_ char *s = NULL;
	uint64_t pages = n->cfg.window_size >> 21, have;
	int r;

	snprintf(dir, sizeof(dir), "%s/hugetlbfs", n->state_dir);
	r = hp_mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	if (hp_read_file("/proc/sys/vm/nr_hugepages", &s) < 0)
		return -ENOTSUP;
	have = strtoull(s, NULL, 10);
	snprintf(cur, sizeof(cur), "%s/nr_hugepages.orig", n->state_dir);
	if (access(cur, F_OK) < 0) {
		/* What to restore on down: the reservation before the first up. */
		snprintf(want, sizeof(want), "%llu\n", (unsigned long long)have);
		hp_write_file_create(cur, want);
	}
	if (have < pages) {
		snprintf(want, sizeof(want), "%llu", (unsigned long long)pages);
		hp_write_file("/proc/sys/vm/nr_hugepages", want);
	}
	if (mount("none", dir, "hugetlbfs", 0, "pagesize=2M") < 0 && errno != EBUSY) {
		hp_error_set(err, "field 'window.hugepages': cannot mount hugetlbfs: %s",
			     strerror(errno));
		return -errno;
	}
	return 0;
}

int hp_node_up(struct hp_node *n, const char *agent_path, struct hp_error *err)
{
	const struct hp_node_config *c = &n->cfg;
	_cleanup_free_ char *conf = hp_config_format(c), *old = NULL;
	char path[PATH_MAX];
	bool fresh;
	int r;

	if (!conf)
		return -ENOMEM;
	r = check_machine(c, err);
	if (r < 0)
		return r;

	snprintf(path, sizeof(path), "%s/node.conf", n->state_dir);
	fresh = hp_read_file(path, &old) < 0;
	if (!fresh && strcmp(old, conf)) {
		hp_error_set(err,
			     "node '%s' is already up with a different configuration (run: heteropod node down --name %s)",
			     c->name, c->name);
		return -EEXIST;
	}

	r = hp_mkdir_p(n->state_dir, 0755);
	if (r >= 0) {
		snprintf(path, sizeof(path), "%s/uts", n->state_dir);
		r = hp_mkdir_p(path, 0755);
	}
	if (r < 0) {
		hp_error_set(err, "cannot create %s: %s", n->state_dir, strerror(-r));
		goto fail;
	}
	for (unsigned i = 0; i <= c->n_dpus; i++) {
		r = hp_cgroup_pu_create(&n->cg, hp_node_pu(c, i), err);
		if (r < 0)
			goto fail;
	}
	r = topology_up(n, err);
	if (r < 0)
		goto fail;
	if (c->window_hugepages) {
		r = hugetlb_prepare(n, err);
		if (r < 0)
			goto fail;
	}
	r = hp_window_create(n->window_path, c->window_size);
	if (r < 0) {
		hp_error_set(err, "field 'window.size': cannot create a %llu-byte window at %s: %s",
			     (unsigned long long)c->window_size, n->window_path, strerror(-r));
		goto fail;
	}
	/* Record the config before the agents start: they read it. */
	snprintf(path, sizeof(path), "%s/node.conf", n->state_dir);
	r = hp_write_file_create(path, conf);
	if (r < 0) {
		hp_error_set(err, "cannot write %s: %s", path, strerror(-r));
		goto fail;
	}
	/* DPU agents first: the host agent connects to them over the PU links. */
	for (unsigned i = 1; i <= c->n_dpus; i++) {
		r = hp_node_start_agent(n, i, agent_path, err);
		if (r < 0)
			goto fail;
	}
	r = hp_node_start_agent(n, 0, agent_path, err);
	if (r < 0)
		goto fail;
	return 0;

fail:
	if (fresh) {
		struct hp_error ignored;

		hp_node_down(c->name, &ignored);
	}
	return r;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	remove(path);
	return 0;
}

int hp_node_down(const char *name, struct hp_error *err)
{
	struct hp_node_config cfg;
	struct hp_cgroups cg;
	char state_dir[PATH_MAX], path[PATH_MAX], prefix[64];
	char **names;
	DIR *d;
	int r = 0, k;

	hp_node_state_dir(name, state_dir, sizeof(state_dir));
	hp_config_defaults(&cfg, 1);
	snprintf(path, sizeof(path), "%s/node.conf", state_dir);
	if (access(path, F_OK) == 0)
		hp_config_load(&cfg, path, NULL);
	snprintf(cfg.name, sizeof(cfg.name), "%s", name);

	/* 1. Agents take their halves down (eBPF links, rules, namespaces). */
	stop_agent(state_dir, name, "host");
	for (unsigned i = 0; i < HP_MAX_DPUS; i++)
		stop_agent(state_dir, name, cfg.dpu[i].name);

	/* 2. Sweep by name whatever is left: a crashed agent leaves things behind.
	 * Namespaces we adopted from a container runtime are not ours: only
	 * what we added to them goes, before their pins do. */
	hp_half_adopted_sweep(name, state_dir);
	snprintf(prefix, sizeof(prefix), "%s.", name);
	names = hp_netns_list(prefix);
	for (char **p = names; p && *p; p++) {
		k = hp_netns_del(*p);
		if (k < 0 && !r)
			r = k;
	}
	hp_strv_free(names);

	snprintf(path, sizeof(path), "%s/uts", state_dir);
	if ((d = opendir(path))) {
		struct dirent *de;

		while ((de = readdir(d))) {
			char f[PATH_MAX * 2];

			if (de->d_name[0] == '.')
				continue;
			snprintf(f, sizeof(f), "%s/%s", path, de->d_name);
			hp_uts_remove(f);
		}
		closedir(d);
		rmdir(path);
	}

	if (hp_cgroups_detect(&cg, HP_CGROUP_AUTO, "/sys/fs/cgroup", name, NULL) >= 0) {
		k = hp_cgroups_remove_all(&cg);
		if (k < 0 && !r) {
			hp_error_set(err, "cannot remove the node's cgroups: %s", strerror(-k));
			r = k;
		}
	}

	snprintf(path, sizeof(path), "/dev/shm/heteropod.%s.window", name);
	unlink(path);
	/* Pod windows are unlinked once both agents map them; a crash in
	 * between leaves the file. */
	if ((d = opendir("/dev/shm"))) {
		struct dirent *de;
		char pfx[64];

		snprintf(pfx, sizeof(pfx), "heteropod.%s.pod.", name);
		while ((de = readdir(d)))
			if (!strncmp(de->d_name, pfx, strlen(pfx))) {
				char f[PATH_MAX];

				snprintf(f, sizeof(f), "/dev/shm/%s", de->d_name);
				unlink(f);
			}
		closedir(d);
	}
	snprintf(path, sizeof(path), "%s/hugetlbfs/window", state_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/hugetlbfs", state_dir);
	umount2(path, MNT_DETACH);
	rmdir(path);
	{
		_cleanup_free_ char *orig = NULL;

		snprintf(path, sizeof(path), "%s/nr_hugepages.orig", state_dir);
		if (hp_read_file(path, &orig) >= 0) {
			orig[strcspn(orig, "\n")] = '\0';
			hp_write_file("/proc/sys/vm/nr_hugepages", orig);
		}
	}

	/* What is left: pid files, logs, the agents' container bundles, what
	 * `heteropod play` wrote. */
	nftw(state_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (access(state_dir, F_OK) == 0 && !r) {
		hp_error_set(err, "cannot remove %s: %s", state_dir, strerror(errno));
		r = -errno;
	}
	if (r < 0 && err && !err->msg[0])
		hp_error_set(err, "some of the node's parts could not be removed: %s", strerror(-r));
	return r;
}

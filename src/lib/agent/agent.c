/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/agent.h"
#include "agent/ctr.h"
#include "agent/proto.h"
#include "netns/addr.h"
#include "netns/bpf-hnetns.h"
#include "netns/half.h"
#include "runtime/spec.h"
#include "runtime/stats.h"
#include "node/node.h"
#include "node/ns.h"
#include "node/window.h"
#include "socket/chan.h"
#include "socket/hwin.h"
#include "util/run.h"
#include "util/util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#define MAX_PODS 1024
#define MAX_CLIENTS 512 /* the CLI, CNI calls, and one per DPU container's stand-in */
#define POD_CGROUP_LEVEL 3 /* heteropod.<node>/<pu>/pod.<name> */
#define PEER_TIMEOUT_MS 20000

/* epoll tags */
enum {
	EV_SIGNAL = 1,
	EV_CTL_LISTEN,
	EV_PEER_LISTEN,
	EV_BPF,
	EV_PEER = 0x100,
	EV_CLIENT = 0x1000,
	EV_CTR = 0x100000, /* + 2 * container slot + stream */
};

struct port_ref {
	uint8_t proto;
	uint16_t port;
};

struct pod_entry {
	bool used;
	struct hp_pod pod;
	bool attached;            /* eBPF hooks on this half */
	struct port_ref *remote;  /* ports the other half holds (routed there) */
	size_t n_remote;
	struct hn_win win;        /* the pod's window, when the budget had room */
	bool has_win;
	struct port_ref *local;   /* ports this half holds (re-announced after a reconnect) */
	size_t n_local;
	struct pod_attachment *att; /* host: the CNI attachment whose namespace we adopted */
};

/* A CNI attachment (network, container, interface) and the namespace it came with. */
struct pod_attachment {
	char network[256], container[256], ifname[16], netns[PATH_MAX];
};

struct peer {
	struct hp_conn conn;      /* fd -1 when down */
	unsigned dpu;             /* the DPU at the other end (host agent) */
};

struct agent {
	struct hp_node node;
	unsigned pu_index;
	const char *pu;
	bool is_host;
	int epfd, sigfd, ctl_fd, peer_listen_fd;
	struct hp_hnetns *bpf;
	struct hp_window win;
	struct peer peers[HP_MAX_DPUS]; /* host: one per DPU; DPU: [0] = host */
	struct hp_conn clients[MAX_CLIENTS];
	struct pod_entry pods[MAX_PODS];
	struct hp_ctrs ctrs;    /* containers this PU's agent runs (DPU) */
	struct ctr_route {      /* host: whose stand-in gets a DPU container's output */
		char id[129];
		char pod[HP_POD_NAME_MAX + 1];
		unsigned dpu;
		int client;     /* index in clients, -1 when gone */
	} routes[HP_MAX_CTRS];
	unsigned next_id;
	uint64_t seq;
	uint64_t instance;      /* host: random per run; DPU: the host's we last heard */
	time_t last_sweep;
	bool stop;
};

/* ---- small helpers ---------------------------------------------------- */

static json_t *reply_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static json_t *reply_err(int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s, s:i}", "ok", 0, "error", msg, "code", code);
}

static struct pod_entry *pod_by_name(struct agent *a, const char *name)
{
	for (unsigned i = 0; i < MAX_PODS; i++)
		if (a->pods[i].used && !strcmp(a->pods[i].pod.name, name))
			return &a->pods[i];
	return NULL;
}

static struct pod_entry *pod_by_id(struct agent *a, unsigned id)
{
	for (unsigned i = 0; i < MAX_PODS; i++)
		if (a->pods[i].used && a->pods[i].pod.id == id)
			return &a->pods[i];
	return NULL;
}

static struct pod_entry *pod_slot(struct agent *a)
{
	for (unsigned i = 0; i < MAX_PODS; i++)
		if (!a->pods[i].used)
			return &a->pods[i];
	return NULL;
}

/*
 * Pod windows: each pod gets its own slice of the node's window budget, as a
 * file both agents map. Once both have it, the host agent unlinks the file:
 * from then on a process reaches its pod's window only through its agent
 * (window-fd), which checks that the process belongs to that pod.
 */
static const char *window_prefix(struct agent *a)
{
	static char buf[PATH_MAX];

	if (a->node.cfg.window_hugepages)
		snprintf(buf, sizeof(buf), "%s/hugetlbfs/pod.", a->node.state_dir);
	else
		snprintf(buf, sizeof(buf), "/dev/shm/heteropod.%s.pod.", a->node.cfg.name);
	return buf;
}

/* What is left of the budget (the node window's header page is not for pods). */
static uint64_t window_budget_left(struct agent *a)
{
	uint64_t used = 2u << 20;

	for (unsigned i = 0; i < MAX_PODS; i++)
		if (a->pods[i].used && a->pods[i].has_win)
			used += a->pods[i].win.size;
	return used >= a->node.cfg.window_size ? 0 : a->node.cfg.window_size - used;
}

static struct peer *peer_of_pod(struct agent *a, const struct hp_pod *pod)
{
	return &a->peers[a->is_host ? pod->dpu : 0];
}

static int epoll_add(struct agent *a, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void close_client(struct agent *a, unsigned idx);

/*
 * Host: forget the routes of DPU containers (of pod, or on dpu when pod is
 * NULL). With notify, their stand-ins hear that the container is gone
 * (status 255): after the PU link broke nothing else would tell them.
 */
static void routes_drop(struct agent *a, const char *pod, int dpu, bool notify)
{
	for (unsigned i = 0; i < HP_MAX_CTRS; i++) {
		struct ctr_route *rt = &a->routes[i];

		if (!rt->id[0] || (pod && strcmp(rt->pod, pod)) || (dpu >= 0 && rt->dpu != (unsigned)dpu))
			continue;
		if (notify && rt->client >= 0 && a->clients[rt->client].fd >= 0) {
			json_t *m = json_pack("{s:s, s:s, s:i, s:i}", "op", "ctr-exit", "id", rt->id,
					      "status", 255, "signal", 0);

			if (hp_conn_send(&a->clients[rt->client], m) < 0)
				close_client(a, (unsigned)rt->client);
			json_decref(m);
		}
		memset(rt, 0, sizeof(*rt));
	}
}

static void peer_down(struct agent *a, struct peer *p)
{
	if (p->conn.fd < 0)
		return;
	log_warn("PU link peer %s is gone", a->is_host ? a->node.cfg.dpu[p->dpu].name : "host");
	epoll_ctl(a->epfd, EPOLL_CTL_DEL, p->conn.fd, NULL);
	hp_conn_close(&p->conn);
	if (a->is_host)
		routes_drop(a, NULL, (int)p->dpu, true);
}

/* ---- pod halves --------------------------------------------------------- */

static int half_up(struct agent *a, struct pod_entry *e, struct hp_error *err)
{
	char cg[PATH_MAX], group[64];
	int r;

	r = e->att ? hp_half_adopt(&a->node, &e->pod, e->att->netns, err)
		   : hp_half_create(&a->node, &e->pod, a->pu_index, err);
	if (r < 0)
		return r;
	hp_half_group(e->pod.name, group, sizeof(group));
	hp_cgroup_v2_path(&a->node.cg, a->pu, group, cg, sizeof(cg));
	r = hp_hnetns_attach(a->bpf, cg, e->pod.id);
	if (r < 0) {
		hp_error_set(err, "cannot attach the hetero-netns eBPF hooks to %s: %s", cg,
			     strerror(-r));
		hp_half_delete(&a->node, &e->pod, a->pu_index);
		return r;
	}
	e->attached = true;
	return 0;
}

static void ctr_remove_pod(struct agent *a, const char *pod);

static void half_down(struct agent *a, struct pod_entry *e)
{
	ctr_remove_pod(a, e->pod.name);
	if (a->is_host)
		routes_drop(a, e->pod.name, -1, true);
	for (size_t i = 0; i < e->n_remote; i++)
		hp_hnetns_set_remote_port(a->bpf, e->pod.id, e->remote[i].proto, e->remote[i].port,
					  false);
	free(e->remote);
	free(e->local);
	free(e->att);
	if (e->has_win)
		hn_win_unmap(&e->win);
	if (e->attached)
		hp_hnetns_detach(a->bpf, e->pod.id);
	hp_half_delete(&a->node, &e->pod, a->pu_index);
	memset(e, 0, sizeof(*e));
}

static json_t *pod_json(const struct agent *a, const struct hp_pod *pod)
{
	char ip[32];

	hp_ip4_format(pod->ip, ip, sizeof(ip));
	return json_pack("{s:s, s:i, s:s, s:s, s:b, s:b}", "name", pod->name, "id", pod->id, "ip",
			 ip, "dpu", a->node.cfg.dpu[pod->dpu].name, "adopted", pod->adopted,
			 "wire_fallback", pod->wire_fallback);
}

static int pod_from_json(json_t *j, struct hp_pod *pod)
{
	const char *name, *ip, *dpu;
	json_int_t id;
	json_error_t jerr;

	if (json_unpack_ex(j, &jerr, 0, "{s:s, s:I, s:s, s:s}", "name", &name, "id", &id, "ip", &ip,
			   "dpu", &dpu) < 0)
		return -EBADMSG;
	if (!hp_name_valid(name, HP_POD_NAME_MAX) || id <= 0 || id > 0xffffff ||
	    strncmp(dpu, "dpu", 3))
		return -EBADMSG;
	memset(pod, 0, sizeof(*pod));
	strcpy(pod->name, name);
	pod->id = (unsigned)id;
	pod->dpu = (unsigned)strtoul(dpu + 3, NULL, 10);
	pod->adopted = json_is_true(json_object_get(j, "adopted"));
	pod->wire_fallback = pod->adopted && json_is_true(json_object_get(j, "wire_fallback"));
	if (pod->dpu >= HP_MAX_DPUS || hp_ip4_parse(ip, &pod->ip) < 0)
		return -EBADMSG;
	return 0;
}

/* ---- port ownership ----------------------------------------------------- */

/* Add or remove (proto, port) in a small list; false if nothing changed. */
static bool port_list_update(struct port_ref **list, size_t *n, uint8_t proto, uint16_t port,
			     bool add)
{
	for (size_t i = 0; i < *n; i++) {
		if ((*list)[i].proto != proto || (*list)[i].port != port)
			continue;
		if (add)
			return false;
		(*list)[i] = (*list)[--*n];
		return true;
	}
	if (!add)
		return false;
	struct port_ref *nl = realloc(*list, (*n + 1) * sizeof(**list));

	if (!nl)
		return false;
	*list = nl;
	nl[(*n)++] = (struct port_ref){ proto, port };
	return true;
}

static void send_port(struct agent *a, struct peer *p, uint32_t pod_id, uint8_t proto,
		      uint16_t port, bool bound)
{
	json_t *msg;

	if (p->conn.fd < 0)
		return;
	msg = json_pack("{s:s, s:i, s:i, s:i, s:b}", "op", "port", "pod", pod_id, "proto", proto,
			"port", port, "bound", bound);
	if (msg && hp_conn_send(&p->conn, msg) < 0)
		peer_down(a, p);
	json_decref(msg);
}

/* A port of one of our halves was bound or released: tell the other half. */
static void on_local_port(void *data, uint32_t pod_id, uint8_t proto, uint16_t port, bool bound)
{
	struct agent *a = data;
	struct pod_entry *e = pod_by_id(a, pod_id);
	struct peer *p;

	if (!e)
		return; /* a pod already deleted: its sockets are closing */
	port_list_update(&e->local, &e->n_local, proto, port, bound);
	p = peer_of_pod(a, &e->pod);
	log_debug("pod %s: %s/%u %s here", e->pod.name, proto == IPPROTO_UDP ? "udp" : "tcp", port,
		  bound ? "bound" : "released");
	send_port(a, p, pod_id, proto, port, bound);
}

/* The other half of a pod bound or released a port. */
static void on_remote_port(struct agent *a, json_t *msg)
{
	json_int_t id, proto, port;
	int bound;
	struct pod_entry *e;

	if (json_unpack(msg, "{s:I, s:I, s:I, s:b}", "pod", &id, "proto", &proto, "port", &port,
			"bound", &bound) < 0 ||
	    (proto != IPPROTO_TCP && proto != IPPROTO_UDP) || port <= 0 || port > 65535)
		return;
	e = pod_by_id(a, (unsigned)id);
	if (!e)
		return;
	if (!port_list_update(&e->remote, &e->n_remote, (uint8_t)proto, (uint16_t)port, bound))
		return;
	if (bound) {
		/* Refuse binds first, then route: a local bind can't sneak in. */
		hp_hnetns_set_remote_port(a->bpf, e->pod.id, proto, port, true);
		hp_half_route_port(&a->node, &e->pod, a->pu_index, proto, port, true);
	} else {
		hp_half_route_port(&a->node, &e->pod, a->pu_index, proto, port, false);
		hp_hnetns_set_remote_port(a->bpf, e->pod.id, proto, port, false);
	}
}

/* ---- PU link ------------------------------------------------------------- */

static json_t *handle_peer_request(struct agent *a, json_t *msg);
static void ctr_forward(struct agent *a, json_t *msg);

/* Handle a message from a peer that is not a reply we are waiting for. */
static void peer_dispatch(struct agent *a, struct peer *p, json_t *msg)
{
	const char *op = json_string_value(json_object_get(msg, "op"));

	if (!op)
		return;
	if (!strcmp(op, "port")) {
		on_remote_port(a, msg);
	} else if (a->is_host && (!strcmp(op, "ctr-out") || !strcmp(op, "ctr-exit"))) {
		ctr_forward(a, msg);
	} else if (!strcmp(op, "pod-add") || !strcmp(op, "pod-del") || !strcmp(op, "hello") ||
		   !strcmp(op, "pod-stats") || !strcmp(op, "pod-check") || !strncmp(op, "ctr-", 4)) {
		json_t *resp = handle_peer_request(a, msg);

		if (resp) {
			json_object_set_new(resp, "op", json_string("reply"));
			json_object_set(resp, "seq", json_object_get(msg, "seq"));
			if (hp_conn_send(&p->conn, resp) < 0)
				peer_down(a, p);
			json_decref(resp);
		}
	}
}

/* Read and dispatch what the peer sent; -errno when the link broke. */
static int peer_pump(struct agent *a, struct peer *p, uint64_t want_seq, json_t **ret_reply)
{
	json_t *msg;
	int r;

	r = hp_conn_fill(&p->conn);
	if (r == 0)
		return -ECONNRESET;
	if (r < 0 && r != -EAGAIN)
		return r;
	while ((r = hp_conn_next(&p->conn, &msg)) > 0) {
		const char *op = json_string_value(json_object_get(msg, "op"));

		if (ret_reply && op && !strcmp(op, "reply") &&
		    json_integer_value(json_object_get(msg, "seq")) == (json_int_t)want_seq) {
			*ret_reply = msg;
			ret_reply = NULL;
			continue;
		}
		peer_dispatch(a, p, msg);
		json_decref(msg);
	}
	return r < 0 ? r : 0;
}

/* Send a request to a peer and wait for its reply (other messages are handled meanwhile). */
static int peer_call(struct agent *a, struct peer *p, json_t *req, json_t **ret_reply)
{
	struct timespec start, now;
	json_t *reply = NULL;
	uint64_t seq = ++a->seq;
	int r;

	if (p->conn.fd < 0)
		return -ENOTCONN;
	json_object_set_new(req, "seq", json_integer((json_int_t)seq));
	r = hp_conn_send(&p->conn, req);
	if (r < 0)
		goto broken;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!reply) {
		struct pollfd pfd = { .fd = p->conn.fd, .events = POLLIN };
		long waited;

		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited > PEER_TIMEOUT_MS)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)(PEER_TIMEOUT_MS - waited));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		r = peer_pump(a, p, seq, &reply);
		if (r < 0)
			goto broken;
	}
	*ret_reply = reply;
	return 0;
broken:
	peer_down(a, p);
	return r;
}

static json_t *pod_json(const struct agent *a, const struct hp_pod *pod);

/*
 * After (re)connecting to a DPU agent: make sure it has the DPU half of each
 * of our pods on it, and knows which ports our halves hold. A DPU agent that
 * restarted has lost its halves (it cleared them at start): they come back
 * fresh, without the window, which cannot be mapped again.
 */
static void resync(struct agent *a, unsigned dpu)
{
	struct peer *p = &a->peers[dpu];

	for (unsigned i = 0; i < MAX_PODS && p->conn.fd >= 0; i++) {
		struct pod_entry *e = &a->pods[i];
		json_t *msg, *reply = NULL;

		if (!e->used || e->pod.dpu != dpu)
			continue;
		msg = json_pack("{s:s, s:o}", "op", "pod-add", "pod", pod_json(a, &e->pod));
		if (peer_call(a, p, msg, &reply) == 0 && json_is_true(json_object_get(reply, "ok"))) {
			log_info("pod %s: %s half restored", e->pod.name, a->node.cfg.dpu[dpu].name);
			/* Its ports died with the old half. */
			while (e->n_remote) {
				struct port_ref r = e->remote[--e->n_remote];

				hp_half_route_port(&a->node, &e->pod, a->pu_index, r.proto, r.port, false);
				hp_hnetns_set_remote_port(a->bpf, e->pod.id, r.proto, r.port, false);
			}
			if (e->has_win) {
				hn_win_unmap(&e->win);
				e->has_win = false;
			}
		}
		json_decref(msg);
		json_decref(reply);
		for (size_t k = 0; k < e->n_local; k++)
			send_port(a, p, e->pod.id, e->local[k].proto, e->local[k].port, true);
	}
}

static int peer_connect(struct agent *a, unsigned dpu)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(a->node.cfg.agent_port) };
	struct peer *p = &a->peers[dpu];
	int fd, one = 1;

	if (p->conn.fd >= 0)
		return 0;
	sa.sin_addr.s_addr = htonl(hp_pulink_dpu_addr(dpu));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	hp_conn_init(&p->conn, fd);
	p->dpu = dpu;
	epoll_add(a, fd, EV_PEER + dpu);

	json_t *hello = json_pack("{s:s, s:s, s:s, s:I}", "op", "hello", "pu", "host", "node",
				  a->node.cfg.name, "instance", (json_int_t)a->instance);
	json_t *reply = NULL;
	int r = peer_call(a, p, hello, &reply);

	json_decref(hello);
	if (r >= 0 && !json_is_true(json_object_get(reply, "ok")))
		r = -EPROTO;
	json_decref(reply);
	if (r < 0) {
		peer_down(a, p);
		return r;
	}
	log_info("PU link to %s is up", a->node.cfg.dpu[dpu].name);
	resync(a, dpu);
	return 0;
}

/* ---- containers (agent/ctr.h) -------------------------------------------
 * The DPU agent runs the containers the pod's placement puts on its PU; the
 * host agent relays between them and their stand-ins on the host (see
 * src/runtime/): requests go to the DPU, output and exit statuses come back
 * to the stand-in that asked for the container.
 */

static void ctr_unwatch(struct agent *a, struct hp_ctr *c, int stream)
{
	if (c->out[stream] < 0)
		return;
	epoll_ctl(a->epfd, EPOLL_CTL_DEL, c->out[stream], NULL);
	close(c->out[stream]);
	c->out[stream] = -1;
}

static void ctr_send_host(struct agent *a, json_t *msg)
{
	if (a->peers[0].conn.fd >= 0 && hp_conn_send(&a->peers[0].conn, msg) < 0)
		peer_down(a, &a->peers[0]);
	json_decref(msg);
}

/* Send what the container wrote on stream (0 stdout, 1 stderr) to the host:
 * up to max_reads reads, so one chatty container cannot starve the loop. */
static void ctr_pump(struct agent *a, struct hp_ctr *c, int stream, int max_reads)
{
	char buf[16384];

	for (int i = 0; i < max_reads && c->out[stream] >= 0; i++) {
		ssize_t n = read(c->out[stream], buf, sizeof(buf));
		_cleanup_free_ char *b64 = NULL;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			ctr_unwatch(a, c, stream);
			return;
		}
		b64 = hp_base64(buf, (size_t)n);
		if (b64)
			ctr_send_host(a, json_pack("{s:s, s:s, s:i, s:s}", "op", "ctr-out", "id",
						   c->id, "fd", stream + 1, "data", b64));
	}
}

static void ctr_report_exit(struct agent *a, struct hp_ctr *c, int status)
{
	ctr_pump(a, c, 0, 64);
	ctr_pump(a, c, 1, 64);
	ctr_send_host(a, json_pack("{s:s, s:s, s:i, s:i}", "op", "ctr-exit", "id", c->id, "status",
				   WIFEXITED(status) ? WEXITSTATUS(status) : 0, "signal",
				   WIFSIGNALED(status) ? WTERMSIG(status) : 0));
	log_info("container %.12s of pod %s exited (%s %d)", c->id, c->pod,
		 WIFSIGNALED(status) ? "signal" : "status",
		 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

/* The agent is its containers' subreaper: their first processes are ours to reap. */
static void reap(struct agent *a)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct hp_ctr *c = hp_ctr_reaped(&a->ctrs, pid, status);

		if (c)
			ctr_report_exit(a, c, status);
	}
}

static void ctr_remove(struct agent *a, struct hp_ctr *c)
{
	if (!c->exited)
		ctr_report_exit(a, c, W_EXITCODE(0, SIGKILL));
	ctr_unwatch(a, c, 0);
	ctr_unwatch(a, c, 1);
	hp_ctr_delete(&a->ctrs, c);
}

/* Remove the containers of a pod's half (the half is going away). */
static void ctr_remove_pod(struct agent *a, const char *pod)
{
	for (unsigned i = 0; i < HP_MAX_CTRS; i++)
		if (a->ctrs.c[i].used && (!pod || !strcmp(a->ctrs.c[i].pod, pod)))
			ctr_remove(a, &a->ctrs.c[i]);
}

static json_t *peer_ctr_create(struct agent *a, json_t *msg, const char *id)
{
	const char *pod = json_string_value(json_object_get(msg, "pod"));
	const char *bundle = json_string_value(json_object_get(msg, "bundle"));
	json_t *spec = json_object_get(msg, "spec");
	struct pod_entry *e = pod ? pod_by_name(a, pod) : NULL;
	char half[160], netns[PATH_MAX], uts[PATH_MAX], group[64], cgpath[PATH_MAX];
	struct hp_error err = { "" };
	struct hp_ctr *c;
	int r;

	if (!e)
		return reply_err(2, "pod '%s' has no %s half", pod ? pod : "", a->pu);
	if (!bundle || bundle[0] != '/' || !json_is_object(spec))
		return reply_err(2, "ctr-create needs an absolute bundle path and a spec");
	/* hetero-socket: this PU's own agent socket and interposer (beside us). */
	if (json_is_true(json_object_get(msg, "accel")) && e->has_win) {
		char lib[PATH_MAX], sock[PATH_MAX];

		hp_node_agent_sock(a->node.cfg.name, a->pu, sock, sizeof(sock));
		if (hp_exe_sibling(HP_PRELOAD_LIB, lib, sizeof(lib)) == 0 && access(lib, R_OK) == 0 &&
		    hp_spec_accelerate(spec, lib, sock, pod) < 0)
			return reply_err(1, "cannot give container %.12s hetero-socket", id);
	}
	hp_half_netns(&a->node, pod, a->pu_index, half, sizeof(half));
	snprintf(netns, sizeof(netns), "/run/netns/%s", half);
	hp_half_uts(&a->node, pod, a->pu_index, uts, sizeof(uts));
	hp_half_group(pod, group, sizeof(group));
	snprintf(cgpath, sizeof(cgpath), "/heteropod.%s/%s/%s/ctr-%.12s", a->node.cfg.name, a->pu,
		 group, id);
	r = hp_ctr_create(&a->ctrs, id, pod, spec, bundle,
			  &(struct hp_ctr_place){ .netns = netns, .uts = uts, .cgroups = cgpath },
			  &c, &err);
	if (r < 0)
		return reply_err(1, "%s", err.msg);
	/* On a hybrid hierarchy runc only manages the v1 controllers: the
	 * hetero-netns hooks hang off the pod's v2 group. */
	if (a->node.cg.mode == HP_CGROUP_V1 &&
	    (r = hp_cgroup_attach_v2(&a->node.cg, a->pu, group, c->pid)) < 0) {
		hp_ctr_delete(&a->ctrs, c);
		return reply_err(1, "cannot put container %.12s in pod %s's cgroup: %s", id, pod,
				 strerror(-r));
	}
	epoll_add(a, c->out[0], EV_CTR + 2 * (uint64_t)(c - a->ctrs.c));
	epoll_add(a, c->out[1], EV_CTR + 2 * (uint64_t)(c - a->ctrs.c) + 1);
	log_info("container %.12s of pod %s created on %s (pid %d)", id, pod, a->pu, (int)c->pid);
	return json_pack("{s:b, s:i}", "ok", 1, "pid", (int)c->pid);
}

/* DPU: a container request the host relayed. */
static json_t *peer_ctr(struct agent *a, const char *op, json_t *msg)
{
	const char *id = json_string_value(json_object_get(msg, "id"));
	struct hp_error err = { "" };
	struct hp_ctr *c;
	json_t *state = NULL;

	if (!id || !hp_ctr_id_valid(id))
		return reply_err(2, "%s: invalid container id", op);
	if (!strcmp(op, "ctr-create"))
		return peer_ctr_create(a, msg, id);
	c = hp_ctr_find(&a->ctrs, id);
	if (!c)
		return reply_err(3, "no container %s on %s", id, a->pu);
	if (!strcmp(op, "ctr-start")) {
		if (hp_ctr_start(&a->ctrs, c, &err) < 0)
			return reply_err(1, "%s", err.msg);
	} else if (!strcmp(op, "ctr-kill")) {
		const char *sig = json_string_value(json_object_get(msg, "signal"));

		if (hp_ctr_kill(&a->ctrs, c, sig ? sig : "SIGTERM",
				json_is_true(json_object_get(msg, "all")), &err) < 0)
			return reply_err(1, "%s", err.msg);
	} else if (!strcmp(op, "ctr-state")) {
		if (c->exited)
			return json_pack("{s:b, s:s, s:i}", "ok", 1, "status", "stopped", "pid", 0);
		if (hp_ctr_state(&a->ctrs, c, &state, &err) < 0)
			return reply_err(1, "%s", err.msg);
		return json_pack("{s:b, s:O, s:o}", "ok", 1, "status",
				 json_object_get(state, "status"), "runc", state);
	} else if (!strcmp(op, "ctr-delete")) {
		ctr_remove(a, c);
	} else {
		return reply_err(2, "unknown request '%s'", op);
	}
	return json_pack("{s:b}", "ok", 1);
}

static struct ctr_route *route_find(struct agent *a, const char *id)
{
	for (unsigned i = 0; i < HP_MAX_CTRS; i++)
		if (a->routes[i].id[0] && !strcmp(a->routes[i].id, id))
			return &a->routes[i];
	return NULL;
}

/* Host: output or an exit status of a DPU container, for its stand-in. */
static void ctr_forward(struct agent *a, json_t *msg)
{
	const char *id = json_string_value(json_object_get(msg, "id"));
	struct ctr_route *rt = id ? route_find(a, id) : NULL;

	/* A stand-in that cannot keep up (or a half-written line) is cut off:
	 * it then ends its container's life for the engine (status 255). */
	if (rt && rt->client >= 0 && a->clients[rt->client].fd >= 0 &&
	    hp_conn_send(&a->clients[rt->client], msg) < 0)
		close_client(a, (unsigned)rt->client);
}

/* Host: a container request from the runtime, relayed to the pod's DPU. */
static json_t *ctl_ctr(struct agent *a, struct hp_conn *cl, const char *op, json_t *req)
{
	const char *id = json_string_value(json_object_get(req, "id"));
	const char *pod = json_string_value(json_object_get(req, "pod"));
	const char *pu = json_string_value(json_object_get(req, "pu"));
	struct pod_entry *e = pod ? pod_by_name(a, pod) : NULL;
	struct ctr_route *rt = NULL;
	json_t *msg, *reply = NULL;
	int r;

	if (!a->is_host)
		return reply_err(2, "containers are requested through the host agent");
	if (!id || !hp_ctr_id_valid(id))
		return reply_err(2, "%s: invalid container id", op);
	if (!strcmp(op, "ctr-delete") && (rt = route_find(a, id)))
		memset(rt, 0, sizeof(*rt)); /* even when its pod is gone already */
	if (!e)
		return reply_err(2, "unknown pod '%s'", pod ? pod : "");
	if (!strcmp(op, "ctr-create")) {
		rt = route_find(a, id);
		for (unsigned i = 0; i < HP_MAX_CTRS && !rt; i++)
			if (!a->routes[i].id[0])
				rt = &a->routes[i];
		if (!rt)
			return reply_err(1, "too many containers on the DPUs of node %s",
					 a->node.cfg.name);
	}
	if (!pu || hp_node_pu_index(&a->node.cfg, pu) != (int)e->pod.dpu + 1)
		return reply_err(2, "pod %s spans host and %s; it has no half on '%s'", pod,
				 a->node.cfg.dpu[e->pod.dpu].name, pu ? pu : "");
	msg = json_deep_copy(req);
	json_object_del(msg, "pu");
	r = peer_call(a, peer_of_pod(a, &e->pod), msg, &reply);
	json_decref(msg);
	if (r < 0)
		return reply_err(1, "the %s agent is not reachable over the PU link: %s",
				 a->node.cfg.dpu[e->pod.dpu].name, strerror(-r));
	json_object_del(reply, "op");
	json_object_del(reply, "seq");
	if (!strcmp(op, "ctr-create") && json_is_true(json_object_get(reply, "ok"))) {
		snprintf(rt->id, sizeof(rt->id), "%s", id);
		snprintf(rt->pod, sizeof(rt->pod), "%s", pod);
		rt->dpu = e->pod.dpu;
		rt->client = (int)(cl - a->clients);
	}
	return reply;
}

/* This PU's half of a pod, measured (runtime/stats.h). */
static json_t *half_stats(struct agent *a, const char *pod)
{
	json_t *st = NULL;

	if (!pod || !pod_by_name(a, pod))
		return reply_err(2, "pod '%s' has no %s half", pod ? pod : "", a->pu);
	if (hp_half_stats(&a->node, a->pu_index, pod, &st) < 0)
		return reply_err(1, "cannot measure pod %s on %s", pod, a->pu);
	json_object_set_new(st, "ok", json_true());
	json_object_set_new(st, "pu", json_string(a->pu));
	return st;
}

/* Host: measure the pod's half on pu (a DPU's over the PU link). */
static json_t *ctl_pod_stats(struct agent *a, json_t *req)
{
	const char *pod = json_string_value(json_object_get(req, "pod"));
	const char *pu = json_string_value(json_object_get(req, "pu"));
	struct pod_entry *e = pod ? pod_by_name(a, pod) : NULL;
	json_t *msg, *reply = NULL;

	if (!a->is_host || !pu || !strcmp(pu, "host"))
		return half_stats(a, pod);
	if (!e)
		return reply_err(2, "unknown pod '%s'", pod ? pod : "");
	if (hp_node_pu_index(&a->node.cfg, pu) != (int)e->pod.dpu + 1)
		return reply_err(2, "pod %s has no half on '%s'", pod, pu);
	msg = json_pack("{s:s, s:s}", "op", "pod-stats", "pod", pod);
	if (peer_call(a, peer_of_pod(a, &e->pod), msg, &reply) < 0) {
		json_decref(msg);
		return reply_err(1, "the %s agent is not reachable over the PU link", pu);
	}
	json_decref(msg);
	json_object_del(reply, "op");
	json_object_del(reply, "seq");
	return reply;
}

/* Host: which pod has its host half in the network namespace (dev, ino)? */
static json_t *ctl_pod_find(struct agent *a, json_t *req)
{
	json_int_t dev = json_integer_value(json_object_get(req, "netns_dev"));
	json_int_t ino = json_integer_value(json_object_get(req, "netns_ino"));

	for (unsigned i = 0; i < MAX_PODS; i++) {
		struct pod_entry *e = &a->pods[i];
		char half[160], path[PATH_MAX];
		struct stat st;

		if (!e->used)
			continue;
		hp_half_netns(&a->node, e->pod.name, a->pu_index, half, sizeof(half));
		snprintf(path, sizeof(path), "/run/netns/%s", half);
		if (stat(path, &st) == 0 && (json_int_t)st.st_dev == dev &&
		    (json_int_t)st.st_ino == ino) {
			json_t *pj = pod_json(a, &e->pod);

			json_object_set_new(pj, "window", json_boolean(e->has_win));
			return json_pack("{s:b, s:o, s:s}", "ok", 1, "pod", pj, "node",
					 a->node.cfg.name);
		}
	}
	return reply_err(3, "no pod of node %s has that network namespace", a->node.cfg.name);
}

/* DPU agent: does our half of pod (name, id) exist? */
static json_t *peer_pod_check(struct agent *a, json_t *msg)
{
	const char *name = json_string_value(json_object_get(msg, "pod"));
	json_int_t id = json_integer_value(json_object_get(msg, "id"));
	struct pod_entry *e = name ? pod_by_name(a, name) : NULL;
	char half[160];

	if (!e || (json_int_t)e->pod.id != id)
		return reply_err(2, "no %s half of pod '%s'", a->pu, name ? name : "");
	hp_half_netns(&a->node, e->pod.name, a->pu_index, half, sizeof(half));
	if (!hp_netns_exists(half))
		return reply_err(1, "the %s half of pod '%s' lost its namespace", a->pu, name);
	return json_pack("{s:b}", "ok", 1);
}

static json_t *handle_peer_request(struct agent *a, json_t *msg)
{
	const char *op = json_string_value(json_object_get(msg, "op"));
	struct hp_error err = { "" };
	struct pod_entry *e;
	struct hp_pod pod;
	int r;

	if (!strcmp(op, "hello")) {
		const char *node = json_string_value(json_object_get(msg, "node"));

		if (!node || strcmp(node, a->node.cfg.name))
			return reply_err(1, "hello from another node");
		uint64_t inst = (uint64_t)json_integer_value(json_object_get(msg, "instance"));

		if (!a->is_host && a->instance && inst != a->instance) {
			/* A new host agent: it knows none of the pods the old one had. */
			for (unsigned i = 0; i < MAX_PODS; i++)
				if (a->pods[i].used) {
					log_info("pod %s: the host agent restarted, %s half down",
						 a->pods[i].pod.name, a->pu);
					half_down(a, &a->pods[i]);
				}
		}
		a->instance = inst;
		return json_pack("{s:b, s:s}", "ok", 1, "pu", a->pu);
	}
	if (a->is_host)
		return reply_err(1, "%s is not served by the host agent", op);
	if (!strncmp(op, "ctr-", 4))
		return peer_ctr(a, op, msg);
	if (!strcmp(op, "pod-stats"))
		return half_stats(a, json_string_value(json_object_get(msg, "pod")));
	if (!strcmp(op, "pod-add")) {
		if (pod_from_json(json_object_get(msg, "pod"), &pod) < 0)
			return reply_err(2, "malformed pod");
		if (pod.dpu != a->pu_index - 1)
			return reply_err(2, "pod %s is not for %s", pod.name, a->pu);
		if (pod_by_name(a, pod.name) || pod_by_id(a, pod.id))
			return reply_err(2, "pod %s already has a %s half", pod.name, a->pu);
		e = pod_slot(a);
		if (!e)
			return reply_err(1, "too many pods on %s", a->pu);
		e->pod = pod;
		r = half_up(a, e, &err);
		if (r < 0) {
			memset(e, 0, sizeof(*e));
			return reply_err(1, "%s", err.msg);
		}
		e->used = true;
		/* The pod's window region, by the name the host gave it (on real
		 * hardware: the region of the shared memory to map). */
		const char *win = json_string_value(json_object_get(msg, "window"));

		if (win && !strncmp(win, window_prefix(a), strlen(window_prefix(a))) &&
		    !strstr(win, "..") && hn_win_map(win, 1, &e->win) == 0)
			e->has_win = true;
		log_info("pod %s: %s half up%s", pod.name, a->pu, e->has_win ? " with a window" : "");
		return json_pack("{s:b, s:b}", "ok", 1, "window", e->has_win);
	}
	if (!strcmp(op, "pod-check"))
		return peer_pod_check(a, msg);
	if (!strcmp(op, "pod-del")) {
		const char *name = json_string_value(json_object_get(msg, "pod"));

		e = name ? pod_by_name(a, name) : NULL;
		if (e) {
			half_down(a, e);
			log_info("pod %s: %s half down", name, a->pu);
		}
		return json_pack("{s:b}", "ok", 1);
	}
	return reply_err(2, "unknown request '%s'", op);
}

/* ---- control socket (CLI) --------------------------------------------- */

static unsigned alloc_pod_id(struct agent *a)
{
	unsigned max = (1u << (32 - a->node.cfg.pod_prefix)) - 2;

	for (unsigned tries = 0; tries < max; tries++) {
		unsigned id = a->next_id;

		a->next_id = a->next_id >= max ? 1 : a->next_id + 1;
		if (!pod_by_id(a, id))
			return id;
	}
	return 0;
}

/*
 * The second step of making a pod, once its host half is up (e->used): its
 * window, then the DPU half over the PU link. On failure the host half goes
 * again and the answer says why.
 */
static json_t *pod_add_dpu_half(struct agent *a, struct pod_entry *e)
{
	const char *name = e->pod.name, *dpu = a->node.cfg.dpu[e->pod.dpu].name;
	json_t *msg, *reply = NULL;
	int r;

	/* A window if the budget allows; without one the pod runs on the kernel path. */
	char win[PATH_MAX];

	snprintf(win, sizeof(win), "%s%s.hwin", window_prefix(a), name);
	unlink(win);
	if (window_budget_left(a) >= a->node.cfg.pod_window_size &&
	    hn_win_create(win, a->node.cfg.pod_window_size) == 0 && hn_win_map(win, 0, &e->win) == 0)
		e->has_win = true;
	msg = json_pack("{s:s, s:o}", "op", "pod-add", "pod", pod_json(a, &e->pod));
	if (e->has_win)
		json_object_set_new(msg, "window", json_string(win));
	r = peer_call(a, &a->peers[e->pod.dpu], msg, &reply);
	json_decref(msg);
	if (e->has_win && (r < 0 || !json_is_true(json_object_get(reply, "window")))) {
		hn_win_unmap(&e->win);
		e->has_win = false;
	}
	unlink(win); /* both agents hold it now (or nobody does) */
	if (r < 0 || !json_is_true(json_object_get(reply, "ok"))) {
		const char *why = reply ? json_string_value(json_object_get(reply, "error")) : NULL;
		json_t *out = reply_err(1, "%s half of pod '%s': %s", dpu, name,
					why ? why : (r < 0 ? strerror(-r) : "failed"));

		json_decref(reply);
		half_down(a, e);
		return out;
	}
	json_decref(reply);
	log_info("pod %s: host half up (id %u)%s", name, e->pod.id,
		 e->has_win ? ", window shared with the DPU half" : ", no window (budget spent)");
	json_t *pj = pod_json(a, &e->pod);

	json_object_set_new(pj, "window", json_boolean(e->has_win));
	return json_pack("{s:b, s:o}", "ok", 1, "pod", pj);
}

static json_t *ctl_pod_create(struct agent *a, json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "pod"));
	const char *dpu = json_string_value(json_object_get(req, "dpu"));
	struct hp_error err = { "" };
	struct pod_entry *e;
	int di, r;

	if (!a->is_host)
		return reply_err(2, "pods are created through the host agent");
	if (!name || !hp_name_valid(name, HP_POD_NAME_MAX))
		return reply_err(2, "pod name '%s' must be 1-%d characters of a-z, 0-9 and '-'",
				 name ? name : "", HP_POD_NAME_MAX);
	if (!dpu)
		dpu = "dpu0";
	di = hp_node_pu_index(&a->node.cfg, dpu);
	if (di <= 0)
		return reply_err(2, "unknown DPU '%s' (this node has dpu0..dpu%u)", dpu,
				 a->node.cfg.n_dpus - 1);
	if (pod_by_name(a, name))
		return reply_err(2, "pod '%s' already exists", name);
	e = pod_slot(a);
	if (!e)
		return reply_err(1, "too many pods");
	memset(e, 0, sizeof(*e));
	strcpy(e->pod.name, name);
	e->pod.dpu = di - 1;
	e->pod.id = alloc_pod_id(a);
	e->pod.ip = hp_pod_addr(a->node.cfg.pod_net, a->node.cfg.pod_prefix, e->pod.id);
	if (!e->pod.id || !e->pod.ip)
		return reply_err(1, "the pod CIDR is full");
	if (a->peers[e->pod.dpu].conn.fd < 0 && peer_connect(a, e->pod.dpu) < 0)
		return reply_err(1, "the %s agent is not reachable over the PU link", dpu);

	r = half_up(a, e, &err);
	if (r < 0) {
		memset(e, 0, sizeof(*e));
		return reply_err(1, "%s", err.msg);
	}
	e->used = true;
	return pod_add_dpu_half(a, e);
}

static json_t *ctl_pod_delete(struct agent *a, json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "pod"));
	struct pod_entry *e = name ? pod_by_name(a, name) : NULL;
	struct peer *p;
	json_t *msg, *reply = NULL;
	const char *warning = NULL;

	if (!a->is_host)
		return reply_err(2, "pods are deleted through the host agent");
	if (!e)
		return reply_err(2, "unknown pod '%s'", name ? name : "");
	p = peer_of_pod(a, &e->pod);
	msg = json_pack("{s:s, s:s}", "op", "pod-del", "pod", name);
	if (peer_call(a, p, msg, &reply) < 0 || !json_is_true(json_object_get(reply, "ok")))
		warning = "the DPU agent did not confirm removing its half";
	json_decref(msg);
	json_decref(reply);
	half_down(a, e);
	log_info("pod %s: deleted", name);
	if (warning)
		return json_pack("{s:b, s:s}", "ok", 1, "warning", warning);
	return json_pack("{s:b}", "ok", 1);
}

/* ---- CNI attachments (heteronet): host halves in a runtime's namespace ---- */

static json_t *attachment_json(const struct pod_attachment *att)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "network", att->network, "container",
			 att->container, "ifname", att->ifname, "netns", att->netns);
}

/* Read network/container/ifname of a request; a message naming what is wrong, or NULL. */
static const char *attachment_from_req(json_t *req, struct pod_attachment *att)
{
	const char *net = json_string_value(json_object_get(req, "network"));
	const char *ctr = json_string_value(json_object_get(req, "container"));
	const char *ifn = json_string_value(json_object_get(req, "ifname"));

	if (!net || !*net || strlen(net) >= sizeof(att->network))
		return "'network' must be a name of 1-255 bytes";
	if (!ctr || !*ctr || strlen(ctr) >= sizeof(att->container))
		return "'container' must be an id of 1-255 bytes";
	if (!ifn || !*ifn || strlen(ifn) >= sizeof(att->ifname) || strchr(ifn, '/'))
		return "'ifname' must be an interface name of 1-15 bytes";
	memset(att, 0, sizeof(*att));
	strcpy(att->network, net);
	strcpy(att->container, ctr);
	strcpy(att->ifname, ifn);
	return NULL;
}

static struct pod_entry *pod_by_attachment(struct agent *a, const struct pod_attachment *att)
{
	for (unsigned i = 0; i < MAX_PODS; i++) {
		const struct pod_attachment *o = a->pods[i].att;

		if (a->pods[i].used && o && !strcmp(o->network, att->network) &&
		    !strcmp(o->container, att->container) && !strcmp(o->ifname, att->ifname))
			return &a->pods[i];
	}
	return NULL;
}

/*
 * pod-adopt: the namespace a runtime made, with the pod IP a primary CNI
 * plugin gave it, becomes the host half of pod NAME; the DPU half gets the
 * same IP. Adopting the same attachment again answers with the pod it has.
 */
static json_t *ctl_pod_adopt(struct agent *a, json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "pod"));
	const char *dpu = json_string_value(json_object_get(req, "dpu"));
	const char *netns = json_string_value(json_object_get(req, "netns"));
	const char *ip = json_string_value(json_object_get(req, "ip"));
	struct hp_error err = { "" };
	struct pod_attachment att;
	struct pod_entry *e;
	const char *bad;
	uint32_t addr;
	int di, r;

	if (!a->is_host)
		return reply_err(2, "pods are adopted through the host agent");
	if (!name || !hp_name_valid(name, HP_POD_NAME_MAX))
		return reply_err(2, "pod name '%s' must be 1-%d characters of a-z, 0-9 and '-'",
				 name ? name : "", HP_POD_NAME_MAX);
	bad = attachment_from_req(req, &att);
	if (bad)
		return reply_err(2, "%s", bad);
	if (!netns || netns[0] != '/' || strlen(netns) >= sizeof(att.netns))
		return reply_err(2, "'netns' must be the absolute path of a network namespace");
	strcpy(att.netns, netns);
	if (!ip || hp_ip4_parse(ip, &addr) < 0 || !addr || addr >> 24 == 127 ||
	    addr >> 24 == 0 || addr >> 28 >= 14 || (addr & 0xfffffffc) == (HP_TUN_HOST_ADDR & ~3u))
		return reply_err(2, "'ip' must be a unicast IPv4 address, not '%s'", ip ? ip : "");
	di = hp_node_pu_index(&a->node.cfg, dpu ? dpu : "dpu0");
	if (di <= 0)
		return reply_err(2, "unknown DPU '%s' (this node has dpu0..dpu%u)", dpu ? dpu : "",
				 a->node.cfg.n_dpus - 1);

	e = pod_by_attachment(a, &att);
	if (e) {
		json_t *pj = pod_json(a, &e->pod);

		if (strcmp(e->pod.name, name) || e->pod.ip != addr) {
			json_decref(pj);
			return reply_err(2, "attachment %s/%s/%s is pod '%s' already", att.network,
					 att.container, att.ifname, e->pod.name);
		}
		json_object_set_new(pj, "window", json_boolean(e->has_win));
		return json_pack("{s:b, s:o}", "ok", 1, "pod", pj);
	}
	if (pod_by_name(a, name))
		return reply_err(2, "pod '%s' already exists", name);
	for (unsigned i = 0; i < MAX_PODS; i++)
		if (a->pods[i].used && a->pods[i].pod.ip == addr)
			return reply_err(2, "pod '%s' has the IP %s already", a->pods[i].pod.name, ip);
	e = pod_slot(a);
	if (!e)
		return reply_err(1, "too many pods");
	memset(e, 0, sizeof(*e));
	strcpy(e->pod.name, name);
	e->pod.dpu = (unsigned)di - 1;
	e->pod.ip = addr;
	e->pod.adopted = true;
	e->pod.wire_fallback = json_is_true(json_object_get(req, "wire_fallback"));
	e->pod.id = alloc_pod_id(a);
	if (!e->pod.id)
		return reply_err(1, "no pod id left");
	if (a->peers[e->pod.dpu].conn.fd < 0 && peer_connect(a, e->pod.dpu) < 0)
		return reply_err(1, "the %s agent is not reachable over the PU link",
				 a->node.cfg.dpu[e->pod.dpu].name);
	e->att = malloc(sizeof(*e->att));
	if (!e->att)
		return reply_err(1, "out of memory");
	*e->att = att;

	r = half_up(a, e, &err);
	if (r < 0) {
		free(e->att);
		memset(e, 0, sizeof(*e));
		return reply_err(r == -EINVAL || r == -EEXIST ? 2 : 1, "%s", err.msg);
	}
	e->used = true;
	log_info("pod %s: adopted %s (%s of container %s on network %s)", name, netns, att.ifname,
		 att.container, att.network);
	return pod_add_dpu_half(a, e);
}

/* pod-release: the runtime is done with the attachment; fine if we never had it. */
static json_t *ctl_pod_release(struct agent *a, json_t *req)
{
	struct pod_attachment att;
	struct pod_entry *e;
	const char *bad;
	json_t *del, *resp;

	if (!a->is_host)
		return reply_err(2, "pods are released through the host agent");
	bad = attachment_from_req(req, &att);
	if (bad)
		return reply_err(2, "%s", bad);
	e = pod_by_attachment(a, &att);
	if (!e)
		return json_pack("{s:b, s:b}", "ok", 1, "released", 0);
	del = json_pack("{s:s, s:s}", "op", "pod-delete", "pod", e->pod.name);
	resp = ctl_pod_delete(a, del);
	json_decref(del);
	if (json_is_true(json_object_get(resp, "ok")))
		json_object_set_new(resp, "released", json_true());
	return resp;
}

/* pod-check: the attachment's pod exists, with both halves, in that namespace. */
static json_t *ctl_pod_check(struct agent *a, json_t *req)
{
	const char *netns = json_string_value(json_object_get(req, "netns"));
	struct pod_attachment att;
	struct pod_entry *e;
	const char *bad;
	char half[160], pin[PATH_MAX + 16];
	dev_t d1, d2;
	ino_t i1, i2;
	json_t *msg, *reply = NULL;
	int r;

	if (!a->is_host)
		return reply_err(2, "pods are checked through the host agent");
	bad = attachment_from_req(req, &att);
	if (bad)
		return reply_err(2, "%s", bad);
	e = pod_by_attachment(a, &att);
	if (!e)
		return reply_err(2, "no pod has the attachment %s/%s/%s", att.network, att.container,
				 att.ifname);
	hp_half_netns(&a->node, e->pod.name, 0, half, sizeof(half));
	snprintf(pin, sizeof(pin), HP_NETNS_DIR "/%s", half);
	if (hp_netns_identify(pin, &d1, &i1) < 0)
		return reply_err(1, "pod '%s' lost its host half", e->pod.name);
	if (netns && (hp_netns_identify(netns, &d2, &i2) < 0 || d1 != d2 || i1 != i2))
		return reply_err(1, "pod '%s' has another network namespace than %s", e->pod.name,
				 netns);
	{
		char *argv[] = { "ip", "-n", half, "link", "show", "hpx0", "up", NULL };
		_cleanup_free_ char *out = NULL;

		if (hp_run(argv, &(struct hp_run_opts){ .ret_output = &out, .quiet = true }) != 0 ||
		    !out || !*out)
			return reply_err(1, "pod '%s' lost its tunnel hpx0", e->pod.name);
	}
	msg = json_pack("{s:s, s:s, s:i}", "op", "pod-check", "pod", e->pod.name, "id",
			(int)e->pod.id);
	r = peer_call(a, peer_of_pod(a, &e->pod), msg, &reply);
	json_decref(msg);
	if (r < 0 || !json_is_true(json_object_get(reply, "ok"))) {
		const char *why = reply ? json_string_value(json_object_get(reply, "error")) : NULL;
		json_t *out = reply_err(1, "pod '%s': %s", e->pod.name,
					why ? why : r < 0 ? strerror(-r) : "no DPU half");

		json_decref(reply);
		return out;
	}
	json_decref(reply);
	return json_pack("{s:b, s:o}", "ok", 1, "pod", pod_json(a, &e->pod));
}

static json_t *ctl_pod_list(struct agent *a)
{
	json_t *arr = json_array();

	for (unsigned i = 0; i < MAX_PODS; i++) {
		json_t *p;

		if (!a->pods[i].used)
			continue;
		p = pod_json(a, &a->pods[i].pod);
		json_object_set_new(p, "window", json_boolean(a->pods[i].has_win));
		if (a->pods[i].att)
			json_object_set_new(p, "attachment", attachment_json(a->pods[i].att));
		json_array_append_new(arr, p);
	}
	return json_pack("{s:b, s:o}", "ok", 1, "pods", arr);
}

static json_t *ctl_half(struct agent *a, json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "pod"));
	struct pod_entry *e = name ? pod_by_name(a, name) : NULL;
	char netns[160], uts[PATH_MAX], group[64];

	if (!e)
		return reply_err(2, "unknown pod '%s' on %s", name ? name : "", a->pu);
	hp_half_netns(&a->node, name, a->pu_index, netns, sizeof(netns));
	hp_half_uts(&a->node, name, a->pu_index, uts, sizeof(uts));
	hp_half_group(name, group, sizeof(group));
	return json_pack("{s:b, s:s, s:s, s:s, s:s, s:b}", "ok", 1, "netns", netns, "uts", uts, "pu",
			 a->pu, "group", group, "window", e->has_win);
}

/* Is pid a process of this PU's half of pod (its cgroup v2 group or below)? */
static bool pid_in_half(struct agent *a, pid_t pid, const char *pod)
{
	_cleanup_free_ char *cg = NULL;
	char path[64], want[PATH_MAX], group[64];
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (hp_read_file(path, &cg) < 0)
		return false;
	hp_half_group(pod, group, sizeof(group));
	snprintf(want, sizeof(want), "0::/heteropod.%s/%s/%s", a->node.cfg.name, a->pu, group);
	n = strlen(want);
	for (char *l = cg; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, want, n) && (l[n] == '\n' || l[n] == '/' || l[n] == '\0'))
			return true;
	return false;
}

/* A process of the pod asks for its window: checked, then passed as a descriptor. */
static json_t *ctl_window_fd(struct agent *a, struct hp_conn *c, json_t *req, bool *sent)
{
	const char *name = json_string_value(json_object_get(req, "pod"));
	struct pod_entry *e = name ? pod_by_name(a, name) : NULL;
	struct ucred cred = { .pid = 0 };
	socklen_t len = sizeof(cred);
	json_t *resp;

	if (!e)
		return reply_err(2, "unknown pod '%s' on %s", name ? name : "", a->pu);
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    !pid_in_half(a, cred.pid, name))
		return reply_err(2, "process %d is not in the %s half of pod '%s'", (int)cred.pid,
				 a->pu, name);
	if (!e->has_win)
		return reply_err(1, "pod '%s' has no window (the node's window budget was spent)",
				 name);
	resp = json_pack("{s:b, s:i, s:I}", "ok", 1, "side", a->is_host ? 0 : 1, "size",
			 (json_int_t)e->win.size);
	*sent = hp_conn_send_fd(c, resp, e->win.fd) == 0;
	return resp;
}

static json_t *ctl_status(struct agent *a)
{
	json_t *peers = json_array();
	unsigned n = 0;

	for (unsigned i = 0; i < MAX_PODS; i++)
		n += a->pods[i].used;
	for (unsigned i = 0; i < (a->is_host ? a->node.cfg.n_dpus : 1); i++)
		json_array_append_new(peers,
				      json_pack("{s:s, s:b}", "pu",
						a->is_host ? a->node.cfg.dpu[i].name : "host", "up",
						a->peers[i].conn.fd >= 0));
	return json_pack("{s:b, s:s, s:i, s:i, s:o}", "ok", 1, "pu", a->pu, "pid", (int)getpid(),
			 "pods", n, "pu_link", peers);
}

static json_t *handle_ctl(struct agent *a, struct hp_conn *c, json_t *req, bool *sent)
{
	const char *op = json_string_value(json_object_get(req, "op"));

	if (!op)
		return reply_err(2, "request without 'op'");
	if (!strcmp(op, "window-fd"))
		return ctl_window_fd(a, c, req, sent);
	if (!strcmp(op, "pod-create"))
		return ctl_pod_create(a, req);
	if (!strcmp(op, "pod-delete"))
		return ctl_pod_delete(a, req);
	if (!strcmp(op, "pod-list"))
		return ctl_pod_list(a);
	if (!strcmp(op, "pod-adopt"))
		return ctl_pod_adopt(a, req);
	if (!strcmp(op, "pod-release"))
		return ctl_pod_release(a, req);
	if (!strcmp(op, "pod-check"))
		return ctl_pod_check(a, req);
	if (!strcmp(op, "half"))
		return ctl_half(a, req);
	if (!strcmp(op, "status"))
		return ctl_status(a);
	if (!strcmp(op, "pod-find"))
		return ctl_pod_find(a, req);
	if (!strcmp(op, "pod-stats"))
		return ctl_pod_stats(a, req);
	if (!strncmp(op, "ctr-", 4))
		return ctl_ctr(a, c, op, req);
	return reply_err(2, "unknown request '%s'", op);
}

static void client_event(struct agent *a, unsigned idx)
{
	struct hp_conn *c = &a->clients[idx];
	json_t *req;
	int r = hp_conn_fill(c), next;

	if (r == -EAGAIN)
		return;
	/* A request may arrive in pieces: 0 from hp_conn_next is "not yet". */
	while (r > 0 && (next = hp_conn_next(c, &req)) != 0) {
		bool sent = false;
		json_t *resp;

		if (next < 0) {
			r = next;
			break;
		}
		resp = handle_ctl(a, c, req, &sent);
		json_decref(req);
		if (resp && !sent)
			hp_conn_send(c, resp);
		json_decref(resp);
	}
	if (r <= 0 && r != -EAGAIN)
		close_client(a, idx);
}

static void close_client(struct agent *a, unsigned idx)
{
	struct hp_conn *c = &a->clients[idx];

	if (c->fd < 0)
		return;
	epoll_ctl(a->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	hp_conn_close(c);
	for (unsigned i = 0; i < HP_MAX_CTRS; i++)
		if (a->routes[i].id[0] && a->routes[i].client == (int)idx)
			a->routes[i].client = -1;
}

/* ---- setup and loop ------------------------------------------------------ */

static int listen_ctl(struct agent *a)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[PATH_MAX];
	int fd;

	hp_node_agent_sock(a->node.cfg.name, a->pu, path, sizeof(path));
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 16) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	a->ctl_fd = fd;
	return epoll_add(a, fd, EV_CTL_LISTEN);
}

static int listen_peer(struct agent *a)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(a->node.cfg.agent_port) };
	int fd, one = 1;

	sa.sin_addr.s_addr = htonl(hp_pulink_dpu_addr(a->pu_index - 1));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	a->peer_listen_fd = fd;
	return epoll_add(a, fd, EV_PEER_LISTEN);
}

static void accept_into(struct agent *a, int lfd, bool peer)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), one = 1;

	if (fd < 0)
		return;
	if (peer) {
		/* One host per DPU: a new connection replaces a stale one. */
		peer_down(a, &a->peers[0]);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		hp_conn_init(&a->peers[0].conn, fd);
		epoll_add(a, fd, EV_PEER);
		return;
	}
	for (unsigned i = 0; i < MAX_CLIENTS; i++) {
		if (a->clients[i].fd >= 0)
			continue;
		hp_conn_init(&a->clients[i], fd);
		epoll_add(a, fd, EV_CLIENT + i);
		return;
	}
	close(fd);
}

static void heartbeat(struct agent *a)
{
	struct hp_window_header *h = a->win.base;

	if (h)
		__atomic_add_fetch(&h->slot[a->pu_index].heartbeat, 1, __ATOMIC_RELEASE);
	/* What closed channels left on our side of each pod window comes back
	 * (once a second at most). */
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec == a->last_sweep)
		return;
	a->last_sweep = now.tv_sec;
	for (unsigned i = 0; i < MAX_PODS; i++)
		if (a->pods[i].used && a->pods[i].has_win)
			hn_win_sweep(&a->pods[i].win);
}

static void shutdown_agent(struct agent *a)
{
	for (unsigned i = 0; i < MAX_PODS; i++)
		if (a->pods[i].used)
			half_down(a, &a->pods[i]);
	for (unsigned i = 0; i < HP_MAX_DPUS; i++)
		hp_conn_close(&a->peers[i].conn);
	for (unsigned i = 0; i < MAX_CLIENTS; i++)
		hp_conn_close(&a->clients[i]);
	hp_hnetns_close(a->bpf);
	if (a->win.base) {
		hp_window_detach(&a->win, a->pu_index);
		hp_window_unmap(&a->win);
	}
}

static void remove_orphans(struct agent *a)
{
	char prefix[64], suffix[32];
	char **names;

	snprintf(prefix, sizeof(prefix), "%s.pod.", a->node.cfg.name);
	snprintf(suffix, sizeof(suffix), ".%s", a->pu);
	names = hp_netns_list(prefix);
	for (char **n = names; n && *n; n++) {
		size_t len = strlen(*n), pl = strlen(prefix), sl = strlen(suffix);
		struct hp_pod pod = { 0 };

		if (len <= pl + sl || strcmp(*n + len - sl, suffix) || len - pl - sl > HP_POD_NAME_MAX)
			continue;
		memcpy(pod.name, *n + pl, len - pl - sl);
		log_info("pod %s: removing the %s half a previous agent left", pod.name, a->pu);
		hp_half_delete(&a->node, &pod, a->pu_index);
	}
	hp_strv_free(names);
}

static void ready(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ready(int fd, const char *fmt, ...)
{
	va_list ap;

	if (fd < 0)
		return;
	va_start(ap, fmt);
	vdprintf(fd, fmt, ap);
	va_end(ap);
	close(fd);
}

int hp_agent_run(const char *node, const char *pu, int ready_fd)
{
	static struct agent agent; /* big (pod table); one per process */
	struct agent *a = &agent;
	struct hp_error err = { "" };
	sigset_t mask;
	int r, idx;

	a->epfd = a->sigfd = a->ctl_fd = a->peer_listen_fd = -1;
	for (unsigned i = 0; i < HP_MAX_DPUS; i++)
		hp_conn_init(&a->peers[i].conn, -1);
	for (unsigned i = 0; i < MAX_CLIENTS; i++)
		hp_conn_init(&a->clients[i], -1);
	a->next_id = 1;
	/* The containers this agent starts (through runc) are its children. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	r = hp_node_open(&a->node, node, &err);
	if (r < 0)
		goto fail;
	idx = hp_node_pu_index(&a->node.cfg, pu);
	if (idx < 0) {
		hp_error_set(&err, "node '%s' has no PU '%s'", node, pu);
		r = -EINVAL;
		goto fail;
	}
	a->pu_index = (unsigned)idx;
	a->pu = hp_node_pu_name(&a->node.cfg, a->pu_index);
	hp_ctrs_init(&a->ctrs, a->node.state_dir, a->pu);
	hp_ctrs_remove_orphans(&a->ctrs);
	a->is_host = a->pu_index == 0;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	a->sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (a->epfd < 0 || a->sigfd < 0) {
		r = -errno;
		hp_error_set(&err, "epoll/signalfd: %s", strerror(errno));
		goto fail;
	}
	epoll_add(a, a->sigfd, EV_SIGNAL);

	r = hp_window_map(a->node.window_path, &a->win);
	if (r < 0) {
		hp_error_set(&err, "cannot map the window %s: %s", a->node.window_path, strerror(-r));
		goto fail;
	}
	hp_window_attach(&a->win, a->pu_index, a->pu, (uint64_t)getpid());

	/* Halves a previous agent of this PU left behind (it died): nobody owns
	 * them any more. The host agent brings its pods' DPU halves back. */
	remove_orphans(a);
	if (a->is_host && getrandom(&a->instance, sizeof(a->instance), 0) != sizeof(a->instance))
		a->instance = (uint64_t)getpid() << 32 | (uint64_t)time(NULL);

	r = hp_hnetns_open(POD_CGROUP_LEVEL, on_local_port, a, &a->bpf);
	if (r < 0) {
		hp_error_set(&err, "cannot load the hetero-netns eBPF programs: %s", strerror(-r));
		goto fail;
	}
	epoll_add(a, hp_hnetns_fd(a->bpf), EV_BPF);

	r = listen_ctl(a);
	if (r < 0) {
		hp_error_set(&err, "cannot listen on the control socket: %s", strerror(-r));
		goto fail;
	}
	if (!a->is_host) {
		r = listen_peer(a);
		if (r < 0) {
			hp_error_set(&err, "cannot listen on the PU link: %s", strerror(-r));
			goto fail;
		}
	} else {
		for (unsigned i = 0; i < a->node.cfg.n_dpus; i++) {
			for (int t = 0; t < 50 && (r = peer_connect(a, i)) < 0; t++)
				nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
			if (r < 0) {
				hp_error_set(&err, "cannot reach the %s agent over the PU link: %s",
					     a->node.cfg.dpu[i].name, strerror(-r));
				goto fail;
			}
		}
	}
	log_info("agent for %s of node %s is up (pid %d)", a->pu, node, (int)getpid());
	ready(ready_fd, "ok %d\n", (int)getpid());

	while (!a->stop) {
		struct epoll_event evs[16];
		int n = epoll_wait(a->epfd, evs, 16, 1000);

		heartbeat(a);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag == EV_SIGNAL) {
				struct signalfd_siginfo si;

				if (read(a->sigfd, &si, sizeof(si)) == sizeof(si) &&
				    si.ssi_signo == SIGCHLD)
					reap(a);
				else
					a->stop = true;
			} else if (tag >= EV_CTR) {
				unsigned slot = (unsigned)(tag - EV_CTR) / 2;

				if (slot < HP_MAX_CTRS && a->ctrs.c[slot].used)
					ctr_pump(a, &a->ctrs.c[slot], (int)((tag - EV_CTR) % 2), 4);
			} else if (tag == EV_CTL_LISTEN) {
				accept_into(a, a->ctl_fd, false);
			} else if (tag == EV_PEER_LISTEN) {
				accept_into(a, a->peer_listen_fd, true);
			} else if (tag == EV_BPF) {
				hp_hnetns_poll(a->bpf);
			} else if (tag >= EV_CLIENT) {
				client_event(a, (unsigned)(tag - EV_CLIENT));
			} else if (tag >= EV_PEER) {
				struct peer *p = &a->peers[tag - EV_PEER];

				if (p->conn.fd >= 0 && peer_pump(a, p, 0, NULL) < 0)
					peer_down(a, p);
			}
		}
		/* The host keeps trying to reach a DPU whose agent restarted. */
		if (a->is_host)
			for (unsigned i = 0; i < a->node.cfg.n_dpus; i++)
				if (a->peers[i].conn.fd < 0)
					peer_connect(a, i);
	}
	log_info("agent for %s stopping", a->pu);
	shutdown_agent(a);
	return 0;

fail:
	log_err("%s", err.msg);
	ready(ready_fd, "error %s\n", err.msg);
	shutdown_agent(a);
	return r;
}

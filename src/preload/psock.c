/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-connection state of the interposer (see psock.h). Runs with the
 * shim's re-entry guard set, so the libc calls made here (and in
 * src/lib/socket, src/lib/agent) reach the kernel, not the shim.
 */
#include "psock.h"

#include "agent/proto.h"
#include "netns/hnetns.h"
#include "util/util.h"

#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

#define PS_POOL 16384
#define PS_SLEEP_MS 200 /* safety net under the doorbells: threads sharing one socket */

static pthread_mutex_t win_lock = PTHREAD_MUTEX_INITIALIZER;
static int win_state; /* 0 not asked yet, 1 mapped, -1 none */
static struct hn_win win;
static struct psock *pool; /* MAP_SHARED: children forked later share it */
static _Atomic uint32_t pool_hint;

static void fetch_window(void)
{
	const char *sock = secure_getenv("HETERONET_AGENT"), *pod = secure_getenv("HETERONET_POD");
	json_t *req, *resp = NULL;
	int fd = -1, r;

	if (!sock || !pod || !*sock || !*pod)
		return;
	req = json_pack("{s:s, s:s}", "op", "window-fd", "pod", pod);
	if (!req)
		return;
	r = hp_ctl_call_fd(sock, req, &resp, &fd, 2000); /* a dead agent: plain TCP soon */
	json_decref(req);
	if (r >= 0 && json_is_true(json_object_get(resp, "ok")) && fd >= 0) {
		json_int_t side = json_integer_value(json_object_get(resp, "side"));

		if ((side == 0 || side == 1) && hn_win_map_fd(fd, (unsigned)side, &win) >= 0)
			win_state = 1;
	}
	if (fd >= 0)
		close(fd);
	json_decref(resp);
}

bool ps_window(void)
{
	if (__atomic_load_n(&win_state, __ATOMIC_ACQUIRE))
		return win_state > 0;
	pthread_mutex_lock(&win_lock);
	if (!win_state) {
		fetch_window();
		if (win_state > 0) {
			void *p = mmap(NULL, sizeof(struct psock) * PS_POOL, PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED) {
				hn_win_unmap(&win);
				win_state = -1;
			} else {
				pool = p;
			}
		}
		__atomic_store_n(&win_state, win_state > 0 ? 1 : -1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&win_lock);
	return win_state > 0;
}

static void ps_lock(pthread_mutex_t *m)
{
	if (pthread_mutex_lock(m) == EOWNERDEAD)
		pthread_mutex_consistent(m);
}

static void init_mutex(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

struct psock *ps_new(int fd, enum ps_state state, bool connector)
{
	uint32_t start;
	int fl;

	if (!ps_window())
		return NULL;
	start = atomic_fetch_add(&pool_hint, 1);
	for (uint32_t i = 0; i < PS_POOL; i++) {
		struct psock *ps = &pool[(start + i) % PS_POOL];
		uint32_t zero = 0;

		if (!atomic_compare_exchange_strong(&ps->in_use, &zero, 1))
			continue;
		memset((char *)ps + sizeof(ps->in_use), 0, sizeof(*ps) - sizeof(ps->in_use));
		init_mutex(&ps->lock);
		init_mutex(&ps->rx_lock);
		ps->connector = connector;
		ps->holders[0].pid = getpid();
		ps->holders[0].n = 1;
		ps->conn.fd = fd;
		fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && (fl & O_NONBLOCK))
			atomic_fetch_or(&ps->flags, PSF_NONBLOCK);
		atomic_store(&ps->state, state);
		return ps;
	}
	return NULL;
}

/* Our entry in the holders table (created if create); caller holds ps->lock. */
static int *holder(struct psock *ps, pid_t pid, bool create)
{
	int free_i = -1;

	for (int i = 0; i < PS_MAX_HOLDERS; i++) {
		if (ps->holders[i].pid == pid)
			return &ps->holders[i].n;
		if (free_i < 0 && ps->holders[i].n <= 0)
			free_i = i;
	}
	if (!create)
		return NULL;
	if (free_i < 0) {
		/* Full: forget holders that are gone. */
		for (int i = 0; i < PS_MAX_HOLDERS; i++)
			if (kill(ps->holders[i].pid, 0) < 0 && errno == ESRCH) {
				free_i = i;
				break;
			}
		if (free_i < 0)
			return NULL;
	}
	ps->holders[free_i].pid = pid;
	ps->holders[free_i].n = 0;
	return &ps->holders[free_i].n;
}

void ps_hold(struct psock *ps)
{
	int *n;

	ps_lock(&ps->lock);
	n = holder(ps, getpid(), true);
	if (n)
		(*n)++;
	pthread_mutex_unlock(&ps->lock);
}

void ps_fork_prepare(struct psock *ps)
{
	ps_lock(&ps->lock);
	ps->forking++;
	pthread_mutex_unlock(&ps->lock);
}

void ps_fork_child(struct psock *ps, int n)
{
	int *h;

	ps_lock(&ps->lock);
	h = holder(ps, getpid(), true);
	if (h)
		*h += n;
	ps->forking--;
	pthread_mutex_unlock(&ps->lock);
}

void ps_fork_parent(struct psock *ps, bool failed)
{
	if (!failed)
		return; /* the child takes the pending count over */
	ps_lock(&ps->lock);
	ps->forking--;
	pthread_mutex_unlock(&ps->lock);
}

/* Does anybody besides us still hold it? Caller holds ps->lock. */
static bool others_hold(struct psock *ps, pid_t me)
{
	if (ps->forking > 0)
		return true;
	for (int i = 0; i < PS_MAX_HOLDERS; i++) {
		if (ps->holders[i].n <= 0 || ps->holders[i].pid == me)
			continue;
		/* A child that exited (or crashed) without closing holds nothing. */
		if (kill(ps->holders[i].pid, 0) < 0 && errno == ESRCH) {
			ps->holders[i].n = 0;
			continue;
		}
		return true;
	}
	return false;
}

void ps_release(struct psock *ps, int fd)
{
	pid_t me = getpid();
	bool last;
	int *n;

	ps_lock(&ps->lock);
	n = holder(ps, me, false);
	if (n && *n > 0)
		(*n)--;
	last = (!n || *n <= 0) && !others_hold(ps, me);
	if (!last) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	if (ps_state(ps) == PS_WINDOW) {
		ps_stats(ps, fd, "close");
		hn_conn_close(&ps->conn);
		/* Doorbells left unread would turn our FIN into a RST. */
		hn_conn_drain(&ps->conn);
	}
	atomic_store(&ps->state, PS_TCP);
	pthread_mutex_unlock(&ps->lock);
	atomic_store_explicit(&ps->in_use, 0, memory_order_release);
}

bool ps_mark_capable(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_TCP, HNETNS_SO_CAPABLE, &one, sizeof(one)) == 0;
}

bool ps_peer_capable(int fd)
{
	socklen_t len = sizeof(int);
	int v = 0;

	return getsockopt(fd, SOL_TCP, HNETNS_SO_PEER_CAPABLE, &v, &len) == 0 && v == 1;
}

/*
 * Is the other end of this connection a socket in our own network namespace
 * (the same pod half)? Then there is no window between the two ends: both
 * allocate from the same half. Asks sock_diag for the socket with the
 * reversed 4-tuple. 1 yes, 0 no, < 0 cannot tell.
 */
static int peer_in_this_half(int fd)
{
	struct sockaddr_in me, peer;
	socklen_t l1 = sizeof(me), l2 = sizeof(peer);
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 r;
	} req = {0};
	char buf[1024];
	int nl, r = -EIO;
	ssize_t n;

	if (getsockname(fd, (struct sockaddr *)&me, &l1) < 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &l2) < 0 || me.sin_family != AF_INET)
		return -errno;
	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return -errno;
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.r.sdiag_family = AF_INET;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~0u;
	req.r.id.idiag_sport = peer.sin_port;
	req.r.id.idiag_dport = me.sin_port;
	req.r.id.idiag_src[0] = peer.sin_addr.s_addr;
	req.r.id.idiag_dst[0] = me.sin_addr.s_addr;
	req.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (send(nl, &req, sizeof(req), 0) != sizeof(req))
		goto out;
	n = recv(nl, buf, sizeof(buf), 0);
	if (n >= (ssize_t)sizeof(struct nlmsghdr)) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY)
			r = 1;
		else if (h->nlmsg_type == NLMSG_ERROR &&
			 n >= (ssize_t)(sizeof(*h) + sizeof(struct nlmsgerr)))
			r = ((struct nlmsgerr *)NLMSG_DATA(h))->error == -ENOENT ? 0 : -EIO;
	}
out:
	close(nl);
	return r;
}

static void setup_conn(struct psock *ps, int fd)
{
	socklen_t l = sizeof(ps->app_nodelay);
	int one = 1;

	ps->conn.fd = fd;
	ps->conn.sleep_ms = PS_SLEEP_MS;
	/* A doorbell must leave at once: Nagle would hold it back until the
	 * previous one is acknowledged (a delayed ACK: 40 ms). The application
	 * keeps seeing the value it set. */
	if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &ps->app_nodelay, &l) < 0)
		ps->app_nodelay = 0;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Connected, capable or not: decide. Caller holds ps->lock. */
static enum ps_state negotiate_connect(struct psock *ps, int fd)
{
	int r;

	if (!ps_peer_capable(fd)) {
		ps_stats(ps, fd, "tcp peer-not-capable");
		return PS_TCP;
	}
	r = peer_in_this_half(fd);
	if (r != 0) {
		ps_stats(ps, fd, r > 0 ? "tcp same-half" : "tcp no-sock-diag");
		return hn_conn_decline(fd) < 0 ? PS_BROKEN : PS_TCP;
	}
	r = hn_conn_upgrade_connect(fd, &win, &ps->conn);
	if (r == 0) {
		setup_conn(ps, fd);
		ps_stats(ps, fd, "window");
		return PS_WINDOW;
	}
	if (r == -ENOSPC || r == -EIO || r == -ENOMEM || r == -ENOBUFS) {
		ps_stats(ps, fd, "tcp window-full");
		return hn_conn_decline(fd) < 0 ? PS_BROKEN : PS_TCP;
	}
	return PS_BROKEN; /* the offer could not be sent: the connection is gone anyway */
}

/*
 * Read the peer's offer if it is all there (peek first: a peer that is not
 * us after all leaves its bytes to the application). Caller holds ps->lock.
 * Returns the new state, or PS_ACCEPTING while it has not arrived.
 */
static enum ps_state read_offer(struct psock *ps, int fd, bool wait)
{
	struct hn_hello h;
	ssize_t n;
	int r;

	for (;;) {
		n = recv(fd, &h, sizeof(h), MSG_PEEK | MSG_DONTWAIT);
		if (n == (ssize_t)sizeof(h))
			break;
		if (n == 0) {
			ps_stats(ps, fd, "tcp eof-before-offer");
			return PS_TCP;
		}
		if (n > 0 && memcmp(&h, &(uint32_t){HN_HELLO_MAGIC},
				    (size_t)n < sizeof(uint32_t) ? (size_t)n : sizeof(uint32_t))) {
			ps_stats(ps, fd, "tcp no-offer");
			return PS_TCP;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return PS_TCP; /* the kernel will tell the application */
		if (!wait)
			return PS_ACCEPTING;
		struct pollfd p = {.fd = fd, .events = POLLIN};

		poll(&p, 1, n > 0 ? 1 : -1);
	}
	if (h.magic != HN_HELLO_MAGIC) {
		ps_stats(ps, fd, "tcp no-offer");
		return PS_TCP;
	}
	if (h.slot == HN_HELLO_DECLINE) {
		recv(fd, &h, sizeof(h), MSG_DONTWAIT); /* all there: peeked */
		ps_stats(ps, fd, "tcp declined");
		return PS_TCP;
	}
	r = hn_conn_upgrade_accept(fd, &win, &ps->conn);
	if (r < 0) {
		ps_stats(ps, fd, "broken bad-offer");
		shutdown(fd, SHUT_RDWR);
		return PS_BROKEN;
	}
	setup_conn(ps, fd);
	ps_stats(ps, fd, "window");
	return PS_WINDOW;
}

static bool connected(int fd)
{
	struct sockaddr_storage sa;
	socklen_t l = sizeof(sa);

	return getpeername(fd, (struct sockaddr *)&sa, &l) == 0;
}

enum ps_state ps_resolve(struct psock *ps, int fd, bool wait)
{
	enum ps_state st = ps_state(ps);

	if (st != PS_CONNECTING && st != PS_ACCEPTING)
		return st;
	ps_lock(&ps->lock);
	st = ps_state(ps);
	if (st == PS_CONNECTING && connected(fd))
		st = negotiate_connect(ps, fd);
	else if (st == PS_ACCEPTING)
		st = read_offer(ps, fd, wait);
	atomic_store_explicit(&ps->state, st, memory_order_release);
	pthread_mutex_unlock(&ps->lock);
	return st;
}

static bool nonblock(struct psock *ps, int flags)
{
	if (flags & PS_MSG_BLOCK)
		return false;
	return (flags & MSG_DONTWAIT) || (atomic_load(&ps->flags) & PSF_NONBLOCK);
}

/* buf, or (fill != NULL) a zero-copy source that writes into the ring itself. */
static ssize_t send_any(struct psock *ps, const void *buf, size_t len, hn_fill_fn fill, void *arg,
			int flags)
{
	bool dontwait = nonblock(ps, flags);
	ssize_t n;

	if (ps_state(ps) == PS_BROKEN)
		return -ECONNRESET;
	if (atomic_load(&ps->flags) & PSF_WR_SHUT) {
		n = -EPIPE;
	} else {
		ps_lock(&ps->lock);
		for (;;) {
			n = fill ? hn_conn_send_fill(&ps->conn, len, fill, arg, dontwait)
				 : hn_conn_send(&ps->conn, buf, len, dontwait);
			if (n != -ENOBUFS || dontwait)
				break;
			/* The window is out of pages for now: others give theirs back
			 * when they go idle. */
			hn_win_sweep(ps->conn.end.win);
			nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
		}
		pthread_mutex_unlock(&ps->lock);
	}
	if (n == -ENOBUFS)
		n = -EAGAIN;
	/* A short non-blocking write also found the ring full (or its source
	 * ran dry: a spurious edge costs an application one more try). */
	if (n == -EAGAIN || (n >= 0 && (size_t)n < len && dontwait))
		atomic_fetch_add(&ps->tx_full, 1);
	if (n > 0)
		atomic_fetch_add_explicit(&ps->tx_bytes, (uint64_t)n, memory_order_relaxed);
	if (n == -EPIPE && !(flags & MSG_NOSIGNAL))
		raise(SIGPIPE);
	return n;
}

ssize_t ps_send(struct psock *ps, const void *buf, size_t len, int flags)
{
	return send_any(ps, buf, len, NULL, NULL, flags);
}

ssize_t ps_send_fill(struct psock *ps, size_t len, hn_fill_fn fill, void *arg, int flags)
{
	return send_any(ps, NULL, len, fill, arg, flags);
}

ssize_t ps_tx_room(struct psock *ps, size_t want)
{
	struct iovec span[2];
	ssize_t n;

	if (ps_state(ps) == PS_BROKEN)
		return -ECONNRESET;
	ps_lock(&ps->lock);
	n = hn_chan_write_reserve(&ps->conn.end, want, span); /* nothing committed */
	pthread_mutex_unlock(&ps->lock);
	return n;
}

void ps_note_full(struct psock *ps)
{
	atomic_fetch_add(&ps->tx_full, 1);
}

ssize_t ps_recv_drain(struct psock *ps, size_t len, hn_drain_fn drain, void *arg, int flags)
{
	ssize_t n;

	if (ps_state(ps) == PS_BROKEN)
		return -ECONNRESET;
	if (atomic_load(&ps->flags) & PSF_RD_SHUT)
		return 0;
	if (len == 0)
		return 0;
	ps_lock(&ps->rx_lock);
	n = hn_conn_recv_drain(&ps->conn, len, drain, arg, nonblock(ps, flags));
	pthread_mutex_unlock(&ps->rx_lock);
	if (n > 0)
		atomic_fetch_add_explicit(&ps->rx_bytes, (uint64_t)n, memory_order_relaxed);
	if (n == -EAGAIN && (atomic_load(&ps->flags) & PSF_TCP_EOF) && ps_readable(ps) == 0)
		return 0; /* the peer's process is gone and the ring is empty */
	return n;
}

ssize_t ps_recv(struct psock *ps, void *buf, size_t len, int flags)
{
	bool dontwait = nonblock(ps, flags), peek = flags & MSG_PEEK;
	bool waitall = (flags & MSG_WAITALL) && !peek && !dontwait;
	size_t done = 0;
	ssize_t n = 0;

	if (ps_state(ps) == PS_BROKEN)
		return -ECONNRESET;
	if (atomic_load(&ps->flags) & PSF_RD_SHUT)
		return 0;
	if (len == 0)
		return 0;
	ps_lock(&ps->rx_lock);
	if (peek) {
		for (;;) {
			n = hn_chan_read(&ps->conn.end, buf, len, true);
			if (n != -EAGAIN || dontwait)
				break;
			if (hn_conn_wait(&ps->conn, true) < 0) {
				n = 0; /* the peer is gone and nothing is left */
				break;
			}
		}
		if (n > 0)
			done = (size_t)n;
	} else {
		while (done < len) {
			n = hn_conn_recv(&ps->conn, (char *)buf + done, len - done, dontwait);
			if (n <= 0)
				break;
			done += (size_t)n;
			if (!waitall)
				break;
		}
	}
	pthread_mutex_unlock(&ps->rx_lock);
	if (done && !peek)
		atomic_fetch_add_explicit(&ps->rx_bytes, done, memory_order_relaxed);
	if (done)
		return (ssize_t)done;
	if (n == -EAGAIN && (atomic_load(&ps->flags) & PSF_TCP_EOF))
		return 0; /* the peer's process is gone and the ring is empty */
	return n;
}

ssize_t ps_readable(struct psock *ps)
{
	ssize_t n = hn_chan_readable(&ps->conn.end);

	return n < 0 ? 0 : n;
}

void ps_shutdown(struct psock *ps, int how)
{
	if (how == SHUT_RD || how == SHUT_RDWR)
		atomic_fetch_or(&ps->flags, PSF_RD_SHUT);
	if (how == SHUT_WR || how == SHUT_RDWR) {
		ps_lock(&ps->lock);
		if (!(atomic_fetch_or(&ps->flags, PSF_WR_SHUT) & PSF_WR_SHUT))
			hn_conn_shutdown_wr(&ps->conn);
		pthread_mutex_unlock(&ps->lock);
	}
}

static bool peer_shut(struct psock *ps)
{
	return atomic_load_explicit(&ps->conn.end.rx->pflags, memory_order_acquire) & HN_SHUT_WR;
}

short ps_ready(struct psock *ps)
{
	struct hn_end *e = &ps->conn.end;
	uint32_t fl = atomic_load(&ps->flags);
	short r = 0;
	bool rdhup;

	switch (ps_state(ps)) {
	case PS_WINDOW:
		break;
	case PS_BROKEN:
		return POLLIN | POLLOUT | POLLERR | POLLHUP;
	default:
		return 0;
	}
	rdhup = (fl & PSF_TCP_EOF) || peer_shut(ps);
	if (hn_chan_rx_ready(e) || (fl & (PSF_TCP_EOF | PSF_RD_SHUT)))
		r |= POLLIN;
	if (rdhup)
		r |= POLLRDHUP;
	if ((fl & PSF_WR_SHUT) || hn_chan_writable(e) || (fl & PSF_TCP_EOF))
		r |= POLLOUT;
	if (rdhup && (fl & PSF_WR_SHUT))
		r |= POLLHUP;
	return r;
}

short ps_kernel_events(struct psock *ps, short want)
{
	switch (ps_state(ps)) {
	case PS_CONNECTING:
		return want | POLLOUT; /* connected: time to negotiate */
	case PS_ACCEPTING:
		return POLLIN; /* the offer */
	case PS_WINDOW:
		/* Doorbells (for data and for room) and the peer's death. Once the
		 * peer's socket is closed it would be readable for ever. */
		return atomic_load(&ps->flags) & PSF_TCP_EOF ? 0 : POLLIN;
	default:
		return want;
	}
}

void ps_kernel_event(struct psock *ps, int fd, short revents)
{
	switch (ps_state(ps)) {
	case PS_CONNECTING:
	case PS_ACCEPTING:
		ps_resolve(ps, fd, false);
		break;
	case PS_WINDOW:
		if (revents & (POLLIN | POLLHUP | POLLERR)) {
			if (hn_conn_drain(&ps->conn) <= 0)
				atomic_fetch_or(&ps->flags, PSF_TCP_EOF);
		}
		break;
	default:
		break;
	}
}

/*
 * Unlike hn_chan_prepare_sleep_*, this announces even when the ring holds
 * data: an edge-triggered waiter has seen that data and waits for more.
 * The caller re-checks readiness after the fence (Dekker, see chan.h).
 */
void ps_arm(struct psock *ps, short want)
{
	struct hn_end *e = &ps->conn.end;

	if (ps_state(ps) != PS_WINDOW)
		return;
	if (want & (POLLIN | POLLRDHUP))
		atomic_store_explicit(&e->rx->rx_waiting, 1, memory_order_relaxed);
	if ((want & POLLOUT) && !hn_chan_writable(e))
		atomic_store_explicit(&e->tx->tx_waiting, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
}

uint32_t ps_rx_prod(struct psock *ps)
{
	if (ps_state(ps) != PS_WINDOW)
		return 0;
	return atomic_load_explicit(&ps->conn.end.rx->prod, memory_order_acquire);
}

void ps_stats(struct psock *ps, int fd, const char *event)
{
	const char *path = secure_getenv("HETERONET_STATS");
	char line[256];
	int f, n;

	if (!path || !*path)
		return;
	n = snprintf(line, sizeof(line), "pid=%d fd=%d role=%s %s tx=%llu rx=%llu doorbells=%llu\n",
		     (int)getpid(), fd, ps->connector ? "connect" : "accept", event,
		     (unsigned long long)atomic_load(&ps->tx_bytes),
		     (unsigned long long)atomic_load(&ps->rx_bytes),
		     (unsigned long long)ps->conn.doorbells_sent);
	f = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (f < 0)
		return;
	if (write(f, line, (size_t)n) < 0) {
		/* nothing to do: statistics are best effort */
	}
	close(f);
}

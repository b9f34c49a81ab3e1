/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bench/xpu.h"
#include "socket/conn.h"
#include "util/util.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>

#define MSG 64
#define CHUNK (64 * 1024)

/* What a client asks of a fresh connection (first byte, over TCP). */
enum { CMD_PINGPONG = 'P', CMD_STREAM = 'S', CMD_CONNECT = 'C' };

static const char *const mode_names[] = { "kernel-path", "loopback", "hetero-socket",
					  "kernel-bypass" };

const char *xpu_mode_name(enum xpu_mode m)
{
	return m < XPU_NMODES ? mode_names[m] : "?";
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* --- one transport interface over TCP or a channel --------------------- */

struct xconn {
	int fd;
	bool chan;
	struct hn_conn hc;
};


/* Exactly len bytes: 1, 0 on EOF, -errno. */
static int xio(struct xconn *c, void *buf, size_t len, bool out)
{
	size_t off = 0;

	if (!c->chan)
		return hn_full_io(c->fd, buf, len, out);
	while (off < len) {
		ssize_t n = out ? hn_conn_send(&c->hc, (char *)buf + off, len - off, false)
				: hn_conn_recv(&c->hc, (char *)buf + off, len - off, false);

		if (n <= 0)
			return (int)n;
		off += n;
	}
	return 1;
}

static void xclose(struct xconn *c)
{
	if (c->chan)
		hn_conn_close(&c->hc);
	close(c->fd);
}

/* --- server ---------------------------------------------------------------- */

struct session {
	struct xconn c;
	char cmd;
};

static int upgrade(struct xconn *c, struct hn_win *w, enum xpu_mode mode, bool accept_side)
{
	int r;

	c->chan = false;
	if (!xpu_mode_uses_window(mode))
		return 0;
	r = accept_side ? hn_conn_upgrade_accept(c->fd, w, &c->hc)
			: hn_conn_upgrade_connect(c->fd, w, &c->hc);
	if (r < 0)
		return r;
	c->chan = true;
	c->hc.busy_poll = mode == XPU_KERNEL_BYPASS;
	return 0;
}

static void *session_run(void *arg)
{
	struct session *s = arg;
	char buf[CHUNK];
	uint64_t total = 0;

	if (s->cmd == CMD_PINGPONG) {
		while (xio(&s->c, buf, MSG, false) == 1 && xio(&s->c, buf, MSG, true) == 1)
			;
	} else if (s->cmd == CMD_STREAM) {
		for (;;) {
			ssize_t n = s->c.chan ? hn_conn_recv(&s->c.hc, buf, sizeof(buf), false)
					      : recv(s->c.fd, buf, sizeof(buf), 0);

			if (n <= 0)
				break;
			total += n;
		}
		xio(&s->c, &total, sizeof(total), true);
	}
	xclose(&s->c);
	free(s);
	return NULL;
}

int xpu_serve(enum xpu_mode mode, uint16_t port, const char *window, unsigned side)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	static struct hn_win win; /* shared by every session thread */
	pthread_attr_t attr;
	int lfd, one = 1, r;

	signal(SIGPIPE, SIG_IGN);
	if (xpu_mode_uses_window(mode)) {
		r = hn_win_map(window, side, &win);
		if (r < 0)
			return r;
	}
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4096) < 0)
		return -errno;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		struct session *s;
		pthread_t t;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		s = calloc(1, sizeof(*s));
		s->c.fd = fd;
		if (hn_full_io(fd, &s->cmd, 1, false) != 1 || upgrade(&s->c, &win, mode, true) < 0) {
			close(fd);
			free(s);
			continue;
		}
		if (s->cmd == CMD_CONNECT) {
			/* Setup-rate probe: one round trip, handled inline. */
			char buf[MSG];

			if (xio(&s->c, buf, MSG, false) == 1)
				xio(&s->c, buf, MSG, true);
			xclose(&s->c);
			free(s);
			continue;
		}
		if (pthread_create(&t, &attr, session_run, s) != 0) {
			xclose(&s->c);
			free(s);
		}
	}
}

/* --- client ---------------------------------------------------------------- */

struct client {
	enum xpu_mode mode;
	uint16_t port;
	struct hn_win win;
	bool have_win;
};

static int xconnect(struct client *cl, char cmd, struct xconn *c)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(cl->port) };
	int one = 1, r;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(c->fd);
		return r;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	r = hn_full_io(c->fd, &cmd, 1, true) == 1 ? 0 : -EIO;
	if (r >= 0)
		r = upgrade(c, &cl->win, cl->mode, false);
	if (r < 0)
		close(c->fd);
	return r;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_us(uint64_t *v, size_t n, double p)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_u64);
	size_t i = (size_t)(p * (n - 1) + 0.5);

	return v[i] / 1000.0;
}

struct cpu_meter {
	uint64_t (*fn)(void *);
	void *data;
	uint64_t t0, c0;
};

static void cpu_start(struct cpu_meter *m)
{
	m->t0 = now_ns();
	m->c0 = m->fn(m->data);
}

/* CPU seconds used since cpu_start, and wall seconds. */
static double cpu_stop(struct cpu_meter *m, double *wall)
{
	uint64_t c = m->fn(m->data);

	*wall = (now_ns() - m->t0) / 1e9;
	return (c - m->c0) / 1e9;
}

static int phase_rtt(struct client *cl, const struct xpu_params *p, struct cpu_meter *m,
		     json_t *out)
{
	uint64_t *lat = calloc(p->rtt_iters, sizeof(*lat));
	char buf[MSG] = "ping";
	struct xconn c;
	double wall, cpu;
	int r = xconnect(cl, CMD_PINGPONG, &c);

	if (r < 0 || !lat) {
		free(lat);
		return r < 0 ? r : -ENOMEM;
	}
	for (unsigned i = 0; i < p->rtt_iters / 10 + 100; i++) /* warm up */
		if (xio(&c, buf, MSG, true) != 1 || xio(&c, buf, MSG, false) != 1)
			goto broken;
	/* Latency from the first rtt_iters round trips; CPU over at least
	 * cpu_seconds of them (cgroup CPU time advances in scheduler ticks). */
	cpu_start(m);
	uint64_t stop = now_ns() + (uint64_t)(p->cpu_seconds * 1e9);
	unsigned long n = 0;

	for (; n < p->rtt_iters || now_ns() < stop; n++) {
		uint64_t t = now_ns();

		if (xio(&c, buf, MSG, true) != 1 || xio(&c, buf, MSG, false) != 1)
			goto broken;
		if (n < p->rtt_iters)
			lat[n] = now_ns() - t;
	}
	cpu = cpu_stop(m, &wall);
	json_object_set_new(out, "cpu_s_per_m_rtt", json_real(cpu / n * 1e6));
	json_object_set_new(out, "rtt_count", json_integer((json_int_t)n));
	json_object_set_new(out, "rtt_p50_us", json_real(pct_us(lat, p->rtt_iters, 0.50)));
	json_object_set_new(out, "rtt_p99_us", json_real(pct_us(lat, p->rtt_iters, 0.99)));
	xclose(&c);
	free(lat);
	return 0;
broken:
	xclose(&c);
	free(lat);
	return -EIO;
}

static int phase_stream(struct client *cl, const struct xpu_params *p, json_t *out)
{
	static char chunk[CHUNK];
	uint64_t sent = 0, got = 0, start, end, stop;
	struct xconn c;
	int r = xconnect(cl, CMD_STREAM, &c);

	if (r < 0)
		return r;
	start = now_ns();
	stop = start + (uint64_t)(p->stream_seconds * 1e9);
	while (now_ns() < stop) {
		if (xio(&c, chunk, sizeof(chunk), true) != 1) {
			xclose(&c);
			return -EIO;
		}
		sent += sizeof(chunk);
	}
	/* End of stream, then the server's count proves delivery. */
	if (c.chan)
		hn_conn_shutdown_wr(&c.hc);
	else
		shutdown(c.fd, SHUT_WR);
	r = xio(&c, &got, sizeof(got), false);
	end = now_ns();
	xclose(&c);
	if (r != 1 || got != sent)
		return -EIO;
	json_object_set_new(out, "stream_gbytes_s", json_real(sent / ((end - start) / 1e9) / 1e9));
	return 0;
}

static int phase_connect(struct client *cl, const struct xpu_params *p, json_t *out)
{
	char buf[MSG] = "hi";
	uint64_t start = now_ns();

	for (unsigned i = 0; i < p->connects; i++) {
		struct xconn c;
		int r = xconnect(cl, CMD_CONNECT, &c);

		if (r < 0)
			return r;
		if (xio(&c, buf, MSG, true) != 1 || xio(&c, buf, MSG, false) != 1) {
			xclose(&c);
			return -EIO;
		}
		xclose(&c);
		if (cl->have_win && i % 64 == 63)
			hn_win_sweep(&cl->win);
	}
	json_object_set_new(out, "connects_per_s",
			    json_real(p->connects / ((now_ns() - start) / 1e9)));
	return 0;
}

struct oversub {
	struct client *cl;
	const struct xpu_params *p;
	struct xconn c;
	uint64_t *lat;
	size_t n;
	uint64_t t0;
	int err;
};

static void *oversub_run(void *arg)
{
	struct oversub *o = arg;
	uint64_t period = 1000000000ull / o->p->oversub_rate;
	size_t total = (size_t)(o->p->oversub_seconds * o->p->oversub_rate);
	char buf[MSG] = "req";
	bool spin = o->cl->mode == XPU_KERNEL_BYPASS;

	for (size_t i = 0; i < total; i++) {
		/* Open loop: each request has its time; latency counts from it. */
		uint64_t due = o->t0 + i * period;

		if (spin) {
			while (now_ns() < due)
				;
		} else {
			struct timespec ts = { .tv_sec = due / 1000000000ull, .tv_nsec = due % 1000000000ull };

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
		if (xio(&o->c, buf, MSG, true) != 1 || xio(&o->c, buf, MSG, false) != 1) {
			o->err = -EIO;
			break;
		}
		o->lat[o->n++] = now_ns() - due;
	}
	return NULL;
}

static int phase_oversub(struct client *cl, const struct xpu_params *p, struct cpu_meter *m,
			 json_t *out)
{
	unsigned n = p->oversub_conns;
	size_t per = (size_t)(p->oversub_seconds * p->oversub_rate), all = 0;
	struct oversub *o = calloc(n, sizeof(*o));
	pthread_t *t = calloc(n, sizeof(*t));
	uint64_t *lat = calloc(n * per, sizeof(*lat));
	double wall, cpu;
	int r = 0;

	if (!o || !t || !lat) {
		r = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < n && r >= 0; i++) {
		o[i].cl = cl;
		o[i].p = p;
		o[i].lat = calloc(per, sizeof(uint64_t));
		r = xconnect(cl, CMD_PINGPONG, &o[i].c);
		if (r < 0)
			n = i;
	}
	if (r < 0)
		goto close;
	cpu_start(m);
	for (unsigned i = 0; i < n; i++) {
		/* Spread the connections' phases over one period. */
		o[i].t0 = now_ns() + 20000000ull + i * (1000000000ull / p->oversub_rate) / n;
		pthread_create(&t[i], NULL, oversub_run, &o[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		if (o[i].err)
			r = o[i].err;
		memcpy(lat + all, o[i].lat, o[i].n * sizeof(uint64_t));
		all += o[i].n;
	}
	cpu = cpu_stop(m, &wall);
	json_object_set_new(out, "oversub_p50_us", json_real(pct_us(lat, all, 0.50)));
	json_object_set_new(out, "oversub_p99_us", json_real(pct_us(lat, all, 0.99)));
	json_object_set_new(out, "oversub_cpu_s_per_m_req", json_real(all ? cpu / all * 1e6 : NAN));
	json_object_set_new(out, "oversub_requests", json_integer((json_int_t)all));
close:
	for (unsigned i = 0; i < n; i++)
		xclose(&o[i].c);
out:
	if (o)
		for (unsigned i = 0; i < p->oversub_conns; i++)
			free(o[i].lat);
	free(o);
	free(t);
	free(lat);
	return r;
}

static int phase_idle(struct client *cl, const struct xpu_params *p, struct cpu_meter *m,
		      json_t *out)
{
	struct xconn *c = calloc(p->idle_conns, sizeof(*c));
	char buf[MSG] = "hi";
	unsigned n = 0;
	double wall, cpu;
	uint64_t bytes = 0, slots = 0;
	int r = 0;

	if (!c)
		return -ENOMEM;
	for (; n < p->idle_conns; n++) {
		r = xconnect(cl, CMD_PINGPONG, &c[n]);
		/*
		 * One exchange each: the connections have been used, then go
		 * quiet. Not for busy pollers: with hundreds of spinning server
		 * threads on one core every exchange waits for its thread's turn
		 * and opening them takes minutes; idle, they spin all the same.
		 */
		if (r >= 0 && cl->mode != XPU_KERNEL_BYPASS &&
		    (xio(&c[n], buf, MSG, true) != 1 || xio(&c[n], buf, MSG, false) != 1))
			r = -EIO;
		if (r < 0)
			break;
		if (c[n].chan)
			hn_chan_release_idle(&c[n].hc.end); /* what the read path does before sleeping */
	}
	if (r >= 0) {
		struct timespec ts = { .tv_sec = (time_t)p->idle_seconds,
				       .tv_nsec = (long)((p->idle_seconds - (time_t)p->idle_seconds) * 1e9) };

		nanosleep(&(struct timespec){ .tv_nsec = 200000000 }, NULL); /* let the servers settle */
		cpu_start(m);
		nanosleep(&ts, NULL);
		cpu = cpu_stop(m, &wall);
		if (cl->have_win) {
			bytes = hn_pages_in_use(&cl->win, 0) + hn_pages_in_use(&cl->win, 1);
			slots = (uint64_t)n * sizeof(struct hn_chan);
		}
		json_object_set_new(out, "idle_conns", json_integer(n));
		json_object_set_new(out, "idle_cpu_pct", json_real(cpu / wall * 100));
		json_object_set_new(out, "idle_window_bytes", json_integer((json_int_t)bytes));
		json_object_set_new(out, "idle_window_slot_bytes", json_integer((json_int_t)slots));
	}
	for (unsigned i = 0; i < n; i++)
		xclose(&c[i]);
	if (r < 0 && n < p->idle_conns)
		xclose(&c[n]);
	free(c);
	return r;
}

json_t *xpu_measure(enum xpu_mode mode, uint16_t port, const char *window, unsigned side,
		    const struct xpu_params *p, uint64_t (*cpu_ns)(void *), void *cpu_data)
{
	struct client cl = { .mode = mode, .port = port };
	struct cpu_meter m = { .fn = cpu_ns, .data = cpu_data };
	json_t *out = json_object();
	const char *failed = NULL;

	signal(SIGPIPE, SIG_IGN);
	if (xpu_mode_uses_window(mode)) {
		if (hn_win_map(window, side, &cl.win) < 0) {
			json_object_set_new(out, "error", json_string("cannot map the window"));
			return out;
		}
		cl.have_win = true;
	}
#define PHASE(name, call)                                                           \
	do {                                                                        \
		if (!failed) {                                                      \
			fprintf(stderr, "bench xpu:   %s: %s\n", xpu_mode_name(mode), name); \
			if ((call) < 0)                                             \
				failed = name;                                      \
		}                                                                   \
	} while (0)
	PHASE("ping-pong", phase_rtt(&cl, p, &m, out));
	PHASE("stream", phase_stream(&cl, p, out));
	PHASE("connection setup", phase_connect(&cl, p, out));
	PHASE("oversubscribed", phase_oversub(&cl, p, &m, out));
	PHASE("idle", phase_idle(&cl, p, &m, out));
#undef PHASE
	if (failed)
		json_object_set_new(out, "error", json_sprintf("%s phase failed", failed));
	if (cl.have_win)
		hn_win_unmap(&cl.win);
	return out;
}

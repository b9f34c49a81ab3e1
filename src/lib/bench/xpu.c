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
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#define MSG 64
#define CHUNK (64 * 1024)

/* What a client asks of a fresh connection (first byte, over TCP). */
enum { CMD_PINGPONG = 'P', CMD_STREAM = 'S', CMD_CONNECT = 'C', CMD_FILE = 'F' };

/*
 * Large transfers (CMD_FILE, then one byte over TCP: what the server does
 * with the bytes). The copying variants are what the interposer did before
 * it had zero-copy paths (and still does with HETERONET_ZEROCOPY=0): a
 * 64 KiB bounce buffer between the file and the ring.
 */
enum { SINK_DISCARD = 'd', SINK_FILE_COPY = 'c', SINK_FILE_COPY_BIG = 'C', SINK_FILE_ZC = 'z' };
#define LARGE_FILE (64u << 20) /* the file sent from / written to (a memfd: page cache) */
#define BOUNCE (64 * 1024)     /* the copying paths' buffer (COPY_CHUNK of the interposer) */
#define BOUNCE_BIG (1u << 20)  /* a copying path with the ring's largest size, to tell apart
				  what fewer, larger calls give from what one copy less gives */
#define RECV_BUF (1u << 20)    /* what a discarding receiver reads per call */

static const char *const mode_names[] = { "kernel-path", "loopback", "hetero-socket",
					  "kernel-bypass" };

const char *xpu_mode_name(enum xpu_mode m)
{
	return m < XPU_NMODES ? mode_names[m] : "?";
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
	char cmd, sink;
};

/* Where received bytes go in a file (a drain callback for hn_conn_recv_drain). */
struct file_pos {
	int fd;
	uint64_t pos;
};

static ssize_t drain_file(void *arg, const struct iovec *span, int n)
{
	struct file_pos *f = arg;
	ssize_t r = pwritev(f->fd, span, n, (off_t)(f->pos % LARGE_FILE));

	return r < 0 ? -errno : r;
}

static ssize_t fill_file(void *arg, const struct iovec *span, int n)
{
	struct file_pos *f = arg;
	ssize_t r = preadv(f->fd, span, n, (off_t)f->pos);

	if (r < 0)
		return -errno;
	f->pos += (uint64_t)r;
	return r;
}

/* Receive until EOF, the bytes going where s->sink says; returns the count. */
static uint64_t file_sink(struct session *s)
{
	struct file_pos f = { .fd = -1 };
	size_t bufsz = s->sink == SINK_FILE_COPY ? BOUNCE : RECV_BUF;
	char *buf = NULL;
	uint64_t total = 0;

	/* The 1 MiB copying sink receives each byte at the same place in a page
	 * as it goes in the file: the kernel's copy is much slower between
	 * differently aligned buffers (see large_send). The 64 KiB one is the
	 * interposer's old malloc'd buffer, as it was. */
	if (s->sink == SINK_FILE_COPY_BIG) {
		if (posix_memalign((void **)&buf, 4096, RECV_BUF + 4096) != 0)
			buf = NULL;
	} else {
		buf = malloc(bufsz);
	}

	if (s->sink != SINK_DISCARD)
		f.fd = memfd_create("xpu-sink", MFD_CLOEXEC);
	if (!buf || (s->sink != SINK_DISCARD && f.fd < 0))
		goto out;
	for (;;) {
		ssize_t n;

		if (s->sink == SINK_FILE_ZC && s->c.chan) {
			n = hn_conn_recv_drain(&s->c.hc, RECV_BUF, drain_file, &f, false);
		} else {
			char *p = s->sink == SINK_FILE_COPY_BIG ? buf + (f.pos & 4095) : buf;

			n = s->c.chan ? hn_conn_recv(&s->c.hc, p, bufsz, false)
				      : recv(s->c.fd, p, bufsz, 0);
			if (n > 0 && f.fd >= 0 && pwrite(f.fd, p, (size_t)n, (off_t)(f.pos % LARGE_FILE)) != n)
				n = -EIO;
		}
		if (n <= 0)
			break;
		f.pos += (uint64_t)n;
		total += (uint64_t)n;
	}
out:
	if (f.fd >= 0)
		close(f.fd);
	free(buf);
	return total;
}

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
	} else if (s->cmd == CMD_FILE) {
		total = file_sink(s);
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
		if (hn_full_io(fd, &s->cmd, 1, false) != 1 ||
		    (s->cmd == CMD_FILE && hn_full_io(fd, &s->sink, 1, false) != 1) ||
		    upgrade(&s->c, &win, mode, true) < 0) {
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

static int xconnect_sub(struct client *cl, char cmd, char sub, struct xconn *c);

static int xconnect(struct client *cl, char cmd, struct xconn *c)
{
	return xconnect_sub(cl, cmd, 0, c);
}

/* Connect, name the session (cmd, and sub if not 0), upgrade if the mode says so. */
static int xconnect_sub(struct client *cl, char cmd, char sub, struct xconn *c)
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
	char hdr[2] = { cmd, sub };

	r = hn_full_io(c->fd, hdr, sub ? 2 : 1, true) == 1 ? 0 : -EIO;
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
	m->t0 = hp_now_ns();
	m->c0 = m->fn(m->data);
}

/* CPU seconds used since cpu_start, and wall seconds. */
static double cpu_stop(struct cpu_meter *m, double *wall)
{
	uint64_t c = m->fn(m->data);

	*wall = (hp_now_ns() - m->t0) / 1e9;
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
	uint64_t stop = hp_now_ns() + (uint64_t)(p->cpu_seconds * 1e9);
	unsigned long n = 0;

	for (; n < p->rtt_iters || hp_now_ns() < stop; n++) {
		uint64_t t = hp_now_ns();

		if (xio(&c, buf, MSG, true) != 1 || xio(&c, buf, MSG, false) != 1)
			goto broken;
		if (n < p->rtt_iters)
			lat[n] = hp_now_ns() - t;
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
	start = hp_now_ns();
	stop = start + (uint64_t)(p->stream_seconds * 1e9);
	while (hp_now_ns() < stop) {
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
	end = hp_now_ns();
	xclose(&c);
	if (r != 1 || got != sent)
		return -EIO;
	json_object_set_new(out, "stream_gbytes_s", json_real(sent / ((end - start) / 1e9) / 1e9));
	return 0;
}

static int phase_connect(struct client *cl, const struct xpu_params *p, json_t *out)
{
	char buf[MSG] = "hi";
	uint64_t start = hp_now_ns();

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
			    json_real(p->connects / ((hp_now_ns() - start) / 1e9)));
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
			while (hp_now_ns() < due)
				;
		} else {
			struct timespec ts = { .tv_sec = due / 1000000000ull, .tv_nsec = due % 1000000000ull };

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
		if (xio(&o->c, buf, MSG, true) != 1 || xio(&o->c, buf, MSG, false) != 1) {
			o->err = -EIO;
			break;
		}
		o->lat[o->n++] = hp_now_ns() - due;
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
		o[i].t0 = hp_now_ns() + 20000000ull + i * (1000000000ull / p->oversub_rate) / n;
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

/* --- large transfers: copying vs zero-copy paths ------------------------------- */

enum { SRC_MEM, SRC_COPY, SRC_COPY_BIG, SRC_ZC };

/* Send msg bytes of the file from f->pos on (wrapping), as the strategy says. */
/* The copying paths' buffers, and the file's bytes in memory. */
struct large_bufs {
	char *small; /* malloc(BOUNCE): the interposer's old buffer, as it was */
	char *big;   /* page-aligned BOUNCE_BIG + a page */
	char *mem;
};

static int large_send(struct xconn *c, int src, struct file_pos *f, const struct large_bufs *b,
		      size_t msg)
{
	size_t done = 0;

	while (done < msg) {
		size_t want = msg - done;
		ssize_t n;

		if (f->pos >= LARGE_FILE)
			f->pos = 0;
		if (want > LARGE_FILE - f->pos)
			want = LARGE_FILE - f->pos;
		if (src == SRC_MEM) {
			if (xio(c, b->mem + f->pos, want, true) != 1)
				return -EIO;
			n = (ssize_t)want;
			f->pos += want;
		} else if (src == SRC_COPY || src == SRC_COPY_BIG) {
			/* The copying sendfile: file -> bounce buffer -> ring/socket.
			 * The big buffer takes each byte at its place in a page in
			 * the file: the kernel's copy (rep movsb) runs several times
			 * slower between differently aligned buffers (nginx's
			 * sendfile through the interposer: 0.9 vs 2.5 GB/s). */
			size_t bsz = src == SRC_COPY ? BOUNCE : BOUNCE_BIG;
			char *p = src == SRC_COPY ? b->small : b->big + (f->pos & 4095);

			if (want > bsz)
				want = bsz;
			n = pread(f->fd, p, want, (off_t)f->pos);
			if (n <= 0 || xio(c, p, (size_t)n, true) != 1)
				return -EIO;
			f->pos += (uint64_t)n;
		} else if (c->chan) {
			/* Zero-copy: file -> ring (preadv into the free space). */
			n = hn_conn_send_fill(&c->hc, want, fill_file, f, false);
		} else {
			/* The kernel's own sendfile on TCP. */
			off_t off = (off_t)f->pos;

			n = sendfile(c->fd, f->fd, &off, want);
			if (n > 0)
				f->pos = (uint64_t)off;
		}
		if (n <= 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

struct large_run {
	double gbytes_s, cpu_s_per_gb;
};

/* One timed transfer: stream msg-sized messages for secs, then check the count. */
static int large_once(struct client *cl, const struct xpu_params *p, struct cpu_meter *m, int src,
		      char sink, size_t msg, int file, const struct large_bufs *b,
		      struct large_run *out)
{
	struct file_pos f = { .fd = file };
	uint64_t sent = 0, got = 0, start, stop;
	double wall, cpu;
	struct xconn c;
	int r = xconnect_sub(cl, CMD_FILE, sink, &c);

	if (r < 0)
		return r;
	cpu_start(m);
	start = hp_now_ns();
	stop = start + (uint64_t)(p->large_seconds * 1e9);
	do {
		r = large_send(&c, src, &f, b, msg);
		sent += msg;
	} while (r == 0 && hp_now_ns() < stop);
	if (r == 0) {
		if (c.chan)
			hn_conn_shutdown_wr(&c.hc);
		else
			shutdown(c.fd, SHUT_WR);
		r = xio(&c, &got, sizeof(got), false) == 1 && got == sent ? 0 : -EIO;
	}
	cpu = cpu_stop(m, &wall);
	xclose(&c);
	if (r < 0)
		return r;
	out->gbytes_s = sent / wall / 1e9;
	out->cpu_s_per_gb = cpu / (sent / 1e9);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static json_t *runs_json(const double *v, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

/*
 * One comparison: the copying path with the interposer's 64 KiB bounce
 * buffer ("copy", what it did before), the copying path with a 1 MiB bounce
 * buffer ("copy1m": as few calls as the zero-copy path, one copy more) and
 * the zero-copy path ("zc"). Runs interleaved so that noise from the rest of
 * the machine hits all alike; medians, and each run's figure.
 */
static int large_compare(struct client *cl, const struct xpu_params *p, struct cpu_meter *m,
			 const char *name, const int src[3], const char sink[3], size_t msg, int file,
			 const struct large_bufs *b, json_t *out)
{
	static const char *const tag[3] = { "copy", "copy1m", "zc" };
	double g[3][16], c[3][16], med_g[3], med_c[3];
	unsigned n = p->large_runs < 16 ? p->large_runs : 16;
	json_t *o = json_object();
	char key[64];

	if (!n)
		n = 1;
	for (unsigned i = 0; i < n; i++) {
		for (int z = 0; z < 3; z++) {
			struct large_run lr;
			int r = large_once(cl, p, m, src[z], sink[z], msg, file, b, &lr);

			if (r < 0) {
				json_decref(o);
				return r;
			}
			g[z][i] = lr.gbytes_s;
			c[z][i] = lr.cpu_s_per_gb;
		}
	}
	json_object_set_new(o, "message_bytes", json_integer((json_int_t)msg));
	for (int z = 0; z < 3; z++) {
		snprintf(key, sizeof(key), "%s_gbytes_s_runs", tag[z]);
		json_object_set_new(o, key, runs_json(g[z], n));
		snprintf(key, sizeof(key), "%s_cpu_s_per_gb_runs", tag[z]);
		json_object_set_new(o, key, runs_json(c[z], n));
		med_g[z] = median(g[z], n);
		med_c[z] = median(c[z], n);
		snprintf(key, sizeof(key), "%s_gbytes_s", tag[z]);
		json_object_set_new(o, key, json_real(med_g[z]));
		snprintf(key, sizeof(key), "%s_cpu_s_per_gb", tag[z]);
		json_object_set_new(o, key, json_real(med_c[z]));
	}
	/* > 1: zero-copy is better (against the old path, and against copy1m). */
	json_object_set_new(o, "gbytes_s_ratio", json_real(med_g[0] > 0 ? med_g[2] / med_g[0] : NAN));
	json_object_set_new(o, "cpu_ratio", json_real(med_c[2] > 0 ? med_c[0] / med_c[2] : NAN));
	json_object_set_new(o, "gbytes_s_ratio_vs_copy1m",
			    json_real(med_g[1] > 0 ? med_g[2] / med_g[1] : NAN));
	json_object_set_new(o, "cpu_ratio_vs_copy1m", json_real(med_c[2] > 0 ? med_c[1] / med_c[2] : NAN));
	json_object_set_new(out, name, o);
	return 0;
}

static int phase_large(struct client *cl, const struct xpu_params *p, struct cpu_meter *m,
		       json_t *out)
{
	static const size_t sizes[] = { 1u << 20, 16u << 20 };
	int file = memfd_create("xpu-file", MFD_CLOEXEC), r = 0;
	struct large_bufs b = { .small = malloc(BOUNCE), .mem = malloc(LARGE_FILE) };
	json_t *large = json_object();

	if (posix_memalign((void **)&b.big, 4096, BOUNCE_BIG + 4096) != 0)
		b.big = NULL;
	if (file < 0 || !b.small || !b.big || !b.mem) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < LARGE_FILE; i++)
		b.mem[i] = (char)(i * 7 + (i >> 12));
	if (pwrite(file, b.mem, LARGE_FILE, 0) != (ssize_t)LARGE_FILE) {
		r = -EIO;
		goto out;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes) && r >= 0; i++) {
		char name[32];
		unsigned mib = (unsigned)(sizes[i] >> 20);

		/* Sender: file -> connection; the receiver reads into a buffer. */
		snprintf(name, sizeof(name), "sendfile_%um", mib);
		r = large_compare(cl, p, m, name, (const int[3]){ SRC_COPY, SRC_COPY_BIG, SRC_ZC },
				  (const char[3]){ SINK_DISCARD, SINK_DISCARD, SINK_DISCARD }, sizes[i],
				  file, &b, large);
		/* Receiver: connection -> file (what splice() to a file or pipe does). */
		if (r >= 0 && cl->have_win) {
			snprintf(name, sizeof(name), "recv_to_file_%um", mib);
			r = large_compare(cl, p, m, name, (const int[3]){ SRC_MEM, SRC_MEM, SRC_MEM },
					  (const char[3]){ SINK_FILE_COPY, SINK_FILE_COPY_BIG, SINK_FILE_ZC },
					  sizes[i], file, &b, large);
		}
	}
	if (r >= 0) {
		json_object_set(out, "large", large);
		json_t *v = json_object_get(json_object_get(large, "sendfile_16m"), "zc_gbytes_s");

		if (v)
			json_object_set(out, "large_sendfile_gbytes_s", v);
	}
out:
	json_decref(large);
	if (file >= 0)
		close(file);
	free(b.small);
	free(b.big);
	free(b.mem);
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
	if (!p->large_only) {
		PHASE("ping-pong", phase_rtt(&cl, p, &m, out));
		PHASE("stream", phase_stream(&cl, p, out));
		PHASE("connection setup", phase_connect(&cl, p, out));
		PHASE("oversubscribed", phase_oversub(&cl, p, &m, out));
		PHASE("idle", phase_idle(&cl, p, &m, out));
	}
	/* Large transfers: hetero-socket's copying vs zero-copy paths, and the
	 * kernel path's pread+send vs sendfile() for reference. */
	if (p->large_runs && (mode == XPU_HETERO_SOCKET || mode == XPU_KERNEL_PATH))
		PHASE("large transfers", phase_large(&cl, p, &m, out));
#undef PHASE
	if (failed)
		json_object_set_new(out, "error", json_sprintf("%s phase failed", failed));
	if (cl.have_win)
		hn_win_unmap(&cl.win);
	return out;
}

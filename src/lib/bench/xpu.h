/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cross-PU benchmark's workloads (`heteropod bench xpu`): one server per
 * transport mode, and the client phases that measure them side by side.
 *
 * Modes:
 *   kernel-path    TCP through hetero-netns over the PU link
 *   loopback       TCP loopback inside one PU (what co-location gives)
 *   hetero-socket  the same TCP connections upgraded to window channels,
 *                  elastic spin-then-sleep waiting, doorbells over TCP
 *   kernel-bypass  the same channels, each connection served by dedicated
 *                  busy-polling threads that never sleep (DPDK/F-Stack style)
 */
#ifndef HP_BENCH_XPU_H
#define HP_BENCH_XPU_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum xpu_mode { XPU_KERNEL_PATH, XPU_LOOPBACK, XPU_HETERO_SOCKET, XPU_KERNEL_BYPASS, XPU_NMODES };

const char *xpu_mode_name(enum xpu_mode m);
static inline bool xpu_mode_uses_window(enum xpu_mode m)
{
	return m == XPU_HETERO_SOCKET || m == XPU_KERNEL_BYPASS;
}

struct xpu_params {
	unsigned rtt_iters;        /* ping-pong round trips whose latency is recorded */
	double cpu_seconds;        /* ping-pong keeps going this long for the CPU figure */
	double stream_seconds;
	unsigned connects;         /* connection setups measured */
	unsigned oversub_conns;    /* connections in the oversubscribed scenario */
	unsigned oversub_rate;     /* requests/s per connection */
	double oversub_seconds;
	unsigned idle_conns;
	double idle_seconds;
	unsigned large_runs;       /* large transfers: runs of each path (0: skip the phase) */
	double large_seconds;      /* length of one run */
	bool large_only;           /* only the large-transfer phase */
};

/* Serve one mode on port (all addresses) until killed; window for channel modes. */
int xpu_serve(enum xpu_mode mode, uint16_t port, const char *window, unsigned side);

/*
 * Client: run every phase against a server at 127.0.0.1:port. cpu_groups
 * are cgroup directories whose CPU time is summed over each phase (the PU
 * partitions). Returns a JSON object of the mode's figures.
 */
json_t *xpu_measure(enum xpu_mode mode, uint16_t port, const char *window, unsigned side,
		    const struct xpu_params *p, uint64_t (*cpu_ns)(void *), void *cpu_data);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hp-window: asks this pod half's agent for the pod's window, as the
 * hetero-socket interposer will (HETERONET_AGENT, HETERONET_POD set by
 * `heteropod exec`), and uses it.
 *
 *   hp-window info             print "window side=S size=N"
 *   hp-window ask POD          ask for another pod's window (should be refused)
 *   hp-window open             open a channel, print "slot=N nonce=X", send
 *                              "hello across the window", wait for the answer
 *   hp-window accept SLOT NONCE  attach, print what arrived, answer "ack"
 */
#include "agent/proto.h"
#include "socket/chan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int get_window(const char *pod, struct hn_win *w, unsigned *side)
{
	const char *sock = getenv("HETERONET_AGENT");
	json_t *req, *resp = NULL;
	int fd = -1, r;

	if (!sock || !pod) {
		printf("error: no HETERONET_AGENT/HETERONET_POD (no window, or --no-accel)\n");
		return -1;
	}
	req = json_pack("{s:s, s:s}", "op", "window-fd", "pod", pod);
	r = hp_ctl_call_fd(sock, req, &resp, &fd, 5000);
	json_decref(req);
	if (r < 0 || !json_is_true(json_object_get(resp, "ok")) || fd < 0) {
		printf("error: %s\n", resp ? json_string_value(json_object_get(resp, "error")) : strerror(-r));
		json_decref(resp);
		return -1;
	}
	*side = (unsigned)json_integer_value(json_object_get(resp, "side"));
	json_decref(resp);
	r = hn_win_map_fd(fd, *side, w);
	close(fd);
	if (r < 0) {
		printf("error: map: %s\n", strerror(-r));
		return -1;
	}
	return 0;
}

/* Read until something arrives (the peer may not have written yet). */
static ssize_t read_wait(struct hn_end *e, char *buf, size_t len)
{
	for (int i = 0; i < 5000; i++) {
		ssize_t n = hn_chan_read(e, buf, len - 1, false);

		if (n != -EAGAIN)
			return n;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	return -ETIMEDOUT;
}

int main(int argc, char **argv)
{
	const char *pod = getenv("HETERONET_POD");
	struct hn_win w;
	struct hn_end e;
	unsigned side;
	char buf[128];
	ssize_t n;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "ask") && argc == 3)
		pod = argv[2];
	if (get_window(pod, &w, &side) < 0)
		return 1;
	if (!strcmp(argv[1], "info") || !strcmp(argv[1], "ask")) {
		printf("window side=%u size=%llu\n", side, (unsigned long long)w.size);
		return 0;
	}
	if (!strcmp(argv[1], "open")) {
		uint64_t nonce;
		int slot = hn_chan_open(&w, &e, &nonce);

		if (slot < 0)
			return 1;
		printf("slot=%d nonce=%llu\n", slot, (unsigned long long)nonce);
		fflush(stdout);
		hn_chan_write(&e, "hello across the window", 23);
		n = read_wait(&e, buf, sizeof(buf));
		if (n <= 0)
			return 1;
		buf[n] = '\0';
		printf("answer: %s\n", buf);
		hn_chan_close(&e);
		return 0;
	}
	if (!strcmp(argv[1], "accept") && argc == 4) {
		if (hn_chan_accept(&w, (uint32_t)atoi(argv[2]), strtoull(argv[3], NULL, 10), &e) < 0) {
			printf("error: accept refused\n");
			return 1;
		}
		n = read_wait(&e, buf, sizeof(buf));
		if (n <= 0)
			return 1;
		buf[n] = '\0';
		printf("received: %s\n", buf);
		hn_chan_write(&e, "ack", 3);
		/* Stay until the opener has read the answer. */
		for (int i = 0; i < 2000 && hn_chan_readable(&e) == 0 &&
				!(atomic_load(&e.tx->cflags) & HN_CLOSED_RD); i++)
			nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
		hn_chan_close(&e);
		return 0;
	}
	return 2;
}

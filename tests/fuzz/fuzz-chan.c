/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: a hostile peer's view of a hetero-socket channel. The
 * input becomes everything the other PU can write — its direction's
 * indices, buffer descriptor and flags, its close flags — interleaved with
 * our reads, writes and sweeps. Nothing may read or write out of bounds
 * (ASan), and the pages we own must come back.
 */
// FUZZ-SOURCES: socket/hwin.c socket/chan.c util/util.c
#include "socket/chan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static struct hn_win me, peer;

static void setup(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/shm/hn-fuzz-%d", getpid());
	unlink(path);
	if (hn_win_create(path, 4 << 20) < 0 || hn_win_map(path, 0, &me) < 0 ||
	    hn_win_map(path, 1, &peer) < 0)
		abort();
	unlink(path); /* the mappings keep it alive */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hn_end a, b;
	uint64_t nonce;
	char buf[512];
	size_t off = 0;
	int slot;

	if (!me.base)
		setup();
	slot = hn_chan_open(&me, &a, &nonce);
	if (slot < 0 || hn_chan_accept(&peer, (uint32_t)slot, nonce, &b) < 0)
		abort();
	while (off + 5 <= size) {
		uint8_t op = data[off];
		uint32_t v;

		memcpy(&v, data + off + 1, 4);
		off += 5;
		struct iovec sp[2];
		ssize_t n;

		switch (op % 10) {
		case 0: atomic_store(&b.tx->prod, v); break;       /* peer's producer index */
		case 1: atomic_store(&b.tx->buf, v); break;        /* peer's buffer descriptor */
		case 2: atomic_store(&b.tx->pflags, v); break;
		case 3: atomic_store(&a.tx->cons, v); break;       /* peer's consumer index */
		case 4: atomic_store(&a.tx->cflags, v); break;
		case 5: (void)hn_chan_read(&a, buf, v % sizeof(buf), v & 1); break;
		case 6: (void)hn_chan_write(&a, data, (v % 64) < size ? v % 64 : size); break;
		case 7: (void)hn_chan_write(&b, data, (v % 300) < size ? v % 300 : size); break;
		case 8: /* zero-copy read: touch every byte of the view, consume a part */
			n = hn_chan_read_view(&a, v % 5000 + 1, sp);
			if (n > 0) {
				size_t k0 = sp[0].iov_len < sizeof(buf) ? sp[0].iov_len : sizeof(buf);
				size_t k1 = sp[1].iov_len < sizeof(buf) ? sp[1].iov_len : sizeof(buf);

				memcpy(buf, sp[0].iov_base, k0);
				memcpy(buf, sp[1].iov_base, k1);
				memcpy(buf, (char *)sp[0].iov_base + sp[0].iov_len - k0, k0);
				memcpy(buf, (char *)sp[1].iov_base + sp[1].iov_len - k1, k1);
				hn_chan_read_consume(&a, (size_t)n - (v >> 16) % ((size_t)n + 1));
			}
			break;
		case 9: /* zero-copy write: fill the ends of the spans, commit a part */
			n = hn_chan_write_reserve(&a, v % 5000 + 1, sp);
			if (n > 0) {
				memset(sp[0].iov_base, 0xa5, sp[0].iov_len);
				memset(sp[1].iov_base, 0x5a, sp[1].iov_len);
				hn_chan_write_commit(&a, (size_t)n - (v >> 16) % ((size_t)n + 1));
			}
			break;
		}
		(void)hn_chan_readable(&a);
		(void)hn_chan_rx_ready(&a);
		(void)hn_chan_writable(&a);
	}
	hn_chan_close(&a);
	hn_chan_close(&b);
	while (hn_win_sweep(&me) + hn_win_sweep(&peer))
		;
	return 0;
}

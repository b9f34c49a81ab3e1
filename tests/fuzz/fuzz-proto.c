/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: bytes a peer agent sends over the PU link, fed through
 * the line framing and the JSON parser in arbitrary chunks.
 * FUZZ-SOURCES: agent/proto.c util/util.c
 * FUZZ-LIBS: -ljansson
 */
#include "agent/proto.h"

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_conn c;
	json_t *msg;
	int sv[2];
	size_t off = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 0;
	hp_conn_init(&c, sv[1]);
	/* The first byte picks a chunk size, so partial lines get exercised. */
	size_t chunk = size ? (data[0] % 64) + 1 : 1;

	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		int r;

		if (write(sv[0], data + off, n) != (ssize_t)n)
			break;
		off += n;
		if (hp_conn_fill(&c) <= 0)
			break;
		while ((r = hp_conn_next(&c, &msg)) > 0) {
			/* What the agent reads of a message. */
			(void)json_string_value(json_object_get(msg, "op"));
			(void)json_integer_value(json_object_get(msg, "seq"));
			json_decref(msg);
		}
		if (r < 0)
			break;
	}
	close(sv[0]);
	hp_conn_close(&c);
	return 0;
}

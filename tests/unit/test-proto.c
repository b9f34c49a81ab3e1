/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent/proto.h"
#include "check.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

static void test_parse_line(void)
{
	json_t *j = NULL;

	const char *line = "{\"op\":\"port\",\"port\":80}";

	CHECK(hp_proto_parse_line(line, strlen(line), &j) == 1);
	CHECK(json_integer_value(json_object_get(j, "port")) == 80);
	json_decref(j);
	CHECK(hp_proto_parse_line("[1,2]", 5, &j) == -EBADMSG);    /* not an object */
	CHECK(hp_proto_parse_line("{\"a\":", 5, &j) == -EBADMSG);  /* truncated */
	CHECK(hp_proto_parse_line("{\"a\":1,\"a\":2}", 13, &j) == -EBADMSG); /* duplicate key */
	CHECK(hp_proto_parse_line("", 0, &j) == -EBADMSG);
}

static void test_framing(void)
{
	struct hp_conn rx, tx;
	json_t *m, *got = NULL;
	int sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	hp_conn_init(&tx, sv[0]);
	hp_conn_init(&rx, sv[1]);
	/* Two messages and a partial third in one go. */
	m = json_pack("{s:s, s:i}", "op", "hello", "seq", 1);
	CHECK(hp_conn_send(&tx, m) == 0);
	CHECK(hp_conn_send(&tx, m) == 0);
	json_decref(m);
	CHECK(write(sv[0], "{\"op\":\"par", 10) == 10);
	CHECK(hp_conn_fill(&rx) > 0);
	CHECK(hp_conn_next(&rx, &got) == 1);
	CHECK_STR(json_string_value(json_object_get(got, "op")), "hello");
	json_decref(got);
	CHECK(hp_conn_next(&rx, &got) == 1);
	json_decref(got);
	CHECK(hp_conn_next(&rx, &got) == 0); /* the partial one waits */
	CHECK(write(sv[0], "tial\"}\ngarbage\n", 15) == 15);
	CHECK(hp_conn_fill(&rx) > 0);
	CHECK(hp_conn_next(&rx, &got) == 1);
	CHECK_STR(json_string_value(json_object_get(got, "op")), "partial");
	json_decref(got);
	CHECK(hp_conn_next(&rx, &got) == -EBADMSG);
	hp_conn_close(&tx);
	CHECK(hp_conn_fill(&rx) == 0); /* EOF */
	hp_conn_close(&rx);
}

/* A peer that never sends a newline cannot make us buffer without bound. */
static void test_oversized(void)
{
	struct hp_conn rx;
	char chunk[8192];
	json_t *got = NULL;
	int sv[2], r = 0;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	hp_conn_init(&rx, sv[1]);
	memset(chunk, 'x', sizeof(chunk));
	for (int i = 0; i < 2 * HP_PROTO_MAX_LINE / (int)sizeof(chunk) + 8 && r >= 0; i++) {
		if (write(sv[0], chunk, sizeof(chunk)) < 0)
			break;
		r = hp_conn_fill(&rx);
		if (r >= 0 && hp_conn_next(&rx, &got) == -EBADMSG) {
			r = -EBADMSG;
			break;
		}
	}
	CHECK(r == -EBADMSG || r == -EMSGSIZE);
	CHECK(rx.cap <= 2 * HP_PROTO_MAX_LINE + 8192);
	close(sv[0]);
	hp_conn_close(&rx);
}

int main(void)
{
	test_parse_line();
	test_framing();
	test_oversized();
	return check_done("test-proto");
}

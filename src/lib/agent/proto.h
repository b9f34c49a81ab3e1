/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Framing of the agent protocol: one JSON object per line, over the PU link
 * (TCP, agent to agent) and over each agent's control socket (Unix, CLI to
 * agent). See docs/agent-protocol.md for the messages.
 *
 * A peer is another trust domain: lines are bounded (HP_PROTO_MAX_LINE)
 * and anything that is not a JSON object ends the connection.
 */
#ifndef HP_PROTO_H
#define HP_PROTO_H

#include <jansson.h>
#include <stddef.h>

#define HP_PROTO_MAX_LINE (1024 * 1024) /* an OCI spec rides in ctr-create */

struct hp_conn {
	int fd;
	char *buf;
	size_t len, cap;
	int passed_fd; /* a descriptor that came with the data (SCM_RIGHTS), or -1 */
};

void hp_conn_init(struct hp_conn *c, int fd);
void hp_conn_close(struct hp_conn *c);
/* Send one message (blocking until written). */
int hp_conn_send(struct hp_conn *c, json_t *msg);
/* The same, with a file descriptor attached (Unix sockets only). */
int hp_conn_send_fd(struct hp_conn *c, json_t *msg, int fd);
/* Read what is available: > 0 bytes, 0 on EOF, -EAGAIN, or -errno. */
int hp_conn_fill(struct hp_conn *c);
/*
 * Take the next complete message out of the buffer: 1 and *ret (caller
 * decrefs), 0 if no complete line yet, -EBADMSG on a bad or oversized line.
 */
int hp_conn_next(struct hp_conn *c, json_t **ret);
/* Parse one line (exposed for tests and fuzzing). */
int hp_proto_parse_line(const char *line, size_t len, json_t **ret);

/* Blocking request/response to an agent's control socket, with a timeout. */
/* Connect to an agent's control socket: the fd, or -errno. */
int hp_ctl_connect(const char *sock_path);
/* Wait up to timeout_ms for the next message on c. */
int hp_conn_recv(struct hp_conn *c, json_t **ret, int timeout_ms);
int hp_ctl_call(const char *sock_path, json_t *req, json_t **ret_resp, int timeout_ms);
/* The same, also taking a descriptor the agent passes with its answer (-1 if none). */
int hp_ctl_call_fd(const char *sock_path, json_t *req, json_t **ret_resp, int *ret_fd,
		   int timeout_ms);

#endif

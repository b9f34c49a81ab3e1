/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Types shared by the hetero-netns eBPF programs (hnetns.bpf.c) and their
 * loader (bpf-hnetns.c). Fixed-width only: this header is compiled both for
 * the BPF target and for user space.
 */
#ifndef HP_HNETNS_H
#define HP_HNETNS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* A port of one pod half: (pod, protocol, port in host byte order). */
struct hnetns_port_key {
	__u32 pod;
	__u16 port;
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};

/* Ring buffer record: a port of this half became bound or free. */
struct hnetns_event {
	__u32 pod;
	__u16 port;
	__u8 proto;
	__u8 bound; /* 1 = first socket bound it, 0 = last one released it */
};

/*
 * TCP experimental option (RFC 6994) that the pod's two halves put in
 * their SYNs and SYN-ACKs to each other (see docs/hetero-netns.md):
 *
 *   kind 254, length 11, ExID 0x4850 ("HP"), IPv4 address, port, flags
 *
 * Multi-byte fields are in network byte order.
 *  - SYN: address and port are the connecting socket's own destination
 *    (what connect() asked for, before any NAT: SO_ORIGINAL_DST for the
 *    other half); flags has HNETNS_TCPOPT_F_SOCKET if that socket runs
 *    hetero-socket.
 *  - SYN-ACK: sent only by a hetero-socket listener answering a SYN that
 *    had HNETNS_TCPOPT_F_SOCKET; address and port are zero, flags has
 *    HNETNS_TCPOPT_F_SOCKET.
 * Readers accept length 10 (the option before it had flags: flags = 0) and
 * ignore flag bits they do not know; writers leave those bits zero.
 */
#define HNETNS_TCPOPT_KIND 254
#define HNETNS_TCPOPT_EXID 0x4850
#define HNETNS_TCPOPT_LEN_NOFLAGS 10
#define HNETNS_TCPOPT_F_SOCKET 0x01

struct hnetns_tcpopt {
	__u8 kind;
	__u8 len;
	__u16 exid;
	__u32 addr;
	__u16 port;
	__u8 flags;
} __attribute__((packed));

/*
 * Private SOL_TCP socket options, answered by the cgroup/setsockopt and
 * cgroup/getsockopt programs of a pod half; the kernel never sees them
 * (outside a pod half it answers ENOPROTOOPT: read that as "not capable").
 *
 *  HNETNS_SO_CAPABLE       set, int: this socket runs hetero-socket. Only
 *                          before connect() or listen() (EINVAL after):
 *                          the SYN or the SYN-ACK has to say it. A
 *                          listener's accepted sockets inherit it.
 *                          get, int: the value set.
 *  HNETNS_SO_PEER_CAPABLE  get, int: 1 if this socket and its peer both
 *                          run hetero-socket, else 0. Known once the
 *                          connection is established; both ends of a
 *                          connection reach the same answer (the one
 *                          exception is in docs/hetero-netns.md).
 */
#define HNETNS_SO_CAPABLE 0x4850
#define HNETNS_SO_PEER_CAPABLE 0x4851

#endif

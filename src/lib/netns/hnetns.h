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
 * TCP experimental option (RFC 6994) that carries a connection's original
 * destination across the PU link in the SYN:
 *   kind 254, length 10, ExID 0x4850 ("HP"), IPv4 address, port
 * (all network byte order). See docs/hetero-netns.md.
 */
#define HNETNS_TCPOPT_KIND 254
#define HNETNS_TCPOPT_EXID 0x4850

#endif

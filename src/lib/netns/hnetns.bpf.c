// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hetero-netns kernel part: cgroup hooks attached to each pod half's
 * cgroup v2 group, so every process of the half — static binaries
 * included — sees one pod port space and Istio-style interception across
 * the halves.
 *
 *  bind4/bind6    refuse (EADDRINUSE) a port the other half holds; that set
 *                 (remote_ports) is written by this PU's agent from what the
 *                 peer agent reports over the PU link.
 *  post_bind4/6   report the first bind of a port (ring buffer) so the agent
 *                 can tell the peer; sock_release reports the last release.
 *  sockops        put the socket's own destination (what connect() asked
 *                 for, before any NAT) into the SYN as a TCP option, and on
 *                 the passive side keep it in socket storage. The same
 *                 option's flags negotiate hetero-socket: SYN says "the
 *                 client runs it", a listener that runs it too says so in
 *                 its SYN-ACK.
 *  setsockopt     take HNETNS_SO_CAPABLE (a process marks a socket as
 *                 running hetero-socket) without the kernel seeing it.
 *  getsockopt     answer SO_ORIGINAL_DST from that storage, so a proxy on
 *                 one half sees where an application on the other half was
 *                 going even though the NAT happened in the other kernel;
 *                 and HNETNS_SO_PEER_CAPABLE from the negotiation.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "hnetns.h"

#define AF_INET 2
#define AF_INET6 10
#define SOL_IP 0
#define SOL_TCP 6
#define TCP_SAVE_SYN 27
#define SO_ORIGINAL_DST 80
#define EINVAL 22
#define ENOMEM 12
#define EADDRINUSE 98
#define IPPROTO_TCP 6
#define ENOMSG 42
#define TCPOPT_FASTOPEN 34
#define TCPOPT_FASTOPEN_EXID 0xF989
#define TCPHDR_SYN 0x02
#define TCPHDR_ACK 0x10

/* Depth of pod-half groups in the v2 hierarchy (heteropod.<node>/<pu>/pod.<name>). */
const volatile __u32 pod_cgroup_level = 3;

/* cgroup id of a pod half -> pod id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} pods SEC(".maps");

/* Ports bound in this PU's halves: reference count of explicit binds. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct hnetns_port_key);
	__type(value, __u32);
} local_ports SEC(".maps");

/* Ports the other half of each pod holds (written by the agent). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct hnetns_port_key);
	__type(value, __u8);
} remote_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* On sockets that made an explicit bind: which key they counted. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct hnetns_port_key);
} bound_sk SEC(".maps");

struct origdst {
	__u32 addr; /* network order */
	__u16 port; /* network order */
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct origdst);
} origdst_sk SEC(".maps");

/*
 * hetero-socket negotiation state of a socket. BPF_F_CLONE copies a
 * listener's value into each socket it accepts (at sk_clone time, before
 * PASSIVE_ESTABLISHED_CB), so accepted sockets start out "self" like their
 * listener and learn "peer" from the SYN.
 */
struct caps {
	__u8 self; /* HNETNS_SO_CAPABLE was set (before connect/listen) */
	__u8 peer; /* the other end said so: in the SYN-ACK, or in the SYN */
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct caps);
} caps_sk SEC(".maps");

static __always_inline int current_pod(__u32 *pod)
{
	__u64 cg = bpf_get_current_ancestor_cgroup_id(pod_cgroup_level);
	__u32 *p = bpf_map_lookup_elem(&pods, &cg);

	if (!p)
		return -1;
	*pod = *p;
	return 0;
}

static __always_inline void emit(const struct hnetns_port_key *k, __u8 bound)
{
	struct hnetns_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return; /* the agent's periodic resync catches up */
	e->pod = k->pod;
	e->port = k->port;
	e->proto = k->proto;
	e->bound = bound;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int check_bind(struct bpf_sock_addr *ctx)
{
	struct hnetns_port_key k = {};
	__u16 port = bpf_ntohs((__u16)ctx->user_port);

	if (port == 0 || current_pod(&k.pod) < 0)
		return 1;
	k.port = port;
	k.proto = ctx->protocol;
	if (bpf_map_lookup_elem(&remote_ports, &k)) {
		bpf_set_retval(-EADDRINUSE);
		return 0;
	}
	return 1;
}

SEC("cgroup/bind4")
int hnetns_bind4(struct bpf_sock_addr *ctx)
{
	return check_bind(ctx);
}

SEC("cgroup/bind6")
int hnetns_bind6(struct bpf_sock_addr *ctx)
{
	return check_bind(ctx);
}

static __always_inline int note_bind(struct bpf_sock *sk)
{
	struct hnetns_port_key k = {}, *stored;
	__u32 one = 1, *cnt;

	if (sk->src_port == 0 || current_pod(&k.pod) < 0)
		return 1;
	k.port = sk->src_port; /* host order in struct bpf_sock */
	k.proto = sk->protocol;
	stored = bpf_sk_storage_get(&bound_sk, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!stored || stored->port)
		return 1; /* can't track it, or already counted */
	*stored = k;
	cnt = bpf_map_lookup_elem(&local_ports, &k);
	if (cnt) {
		__sync_fetch_and_add(cnt, 1);
		return 1;
	}
	if (bpf_map_update_elem(&local_ports, &k, &one, BPF_NOEXIST) == 0) {
		emit(&k, 1);
	} else {
		cnt = bpf_map_lookup_elem(&local_ports, &k);
		if (cnt)
			__sync_fetch_and_add(cnt, 1);
	}
	return 1;
}

SEC("cgroup/post_bind4")
int hnetns_post_bind4(struct bpf_sock *sk)
{
	return note_bind(sk);
}

SEC("cgroup/post_bind6")
int hnetns_post_bind6(struct bpf_sock *sk)
{
	return note_bind(sk);
}

SEC("cgroup/sock_release")
int hnetns_sock_release(struct bpf_sock *sk)
{
	struct hnetns_port_key *stored, k;
	__u32 *cnt;

	stored = bpf_sk_storage_get(&bound_sk, sk, 0, 0);
	if (!stored || !stored->port)
		return 1;
	k = *stored;
	cnt = bpf_map_lookup_elem(&local_ports, &k);
	if (cnt && __sync_fetch_and_add(cnt, -1) == 1) {
		bpf_map_delete_elem(&local_ports, &k);
		emit(&k, 0);
	}
	return 1;
}

static __always_inline void set_cb_flags(struct bpf_sock_ops *skops, __u32 add, __u32 clear)
{
	bpf_sock_ops_cb_flags_set(skops, (skops->bpf_sock_ops_cb_flags | add) & ~clear);
}

static __always_inline bool sk_capable(struct bpf_sock *sk)
{
	struct caps *c;

	if (!sk)
		return false;
	c = bpf_sk_storage_get(&caps_sk, sk, 0, 0);
	return c && c->self;
}

/*
 * Our option from the segment the callback is about (flags 0), or from the
 * SYN that the SYN-ACK or the new connection answers
 * (BPF_LOAD_HDR_OPT_TCP_SYN). Returns 0 and fills *opt (flags = 0 for the
 * older 10-byte form), or -1.
 */
static __always_inline int load_opt(struct bpf_sock_ops *skops, struct hnetns_tcpopt *opt,
				    __u64 flags)
{
	long n;

	__builtin_memset(opt, 0, sizeof(*opt));
	opt->kind = HNETNS_TCPOPT_KIND;
	opt->len = 4; /* search key: kind, length 4 = 2-byte ExID */
	opt->exid = bpf_htons(HNETNS_TCPOPT_EXID);
	n = bpf_load_hdr_opt(skops, opt, sizeof(*opt), flags);
	if (n < HNETNS_TCPOPT_LEN_NOFLAGS || opt->len != n)
		return -1;
	return 0;
}

/*
 * A SYN that asks for or brings a Fast Open cookie gets a SYN-ACK with the
 * cookie in it (up to 18 bytes), which leaves no room for our option: the
 * server would decide 1 on the SYN and the client 0 on the SYN-ACK. Such
 * connections negotiate nothing, on both ends.
 */
static __always_inline bool syn_has_fastopen(struct bpf_sock_ops *skops)
{
	__u8 buf[20] = { TCPOPT_FASTOPEN }; /* search by kind: length 0 */

	if (bpf_load_hdr_opt(skops, buf, sizeof(buf), BPF_LOAD_HDR_OPT_TCP_SYN) != -ENOMSG)
		return true;
	__builtin_memset(buf, 0, sizeof(buf));
	buf[0] = HNETNS_TCPOPT_KIND; /* the RFC 7413 experimental form */
	buf[1] = 4;
	buf[2] = TCPOPT_FASTOPEN_EXID >> 8;
	buf[3] = TCPOPT_FASTOPEN_EXID & 0xff;
	return bpf_load_hdr_opt(skops, buf, sizeof(buf), BPF_LOAD_HDR_OPT_TCP_SYN) != -ENOMSG;
}

/* The SYN says the client runs hetero-socket, and the SYN-ACK has room to answer. */
static __always_inline bool syn_negotiates(struct bpf_sock_ops *skops,
					   const struct hnetns_tcpopt *syn)
{
	return (syn->flags & HNETNS_TCPOPT_F_SOCKET) && !syn_has_fastopen(skops);
}

/*
 * Does this SYN-ACK tell the client "the listener runs hetero-socket"?
 * The callbacks run for SYN-ACKs only on listeners that run it (the cb flag
 * is set on those alone, in TCP_LISTEN_CB) and then only for request
 * sockets (skops->sk is NULL; a full socket sending a SYN-ACK is a
 * simultaneous open, which negotiates nothing). The listener answers only a
 * SYN that said the client runs it: then "the SYN-ACK carries the flag"
 * implies "both ends are capable", and the client can decide on the SYN-ACK
 * alone, exactly as the server decides on the SYN. Not under SYN cookies:
 * the server keeps no SYN then, so it would decide 0 — the client must too.
 */
static __always_inline bool synack_advertises(struct bpf_sock_ops *skops)
{
	struct hnetns_tcpopt syn;

	if (skops->sk || skops->args[0] == BPF_WRITE_HDR_TCP_SYNACK_COOKIE)
		return false;
	return load_opt(skops, &syn, BPF_LOAD_HDR_OPT_TCP_SYN) == 0 && syn_negotiates(skops, &syn);
}

static __always_inline void write_opt(struct bpf_sock_ops *skops, __u8 tcp_flags)
{
	struct hnetns_tcpopt opt = {
		.kind = HNETNS_TCPOPT_KIND,
		.len = sizeof(opt),
		.exid = bpf_htons(HNETNS_TCPOPT_EXID),
	};

	if (tcp_flags == TCPHDR_SYN) {
		/* The socket's own destination: NAT rewrites packets, not sockets. */
		opt.addr = skops->remote_ip4;
		/* remote_port holds the network-order port in its upper 16 bits. */
		opt.port = bpf_htons((__u16)bpf_ntohl(skops->remote_port));
		if (sk_capable(skops->sk))
			opt.flags = HNETNS_TCPOPT_F_SOCKET;
	} else if (tcp_flags == (TCPHDR_SYN | TCPHDR_ACK) && synack_advertises(skops)) {
		opt.flags = HNETNS_TCPOPT_F_SOCKET;
	} else {
		return;
	}
	bpf_store_hdr_opt(skops, &opt, sizeof(opt), 0);
}

SEC("sockops")
int hnetns_sockops(struct bpf_sock_ops *skops)
{
	__u8 tcp_flags = skops->skb_tcp_flags & (TCPHDR_SYN | TCPHDR_ACK);
	struct hnetns_tcpopt opt;
	struct bpf_sock *sk;
	struct caps *c;
	int one = 1;

	if (skops->family != AF_INET)
		return 1;

	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		/* Called before the SYN is built: ask for the option callbacks. */
		set_cb_flags(skops, BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG, 0);
		break;
	case BPF_SOCK_OPS_HDR_OPT_LEN_CB:
		/* Must agree with write_opt(), which fills what is reserved here. */
		if (tcp_flags == TCPHDR_SYN ||
		    (tcp_flags == (TCPHDR_SYN | TCPHDR_ACK) && synack_advertises(skops)))
			bpf_reserve_hdr_opt(skops, sizeof(opt), 0);
		break;
	case BPF_SOCK_OPS_WRITE_HDR_OPT_CB:
		write_opt(skops, tcp_flags);
		break;
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		/* The SYN is done: stop running on every segment. */
		set_cb_flags(skops, 0, BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
		/*
		 * The segment here is the SYN-ACK. Only the other half can have
		 * put the option in it: the DPU half strips option 254 from
		 * every SYN and SYN-ACK that enters from the wire.
		 */
		sk = skops->sk;
		if (!sk)
			break;
		c = bpf_sk_storage_get(&caps_sk, sk, 0, 0);
		if (c && c->self && load_opt(skops, &opt, 0) == 0 &&
		    (opt.flags & HNETNS_TCPOPT_F_SOCKET))
			c->peer = 1;
		break;
	case BPF_SOCK_OPS_TCP_LISTEN_CB:
		/* Keep each SYN so PASSIVE_ESTABLISHED can read the option from it. */
		bpf_setsockopt(skops, SOL_TCP, TCP_SAVE_SYN, &one, sizeof(one));
		/* A hetero-socket listener answers in its SYN-ACKs. */
		if (sk_capable(skops->sk))
			set_cb_flags(skops, BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG, 0);
		break;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB: {
		struct origdst *v;

		sk = skops->sk;
		if (!sk)
			break;
		/* Inherited from a capable listener; the SYN-ACK is done. */
		set_cb_flags(skops, 0, BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
		/*
		 * Only the other half of the pod can put the option here: the
		 * DPU half strips it from every SYN that enters from the wire
		 * (TCPOPTSTRIP in its mangle table), and the host half is
		 * reachable only through the DPU half.
		 */
		if (load_opt(skops, &opt, BPF_LOAD_HDR_OPT_TCP_SYN) < 0)
			break;
		v = bpf_sk_storage_get(&origdst_sk, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (v) {
			v->addr = opt.addr;
			v->port = opt.port;
		}
		/* Same SYN that synack_advertises() answered: same decision. */
		c = bpf_sk_storage_get(&caps_sk, sk, 0, 0);
		if (c && c->self && syn_negotiates(skops, &opt))
			c->peer = 1;
		break;
	}
	}
	return 1;
}

SEC("cgroup/setsockopt")
int hnetns_setsockopt(struct bpf_sockopt *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	int *val = ctx->optval;
	struct caps *c;

	if (ctx->level != SOL_TCP || ctx->optname != HNETNS_SO_CAPABLE || !sk ||
	    sk->protocol != IPPROTO_TCP)
		return 1;
	/*
	 * Only before connect() or listen(): the SYN (or the listener's
	 * SYN-ACKs) must already say it, or the two ends would disagree.
	 */
	if ((void *)(val + 1) > ctx->optval_end || ctx->optlen < (int)sizeof(*val) ||
	    sk->state != BPF_TCP_CLOSE) {
		bpf_set_retval(-EINVAL);
		return 0;
	}
	c = bpf_sk_storage_get(&caps_sk, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!c) {
		bpf_set_retval(-ENOMEM);
		return 0;
	}
	c->self = *val != 0;
	/* Consumed here: the kernel would answer ENOPROTOOPT. */
	ctx->optlen = -1;
	return 1;
}

static __always_inline int answer_origdst(struct bpf_sockopt *ctx, struct bpf_sock *sk)
{
	struct sockaddr_in *sin = ctx->optval;
	struct origdst *v;

	v = bpf_sk_storage_get(&origdst_sk, sk, 0, 0);
	if (!v)
		return 1; /* keep the kernel's (conntrack) answer */
	if ((void *)(sin + 1) > ctx->optval_end)
		return 1;
	sin->sin_family = AF_INET;
	sin->sin_port = v->port;
	sin->sin_addr.s_addr = v->addr;
	__builtin_memset(sin->__pad, 0, sizeof(sin->__pad));
	ctx->optlen = sizeof(*sin);
	ctx->retval = 0;
	return 1;
}

/* The kernel said ENOPROTOOPT; no storage means "not capable", not an error. */
static __always_inline int answer_caps(struct bpf_sockopt *ctx, struct bpf_sock *sk)
{
	struct caps *c = bpf_sk_storage_get(&caps_sk, sk, 0, 0);
	int *out = ctx->optval;

	if ((void *)(out + 1) > ctx->optval_end) {
		ctx->retval = -EINVAL;
		return 1;
	}
	if (ctx->optname == HNETNS_SO_CAPABLE)
		*out = c && c->self;
	else
		*out = c && c->self && c->peer;
	ctx->optlen = sizeof(*out);
	ctx->retval = 0;
	return 1;
}

SEC("cgroup/getsockopt")
int hnetns_getsockopt(struct bpf_sockopt *ctx)
{
	struct bpf_sock *sk = ctx->sk;

	if (!sk)
		return 1;
	if (ctx->level == SOL_IP && ctx->optname == SO_ORIGINAL_DST)
		return answer_origdst(ctx, sk);
	if (ctx->level == SOL_TCP && sk->protocol == IPPROTO_TCP &&
	    (ctx->optname == HNETNS_SO_CAPABLE || ctx->optname == HNETNS_SO_PEER_CAPABLE))
		return answer_caps(ctx, sk);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";

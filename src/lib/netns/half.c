/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netns/half.h"
#include "netns/addr.h"
#include "node/ns.h"
#include "util/run.h"
#include "util/util.h"

#include <netinet/in.h>

void hp_half_netns(const struct hp_node *n, const char *pod, unsigned pu_index, char *buf,
		   size_t len)
{
	hp_pod_netns_name(n->cfg.name, pod, hp_node_pu_name(&n->cfg, pu_index), buf, len);
}

void hp_half_uts(const struct hp_node *n, const char *pod, unsigned pu_index, char *buf,
		 size_t len)
{
	snprintf(buf, len, "%s/uts/%s.%s", n->state_dir, pod, hp_node_pu_name(&n->cfg, pu_index));
}

void hp_half_group(const char *pod, char *buf, size_t len)
{
	snprintf(buf, len, "pod.%s", pod);
}

/*
 * Netfilter plumbing, inserted ahead of whatever the pod adds (Istio's
 * istio-init appends to the built-in chains, so ours run first):
 *  - mark connections that arrive from the other half, and restore the mark
 *    on their replies (routing sends them back through the tunnel);
 *  - packets from the other half skip this half's nat PREROUTING: the
 *    sending half already applied the pod's rules (they are the pod's
 *    loopback traffic, which a one-kernel pod never NATs twice either);
 *  - on the DPU half, the wire can neither carry our TCP option in nor see
 *    it leave, nor send 127.0.0.0/8 packets in.
 */
static char *netfilter_rules(const char *tun, bool dpu_side)
{
	return hp_sprintf(
		"*raw\n"
		":HETEROPOD-PRE - [0:0]\n"
		"-I PREROUTING 1 -j HETEROPOD-PRE\n"
		"%s"
		"COMMIT\n"
		"*mangle\n"
		":HETEROPOD-PRE - [0:0]\n"
		":HETEROPOD-OUT - [0:0]\n"
		":HETEROPOD-POST - [0:0]\n"
		"-I PREROUTING 1 -j HETEROPOD-PRE\n"
		"-I OUTPUT 1 -j HETEROPOD-OUT\n"
		"-I POSTROUTING 1 -j HETEROPOD-POST\n"
		"-A HETEROPOD-PRE -i %s -m conntrack --ctstate NEW -j CONNMARK --set-xmark 0x%x/0x%x\n"
		"-A HETEROPOD-PRE ! -i %s -j CONNMARK --restore-mark --nfmask 0x%x --ctmask 0x%x\n"
		"-A HETEROPOD-OUT -j CONNMARK --restore-mark --nfmask 0x%x --ctmask 0x%x\n"
		"%s"
		"COMMIT\n"
		"*nat\n"
		":HETEROPOD-PRE - [0:0]\n"
		"-I PREROUTING 1 -j HETEROPOD-PRE\n"
		"-A HETEROPOD-PRE -i %s -j ACCEPT\n"
		"COMMIT\n",
		dpu_side ? "-A HETEROPOD-PRE -i eth0 -s 127.0.0.0/8 -j DROP\n"
			   "-A HETEROPOD-PRE -i eth0 -d 127.0.0.0/8 -j DROP\n"
			 : "",
		tun, HP_TUN_MARK, HP_TUN_MARK, tun, HP_TUN_MARK, HP_TUN_MARK, HP_TUN_MARK,
		HP_TUN_MARK,
		dpu_side ? "-A HETEROPOD-PRE -i eth0 -p tcp --tcp-flags SYN SYN -j TCPOPTSTRIP --strip-options 254\n"
			   "-A HETEROPOD-POST -o eth0 -p tcp --tcp-flags SYN SYN -j TCPOPTSTRIP --strip-options 254\n"
			 : "",
		tun);
}

int hp_half_create(const struct hp_node *n, const struct hp_pod *pod, unsigned pu_index,
		   struct hp_error *err)
{
	const struct hp_node_config *c = &n->cfg;
	const char *dpu = c->dpu[pod->dpu].name;
	bool dpu_side = pu_index != 0;
	const char *pu = hp_node_pu_name(c, pu_index);
	char half[160], uts[PATH_MAX], group[64], nodens[64], ip[32], local[32], remote[32],
		self_tun[32], peer_tun[32];
	_cleanup_free_ char *node_script = NULL, *half_script = NULL, *rules = NULL;
	const char *tun = dpu_side ? "hpx0" : "eth0";
	int r;

	hp_half_netns(n, pod->name, pu_index, half, sizeof(half));
	hp_half_uts(n, pod->name, pu_index, uts, sizeof(uts));
	hp_half_group(pod->name, group, sizeof(group));
	hp_node_netns_name(c->name, pu, nodens, sizeof(nodens));
	hp_ip4_format(pod->ip, ip, sizeof(ip));
	hp_ip4_format(dpu_side ? hp_pulink_dpu_addr(pod->dpu) : hp_pulink_host_addr(pod->dpu), local,
		      sizeof(local));
	hp_ip4_format(dpu_side ? hp_pulink_host_addr(pod->dpu) : hp_pulink_dpu_addr(pod->dpu),
		      remote, sizeof(remote));
	hp_ip4_format(dpu_side ? HP_TUN_DPU_ADDR : HP_TUN_HOST_ADDR, self_tun, sizeof(self_tun));
	hp_ip4_format(dpu_side ? HP_TUN_HOST_ADDR : HP_TUN_DPU_ADDR, peer_tun, sizeof(peer_tun));

	if (hp_netns_exists(half)) {
		hp_error_set(err, "pod '%s' already has a %s half", pod->name, pu);
		return -EEXIST;
	}
	r = hp_netns_add(half);
	if (r < 0) {
		hp_error_set(err, "cannot create network namespace %s", half);
		return r;
	}
	r = hp_uts_create(uts, pod->name);
	if (r < 0) {
		hp_error_set(err, "cannot create the UTS namespace of %s: %s", half, strerror(-r));
		goto fail;
	}
	r = hp_cgroup_group_create(&n->cg, pu, group);
	if (r < 0) {
		hp_error_set(err, "cannot create the cgroup of %s: %s", half, strerror(-r));
		goto fail;
	}

	/* The tunnel is made in the PU's own stack (its UDP socket stays there,
	 * on the PU link) and then handed to the half. */
	node_script = hp_sprintf(
		"link add hpx%u type vxlan id %u local %s remote %s dstport %d nolearning dev %s%s\n"
		"link set hpx%u netns %s\n",
		pod->id, pod->id, local, remote, HP_VXLAN_PORT, dpu_side ? "pu-host" : "pu-",
		dpu_side ? "" : dpu, pod->id, half);
	if (node_script && dpu_side) {
		char *t = hp_sprintf("%slink add hpp%u address ee:ee:ee:ee:ee:ee type veth peer name eth0 netns %s\n"
				     "link set hpp%u up\n"
				     "route add %s/32 dev hpp%u\n",
				     node_script, pod->id, half, pod->id, ip, pod->id);
		free(node_script);
		node_script = t;
	}
	if (!node_script) {
		r = -ENOMEM;
		goto fail;
	}
	r = hp_ip_batch(nodens, node_script);
	if (r < 0) {
		hp_error_set(err, "cannot create the tunnel of %s", half);
		goto fail;
	}

	if (dpu_side)
		half_script = hp_sprintf(
			"link set lo up\n"
			"addr add %s/32 dev eth0\n"
			"link set eth0 up\n"
			"route add 169.254.1.1 dev eth0 scope link\n"
			"neigh add 169.254.1.1 lladdr ee:ee:ee:ee:ee:ee dev eth0 nud permanent\n"
			"route add default via 169.254.1.1 dev eth0 src %s\n"
			"link set hpx%u name hpx0\n"
			"addr add %s/30 dev hpx0\n"
			"link set hpx0 up\n",
			ip, ip, pod->id, self_tun);
	else
		half_script = hp_sprintf(
			"link set lo up\n"
			"link set hpx%u name eth0\n"
			"addr add %s/32 dev eth0\n"
			"addr add %s/30 dev eth0\n"
			"link set eth0 up\n"
			"route add default via %s dev eth0 src %s\n",
			pod->id, ip, self_tun, peer_tun, ip);
	if (half_script) {
		char *t = hp_sprintf("%s"
				     "route add 127.0.0.0/8 via %s dev %s src 127.0.0.1 table %d\n"
				     "route add %s/32 via %s dev %s src %s table %d\n"
				     "route add default via %s dev %s table %d\n"
				     "rule add pref 10 fwmark 0x%x/0x%x lookup %d\n"
				     "rule add pref 100 lookup local\n"
				     "rule del pref 0 lookup local\n",
				     half_script, peer_tun, tun, HP_TUN_TABLE, ip, peer_tun, tun, ip,
				     HP_TUN_TABLE, peer_tun, tun, HP_TUN_TABLE, HP_TUN_MARK,
				     HP_TUN_MARK, HP_TUN_TABLE);
		free(half_script);
		half_script = t;
	}
	if (!half_script) {
		r = -ENOMEM;
		goto fail;
	}
	r = hp_ip_batch(half, half_script);
	if (r < 0) {
		hp_error_set(err, "cannot configure the network of %s", half);
		goto fail;
	}

	{
		const char *host_set[] = { "net.ipv4.conf.all.rp_filter=0",
					   "net.ipv4.conf.eth0.rp_filter=0",
					   "net.ipv4.conf.eth0.route_localnet=1",
					   "net.ipv4.conf.eth0.accept_local=1",
					   "net.ipv4.ip_local_port_range=" HP_HOST_EPHEMERAL, NULL };
		const char *dpu_set[] = { "net.ipv4.ip_forward=1",
					  "net.ipv4.conf.all.rp_filter=0",
					  "net.ipv4.conf.eth0.rp_filter=0",
					  "net.ipv4.conf.hpx0.rp_filter=0",
					  "net.ipv4.conf.hpx0.route_localnet=1",
					  "net.ipv4.conf.hpx0.accept_local=1",
					  "net.ipv4.ip_local_port_range=" HP_DPU_EPHEMERAL, NULL };

		r = hp_sysctl_in(half, dpu_side ? dpu_set : host_set);
		if (r < 0) {
			hp_error_set(err, "cannot set the sysctls of %s", half);
			goto fail;
		}
	}

	rules = netfilter_rules(tun, dpu_side);
	if (!rules) {
		r = -ENOMEM;
		goto fail;
	}
	r = hp_iptables_restore(half, rules);
	if (r < 0) {
		hp_error_set(err, "cannot install the netfilter rules of %s", half);
		goto fail;
	}

	if (dpu_side && pod->dpu > 0) {
		/* The DPU announces the pod to the outside network (BGP's job). */
		char wirens[64], via[32], *s;

		hp_node_netns_name(c->name, "wire", wirens, sizeof(wirens));
		hp_ip4_format(hp_wire_dpu_addr(pod->dpu), via, sizeof(via));
		s = hp_sprintf("route replace %s/32 via %s\n", ip, via);
		r = s ? hp_ip_batch(wirens, s) : -ENOMEM;
		free(s);
		if (r < 0) {
			hp_error_set(err, "cannot announce %s on the wire", ip);
			goto fail;
		}
	}
	return 0;

fail:
	hp_half_delete(n, pod, pu_index);
	return r;
}

void hp_half_delete(const struct hp_node *n, const struct hp_pod *pod, unsigned pu_index)
{
	const struct hp_node_config *c = &n->cfg;
	const char *pu = hp_node_pu_name(c, pu_index);
	char half[160], uts[PATH_MAX], group[64], nodens[64], ip[32], script[256];

	hp_half_netns(n, pod->name, pu_index, half, sizeof(half));
	hp_half_uts(n, pod->name, pu_index, uts, sizeof(uts));
	hp_half_group(pod->name, group, sizeof(group));
	hp_node_netns_name(c->name, pu, nodens, sizeof(nodens));
	hp_ip4_format(pod->ip, ip, sizeof(ip));

	/* Processes first, so nothing holds the namespaces. */
	hp_cgroup_group_remove(&n->cg, pu, group);
	hp_netns_del(half);
	hp_uts_remove(uts);
	/* Whatever did not move into the half (a failed create) lives in the PU's stack. */
	snprintf(script, sizeof(script), "link del hpx%u\nlink del hpp%u\n", pod->id, pod->id);
	hp_ip_batch_force(nodens, script);
	if (pu_index != 0 && pod->dpu > 0) {
		char wirens[64];

		hp_node_netns_name(c->name, "wire", wirens, sizeof(wirens));
		snprintf(script, sizeof(script), "route del %s/32\n", ip);
		hp_ip_batch_force(wirens, script);
	}
}

int hp_half_route_port(const struct hp_node *n, const struct hp_pod *pod, unsigned pu_index,
		       uint8_t proto, uint16_t port, bool add)
{
	char half[160], ip[32];
	const char *p = proto == IPPROTO_UDP ? "udp" : "tcp";
	_cleanup_free_ char *script = NULL;

	hp_half_netns(n, pod->name, pu_index, half, sizeof(half));
	hp_ip4_format(pod->ip, ip, sizeof(ip));
	script = hp_sprintf("rule %s pref 50 to 127.0.0.0/8 ipproto %s dport %u lookup %d\n"
			    "rule %s pref 50 to %s/32 ipproto %s dport %u lookup %d\n",
			    add ? "add" : "del", p, port, HP_TUN_TABLE, add ? "add" : "del", ip, p,
			    port, HP_TUN_TABLE);
	if (!script)
		return -ENOMEM;
	if (!add) {
		hp_ip_batch_force(half, script);
		return 0;
	}
	return hp_ip_batch(half, script);
}

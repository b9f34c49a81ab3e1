/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netns/half.h"
#include "netns/addr.h"
#include "node/ns.h"
#include "util/run.h"
#include "util/util.h"

#include <dirent.h>
#include <fcntl.h>
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
static char *netfilter_rules(const char *tun, bool dpu_side, const char *wire_default_ip)
{
	_cleanup_free_ char *wire = NULL;

	/*
	 * DPU half of an adopted pod: the runtime's containers in the host half
	 * bind without telling anyone (they are not in the half's cgroup), so a
	 * new connection from the wire that no socket of this half takes is
	 * marked like the other half's traffic and routed there (pref 10).
	 * (--nowildcard: do count sockets bound to 0.0.0.0, which the socket
	 * match otherwise ignores.)
	 */
	if (wire_default_ip)
		wire = hp_sprintf("-A HETEROPOD-PRE -i eth0 -d %s/32 -m conntrack --ctstate NEW -j HETEROPOD-WIRE\n"
				  "-A HETEROPOD-WIRE -m socket --nowildcard -j RETURN\n"
				  "-A HETEROPOD-WIRE -j CONNMARK --set-xmark 0x%x/0x%x\n"
				  "-A HETEROPOD-WIRE -j MARK --set-xmark 0x%x/0x%x\n",
				  wire_default_ip, HP_TUN_MARK, HP_TUN_MARK, HP_TUN_MARK, HP_TUN_MARK);
	else
		wire = strdup("");
	if (!wire)
		return NULL;
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
		"%s"
		"-I PREROUTING 1 -j HETEROPOD-PRE\n"
		"-I OUTPUT 1 -j HETEROPOD-OUT\n"
		"-I POSTROUTING 1 -j HETEROPOD-POST\n"
		"-A HETEROPOD-PRE -i %s -m conntrack --ctstate NEW -j CONNMARK --set-xmark 0x%x/0x%x\n"
		"-A HETEROPOD-PRE ! -i %s -j CONNMARK --restore-mark --nfmask 0x%x --ctmask 0x%x\n"
		"%s"
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
		wire_default_ip ? ":HETEROPOD-WIRE - [0:0]\n" : "", tun, HP_TUN_MARK, HP_TUN_MARK,
		tun, HP_TUN_MARK, HP_TUN_MARK, wire, HP_TUN_MARK, HP_TUN_MARK,
		dpu_side ? "-A HETEROPOD-PRE -i eth0 -p tcp --tcp-flags SYN SYN -j TCPOPTSTRIP --strip-options 254\n"
			   "-A HETEROPOD-POST -o eth0 -p tcp --tcp-flags SYN SYN -j TCPOPTSTRIP --strip-options 254\n"
			 : "",
		tun);
}

/*
 * The record of an adopted host half, <state dir>/adopted/<pod>: what we
 * changed in a namespace that is not ours, so that whoever removes the half
 * (this agent, or the next one clearing what a dead one left) can give it
 * back as it was. Its presence is what marks a host half as adopted.
 */
static void adopted_record_path(const char *state_dir, const char *pod, char *buf, size_t len)
{
	snprintf(buf, len, "%s/adopted/%s", state_dir, pod);
}

bool hp_half_adopted(const struct hp_node *n, const char *pod)
{
	char path[PATH_MAX];

	adopted_record_path(n->state_dir, pod, path, sizeof(path));
	return access(path, F_OK) == 0;
}

/* A sysctl's value inside netns, without the trailing newline; NULL if unreadable. */
static char *sysctl_get(const char *netns, const char *key)
{
	char *argv[] = { "ip", "netns", "exec", (char *)netns, "sysctl", "-n", (char *)key, NULL };
	char *out = NULL, *nl;

	if (hp_run(argv, &(struct hp_run_opts){ .ret_output = &out, .quiet = true }) != 0) {
		free(out);
		return NULL;
	}
	nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	for (char *t = out; *t; t++)
		if (*t == '\t')
			*t = ' ';
	return out;
}

/* Keep what we are about to change in an adopted namespace; written before any change. */
static int adopted_record_write(const struct hp_node *n, const struct hp_pod *pod,
				const char *half)
{
	_cleanup_free_ char *range = sysctl_get(half, "net.ipv4.ip_local_port_range"),
			    *rpf = sysctl_get(half, "net.ipv4.conf.all.rp_filter"), *text = NULL;
	char dir[PATH_MAX], path[PATH_MAX];
	int r;

	if (!range || !rpf)
		return -EIO;
	snprintf(dir, sizeof(dir), "%s/adopted", n->state_dir);
	r = hp_mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	text = hp_sprintf("net.ipv4.ip_local_port_range=%s\nnet.ipv4.conf.all.rp_filter=%s\n", range,
			  rpf);
	if (!text)
		return -ENOMEM;
	adopted_record_path(n->state_dir, pod->name, path, sizeof(path));
	return hp_write_file_create(path, text);
}

/* Does the node route this pod's IP to the DPU by itself (the pod CIDR via dpu0)? */
static bool wire_needs_route(const struct hp_node *n, const struct hp_pod *pod)
{
	uint32_t mask = hp_prefix_mask(n->cfg.pod_prefix);

	return pod->ip && (pod->dpu > 0 || (pod->ip & mask) != (n->cfg.pod_net & mask));
}

/* Is the namespace at path one the node itself made (a PU stack, the wire, a half)? */
static bool netns_is_nodes(const struct hp_node *n, dev_t dev, ino_t ino)
{
	char prefix[64], path[PATH_MAX];
	char **names;
	bool found = false;

	snprintf(prefix, sizeof(prefix), "%s.", n->cfg.name);
	names = hp_netns_list(prefix);
	for (char **p = names; p && *p && !found; p++) {
		dev_t d;
		ino_t i;

		snprintf(path, sizeof(path), HP_NETNS_DIR "/%s", *p);
		found = hp_netns_identify(path, &d, &i) == 0 && d == dev && i == ino;
	}
	hp_strv_free(names);
	return found;
}

/*
 * The namespaces and cgroup of a half: made afresh, or, for an adopted host
 * half, the runtime's network namespace pinned under the half's name.
 */
static int half_namespaces(const struct hp_node *n, const struct hp_pod *pod, unsigned pu_index,
			   const char *adopt_path, struct hp_error *err)
{
	const char *pu = hp_node_pu_name(&n->cfg, pu_index);
	char half[160], uts[PATH_MAX], group[64];
	int r;

	hp_half_netns(n, pod->name, pu_index, half, sizeof(half));
	hp_half_uts(n, pod->name, pu_index, uts, sizeof(uts));
	hp_half_group(pod->name, group, sizeof(group));

	if (adopt_path) {
		r = hp_netns_pin(half, adopt_path);
		if (r < 0) {
			hp_error_set(err, "cannot pin %s as %s: %s", adopt_path, half, strerror(-r));
			return r;
		}
		r = adopted_record_write(n, pod, half);
		if (r < 0) {
			/* Nothing changed in it yet: only our pin goes. */
			hp_netns_del(half);
			hp_error_set(err, "cannot record the state of %s: %s", adopt_path,
				     strerror(-r));
			return r;
		}
	} else {
		r = hp_netns_add(half);
		if (r < 0) {
			hp_error_set(err, "cannot create network namespace %s", half);
			return r;
		}
	}
	r = hp_uts_create(uts, pod->name);
	if (r < 0) {
		hp_error_set(err, "cannot create the UTS namespace of %s: %s", half, strerror(-r));
		return r;
	}
	r = hp_cgroup_group_create(&n->cg, pu, group);
	if (r < 0) {
		hp_error_set(err, "cannot create the cgroup of %s: %s", half, strerror(-r));
		return r;
	}
	return 0;
}

/*
 * The half's own addresses and routes. Three kinds of half:
 *  - DPU half: eth0 to the DPU's stack (the wire) with the pod IP, the
 *    tunnel hpx0;
 *  - created host half: the tunnel is its only interface, named eth0, with
 *    the pod IP; the default route leads to the DPU half;
 *  - adopted host half: eth0 and the pod IP belong to the primary CNI plugin
 *    and keep their default route (the host's own stack); the tunnel is hpx0.
 * Then what all three share: table 102 "via the other half" and the rules.
 */
static char *half_net_script(const struct hp_pod *pod, bool dpu_side, bool adopted,
			     const char *tun, const char *ip, const char *self_tun,
			     const char *peer_tun)
{
	_cleanup_free_ char *own = NULL;

	if (dpu_side)
		own = hp_sprintf("addr add %s/32 dev eth0\n"
				 "link set eth0 up\n"
				 "route add 169.254.1.1 dev eth0 scope link\n"
				 "neigh add 169.254.1.1 lladdr ee:ee:ee:ee:ee:ee dev eth0 nud permanent\n"
				 "route add default via 169.254.1.1 dev eth0 src %s\n"
				 "link set hpx%u name hpx0\n"
				 "addr add %s/30 dev hpx0\n"
				 "link set hpx0 up\n",
				 ip, ip, pod->id, self_tun);
	else if (adopted)
		own = hp_sprintf("link set hpx%u name hpx0\n"
				 "addr add %s/30 dev hpx0\n"
				 "link set hpx0 up\n",
				 pod->id, self_tun);
	else
		own = hp_sprintf("link set hpx%u name eth0\n"
				 "addr add %s/32 dev eth0\n"
				 "addr add %s/30 dev eth0\n"
				 "link set eth0 up\n"
				 "route add default via %s dev eth0 src %s\n",
				 pod->id, ip, self_tun, peer_tun, ip);
	if (!own)
		return NULL;
	return hp_sprintf("link set lo up\n"
			  "%s"
			  "route add 127.0.0.0/8 via %s dev %s src 127.0.0.1 table %d\n"
			  "route add %s/32 via %s dev %s src %s table %d\n"
			  "route add default via %s dev %s table %d\n"
			  "rule add pref 10 fwmark 0x%x/0x%x lookup %d\n"
			  "rule add pref 100 lookup local\n"
			  "rule del pref 0 lookup local\n",
			  own, peer_tun, tun, HP_TUN_TABLE, ip, peer_tun, tun, ip, HP_TUN_TABLE,
			  peer_tun, tun, HP_TUN_TABLE, HP_TUN_MARK, HP_TUN_MARK, HP_TUN_TABLE);
}

static int half_build(const struct hp_node *n, const struct hp_pod *pod, unsigned pu_index,
		      const char *adopt_path, struct hp_error *err)
{
	const struct hp_node_config *c = &n->cfg;
	const char *dpu = c->dpu[pod->dpu].name;
	bool dpu_side = pu_index != 0, adopted = adopt_path != NULL;
	const char *pu = hp_node_pu_name(c, pu_index);
	char half[160], nodens[64], ip[32], local[32], remote[32], self_tun[32], peer_tun[32];
	_cleanup_free_ char *node_script = NULL, *half_script = NULL, *rules = NULL;
	const char *tun = dpu_side || adopted ? "hpx0" : "eth0";
	int r;

	hp_half_netns(n, pod->name, pu_index, half, sizeof(half));
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
	r = half_namespaces(n, pod, pu_index, adopt_path, err);
	if (r < 0)
		goto fail;

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

	half_script = half_net_script(pod, dpu_side, adopted, tun, ip, self_tun, peer_tun);
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
		/* The primary plugin's eth0 keeps its settings: only the tunnel
		 * carries 127.0.0.0/8 and our own pod IP. */
		const char *adopted_set[] = { "net.ipv4.conf.all.rp_filter=0",
					      "net.ipv4.conf.hpx0.rp_filter=0",
					      "net.ipv4.conf.hpx0.route_localnet=1",
					      "net.ipv4.conf.hpx0.accept_local=1",
					      "net.ipv4.ip_local_port_range=" HP_HOST_EPHEMERAL, NULL };
		const char *dpu_set[] = { "net.ipv4.ip_forward=1",
					  "net.ipv4.conf.all.rp_filter=0",
					  "net.ipv4.conf.eth0.rp_filter=0",
					  "net.ipv4.conf.hpx0.rp_filter=0",
					  "net.ipv4.conf.hpx0.route_localnet=1",
					  "net.ipv4.conf.hpx0.accept_local=1",
					  "net.ipv4.ip_local_port_range=" HP_DPU_EPHEMERAL, NULL };

		r = hp_sysctl_in(half, dpu_side ? dpu_set : adopted ? adopted_set : host_set);
		if (r < 0) {
			hp_error_set(err, "cannot set the sysctls of %s", half);
			goto fail;
		}
	}

	rules = netfilter_rules(tun, dpu_side, dpu_side && pod->wire_fallback ? ip : NULL);
	if (!rules) {
		r = -ENOMEM;
		goto fail;
	}
	r = hp_iptables_restore(half, rules);
	if (r < 0) {
		hp_error_set(err, "cannot install the netfilter rules of %s", half);
		goto fail;
	}

	if (dpu_side && wire_needs_route(n, pod)) {
		/* The DPU announces the pod to the outside network (BGP's job):
		 * pods of other DPUs, and pods whose IP came from elsewhere (a CNI
		 * plugin's IPAM) rather than the node's pod CIDR. */
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

int hp_half_create(const struct hp_node *n, const struct hp_pod *pod, unsigned pu_index,
		   struct hp_error *err)
{
	return half_build(n, pod, pu_index, NULL, err);
}

int hp_half_adopt(const struct hp_node *n, const struct hp_pod *pod, const char *netns_path,
		  struct hp_error *err)
{
	dev_t dev;
	ino_t ino;

	if (netns_path[0] != '/' || hp_netns_identify(netns_path, &dev, &ino) < 0) {
		hp_error_set(err, "'%s' is not a network namespace", netns_path);
		return -EINVAL;
	}
	/* Never the machine's own stack or one of the node's: we reshape its routing. */
	{
		dev_t d;
		ino_t i;

		if ((hp_netns_identify("/proc/1/ns/net", &d, &i) == 0 && d == dev && i == ino) ||
		    (hp_netns_identify("/proc/self/ns/net", &d, &i) == 0 && d == dev &&
		     i == ino) ||
		    netns_is_nodes(n, dev, ino)) {
			hp_error_set(err, "'%s' is not a pod's network namespace", netns_path);
			return -EINVAL;
		}
	}
	return half_build(n, pod, 0, netns_path, err);
}

/*
 * Give an adopted namespace back as the primary plugin left it: everything
 * we added goes (tunnel, its routes, rules, chains, settings), eth0 and the
 * primary plugin's routes stay. Best effort: parts may never have been made.
 */
static void adopted_release(const char *state_dir, const char *pod, const char *half)
{
	static const char *const tables[] = {
		"*raw\n-D PREROUTING -j HETEROPOD-PRE\n-F HETEROPOD-PRE\n-X HETEROPOD-PRE\nCOMMIT\n",
		"*mangle\n-D PREROUTING -j HETEROPOD-PRE\n-D OUTPUT -j HETEROPOD-OUT\n"
		"-D POSTROUTING -j HETEROPOD-POST\n-F HETEROPOD-PRE\n-X HETEROPOD-PRE\n"
		"-F HETEROPOD-OUT\n-X HETEROPOD-OUT\n-F HETEROPOD-POST\n-X HETEROPOD-POST\nCOMMIT\n",
		"*nat\n-D PREROUTING -j HETEROPOD-PRE\n-F HETEROPOD-PRE\n-X HETEROPOD-PRE\nCOMMIT\n",
	};
	char *rules_argv[] = { "ip", "-n", (char *)half, "rule", "show", "pref", "50", NULL };
	_cleanup_free_ char *record = NULL, *port_rules = NULL, *script = NULL;
	char path[PATH_MAX];
	size_t n_port_rules = 0;

	/* Local addresses first (pref 0) so the namespace is never without them. */
	hp_run(rules_argv, &(struct hp_run_opts){ .ret_output = &port_rules, .quiet = true });
	for (char *p = port_rules; p && *p; p++)
		n_port_rules += *p == '\n';
	script = strdup("rule add pref 0 lookup local\n"
			"rule del pref 100 lookup local\n");
	for (size_t i = 0; script && i < n_port_rules; i++) {
		char *t = hp_sprintf("%srule del pref 50\n", script);

		free(script);
		script = t;
	}
	if (script) {
		char *t = hp_sprintf("%srule del pref 10 fwmark 0x%x/0x%x lookup %d\n"
				     "link del hpx0\n"
				     "route flush table %d\n",
				     script, HP_TUN_MARK, HP_TUN_MARK, HP_TUN_TABLE, HP_TUN_TABLE);

		free(script);
		script = t;
	}
	if (script)
		hp_ip_batch_force(half, script);

	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		char *argv[] = { "ip", "netns", "exec", (char *)half, "iptables-restore", "--noflush",
				 NULL };

		hp_run(argv, &(struct hp_run_opts){ .input = tables[i], .quiet = true });
	}

	adopted_record_path(state_dir, pod, path, sizeof(path));
	if (hp_read_file(path, &record) >= 0) {
		const char *set[4] = { NULL };
		unsigned k = 0;

		for (char *l = strtok(record, "\n"); l && k < 3; l = strtok(NULL, "\n"))
			if (!strncmp(l, "net.ipv4.", 9) && strchr(l, '='))
				set[k++] = l;
		if (k)
			hp_sysctl_in(half, set);
	}
	unlink(path);
	snprintf(path, sizeof(path), "%s/adopted", state_dir);
	rmdir(path); /* once no adopted half is left */
}

void hp_half_adopted_sweep(const char *node, const char *state_dir)
{
	char dir[PATH_MAX], half[160];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/adopted", state_dir);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !hp_name_valid(de->d_name, HP_POD_NAME_MAX))
			continue;
		hp_pod_netns_name(node, de->d_name, "host", half, sizeof(half));
		if (hp_netns_exists(half))
			adopted_release(state_dir, de->d_name, half);
		else
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
	rmdir(dir);
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

	/* Processes first, so nothing holds the namespaces. In an adopted half
	 * these are only the ones we put there (heteropod exec); the runtime's
	 * containers are not in our group. */
	hp_cgroup_group_remove(&n->cg, pu, group);
	if (pu_index == 0 && hp_half_adopted(n, pod->name))
		adopted_release(n->state_dir, pod->name, half);
	hp_netns_del(half); /* for an adopted half: only our pin */
	hp_uts_remove(uts);
	/* Whatever did not move into the half (a failed create) lives in the PU's stack. */
	snprintf(script, sizeof(script), "link del hpx%u\nlink del hpp%u\n", pod->id, pod->id);
	hp_ip_batch_force(nodens, script);
	if (pu_index != 0 && wire_needs_route(n, pod)) {
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

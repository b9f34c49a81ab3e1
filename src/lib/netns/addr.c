/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netns/addr.h"
#include "util/util.h"

#include <arpa/inet.h>

int hp_ip4_parse(const char *s, uint32_t *ret)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ret = ntohl(a.s_addr);
	return 0;
}

char *hp_ip4_format(uint32_t a, char *buf, size_t n)
{
	snprintf(buf, n, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

uint32_t hp_prefix_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : ~0u << (32 - prefix);
}

int hp_cidr_parse(const char *s, uint32_t *ret_net, unsigned *ret_prefix)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	uint64_t prefix;
	uint32_t net;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (hp_ip4_parse(buf, &net) < 0 || hp_parse_u64(slash + 1, &prefix) < 0 || prefix > 32)
		return -EINVAL;
	*ret_net = net;
	*ret_prefix = prefix;
	return 0;
}

uint32_t hp_pulink_host_addr(unsigned dpu)
{
	return 0xc6120000u + 4 * dpu + 1;
}
uint32_t hp_pulink_dpu_addr(unsigned dpu)
{
	return 0xc6120000u + 4 * dpu + 2;
}
uint32_t hp_wire_dpu_addr(unsigned dpu)
{
	return 0xc6120100u + 4 * dpu + 1;
}
uint32_t hp_wire_client_addr(unsigned dpu)
{
	return 0xc6120100u + 4 * dpu + 2;
}

uint32_t hp_pod_addr(uint32_t pod_net, unsigned prefix, unsigned id)
{
	uint64_t size = 1ull << (32 - prefix);

	if (id == 0 || id >= size - 1)
		return 0;
	return pod_net + id;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv4 helpers and the emulated node's address plan. Every address lives in
 * namespaces the node creates; 198.18.0.0/15 (RFC 2544, benchmarking) keeps
 * them clear of any network the machine is really on.
 *
 *   PU link of dpuN   198.18.0.(4N+1) host  <->  198.18.0.(4N+2) dpuN
 *   wire of dpuN      198.18.1.(4N+1) dpuN  <->  198.18.1.(4N+2) wire side
 *   pod N             pod-cidr base + N      (same address on both halves)
 *   pod tunnel        169.254.77.1 host half <-> 169.254.77.2 DPU half
 *                     (link-local, identical in every pod: each half is its
 *                     own namespace)
 */
#ifndef HP_ADDR_H
#define HP_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define HP_TUN_HOST_ADDR 0xa9fe4d01u /* 169.254.77.1 */
#define HP_TUN_DPU_ADDR 0xa9fe4d02u  /* 169.254.77.2 */
#define HP_TUN_TABLE 102             /* routing table "via the other half" */
#define HP_TUN_MARK 0x4000           /* fwmark/connmark bit: "came from the other half" */
#define HP_VXLAN_PORT 4789

int hp_ip4_parse(const char *s, uint32_t *ret);
/* Writes dotted quad into buf; returns buf. */
char *hp_ip4_format(uint32_t a, char *buf, size_t n);
int hp_cidr_parse(const char *s, uint32_t *ret_net, unsigned *ret_prefix);
uint32_t hp_prefix_mask(unsigned prefix);

uint32_t hp_pulink_host_addr(unsigned dpu);
uint32_t hp_pulink_dpu_addr(unsigned dpu);
uint32_t hp_wire_dpu_addr(unsigned dpu);
uint32_t hp_wire_client_addr(unsigned dpu);
/* Pod id -> pod IP; 0 if the id does not fit the CIDR. Ids start at 1. */
uint32_t hp_pod_addr(uint32_t pod_net, unsigned prefix, unsigned id);

#endif

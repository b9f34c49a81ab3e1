/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * heteropodd: one agent per PU. It owns that PU's half of every HeteroPod
 * (namespaces, cgroup, eBPF hooks, routing and netfilter) and talks to the
 * other PU's agent only over the PU link. The host agent is the entry point
 * for the CLI's pod commands and allocates pod ids and addresses.
 */
#ifndef HP_AGENT_H
#define HP_AGENT_H

/* Run the agent until SIGTERM; ready_fd (or -1) gets "ok <pid>\n" when up. */
int hp_agent_run(const char *node, const char *pu, int ready_fd);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running the well-kept tools we build on (iproute2, iptables): fork+exec
 * without a shell, optional text on stdin, stderr captured so the caller can
 * report the tool's own words once.
 */
#ifndef HP_RUN_H
#define HP_RUN_H

#include <stdbool.h>

struct hp_run_opts {
	const char *input;   /* written to the child's stdin, or NULL for /dev/null */
	char **ret_output;   /* if set: the child's stdout, NUL-terminated */
	char **ret_errout;   /* if set: the child's stderr, NUL-terminated */
	bool quiet;          /* don't log a failure (caller expects it) */
};

/*
 * Run argv[0] (searched in PATH) with argv. Returns the exit status (>= 0),
 * or -errno if it could not be run. A non-zero exit is logged with the
 * tool's stderr unless opts->quiet or opts->ret_errout.
 */
int hp_run(char *const argv[], const struct hp_run_opts *opts);

/* `ip [-n NS] -batch -` with the given script. 0, or -EIO logged. */
int hp_ip_batch(const char *netns, const char *script);
/* `ip [-n NS] -force -batch -`: best effort, for teardown. */
void hp_ip_batch_force(const char *netns, const char *script);
/* `iptables-restore --noflush` inside NS. */
int hp_iptables_restore(const char *netns, const char *rules);
/* `sysctl -w` each "key=value" of the NULL-terminated list inside NS. */
int hp_sysctl_in(const char *netns, const char *const *settings);

#endif

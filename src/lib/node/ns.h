/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Persistent namespaces. Network namespaces are iproute2's (`ip netns`,
 * /run/netns/NAME) so operators can inspect them with the usual tools; UTS
 * namespaces (one hostname per pod half) are kept alive the same way, by a
 * bind mount of /proc/<pid>/ns/uts on a file.
 */
#ifndef HP_NS_H
#define HP_NS_H

#include <stdbool.h>
#include <sys/types.h>

#define HP_NETNS_DIR "/run/netns"

int hp_netns_add(const char *name);
int hp_netns_del(const char *name); /* missing is fine */
bool hp_netns_exists(const char *name);
/* Names in /run/netns starting with prefix, NULL-terminated; caller frees. */
char **hp_netns_list(const char *prefix);
void hp_strv_free(char **v);

/*
 * Pin the network namespace at path (someone else's, e.g. a container
 * runtime's) under /run/netns/name, so iproute2 reaches it by name.
 * hp_netns_del(name) later drops only our pin, never the namespace's other
 * references.
 */
int hp_netns_pin(const char *name, const char *path);
/* Identity of the network namespace at path; -EINVAL if it is not one. */
int hp_netns_identify(const char *path, dev_t *ret_dev, ino_t *ret_ino);

/* Create a UTS namespace with hostname, pinned at path. */
int hp_uts_create(const char *path, const char *hostname);
int hp_uts_remove(const char *path); /* missing is fine */

/* setns() into the namespace pinned at path (nstype: CLONE_NEWNET, ...). */
int hp_ns_enter(const char *path, int nstype);
int hp_netns_enter(const char *name);

#endif

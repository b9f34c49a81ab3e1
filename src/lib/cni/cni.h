/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CNI side of heteronet, the chained CNI plugin that makes a container
 * runtime's network namespace the host half of a HeteroPod (docs/cni.md):
 * the plugin's network configuration, the primary plugin's result it is
 * chained after (prevResult), CNI_ARGS, the pod name, and the JSON the CNI
 * specification (1.0/1.1) wants for errors and VERSION.
 *
 * Everything here is pure: no agent, no namespaces, so it is unit-tested
 * and fuzzed; src/cni/heteronet.c does the talking.
 */
#ifndef HP_CNI_H
#define HP_CNI_H

#include "config/config.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* The specification's well-known error codes, and ours (100+). */
enum {
	HP_CNI_ERR_VERSION = 1,		/* incompatible CNI version */
	HP_CNI_ERR_FIELD = 2,		/* unsupported field in the network configuration */
	HP_CNI_ERR_CONTAINER = 3,	/* container unknown or does not exist */
	HP_CNI_ERR_ENV = 4,		/* invalid necessary environment variables */
	HP_CNI_ERR_IO = 5,		/* I/O failure */
	HP_CNI_ERR_DECODE = 6,		/* failed to decode content */
	HP_CNI_ERR_CONFIG = 7,		/* invalid network config */
	HP_CNI_ERR_AGAIN = 11,		/* try again later */
	HP_CNI_ERR_UNAVAILABLE = 50,	/* STATUS: the plugin is not available */
	HP_CNI_ERR_AGENT_FAILED = 100,	/* the HeteroPod agent could not do it */
	HP_CNI_ERR_AGENT_REFUSED = 101, /* the HeteroPod agent refused the request (bad input) */
};

struct hp_cni_error {
	int code;
	char msg[256];
	char details[512];
};

/* Set err (code, message, optional details); returns -code for `return hp_cni_fail(...)`. */
int hp_cni_fail(struct hp_cni_error *err, int code, const char *details, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define HP_CNI_VERSION_LATEST "1.1.0"

/* The spec versions heteronet speaks, oldest first, NULL-terminated. */
extern const char *const hp_cni_versions[];
bool hp_cni_version_supported(const char *v);
/* Compare two "X.Y.Z" versions: < 0, 0, > 0 (unparsable sorts first). */
int hp_cni_version_cmp(const char *a, const char *b);

struct hp_cni_conf {
	char version[16];		 /* cniVersion */
	char name[256];			 /* the network's name */
	char node[HP_NODE_NAME_MAX + 1]; /* "node": the HeteroPod node (default "hp") */
	char dpu[16];			 /* "dpu": the DPU the pods span (default "dpu0") */
	bool wire_fallback;		 /* "wireFallback": containers' binds are not
					  * announced (not heteropod-runtime), default false */
	json_t *prev_result;		 /* "prevResult" (borrowed from root) or NULL */
	json_t *valid_attachments;	 /* GC: "cni.dev/valid-attachments" (borrowed) or NULL */
	json_t *root;			 /* the whole configuration (owned) */
};

/*
 * Parse the network configuration a runtime gives on stdin. Keys heteronet
 * does not know are ignored (the spec's rule); known keys with bad values
 * are errors (code 7), as is a missing name; an unknown cniVersion is code 1
 * and bytes that are not a JSON object code 6.
 */
int hp_cni_conf_parse(const char *text, size_t len, struct hp_cni_conf *ret,
		      struct hp_cni_error *err);
void hp_cni_conf_free(struct hp_cni_conf *c);

/*
 * The IPv4 address the primary plugin gave the container: from prevResult's
 * "ips", preferring one on the sandbox interface named ifname, then one on
 * any sandbox interface, then one naming no interface. IPv6 addresses are
 * left alone (hetero-netns spans IPv4 only). -ENOENT (and err, code 7) if
 * there is none.
 */
int hp_cni_prev_ip4(json_t *prev_result, const char *ifname, uint32_t *ret_ip,
		    struct hp_cni_error *err);

/* Value of key in CNI_ARGS ("K=V;K=V"): 0 and buf, -ENOENT, or -ENAMETOOLONG. */
int hp_cni_args_get(const char *args, const char *key, char *buf, size_t len);

/*
 * The pod's name (HP_POD_NAME_MAX characters of a-z, 0-9, '-'): from
 * CNI_ARGS' K8S_POD_NAMESPACE and K8S_POD_NAME ("namespace-name") when
 * K8S_POD_NAME is there, else from the container id. A name that had to be
 * changed to fit (case, other characters, length) gets "-" and six hex
 * digits of a hash of the original, so distinct originals stay distinct.
 * buf must hold HP_POD_NAME_MAX + 1 bytes.
 */
void hp_cni_pod_name(const char *args, const char *container_id, char *buf, size_t len);

/* A container id as the spec allows it: [A-Za-z0-9][A-Za-z0-9_.-]*. */
bool hp_cni_container_id_valid(const char *id);
/* An interface name as the spec allows it: 1-15 bytes, not . or .., no / : or spaces. */
bool hp_cni_ifname_valid(const char *name);

/* Is (container, ifname) one of GC's valid attachments? */
bool hp_cni_attachment_valid(json_t *valid_attachments, const char *container, const char *ifname);

/* The spec's error object and VERSION answer (new references). */
json_t *hp_cni_error_json(const char *version, const struct hp_cni_error *err);
json_t *hp_cni_version_json(const char *version);

#endif

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Adapt a real Istio-injected manifest (../shared/manifests) to this
machine's local images: the Deployment only, every container on the toolbox
image (scripts/images.sh) with a program in its role -- istio-init keeps its
real istio-iptables flags, the application becomes nginx on :8080, the
istio-proxy an nginx sidecar on :15006 as uid 1337 -- and what needs a
cluster (service-account tokens, probes against Envoy, fieldRef env) left
out. Placement is not touched: heteropod play plans it.

usage: localize-manifest.py IN.yaml > OUT.yaml"""
import sys

import yaml

TOOLBOX = "localhost/heteropod/toolbox:latest"


def localize(c):
    name = c["name"]
    out = {"name": name, "image": TOOLBOX}
    if name == "istio-init":
        out["command"] = ["istio-iptables"] + [str(a) for a in c.get("args", [])]
    elif name == "istio-proxy":
        out["command"] = ["nginx", "-c", "/etc/nginx/sidecar.conf", "-g", "daemon off;"]
    else:
        out["command"] = ["nginx", "-g", "daemon off;"]
    for k in ("securityContext", "resources", "ports"):
        if k in c:
            out[k] = c[k]
    if name == "istio-proxy":
        # Envoy writes only to emptyDirs (its root is read-only); nginx in
        # its place needs /run (pid) and /var/lib/nginx (temp files).
        out["volumeMounts"] = [{"name": "proxy-run", "mountPath": "/run"},
                               {"name": "proxy-lib", "mountPath": "/var/lib/nginx"}]
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
    deps = [d for d in docs if d.get("kind") == "Deployment"]
    if not deps:
        sys.exit("no Deployment in " + sys.argv[1])
    for d in deps:
        spec = d["spec"]["template"]["spec"]
        for key in ("initContainers", "containers"):
            if key in spec:
                spec[key] = [localize(c) for c in spec[key]]
        for k in ("volumes", "serviceAccountName", "securityContext"):
            spec.pop(k, None)
        if any(c["name"] == "istio-proxy" for c in spec.get("containers", [])):
            spec["volumes"] = [{"name": "proxy-run", "emptyDir": {}},
                               {"name": "proxy-lib", "emptyDir": {}}]
        d["spec"]["replicas"] = 1
    yaml.safe_dump_all(deps, sys.stdout, sort_keys=False)


main()

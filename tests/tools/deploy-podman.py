#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""deploy-podman.py YAML DAEMONSET CONTAINER OUTDIR [HOSTPATH=DIR...]

Turn one container of a DaemonSet in YAML into what `podman run` needs to
run it as the kubelet would: OUTDIR/script (the `sh -c` script of its
command) and OUTDIR/args (podman run options, one a line: --privileged,
--network host, --pid host, and a -v per volumeMount, with the mount's
propagation and read-only flag). hostPath volumes map to the same host path
unless HOSTPATH=DIR maps them elsewhere; configMap volumes become
directories under OUTDIR holding their data. For test-deploy-agent.sh.
"""
import os
import sys

import yaml

PROPAGATION = {None: "", "None": "", "HostToContainer": "rslave", "Bidirectional": "rshared"}


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    path, ds_name, ctr_name, out = sys.argv[1:5]
    remap = dict(a.split("=", 1) for a in sys.argv[5:])
    docs = list(yaml.safe_load_all(open(path)))
    cms = {d["metadata"]["name"]: d for d in docs if d and d.get("kind") == "ConfigMap"}
    ds = [d for d in docs if d and d.get("kind") == "DaemonSet" and d["metadata"]["name"] == ds_name]
    if not ds:
        print(f"no DaemonSet {ds_name}", file=sys.stderr)
        return 1
    pod = ds[0]["spec"]["template"]["spec"]
    ctrs = [c for c in (pod.get("initContainers") or []) + pod["containers"] if c["name"] == ctr_name]
    if not ctrs:
        print(f"no container {ctr_name} in {ds_name}", file=sys.stderr)
        return 1
    c = ctrs[0]
    cmd = c.get("command") or []
    if len(cmd) < 3 or cmd[1] != "-c":
        print(f"{ctr_name}: command is not sh -c SCRIPT", file=sys.stderr)
        return 1
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "script"), "w") as f:
        f.write(cmd[2])
    args = []
    if (c.get("securityContext") or {}).get("privileged"):
        args.append("--privileged")
    if pod.get("hostNetwork"):
        args += ["--network", "host"]
    if pod.get("hostPID"):
        args += ["--pid", "host"]
    vols = {v["name"]: v for v in pod.get("volumes") or []}
    for m in c.get("volumeMounts") or []:
        v = vols[m["name"]]
        if "hostPath" in v:
            src = remap.get(v["hostPath"]["path"], v["hostPath"]["path"])
            if v["hostPath"].get("type") == "DirectoryOrCreate":
                os.makedirs(src, exist_ok=True)
        elif "configMap" in v:
            src = os.path.join(out, "configmap-" + m["name"])
            os.makedirs(src, exist_ok=True)
            for k, text in cms[v["configMap"]["name"]]["data"].items():
                with open(os.path.join(src, k), "w") as f:
                    f.write(text)
        else:
            print(f"volume {m['name']}: only hostPath and configMap are supported", file=sys.stderr)
            return 1
        opts = [o for o in ("ro" if m.get("readOnly") else "", PROPAGATION[m.get("mountPropagation")]) if o]
        args += ["-v", f"{src}:{m['mountPath']}" + (":" + ",".join(opts) if opts else "")]
    with open(os.path.join(out, "args"), "w") as f:
        f.write("\n".join(args) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

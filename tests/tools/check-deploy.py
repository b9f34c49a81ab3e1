#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check-deploy.py [--node-check PROG] DIR: check HeteroPod's cluster
deployment files offline (DIR is deploy/ or a copy of it).

Every YAML, JSON and TOML file must parse; the Kubernetes objects must have
what the API server requires of them and what HeteroPod relies on; the files
must agree with each other (the RuntimeClass handler is the one containerd
and CRI-O define, both point at the same heteropod-runtime the DaemonSet
installs, the ConfigMap carries node.conf verbatim, ...). The shell scripts
in container commands must pass `sh -n`. With --node-check, node.conf is
loaded by that program (tests' hp-config-check) as `heteropod node up`
would load it.

Prints one line per problem, "FILE: what is wrong", then a summary.
Exit status: 0 all good, 1 problems found, 2 bad usage.
"""
import fnmatch
import json
import os
import re
import subprocess
import sys
import tomllib

import yaml

PLACEMENT = "heteropod.io/placement"
RUNTIME = "heteropod-runtime"
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
NODE_NAME = re.compile(r"^[a-z0-9-]{1,8}$")
PU_DPU = re.compile(r"^dpu[0-9]{1,2}$")
NAMESPACED = {"ConfigMap", "DaemonSet", "Deployment", "ServiceAccount", "Pod"}
API_OF = {
    "Namespace": "v1",
    "ConfigMap": "v1",
    "DaemonSet": "apps/v1",
    "RuntimeClass": "node.k8s.io/v1",
}

problems = []


def bad(path, msg):
    problems.append(f"{path}: {msg}")


def get(d, *keys):
    for k in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def load_yaml(path):
    try:
        with open(path) as f:
            return [d for d in yaml.safe_load_all(f) if d is not None]
    except yaml.YAMLError as e:
        bad(path, f"not valid YAML: {e}".replace("\n", " "))
        return []


def check_object(path, o):
    where = f"{o.get('kind', '?')} {get(o, 'metadata', 'name') or '?'}"
    for k in ("apiVersion", "kind"):
        if not isinstance(o.get(k), str) or not o.get(k):
            bad(path, f"{where}: no {k}")
    name = get(o, "metadata", "name")
    if not isinstance(name, str) or not DNS_LABEL.match(name):
        bad(path, f"{where}: metadata.name must be a DNS label, not {name!r}")
    kind = o.get("kind")
    if kind in API_OF and o.get("apiVersion") != API_OF[kind]:
        bad(path, f"{where}: apiVersion must be {API_OF[kind]}, not {o.get('apiVersion')!r}")
    if kind in NAMESPACED and not get(o, "metadata", "namespace"):
        bad(path, f"{where}: no metadata.namespace")
    for k in ("labels", "annotations"):
        v = get(o, "metadata", k)
        if v is not None and (not isinstance(v, dict) or
                              not all(isinstance(x, str) for x in v.values())):
            bad(path, f"{where}: metadata.{k} values must be strings")
    return where


def check_script(path, where, cmd):
    """sh -n on `sh -c SCRIPT` commands."""
    if (isinstance(cmd, list) and len(cmd) >= 3 and
            os.path.basename(str(cmd[0])) in ("sh", "bash") and cmd[1] == "-c"):
        r = subprocess.run([os.path.basename(cmd[0]), "-n", "-c", cmd[2]],
                           capture_output=True, text=True)
        if r.returncode != 0:
            bad(path, f"{where}: shell syntax error in its command: "
                f"{r.stderr.strip().splitlines()[-1] if r.stderr.strip() else '?'}")
        return cmd[2]
    return ""


def check_pod_spec(path, where, spec):
    """Returns (scripts, hostPath paths) for cross-checks."""
    scripts, host_paths = [], {}
    if not isinstance(spec, dict):
        bad(path, f"{where}: no pod template spec")
        return scripts, host_paths
    vols = {}
    for v in spec.get("volumes") or []:
        n = v.get("name")
        if n in vols:
            bad(path, f"{where}: volume {n!r} declared twice")
        vols[n] = v
        if "hostPath" in v:
            p = get(v, "hostPath", "path")
            if not isinstance(p, str) or not p.startswith("/"):
                bad(path, f"{where}: volume {n!r}: hostPath.path must be absolute")
            host_paths[p] = n
    containers = spec.get("containers")
    if not isinstance(containers, list) or not containers:
        bad(path, f"{where}: no containers")
        containers = []
    names = set()
    for kind, lst in (("container", containers), ("initContainer", spec.get("initContainers") or [])):
        for c in lst:
            cn = c.get("name")
            if not isinstance(cn, str) or not DNS_LABEL.match(cn):
                bad(path, f"{where}: a {kind} without a valid name ({cn!r})")
            if cn in names:
                bad(path, f"{where}: {kind} name {cn!r} used twice")
            names.add(cn)
            if not isinstance(c.get("image"), str) or not c.get("image"):
                bad(path, f"{where}: {kind} {cn!r} has no image")
            for m in c.get("volumeMounts") or []:
                if m.get("name") not in vols:
                    bad(path, f"{where}: {kind} {cn!r} mounts undeclared volume {m.get('name')!r}")
                if not str(m.get("mountPath", "")).startswith("/"):
                    bad(path, f"{where}: {kind} {cn!r}: mountPath must be absolute")
                if m.get("mountPropagation") == "Bidirectional" and \
                        not get(c, "securityContext", "privileged"):
                    bad(path, f"{where}: {kind} {cn!r}: Bidirectional propagation needs privileged")
            s = check_script(path, f"{where} {kind} {cn}", c.get("command"))
            if s:
                scripts.append((kind, cn, s))
    return scripts, host_paths


def check_daemonset(path, o, where):
    spec = o.get("spec") or {}
    sel = get(spec, "selector", "matchLabels")
    labels = get(spec, "template", "metadata", "labels") or {}
    if not isinstance(sel, dict) or not sel:
        bad(path, f"{where}: no spec.selector.matchLabels")
    else:
        for k, v in sel.items():
            if labels.get(k) != v:
                bad(path, f"{where}: selector {k}={v} does not match the template's labels")
    pod = get(spec, "template", "spec")
    scripts, host_paths = check_pod_spec(path, where, pod)
    pod = pod or {}
    if pod.get("hostNetwork") is not True:
        bad(path, f"{where}: agents need hostNetwork: true")
    if pod.get("hostPID") is not True:
        bad(path, f"{where}: agents need hostPID: true (they outlive the container in their PU partitions)")
    for c in pod.get("containers") or []:
        if not get(c, "securityContext", "privileged"):
            bad(path, f"{where}: container {c.get('name')!r} must be privileged")
    for p in ("/run/heteropod", "/sys/fs/bpf", "/dev/shm", "/sys/fs/cgroup", "/run/netns"):
        if p not in host_paths:
            bad(path, f"{where}: no hostPath volume for {p}")
    return pod.get("nodeSelector") or {}, scripts, host_paths


def main():
    args = sys.argv[1:]
    node_check = None
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if len(args) >= 2 and args[0] == "--node-check":
        node_check = args[1]
        args = args[2:]
    if len(args) != 1 or not os.path.isdir(args[0]):
        print("usage: check-deploy.py [--node-check PROG] DIR", file=sys.stderr)
        return 2
    d = args[0]
    p_rc = os.path.join(d, "runtimeclass.yaml")
    p_ds = os.path.join(d, "agents-daemonset.yaml")
    p_ctd = os.path.join(d, "containerd-heteropod.toml")
    p_crio = os.path.join(d, "crio-heteropod.conf")
    p_cni = os.path.join(d, "cni", "10-heteropod.conflist")
    p_node = os.path.join(d, "node.conf")
    for p in (p_rc, p_ds, p_ctd, p_crio, p_cni, p_node):
        if not os.path.isfile(p):
            bad(p, "missing")
    checked = 0

    # Every YAML file: well-formed objects.
    objects = {}
    for root, _, files in os.walk(d):
        for f in sorted(files):
            p = os.path.join(root, f)
            if f.endswith((".yaml", ".yml")):
                for o in load_yaml(p):
                    checked += 1
                    if not isinstance(o, dict):
                        bad(p, "a document that is not a mapping")
                        continue
                    w = check_object(p, o)
                    objects.setdefault(o.get("kind"), []).append((p, o, w))
            elif f.endswith((".json", ".conflist")):
                checked += 1
                try:
                    with open(p) as fh:
                        json.load(fh)
                except ValueError as e:
                    bad(p, f"not valid JSON: {e}")
            elif f.endswith((".toml", ".conf")) and f != "node.conf":
                checked += 1
                try:
                    with open(p, "rb") as fh:
                        tomllib.load(fh)
                except tomllib.TOMLDecodeError as e:
                    bad(p, f"not valid TOML: {e}")

    # RuntimeClass.
    handler = None
    rcs = objects.get("RuntimeClass", [])
    if len(rcs) != 1:
        bad(p_rc, f"want exactly one RuntimeClass, found {len(rcs)}")
    for p, o, w in rcs:
        if get(o, "metadata", "name") != "heteropod":
            bad(p, f"{w}: the RuntimeClass must be named heteropod")
        handler = o.get("handler")
        if not isinstance(handler, str) or not DNS_LABEL.match(handler):
            bad(p, f"{w}: handler must be a DNS label, not {handler!r}")
            handler = None
        rc_sel = get(o, "scheduling", "nodeSelector") or {}
        if rc_sel.get("heteropod.io/pu") != "host":
            bad(p, f"{w}: scheduling.nodeSelector must keep HeteroPods on heteropod.io/pu=host nodes")

    # DaemonSets: one for host nodes, one for DPU nodes.
    host_ds = dpu_ds = None
    for p, o, w in objects.get("DaemonSet", []):
        sel, scripts, host_paths = check_daemonset(p, o, w)
        if sel.get("heteropod.io/pu") == "host":
            host_ds = (p, o, w, scripts, host_paths)
        elif sel.get("heteropod.io/pu") == "dpu":
            dpu_ds = (p, o, w, scripts, host_paths)
            if sel.get("kubernetes.io/arch") != "arm64":
                bad(p, f"{w}: the DPU agents' nodeSelector must include kubernetes.io/arch=arm64")
        else:
            bad(p, f"{w}: nodeSelector selects neither heteropod.io/pu=host nor =dpu")
    if not host_ds:
        bad(p_ds, "no DaemonSet for host nodes (nodeSelector heteropod.io/pu=host)")
    if not dpu_ds:
        bad(p_ds, "no DaemonSet for DPU nodes (nodeSelector heteropod.io/pu=dpu)")
    installed = set()
    if host_ds:
        p, o, w, scripts, host_paths = host_ds
        agent = " ".join(s for k, _, s in scripts if k == "container")
        if "node up" not in agent or "node status" not in agent:
            bad(p, f"{w}: the host agent container must run `heteropod node up` and watch `node status`")
        inst = " ".join(s for k, _, s in scripts if k == "initContainer")
        for b, dst in ((RUNTIME, "/host/usr/local/bin"), ("heteronet", "/host/opt/cni/bin")):
            if b not in inst or dst not in inst:
                bad(p, f"{w}: no init container installs {b} into {dst}")
        for hp, want in (("/opt/cni/bin", "CNI plugins"), ("/usr/local/bin", RUNTIME)):
            if hp not in host_paths:
                bad(p, f"{w}: no hostPath {hp} to install {want} into")
        if "/host/usr/local/bin" in inst:
            installed.add("/usr/local/bin/" + RUNTIME)
    if dpu_ds:
        p, o, w, scripts, _ = dpu_ds
        agent = " ".join(s for k, _, s in scripts if k == "container")
        if not re.search(r"heteropodd\s+--node\s+\S+\s+--pu\s+\S+", agent):
            bad(p, f"{w}: the DPU agent container must run `heteropodd --node NAME --pu dpuN`")
        tol = get(o, "spec", "template", "spec", "tolerations") or []
        if not any(t.get("key") == "heteropod.io/pu" and t.get("effect") == "NoSchedule" for t in tol):
            bad(p, f"{w}: must tolerate the heteropod.io/pu=dpu:NoSchedule taint of DPU nodes")

    # The ConfigMap carries node.conf verbatim; node.conf loads.
    cms = [x for x in objects.get("ConfigMap", []) if get(x[1], "metadata", "name") == "heteropod-node"]
    if not cms:
        bad(p_ds, "no ConfigMap heteropod-node")
    elif os.path.isfile(p_node):
        with open(p_node) as fh:
            text = fh.read()
        if get(cms[0][1], "data", "node.conf") != text:
            bad(cms[0][0], "ConfigMap heteropod-node's node.conf differs from node.conf")
    if node_check and os.path.isfile(p_node):
        r = subprocess.run([node_check, p_node], capture_output=True, text=True)
        if r.returncode != 0:
            bad(p_node, f"rejected: {r.stderr.strip()}")

    # containerd.
    try:
        with open(p_ctd, "rb") as fh:
            ctd = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        ctd = None
    binaries = {}
    if ctd is not None:
        if ctd.get("version") != 2:
            bad(p_ctd, f"version must be 2 (containerd 1.6/1.7 configuration), not {ctd.get('version')!r}")
        rts = get(ctd, "plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes") or {}
        rt = rts.get(handler) if handler else None
        if not isinstance(rt, dict):
            bad(p_ctd, f"no runtime handler {handler!r} (the RuntimeClass's)")
        else:
            if rt.get("runtime_type") != "io.containerd.runc.v2":
                bad(p_ctd, f"runtime_type must be io.containerd.runc.v2, not {rt.get('runtime_type')!r}")
            b = get(rt, "options", "BinaryName")
            if not isinstance(b, str) or not b.startswith("/") or not b.endswith("/" + RUNTIME):
                bad(p_ctd, f"options.BinaryName must be the absolute path of {RUNTIME}, not {b!r}")
            else:
                binaries["containerd"] = b
            pa = rt.get("pod_annotations") or []
            if not any(fnmatch.fnmatchcase(PLACEMENT, x) for x in pa):
                bad(p_ctd, f"pod_annotations must pass {PLACEMENT} on (containerd drops the others)")

    # CRI-O.
    try:
        with open(p_crio, "rb") as fh:
            crio = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        crio = None
    if crio is not None:
        rt = get(crio, "crio", "runtime", "runtimes", handler) if handler else None
        if not isinstance(rt, dict):
            bad(p_crio, f"no [crio.runtime.runtimes.{handler}] (the RuntimeClass's handler)")
        else:
            b = rt.get("runtime_path")
            if not isinstance(b, str) or not b.startswith("/") or not b.endswith("/" + RUNTIME):
                bad(p_crio, f"runtime_path must be the absolute path of {RUNTIME}, not {b!r}")
            else:
                binaries["CRI-O"] = b
            if rt.get("runtime_type", "oci") != "oci":
                bad(p_crio, f"runtime_type must be oci, not {rt.get('runtime_type')!r}")
            if PLACEMENT not in (rt.get("allowed_annotations") or []):
                bad(p_crio, f"allowed_annotations must include {PLACEMENT}")
    for who, b in binaries.items():
        if installed and b not in installed:
            bad(p_ds, f"{who} runs {b}, but the DaemonSet installs {sorted(installed)}")

    # CNI: a primary plugin with IPAM, then heteronet.
    try:
        with open(p_cni) as fh:
            cni = json.load(fh)
    except (OSError, ValueError):
        cni = None
    if cni is not None:
        for k in ("cniVersion", "name", "plugins"):
            if k not in cni:
                bad(p_cni, f"no {k}")
        plugins = cni.get("plugins") or []
        types = [x.get("type") for x in plugins]
        if "heteronet" not in types:
            bad(p_cni, "no heteronet plugin")
        else:
            i = types.index("heteronet")
            if not any(get(x, "ipam", "type") for x in plugins[:i]):
                bad(p_cni, "heteronet must come after a primary plugin with ipam (it adopts that plugin's result)")
            h = plugins[i]
            if not NODE_NAME.match(str(h.get("node", "hp"))):
                bad(p_cni, f"heteronet: node must be 1-8 of a-z 0-9 -, not {h.get('node')!r}")
            if not PU_DPU.match(str(h.get("dpu", "dpu0"))):
                bad(p_cni, f"heteronet: dpu must be dpuN, not {h.get('dpu')!r}")
            if os.path.isfile(p_node):
                m = re.search(r"^\s*name\s*=\s*([a-z0-9-]+)", open(p_node).read(), re.M)
                if m and h.get("node", "hp") != m.group(1):
                    bad(p_cni, f"heteronet's node {h.get('node')!r} is not node.conf's {m.group(1)!r}")
        if not re.match(r"^[0-9]+\.[0-9]+\.[0-9]+$", str(cni.get("cniVersion"))):
            bad(p_cni, f"cniVersion must be X.Y.Z, not {cni.get('cniVersion')!r}")

    for line in problems:
        print(line)
    print(f"check-deploy: {checked} files/objects, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""cni-chain.py ADD|CHECK|DEL CONFLIST CONTAINERID NETNS IFNAME [CNI_ARGS]

Run a CNI network configuration list the way a runtime's libcni does: each
plugin of CONFLIST in order (ADD) or in reverse (DEL), found in CNI_PATH,
with the list's name and cniVersion folded into its configuration and the
previous plugin's result as prevResult (for DEL and CHECK, the ADD's result
from a cache file next to CONFLIST). Prints the final result; exit 1 with
the plugin's error object when one fails. For test-deploy-cni.sh.
"""
import json
import os
import subprocess
import sys


def run(plugin, conf, env, cmd):
    path = None
    for d in os.environ.get("CNI_PATH", "").split(":"):
        if d and os.access(os.path.join(d, plugin["type"]), os.X_OK):
            path = os.path.join(d, plugin["type"])
            break
    if not path:
        print(f"cni-chain: plugin {plugin['type']} not found in CNI_PATH", file=sys.stderr)
        sys.exit(1)
    r = subprocess.run([path], input=json.dumps(conf), capture_output=True, text=True,
                       env=dict(env, CNI_COMMAND=cmd))
    if r.returncode != 0:
        print(f"cni-chain: {plugin['type']} {cmd} failed: {r.stdout.strip()} {r.stderr.strip()}",
              file=sys.stderr)
        sys.exit(1)
    return json.loads(r.stdout) if r.stdout.strip() else None


def main():
    if len(sys.argv) < 6:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, conflist, cid, netns, ifname = sys.argv[1:6]
    env = dict(os.environ, CNI_CONTAINERID=cid, CNI_NETNS=netns, CNI_IFNAME=ifname,
               CNI_ARGS=sys.argv[6] if len(sys.argv) > 6 else "")
    nl = json.load(open(conflist))
    cache = conflist + "." + cid + ".result"
    plugins = nl["plugins"]
    prev = None
    if cmd in ("DEL", "CHECK") and os.path.exists(cache):
        prev = json.load(open(cache))
    order = reversed(plugins) if cmd == "DEL" else plugins
    for p in order:
        conf = dict(p, name=nl["name"], cniVersion=nl["cniVersion"])
        if prev is not None:
            conf["prevResult"] = prev
        out = run(p, conf, env, cmd)
        if cmd == "ADD":
            prev = out
    if cmd == "ADD":
        json.dump(prev, open(cache, "w"))
        print(json.dumps(prev))
    elif cmd == "DEL" and os.path.exists(cache):
        os.unlink(cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())

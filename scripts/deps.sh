#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian packages HeteroPod needs to build, test and demo.
# Idempotent: only missing packages are installed, and apt-get update runs
# only when something is missing.
set -euo pipefail

pkgs=(
	# build
	build-essential cmake pkg-config clang llvm libclang-rt-14-dev
	# libraries we link
	libbpf-dev libelf-dev zlib1g-dev libjansson-dev libyaml-dev libglpk-dev
	libcmocka-dev
	# eBPF skeletons
	bpftool
	# the emulated node and hetero-netns
	iproute2 iptables util-linux procps
	# real programs the tests and the demo drive (glpsol checks the planner's
	# written model, strace the mode --annotate creates its files with)
	glpk-utils curl python3 python3-yaml socat jq wrk nginx-light busybox-static iperf3
	strace
	# real container engines and CNI plugins (HeteroK8s)
	podman runc crun conmon containernetworking-plugins
	# podman builds its pods' pause image around catatonit (a Recommends, which
	# --no-install-recommends leaves out: "finding pause binary")
	catatonit
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null

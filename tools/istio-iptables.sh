#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The nat rules Istio's istio-iptables (REDIRECT mode) installs in a pod's
# network namespace, for the flags injected pods pass it, e.g.
#   istio-iptables -p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x "" -b '*' -d 15090,15021,15020
# Run it inside a pod half (heteropod exec POD --pu PU -- tools/istio-iptables.sh ...).
# It applies the same chains and rules in the same order as Istio, so
# hetero-netns is tested against what Istio really does.
set -euo pipefail

proxy_port=15001 inbound_port=15006 uid=1337 gid="" mode=REDIRECT
include_out='*' exclude_out="" include_in='*' exclude_in=""

usage() {
	echo "usage: $0 [-p PORT] [-z PORT] [-u UID] [-g GID] [-m REDIRECT] [-i CIDRS] [-x CIDRS] [-b PORTS] [-d PORTS]" >&2
	exit 2
}
while getopts "p:z:u:g:m:i:x:b:d:h" o; do
	case $o in
	p) proxy_port=$OPTARG ;;
	z) inbound_port=$OPTARG ;;
	u) uid=$OPTARG ;;
	g) gid=$OPTARG ;;
	m) mode=$OPTARG ;;
	i) include_out=$OPTARG ;;
	x) exclude_out=$OPTARG ;;
	b) include_in=$OPTARG ;;
	d) exclude_in=$OPTARG ;;
	*) usage ;;
	esac
done
[ "$mode" = REDIRECT ] || { echo "$0: only -m REDIRECT is supported" >&2; exit 2; }
gid=${gid:-$uid}

{
	echo "*nat"
	echo ":ISTIO_INBOUND - [0:0]"
	echo ":ISTIO_REDIRECT - [0:0]"
	echo ":ISTIO_IN_REDIRECT - [0:0]"
	echo ":ISTIO_OUTPUT - [0:0]"
	echo "-A ISTIO_INBOUND -p tcp --dport 15008 -j RETURN"
	echo "-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports $proxy_port"
	echo "-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports $inbound_port"
	if [ -n "$include_in" ]; then
		echo "-A PREROUTING -p tcp -j ISTIO_INBOUND"
		if [ "$include_in" = '*' ]; then
			IFS=, read -ra ex <<<"$exclude_in"
			for p in "${ex[@]}"; do
				[ -n "$p" ] && echo "-A ISTIO_INBOUND -p tcp --dport $p -j RETURN"
			done
			echo "-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT"
		else
			IFS=, read -ra in <<<"$include_in"
			for p in "${in[@]}"; do
				echo "-A ISTIO_INBOUND -p tcp --dport $p -j ISTIO_IN_REDIRECT"
			done
		fi
	fi
	echo "-A OUTPUT -p tcp -j ISTIO_OUTPUT"
	echo "-A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN"
	for u in ${uid//,/ }; do
		echo "-A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -m owner --uid-owner $u -j ISTIO_IN_REDIRECT"
		echo "-A ISTIO_OUTPUT -o lo -m owner ! --uid-owner $u -j RETURN"
		echo "-A ISTIO_OUTPUT -m owner --uid-owner $u -j RETURN"
	done
	for g in ${gid//,/ }; do
		echo "-A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -m owner --gid-owner $g -j ISTIO_IN_REDIRECT"
		echo "-A ISTIO_OUTPUT -o lo -m owner ! --gid-owner $g -j RETURN"
		echo "-A ISTIO_OUTPUT -m owner --gid-owner $g -j RETURN"
	done
	echo "-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN"
	IFS=, read -ra ex <<<"$exclude_out"
	for c in "${ex[@]}"; do
		[ -n "$c" ] && echo "-A ISTIO_OUTPUT -d $c -j RETURN"
	done
	if [ "$include_out" = '*' ]; then
		echo "-A ISTIO_OUTPUT -j ISTIO_REDIRECT"
	elif [ -n "$include_out" ]; then
		IFS=, read -ra in <<<"$include_out"
		for c in "${in[@]}"; do
			echo "-A ISTIO_OUTPUT -d $c -j ISTIO_REDIRECT"
		done
	fi
	echo "COMMIT"
} | iptables-restore --noflush

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build HeteroPod's local container images from Debian's own files and import
# them into podman, without any registry: the root file system is assembled in
# a temp dir (binaries, the shared libraries ldd names, the data files they
# read), tarred and `podman import`ed.
#
# Idempotent: every image carries the label io.heteropod.content, the sha256
# of its recipe (each file's destination, mode and content hash, each link,
# each directory, the image config). When the image in podman already has that
# label, nothing is rebuilt. Progress goes to stderr; stdout gets one line per
# image ("REF STATUS ID"), or a JSON array with --json.
set -euo pipefail

PROG=${0##*/}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=${HP_IMAGE_PREFIX:-localhost/heteropod} # tests use their own
LABEL=io.heteropod.content
ALL_IMAGES=(toolbox busybox node)
DEFAULT_IMAGES=(toolbox busybox) # node needs a build tree: only when named
HP_BUILD=${HP_BUILD:-$SRC/build}
LOCK=/run/lock/heteropod-images.lock

usage() {
	cat <<EOF
usage: $PROG [--force] [--json] [--iptables nft|legacy] [IMAGE...]
       $PROG --remove [IMAGE...]
       $PROG --help

Build (or, with --remove, delete) HeteroPod's local podman images, offline,
from the files of the Debian packages installed on this machine:

  toolbox  $PREFIX/toolbox:latest  busybox applets, bash, nginx, curl,
           iptables (nft and legacy backends), istio-iptables, Istio's
           users (root, istio-proxy uid 1337)
  busybox  $PREFIX/busybox:latest  busybox applets only
  node     $PREFIX/node:latest     the node agents' image (deploy/):
           heteropod, heteropodd, heteropod-runtime, heteronet from the
           build tree (\$HP_BUILD, default build/), ip, iptables, sysctl, runc

With no IMAGE: toolbox and busybox (node only when named; --remove: all).
An image whose content label matches the recipe is left alone (a no-op
run); --force rebuilds it anyway.

Options:
  --force             rebuild even when the image is up to date
  --iptables BACKEND  what iptables, iptables-restore and iptables-save run in
                      the toolbox: nft or legacy (default: the backend this
                      host's iptables uses, so rules a container installs land
                      in the same tables as the host tools'; both backends are
                      always there as iptables-nft* and iptables-legacy*)
  --json              print the result as JSON on stdout
  --remove            remove the images (podman rmi) instead of building them
  --help              this text

Environment: HP_IMAGE_PREFIX replaces localhost/heteropod in the names;
HP_BUILD is the build tree the node image takes its programs from.
Exit status: 0 done, 1 a build or podman failure, 2 bad arguments.
EOF
}

die_usage() {
	echo "$PROG: $*" >&2
	echo "try '$PROG --help'" >&2
	exit 2
}
die() {
	echo "$PROG: $*" >&2
	exit 1
}
say() { echo "$PROG: $*" >&2; }

force=0 json=0 remove=0 backend="" named="" images=()
while [ $# -gt 0 ]; do
	case $1 in
	--help | -h) usage; exit 0 ;;
	--force) force=1 ;;
	--json) json=1 ;;
	--remove) remove=1 ;;
	--iptables)
		[ $# -ge 2 ] || die_usage "--iptables needs a backend (nft or legacy)"
		backend=$2
		shift
		;;
	--iptables=*) backend=${1#*=} ;;
	-*) die_usage "unknown option '$1'" ;;
	*)
		ok=0
		for i in "${ALL_IMAGES[@]}"; do [ "$1" = "$i" ] && ok=1; done
		[ $ok = 1 ] || die_usage "unknown image '$1' (known: ${ALL_IMAGES[*]})"
		images+=("$1")
		named=1
		;;
	esac
	shift
done
[ ${#images[@]} -gt 0 ] || images=("${DEFAULT_IMAGES[@]}")
case $backend in
"")
	if readlink -f "$(command -v iptables 2>/dev/null || echo /nonexistent)" | grep -q legacy; then
		backend=legacy
	else
		backend=nft
	fi
	;;
nft | legacy) ;;
*) die_usage "--iptables: '$backend' is neither nft nor legacy" ;;
esac
if [ $remove = 1 ] && [ $force = 1 ]; then
	die_usage "--remove and --force do not go together"
fi

command -v podman >/dev/null || die "podman is not installed (scripts/deps.sh installs it)"
[ "$(id -u)" -eq 0 ] || die "run as root: the images go to root's podman storage"

# One run at a time: concurrent tests and demos share the image names.
exec 9>"$LOCK"
flock 9

results=()
report() { results+=("$1 $2 $3"); }

print_results() {
	local r ref st id first=1
	if [ $json = 1 ]; then
		printf '['
		for r in "${results[@]}"; do
			read -r ref st id <<<"$r"
			[ $first = 1 ] || printf ','
			first=0
			printf '{"image":"%s","status":"%s","id":"%s"}' "$ref" "$st" "$id"
		done
		printf ']\n'
	else
		for r in "${results[@]}"; do echo "$r"; done
	fi
}

if [ $remove = 1 ]; then
	[ -n "${named:-}" ] || images=("${ALL_IMAGES[@]}")
	rc=0
	for img in "${images[@]}"; do
		ref=$PREFIX/$img:latest
		if ! podman image exists "$ref"; then
			say "$ref: not present"
			report "$ref" absent -
			continue
		fi
		say "$ref: removing"
		if podman rmi "$ref" >/dev/null; then
			report "$ref" removed -
		else
			rc=1
			report "$ref" in-use -
		fi
	done
	print_results
	exit $rc
fi

# ---------------------------------------------------------------------------
# The recipe: a manifest of operations, one a line (tab separated):
#   dir   MODE  PATH
#   file  MODE  PATH  SOURCE      (SOURCE's content at PATH)
#   link  PATH  TARGET
#   conf  CHANGE                  (a podman import --change)
# Paths are absolute inside the image. The content hash is computed from the
# manifest with every SOURCE replaced by its sha256, so it changes exactly
# when the image would.

WORK=$(mktemp -d /tmp/hp-images-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
MANIFEST=
declare -A SEEN=()
ntext=0

emit() {
	local IFS=$'\t'
	printf '%s\n' "$*" >>"$MANIFEST"
}
add_dir() { emit dir "$1" "$2"; }
add_link() { # PATH TARGET
	[ -z "${SEEN[$1]:-}" ] || return 0
	SEEN[$1]=1
	emit link "$1" "$2"
}
# add_text MODE PATH <<EOF: a file with this content
add_text() {
	ntext=$((ntext + 1))
	cat >"$WORK/text.$ntext"
	SEEN[$2]=1
	emit file "$1" "$2" "$WORK/text.$ntext"
}
# The canonical form of a host path: its directory with symlinks resolved
# (/lib/x -> /usr/lib/x on merged-/usr Debian), its last component kept.
canon() {
	local d
	d=$(readlink -f "$(dirname "$1")")
	echo "${d%/}/${1##*/}"
}
# add_path PATH: a host file at the same path, following its symlink chain
# (each link is recreated, each target copied).
add_path() {
	local p t
	[ -z "${SEEN[$1]:-}" ] || return 0
	SEEN[$1]=1
	p=$(canon "$1")
	if [ "$p" != "$1" ]; then
		[ -z "${SEEN[$p]:-}" ] || return 0
		SEEN[$p]=1
	fi
	if [ -L "$p" ]; then
		t=$(readlink "$p")
		emit link "$p" "$t"
		case $t in
		/*) add_path "$t" ;;
		*) add_path "$(dirname "$p")/$t" ;;
		esac
	elif [ -f "$p" ]; then
		emit file "$(stat -c %a "$p")" "$p" "$p"
	else
		die "$p: not a file on this host (is its package installed? scripts/deps.sh)"
	fi
}
# add_copy SOURCE DEST [MODE]: a host file at another path.
add_copy() {
	[ -f "$1" ] || die "$1: not a file on this host (is its package installed?)"
	SEEN[$2]=1
	emit file "${3:-$(stat -c %a "$1")}" "$2" "$1"
}
# add_libs FILE...: every shared library ldd says the files load.
add_libs() {
	local lib out
	# One ldd for all: "FILE:" headers, then "libx.so => /path (0x..)" and
	# "/lib64/ld-linux-x86-64.so.2 (0x..)" lines.
	out=$(ldd "$@" 2>&1) || true
	if grep -q 'not found' <<<"$out"; then
		die "a shared library is missing: $(grep 'not found' <<<"$out" | head -1) ($*)"
	fi
	while read -r lib; do
		add_path "$lib"
	done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && NF == 2 { print $1 }' <<<"$out" | sort -u)
}
# add_elf PATH...: host programs at their own paths, with their libraries.
add_elf() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || die "$f: not a file on this host (is its package installed? scripts/deps.sh)"
		add_path "$f"
	done
	add_libs "$@"
}

base_layout() {
	local d
	for d in /usr /usr/bin /usr/sbin /usr/lib /usr/lib64 /usr/local /usr/local/bin /etc \
		/var /var/lib /var/log /proc /sys /dev /root; do
		add_dir 755 "$d"
	done
	add_dir 1777 /tmp
	add_dir 1777 /run
	add_dir 1777 /var/tmp
	add_link /bin usr/bin
	add_link /sbin usr/sbin
	add_link /lib usr/lib
	add_link /lib64 usr/lib64
	add_link /var/run /run
	add_text 644 /etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
istio-proxy:x:1337:1337:istio-proxy:/tmp:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
	add_text 644 /etc/group <<'EOF'
root:x:0:
www-data:x:33:
istio-proxy:x:1337:
nogroup:x:65534:
EOF
	add_text 644 /etc/nsswitch.conf <<'EOF'
passwd: files
group: files
shadow: files
hosts: files dns
networks: files
protocols: files
services: files
EOF
	add_text 644 /etc/hosts <<'EOF'
127.0.0.1 localhost
::1 localhost ip6-localhost ip6-loopback
EOF
	add_text 644 /etc/hostname <<<"heteropod"
	add_copy /etc/protocols /etc/protocols 644
	add_copy /etc/services /etc/services 644
}

busybox_applets() {
	local a
	add_path /usr/bin/busybox
	# --list-full names applets by their classic path (bin/sh, sbin/ip, ...);
	# on merged /usr they all live under /usr. Real programs added before
	# keep their names.
	while read -r a; do
		case $a in
		bin/* | sbin/*) a=usr/$a ;;
		esac
		case $a in usr/bin/busybox | linuxrc) continue ;; esac
		# A real program of that name, in either bin, wins (PATH has
		# sbin first).
		[ -z "${SEEN[/usr/bin/${a##*/}]:-}" ] && [ -z "${SEEN[/usr/sbin/${a##*/}]:-}" ] || continue
		add_link "/$a" /usr/bin/busybox
	done < <(/usr/bin/busybox --list-full)
}

recipe_busybox() {
	base_layout
	busybox_applets
	emit conf 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	emit conf 'WORKDIR /'
	emit conf 'CMD ["/bin/sh"]'
}

# iptables: both backends, the chosen one under the plain names.
iptables_tools() {
	local b x s
	add_elf /usr/sbin/xtables-nft-multi /usr/sbin/xtables-legacy-multi
	for b in nft legacy; do
		for x in iptables ip6tables; do
			for s in "" -restore -save; do
				add_link "/usr/sbin/$x-$b$s" "xtables-$b-multi"
			done
		done
	done
	for x in iptables ip6tables; do
		for s in "" -restore -save; do
			add_link "/usr/sbin/$x$s" "xtables-$backend-multi"
		done
	done
	# The match and target extensions (REDIRECT, owner, conntrack, ...),
	# loaded at run time by name.
	add_elf /usr/lib/x86_64-linux-gnu/xtables/*.so
	add_copy /etc/ethertypes /etc/ethertypes 644

}

recipe_toolbox() {
	local x
	base_layout

	# bash: tools/istio-iptables.sh uses arrays and here-strings.
	add_elf /usr/bin/bash
	add_elf /usr/bin/curl

	iptables_tools

	# Istio's init container: `istio-iptables -p 15001 -z 15006 -u 1337 ...`.
	add_copy "$SRC/tools/istio-iptables.sh" /usr/local/bin/istio-iptables 755

	# nginx: an app (default config, :8080) and an L7 sidecar proxy
	# (/etc/nginx/sidecar.conf, :15006 -> 127.0.0.1:8080). Any uid may run
	# it: the pid, log and temp dirs are world-writable.
	add_elf /usr/sbin/nginx
	add_dir 755 /etc/nginx
	add_dir 755 /etc/nginx/conf.d
	add_copy /etc/nginx/mime.types /etc/nginx/mime.types 644
	add_copy /etc/nginx/proxy_params /etc/nginx/proxy_params 644
	add_dir 1777 /var/log/nginx
	add_dir 1777 /var/lib/nginx
	for x in body proxy fastcgi scgi uwsgi; do
		add_dir 1777 "/var/lib/nginx/$x"
	done
	add_dir 755 /usr/share/nginx
	add_dir 755 /usr/share/nginx/html
	add_text 644 /usr/share/nginx/html/index.html <<<"hello from heteropod"
	add_text 644 /etc/nginx/nginx.conf <<'EOF'
# HeteroPod toolbox: the application. Serves :8080 (GET / answers
# "hello from <hostname>", /healthz "ok"); conf.d/*.conf adds servers.
worker_processes 1;
pid /run/nginx.pid;
error_log stderr warn;
events {
	worker_connections 1024;
}
http {
	include /etc/nginx/mime.types;
	default_type text/plain;
	access_log off;
	sendfile on;
	keepalive_requests 100000;
	server {
		listen 8080 reuseport;
		location = /healthz {
			return 200 "ok\n";
		}
		location = /index.html {
			root /usr/share/nginx/html;
		}
		location / {
			return 200 "hello from $hostname\n";
		}
	}
	include /etc/nginx/conf.d/*.conf;
}
EOF
	add_text 644 /etc/nginx/sidecar.conf <<'EOF'
# HeteroPod toolbox: an L7 sidecar proxy in Istio's place. Inbound :15006
# (where istio-iptables redirects the pod's incoming TCP) is proxied to the
# application on 127.0.0.1:8080, adding X-HeteroPod-Proxy: <hostname>.
# :15021/healthz/ready answers like Istio's readiness port.
# Run it as uid 1337 (istio-proxy) so Istio's rules let its own traffic out.
worker_processes 1;
pid /run/nginx-sidecar.pid;
error_log stderr warn;
events {
	worker_connections 1024;
}
http {
	default_type text/plain;
	access_log off;
	keepalive_requests 100000;
	upstream app {
		server 127.0.0.1:8080;
		keepalive 32;
	}
	server {
		listen 15006 reuseport;
		location / {
			proxy_pass http://app;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host $host;
			add_header X-HeteroPod-Proxy $hostname always;
		}
	}
	server {
		listen 15021;
		location /healthz/ready {
			return 200 "ok\n";
		}
	}
}
EOF
	busybox_applets

	emit conf 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	emit conf 'WORKDIR /'
	emit conf 'CMD ["/bin/sh"]'
	emit conf "LABEL io.heteropod.iptables=$backend"
}

# The node agents' image (deploy/agents-daemonset.yaml): HeteroPod's
# programs from the build tree, where `cmake --install` puts them, and the
# programs they run (ip, iptables-restore, sysctl, runc).
recipe_node() {
	local b found=()
	base_layout
	[ -x "$HP_BUILD/heteropod" ] && [ -x "$HP_BUILD/heteropodd" ] ||
		die "node: $HP_BUILD has no heteropod/heteropodd (run make build, or set HP_BUILD)"
	for b in heteropod heteropodd heteropod-runtime; do
		if [ -x "$HP_BUILD/$b" ]; then
			add_copy "$HP_BUILD/$b" "/usr/local/bin/$b" 755
			found+=("$HP_BUILD/$b")
		else
			say "node: $HP_BUILD/$b is not built; the image goes without it"
		fi
	done
	add_dir 755 /opt
	add_dir 755 /opt/cni
	add_dir 755 /opt/cni/bin
	if [ -x "$HP_BUILD/heteronet" ]; then
		add_copy "$HP_BUILD/heteronet" /opt/cni/bin/heteronet 755
		found+=("$HP_BUILD/heteronet")
	else
		say "node: $HP_BUILD/heteronet is not built; the image goes without it"
	fi
	add_libs "${found[@]}"
	add_elf /usr/bin/ip /usr/sbin/sysctl /usr/sbin/runc
	for b in /etc/iproute2/*; do
		[ -f "$b" ] && add_copy "$b" "$b" 644
	done
	add_dir 755 /run/netns
	add_dir 755 /etc/heteropod
	iptables_tools
	busybox_applets
	emit conf 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	emit conf 'WORKDIR /'
	emit conf 'CMD ["/bin/sh"]'
	emit conf "LABEL io.heteropod.iptables=$backend"
}

# The content hash of a manifest.
manifest_hash() {
	awk -F'\t' '$1 == "file" { print $4 }' "$1" | sort -u | xargs -r -d '\n' sha256sum >"$1.sums"
	awk -F'\t' 'NR == FNR { sum[substr($0, 67)] = substr($0, 1, 64); next }
		$1 == "file" { $4 = sum[$4] } { print }' OFS='\t' "$1.sums" "$1" | sha256sum | cut -c1-64
}

# Lay the manifest out under ROOT.
stage() {
	local m=$1 root=$2 op a b c
	while IFS=$'\t' read -r op a b c; do
		case $op in
		dir)
			mkdir -p "$root$b"
			chmod "$a" "$root$b"
			;;
		file)
			mkdir -p "$(dirname "$root$b")"
			cp "$c" "$root$b"
			chmod "$a" "$root$b"
			;;
		link)
			mkdir -p "$(dirname "$root$a")"
			ln -sfn "$b" "$root$a"
			;;
		conf) ;;
		*) die "internal: bad manifest line '$op'" ;;
		esac
	done <"$m"
}

build() {
	local img=$1 ref=$PREFIX/$1:latest hash have id old t0 root
	local changes=()
	t0=$(date +%s.%N)
	MANIFEST=$WORK/$img.manifest
	: >"$MANIFEST"
	SEEN=()
	"recipe_$img"
	hash=$(manifest_hash "$MANIFEST")
	have=$(podman image inspect --format "{{index .Config.Labels \"$LABEL\"}}" "$ref" 2>/dev/null || true)
	if [ "$have" = "$hash" ] && [ $force = 0 ]; then
		id=$(podman image inspect --format '{{.Id}}' "$ref")
		say "$ref: up to date (content ${hash:0:12})"
		report "$ref" up-to-date "${id:0:12}"
		return 0
	fi
	say "$ref: building (content ${hash:0:12}, $(grep -c '' "$MANIFEST") entries)"
	root=$WORK/$img.root
	mkdir -p "$root"
	stage "$MANIFEST" "$root"
	while IFS=$'\t' read -r _ c; do
		changes+=(--change "$c")
	done < <(grep '^conf' "$MANIFEST")
	changes+=(--change "LABEL $LABEL=$hash")
	say "$ref: importing $(du -sh "$root" | cut -f1) into podman"
	old=$(podman image inspect --format '{{.Id}}' "$ref" 2>/dev/null || true)
	id=$(tar -C "$root" --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -cf - . |
		podman import --quiet "${changes[@]}" --message "heteropod $img ${hash:0:12}" - "$ref") ||
		die "$ref: podman import failed"
	id=${id#sha256:}
	rm -rf "$root"
	# The image it replaces, now untagged: gone, unless a container uses it.
	if [ -n "$old" ] && [ "$old" != "$id" ]; then
		podman rmi "$old" >/dev/null 2>&1 || say "$ref: the previous image ${old:0:12} is still in use; kept"
	fi
	say "$ref: built ${id:0:12} in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s"
	report "$ref" built "${id:0:12}"
}

for img in "${images[@]}"; do
	build "$img"
done
print_results

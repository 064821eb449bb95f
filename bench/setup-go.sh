#!/bin/sh
# Install one Go toolchain from Debian for the benchmark, as root, when none
# of the supported ones (1.22-1.27 under /usr/lib/go-1.NN) is there.  The
# toolchains come from sid and trixie, added at a low pin priority so that
# nothing else is upgraded from them; the first of 1.26, 1.27, 1.24 that the
# archive has is installed.
set -e
for v in 1.26 1.27 1.24 1.23 1.22; do
  [ -x /usr/lib/go-$v/bin/go ] && exit 0
done
list=/etc/apt/sources.list.d/heapcore-go.list
if [ ! -e "$list" ] && ! grep -qs "debian sid" /etc/apt/sources.list.d/*.list; then
  cat > "$list" <<'EOL'
deb http://deb.debian.org/debian sid main
deb http://deb.debian.org/debian trixie main
EOL
  cat > /etc/apt/preferences.d/heapcore-go <<'EOL'
Package: *
Pin: release n=sid
Pin-Priority: 50

Package: *
Pin: release n=trixie
Pin-Priority: 100
EOL
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
for pkg in golang-1.26-go golang-1.27-go golang-1.24-go; do
  apt-get install -y -qq --no-install-recommends "$pkg" && exit 0
done
echo "bench/setup-go.sh: no Go toolchain 1.24-1.27 in the Debian archive" >&2
exit 1

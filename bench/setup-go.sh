#!/bin/sh
# Install one Go toolchain from Debian for the benchmark, as root, when none
# of the supported ones (1.22-1.27 under /usr/lib/go-1.NN) is there.  The
# toolchains come from bookworm-backports, trixie and sid, added at a low pin
# priority so that nothing else is upgraded from them.
set -e
for v in 1.26 1.27 1.24 1.23 1.22; do
  [ -x /usr/lib/go-$v/bin/go ] && exit 0
done
list=/etc/apt/sources.list.d/heapcore-go.list
if [ ! -e "$list" ] && ! grep -qs "debian sid" /etc/apt/sources.list.d/*.list; then
  cat > "$list" <<'EOL'
deb http://deb.debian.org/debian sid main
EOL
  cat > /etc/apt/preferences.d/heapcore-go <<'EOL'
Package: *
Pin: release n=sid
Pin-Priority: 50
EOL
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends golang-1.26-go

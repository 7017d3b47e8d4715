#!/usr/bin/env bash
# Builds the autoscrape container image without a registry or `docker build`: a rootfs holding the
# binary and exactly the shared libraries it links (from ldd), imported with `docker import`.
#   packaging/container/build-image.sh BUILD/agent/autoscrape [TAG]
set -euo pipefail
BIN=$(readlink -f "$1")
TAG=${2:-autoscrape:latest}
ROOTFS=$(mktemp -d)
trap 'rm -rf "$ROOTFS"' EXIT

mkdir -p "$ROOTFS"/{usr/bin,etc/autoscrape,var/lib/autoscrape,tmp,etc/ssl/certs}
install -m 0755 "$BIN" "$ROOTFS/usr/bin/autoscrape"
# The binary's libraries and the dynamic loader, at the paths the binary expects.
ldd "$BIN" | awk '/=> \// {print $3} /^\t\/lib/ {print $1}' | while read -r lib; do
  mkdir -p "$ROOTFS$(dirname "$lib")"
  cp -L "$lib" "$ROOTFS$lib"
done
cp -L /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/" 2>/dev/null || true
printf 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$ROOTFS/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOTFS/etc/group"

tar -C "$ROOTFS" -c . | docker import \
  --change 'ENTRYPOINT ["/usr/bin/autoscrape"]' \
  --change 'CMD ["run", "--config.file=/etc/autoscrape/autoscrape.yml", "--web.listen-address=0.0.0.0:9465"]' \
  --change 'WORKDIR /var/lib/autoscrape' \
  --change 'EXPOSE 9465' \
  - "$TAG"
echo "built $TAG"

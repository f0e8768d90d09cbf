#!/usr/bin/env bash
# Installs what Kairos' build and tests need on a fresh Debian machine; a no-op when all is
# present. Rust targets and components come from rust-toolchain.toml (rustup adds them on
# first use).
set -euo pipefail

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v qemu-img >/dev/null || need+=(qemu-utils)
command -v mke2fs >/dev/null || need+=(e2fsprogs)
command -v musl-gcc >/dev/null || need+=(musl-tools)
command -v cpio >/dev/null || need+=(cpio)
[ -x /bin/busybox ] || command -v busybox >/dev/null || need+=(busybox-static)
command -v nm >/dev/null || need+=(binutils)
command -v python3 >/dev/null || need+=(python3)

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
echo "setup: installing ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if ! $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"; then
    # Debian 12 images may carry qemu-utils from bookworm-backports, which the stock
    # qemu-system-x86 conflicts with: take QEMU from backports too.
    . /etc/os-release
    echo "deb http://deb.debian.org/debian ${VERSION_CODENAME}-backports main" |
        $SUDO tee /etc/apt/sources.list.d/kairos-backports.list >/dev/null
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends -t "${VERSION_CODENAME}-backports" "${need[@]}"
fi
command -v qemu-system-x86_64 >/dev/null

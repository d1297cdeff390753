#!/bin/sh
# Install the Debian packages CounterSign needs, if any are missing.
# Runs apt-get as root; as another user it prints the command to run and fails.
set -eu

packages="python3 python3-venv python3-dev build-essential swig pkg-config
libpcsclite-dev pcscd vsmartcard-vpcd socat softhsm2 poppler-utils libnss3-tools
swtpm swtpm-tools tpm2-tools dbus gnome-keyring postgresql
fonts-wqy-microhei tzdata
libgl1 libegl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
libxcb-render-util0 libxcb-image0 xvfb xauth"

missing=""
for package in $packages; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages:$missing" >&2
    echo "Install them as root: apt-get install -y$missing" >&2
    exit 1
fi

echo "Installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing

#!/usr/bin/env bash
# Installs every Debian 12 package sekisho needs to build, test, benchmark and run its demo,
# starting from a minimal system (debootstrap --variant=minbase; tools/check_fresh_machine.sh
# proves it). Idempotent: skips apt entirely when everything is already installed.
set -euo pipefail

packages=(
  # toolchain (pkg-config: CMake finds GnuTLS with it; git: the format check lists files)
  build-essential cmake ninja-build pkg-config clang lld clang-format clang-tidy
  libclang-rt-14-dev git
  # libraries
  libboost1.81-dev libgnutls28-dev libpugixml-dev libtomlplusplus-dev libcli11-dev
  libspdlog-dev libfmt-dev libcrypt-dev libgtest-dev libgmock-dev libbenchmark-dev
  libseccomp-dev
  # --token-mode=totp (client: RFC 6238 codes)
  liboath-dev
  # sd-bus for the client's systemd-resolved DNS backend, sd_notify and the journal for sekishod
  libsystemd-dev
  # certificates, interop peers and network test tools
  gnutls-bin openconnect ocserv vpnc-scripts iperf3 iproute2 nftables iputils-ping tcpdump
  procps psmisc python3
  # unshare + mount (private resolv.conf for vpnc-script tests); required on Debian, listed
  # because the tests call them
  util-linux mount
  # the client's DNS tests: a private system bus (dbus-daemon) for a systemd-resolved unpacked
  # at test time (apt-get download, never installed: its postinst rewrites resolv.conf), which
  # needs the libsystemd-shared of the installed systemd; busctl comes with systemd
  dbus-daemon dbus-bin systemd
  # (libsystemd-dev above also gives sekishod sd_notify and the journal); groff, man and col:
  # the install test renders the man pages
  groff-base man-db bsdextrautils
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install_deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# Debian starts ocserv as a service on install where an init system exists; the tests run their
# own instances in namespaces, so a system instance is not wanted (and absent under no systemd).
# So when this run installed ocserv on a machine that runs systemd, stop and disable the unit the
# package just enabled: nothing of sekisho should listen on the host's own port 443.
if printf '%s\n' "${missing[@]}" | grep -qx ocserv && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now ocserv.socket ocserv.service >/dev/null 2>&1 || true
  echo "install_deps: disabled the ocserv system service the package started (tests run their own)"
fi

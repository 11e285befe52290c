#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only when they are missing.
# One line per dependency: "<command or path that proves presence> <debian package>".
set -euo pipefail
DEPS=(
  "/usr/bin/chromium chromium"
  "/usr/lib/postgresql postgresql"
  "bcftools bcftools"
  "tabix tabix"
  "plink2 plink2"
  "plink1.9 plink1.9"
)
needed=()
for entry in "${DEPS[@]}"; do
  probe=${entry%% *}; pkg=${entry##* }
  if [[ $probe == /* ]]; then [ -e "$probe" ] && continue; else command -v "$probe" >/dev/null 2>&1 && continue; fi
  needed+=("$pkg")
done
[ ${#needed[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" = "0" ] || SUDO=sudo
echo "installing system packages: ${needed[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null

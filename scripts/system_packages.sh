#!/usr/bin/env bash
# Install the Debian packages named as arguments when their command is missing (root + apt only).
# Package -> command it provides: gettext -> msgfmt, espeak-ng -> espeak-ng, sox -> sox, chromium -> chromium;
# data-only packages (bench/quality.py's real speech) -> a file they install.
set -euo pipefail
declare -A provides=([gettext]=msgfmt [espeak-ng]=espeak-ng [sox]=sox [chromium]=chromium [ffmpeg]=ffmpeg
    [festvox-ru]=/usr/share/festival/voices/russian/msu_ru_nsh_clunits/etc/txt.done.data
    [pocketsphinx-testdata]=/usr/share/pocketsphinx/test/data/librivox/transcription)
missing=()
for pkg in "$@"; do
    what="${provides[$pkg]:-$pkg}"
    if [[ "$what" == /* ]]; then
        [ -e "$what" ] || missing+=("$pkg")
    else
        command -v "$what" >/dev/null 2>&1 || missing+=("$pkg")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing system packages: ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "Missing system packages (install them, e.g. with apt-get): ${missing[*]}" >&2
    echo "Tests that need them will be skipped, or fail under CI=true." >&2
fi

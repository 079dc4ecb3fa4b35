#!/usr/bin/env bash
# Builds the Rust peers of the bench (teller, fnox) from crates.io into the shared tool cache.
# Run only when asked: `npm run bench:peers` (or ENVSYNC_BENCH_PEERS=1 npm run bench builds them first).
# The build is long (tens of minutes per peer on one core) and runs at the lowest priority, one job at a
# time, because the machine is shared. A peer that is already built is kept. A peer that fails to build
# leaves no binary: its bench rows then say "absent".
#
# Needs: cargo (rustup), protoc (teller; Debian's protobuf-compiler), libudev headers (fnox; Debian's
# libudev-dev). As root on Debian the two packages are installed with apt-get when missing.
set -uo pipefail

PEERS_DIR="${ENVSYNC_PEERS_DIR:-$HOME/.cache/envsync-emulators/peers}"
TELLER_VERSION="${ENVSYNC_TELLER_VERSION:-2.0.7}"
FNOX_VERSION="${ENVSYNC_FNOX_VERSION:-1.46.0}"
# fnox 1.46.0's lockfile names webpki-roots 1.0.11, which the registry here does not serve: pin 1.0.10.
FNOX_WEBPKI_ROOTS="${ENVSYNC_FNOX_WEBPKI_ROOTS:-1.0.10}"
JOBS="${ENVSYNC_PEERS_JOBS:-1}"
# Which peers to build (both by default); each takes its own lock, so two callers can build both at once.
PEERS="${ENVSYNC_PEERS:-teller fnox}"
CARGO="${CARGO:-$(command -v cargo || echo "$HOME/.cargo/bin/cargo")}"
CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"

mkdir -p "$PEERS_DIR"

log() { printf 'peers: %s\n' "$*" >&2; }

need_apt() { # need_apt <command or header> <debian package>
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing $2 (for $1)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1; }
  fi
}

# install_into <name> <version> <cargo install args...>: builds into a scratch root, then moves it in place.
install_into() {
  local name="$1" version="$2"
  shift 2
  local final="$PEERS_DIR/$name-$version" scratch="$PEERS_DIR/.$name-$version.tmp"
  rm -rf "$scratch"
  log "building $name $version (nice 19, -j $JOBS; log: $final.build.log)"
  # A target folder of its own that stays: a build that was stopped resumes where it was.
  if nice -n 19 "$CARGO" install -j "$JOBS" --locked --root "$scratch" \
    --target-dir "$PEERS_DIR/.target-$name" "$@" >"$final.build.log" 2>&1 &&
    [ -x "$scratch/bin/$name" ]; then
    rm -rf "$final" && mv "$scratch" "$final"
    log "$name $version built: $final/bin/$name"
  else
    rm -rf "$scratch"
    log "$name $version did not build (see $final.build.log); its rows will say absent"
    return 1
  fi
}

status=0
wants() { [[ " $PEERS " == *" $1 "* ]]; }

# One build of a peer at a time on the machine: a second caller waits, then finds it built.
if wants teller; then
exec 8>"$PEERS_DIR/.teller.lock"
flock 8
if [ -x "$PEERS_DIR/teller-$TELLER_VERSION/bin/teller" ]; then
  log "teller $TELLER_VERSION already built"
else
  command -v "${PROTOC:-protoc}" >/dev/null || need_apt protoc protobuf-compiler
  install_into teller "$TELLER_VERSION" teller --version "$TELLER_VERSION" || status=1
fi
fi

if wants fnox; then
exec 7>"$PEERS_DIR/.fnox.lock"
flock 7
if [ -x "$PEERS_DIR/fnox-$FNOX_VERSION/bin/fnox" ]; then
  log "fnox $FNOX_VERSION already built"
else
  [ -e /usr/include/libudev.h ] || need_apt libudev.h libudev-dev
  # `cargo install --locked` takes the crate's own lockfile as is: fetch the crate, pin webpki-roots in a
  # copy of its source, and install from that path.
  src="$PEERS_DIR/.fnox-$FNOX_VERSION.src"
  rm -rf "$src" && mkdir -p "$src"
  "$CARGO" info "fnox@$FNOX_VERSION" >/dev/null 2>&1
  crate=$(ls "$CARGO_HOME"/registry/cache/*/"fnox-$FNOX_VERSION.crate" 2>/dev/null | head -1)
  if [ -z "$crate" ]; then
    log "could not fetch the fnox $FNOX_VERSION crate; its rows will say absent"
    status=1
  else
    tar -xzf "$crate" -C "$src" --strip-components=1
    if grep -q '^version = "1.0.11"' <(grep -A1 '^name = "webpki-roots"' "$src/Cargo.lock"); then
      (cd "$src" && "$CARGO" update -q -p webpki-roots@1.0.11 --precise "$FNOX_WEBPKI_ROOTS") ||
        log "could not pin webpki-roots to $FNOX_WEBPKI_ROOTS (trying the lockfile as shipped)"
    fi
    install_into fnox "$FNOX_VERSION" --path "$src" || status=1
    rm -rf "$src"
  fi
fi
fi

exit $status

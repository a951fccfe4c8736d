# Install what the build and the tests need, then build and install pgmigrate.
#
# Sourced by demo.sh, test.sh and the benchmarks.  Runs as root (or through
# sudo) on Debian bookworm; every step is skipped when already done.

pgm_install_packages() {
    local need=""
    command -v pg_config >/dev/null 2>&1 && [ -f "$(pg_config --pgxs 2>/dev/null)" ] || need="$need postgresql-server-dev-15"
    [ -x /usr/lib/postgresql/15/bin/postgres ] || need="$need postgresql-15"
    [ -f /usr/share/postgresql/15/extension/pgtap.control ] || need="$need postgresql-15-pgtap"
    command -v pg_prove >/dev/null 2>&1 || need="$need libtap-parser-sourcehandler-pgtap-perl"
    command -v make >/dev/null 2>&1 || need="$need make"
    command -v gcc >/dev/null 2>&1 || need="$need gcc"
    if [ -n "$need" ]; then
        echo "installing:$need"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $need >/dev/null
    fi
    export PATH="/usr/lib/postgresql/15/bin:$PATH"
}

pgm_build_install() {
    make -s -C "$PGM_ROOT" >/dev/null
    make -s -C "$PGM_ROOT" install >/dev/null
}

# pgm_prepare WHAT: the start of every script that needs a server: check it
# runs as root, install what is missing, build and install pgmigrate, and
# load the throwaway-cluster helpers (which ask pg_config where the server
# is, so they come after the install).  WHAT names the script in messages.
pgm_prepare() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "$1 installs packages and the extension: run it as root (sudo $0)" >&2
        exit 1
    fi
    pgm_install_packages
    pgm_build_install
    # shellcheck source=scripts/cluster.sh
    . "$PGM_ROOT/scripts/cluster.sh"
}

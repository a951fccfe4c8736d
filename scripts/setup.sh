# Install what the build and the tests need, then build and install pgmigrate.
#
# Sourced by demo.sh, test.sh and the benchmarks.  Runs as root (or through
# sudo) on Debian bookworm; every step is skipped when already done.
#
# Each check looks for the very file that is needed, never for a neighbour
# that the machine may have without it: the image of a PostgreSQL client
# ships pg_config and pgxs.mk (postgresql-client-15) but no server headers,
# so the headers are checked by postgres.h itself.

PGM_PG_BIN=/usr/lib/postgresql/15/bin

# The bin directory of the PostgreSQL to build for and run: the one that
# PG_CONFIG names when it is set, Debian's 15 otherwise.
pgm_pg_bindir() {
    if [ -n "${PG_CONFIG:-}" ]; then
        "$PG_CONFIG" --bindir
    else
        echo "$PGM_PG_BIN"
    fi
}

# The Debian packages that hold files the build, the tests or the demo need
# and that this machine lacks, on one line.
pgm_missing_packages() {
    local pgc=$PGM_PG_BIN/pg_config need=""
    [ -x "$pgc" ] || need="$need postgresql-client-15"
    # the server, and pgbench (the online test's and benchmark's applications)
    { [ -x "$PGM_PG_BIN/postgres" ] && [ -x "$PGM_PG_BIN/initdb" ] && [ -x "$PGM_PG_BIN/pgbench" ]; } ||
        need="$need postgresql-15"
    if [ -x "$pgc" ]; then
        # the extension's build: server headers, PGXS, and the frontend
        # libraries the client links (libpgcommon, libpgport)
        { [ -f "$("$pgc" --includedir-server)/postgres.h" ] &&
          [ -f "$("$pgc" --pgxs)" ] &&
          [ -f "$("$pgc" --pkglibdir)/libpgcommon.a" ] &&
          [ -f "$("$pgc" --pkglibdir)/libpgport.a" ]; } || need="$need postgresql-server-dev-15"
        # the client's build: libpq and its PQExpBuffer header
        { [ -f "$("$pgc" --includedir)/libpq-fe.h" ] &&
          [ -f "$("$pgc" --pkgincludedir)/internal/pqexpbuffer.h" ]; } || need="$need libpq-dev"
        [ -f "$("$pgc" --sharedir)/extension/pgtap.control" ] || need="$need postgresql-15-pgtap"
    else
        need="$need postgresql-server-dev-15 libpq-dev postgresql-15-pgtap"
    fi
    command -v pg_prove >/dev/null 2>&1 || need="$need libtap-parser-sourcehandler-pgtap-perl"
    command -v cppcheck >/dev/null 2>&1 || need="$need cppcheck"
    command -v make >/dev/null 2>&1 || need="$need make"
    # the compiler PostgreSQL was built with, which PGXS calls
    if [ -x "$pgc" ]; then
        command -v "$("$pgc" --cc | awk '{ print $1 }')" >/dev/null 2>&1 || need="$need gcc"
    else
        command -v gcc >/dev/null 2>&1 || need="$need gcc"
    fi
    # the SQLModel loop of the diff test (Debian's own Python, which has them)
    [ -f /usr/lib/python3/dist-packages/sqlmodel/__init__.py ] || need="$need python3-sqlmodel"
    [ -f /usr/lib/python3/dist-packages/psycopg2/__init__.py ] || need="$need python3-psycopg2"
    # Alembic itself: test/shell/alembic.sh holds its fixture to what Alembic prints,
    # bench/models.sh times its compare_metadata()
    [ -f /usr/lib/python3/dist-packages/alembic/__init__.py ] || need="$need python3-alembic"
    [ -x /usr/bin/python3 ] || need="$need python3"
    # nm (scripts/check-layers.sh), perl (scripts/corpus-wrap.pl)
    command -v nm >/dev/null 2>&1 || need="$need binutils"
    command -v perl >/dev/null 2>&1 || need="$need perl"
    echo "$need" | xargs -n 1 2>/dev/null | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# pgm_apt_install [PACKAGE...]: install the Debian packages named, if any.
pgm_apt_install() {
    [ $# -gt 0 ] || return 0
    echo "installing: $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pgm_install_packages() {
    local need
    need=$(pgm_missing_packages)
    if [ -n "$need" ]; then
        # shellcheck disable=SC2086
        pgm_apt_install $need
        need=$(pgm_missing_packages)
        if [ -n "$need" ]; then
            echo "still missing after apt-get install: $need" >&2
            return 1
        fi
    fi
    PATH="$(pgm_pg_bindir):$PATH"
    export PATH
}

# The excerpt of PostgreSQL's regression SQL that CI runs for the version
# pgm_pg_bindir names: test/corpus (15's) before 18, test/corpus-18 from
# 18 on (its DDL: virtual generated columns and the like); 15's when there
# is no pg_config yet (the packages come later).
pgm_ci_corpus() {
    local major
    major=$("$(pgm_pg_bindir 2>/dev/null)/pg_config" --version 2>/dev/null |
            sed -nE 's/^PostgreSQL ([0-9]+).*/\1/p')
    if [ "${major:-0}" -ge 18 ]; then
        echo "$PGM_ROOT/test/corpus-18"
    else
        echo "$PGM_ROOT/test/corpus"
    fi
}

# PostgreSQL 18, for the tests on the second major version: the build of
# the project's platforms directory (../shared/platforms next to the
# project, or PGM_PLATFORMS), which installs under a fixed prefix; Debian
# bookworm packages no PostgreSQL 18.  Unpacked when its pg_config is
# missing, after its checksum is checked; the libraries it needs beyond
# those of postgresql-15 (and xz, to unpack it) come from Debian.
PGM_PG18_PREFIX=/opt/pgmigrate-pg
PGM_PG18_PG_CONFIG=$PGM_PG18_PREFIX/18/bin/pg_config
PGM_PG18_TARBALL=postgresql-18.6-bookworm-amd64.tar.xz

# Is PostgreSQL 18 here, or its build to unpack?
pgm_pg18_available() {
    [ -x "$PGM_PG18_PG_CONFIG" ] ||
        [ -f "${PGM_PLATFORMS:-$PGM_ROOT/../shared/platforms}/$PGM_PG18_TARBALL" ]
}

pgm_install_pg18() {
    local need=""
    command -v xz >/dev/null 2>&1 || need="$need xz-utils"
    { ldconfig -p | grep -q 'liblz4\.so\.1 ' && ldconfig -p | grep -q 'libzstd\.so\.1 '; } ||
        need="$need liblz4-1 libzstd1"
    # shellcheck disable=SC2086
    pgm_apt_install $need
    [ -x "$PGM_PG18_PG_CONFIG" ] && return 0
    mkdir -p "$PGM_PG18_PREFIX"
    pgm_unpack_platform "PostgreSQL 18" "$PGM_PG18_TARBALL" "$PGM_PG18_PREFIX" || return 1
    if [ ! -x "$PGM_PG18_PG_CONFIG" ]; then
        echo "$PGM_PG18_TARBALL did not give $PGM_PG18_PG_CONFIG" >&2
        return 1
    fi
}

# pgm_unpack_platform WHAT TARBALL DIRECTORY: unpack TARBALL of the
# platforms directory into DIRECTORY, after its checksum is checked.
pgm_unpack_platform() {
    local dir=${PGM_PLATFORMS:-$PGM_ROOT/../shared/platforms}
    if [ ! -f "$dir/$2" ]; then
        echo "$1 is wanted, but $dir has no $2 (set PGM_PLATFORMS to the directory that has it)" >&2
        return 1
    fi
    if ! (cd "$dir" && grep " $2\$" SHA256SUMS | sha256sum --check --quiet -); then
        echo "$dir/$2 does not match its checksum in $dir/SHA256SUMS" >&2
        return 1
    fi
    echo "unpacking $2 into $3"
    tar -C "$3" -xJf "$dir/$2"
}

# Citus 13.2.2 for Debian's PostgreSQL 15, for the Citus cluster test
# (test/shell/citus.sh), from the platforms directory: its tarball holds
# `make install`'s files under usr/, unpacked at / when Citus's library or
# control file is missing, after its checksum is checked.  It needs
# libcurl4 beyond what postgresql-15 brings.
PGM_CITUS_TARBALL=citus-13.2.2-pg15-bookworm-amd64.tar.xz

pgm_citus_installed() {
    [ -f /usr/lib/postgresql/15/lib/citus.so ] &&
        [ -f /usr/share/postgresql/15/extension/citus.control ]
}

pgm_install_citus() {
    local need=""
    command -v xz >/dev/null 2>&1 || need="$need xz-utils"
    ldconfig -p | grep -q 'libcurl\.so\.4 ' || need="$need libcurl4"
    # shellcheck disable=SC2086
    pgm_apt_install $need
    pgm_citus_installed && return 0
    if [ ! -f /usr/lib/postgresql/15/bin/postgres ]; then
        echo "Citus is for Debian's PostgreSQL 15, which is not installed" >&2
        return 1
    fi
    pgm_unpack_platform Citus "$PGM_CITUS_TARBALL" / || return 1
    if ! pgm_citus_installed; then
        echo "$PGM_CITUS_TARBALL did not give citus.so and citus.control" >&2
        return 1
    fi
}

# Build and install the extension and the client.  The client goes where
# PostgreSQL's own programs are (pg_config --bindir), which is not on a
# Debian PATH: a link in /usr/local/bin makes `pgmigrate` a command, to the
# client of the PostgreSQL built for last.  A /usr/local/bin/pgmigrate that
# is anything but such a link (a file, or a link to another program) is
# left alone.
pgm_build_install() {
    make -s -C "$PGM_ROOT" >/dev/null
    make -s -C "$PGM_ROOT" install >/dev/null
    local installed link=/usr/local/bin/pgmigrate
    installed="$(pg_config --bindir)/pgmigrate"
    if [ ! -e "$link" ] && [ ! -L "$link" ]; then
        ln -s "$installed" "$link"
    elif [ -L "$link" ] && case "$(readlink "$link")" in
            /usr/lib/postgresql/*/bin/pgmigrate | "$PGM_PG18_PREFIX"/*/bin/pgmigrate) true ;;
            *) false ;; esac; then
        ln -sfn "$installed" "$link"
    elif [ "$(readlink -f "$link")" != "$(readlink -f "$installed")" ]; then
        echo "note: $link is not a link to $installed; left alone" >&2
    fi
}

# pgm_prepare WHAT: the start of every script that needs a server: check it
# runs as root, install what is missing, build and install pgmigrate, and
# load the throwaway-cluster helpers (which ask pg_config where the server
# is, so they come after the install).  WHAT names the script in messages.
# The PostgreSQL is the one PG_CONFIG names, when set (Debian's 15 when
# not); PostgreSQL 18's build from the platforms directory is unpacked when
# PG_CONFIG names it and it is missing.  PGM_NO_BUILD=1 skips the packages,
# the build and the install: for a build you already have installed there.
pgm_prepare() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "$1 installs packages and the extension and starts a server as" \
             "the postgres user: run it as root (sudo $0)" >&2
        exit 1
    fi
    if [ "${PG_CONFIG:-}" = "$PGM_PG18_PG_CONFIG" ] && [ -z "${PGM_NO_BUILD:-}" ]; then
        pgm_install_pg18
    fi
    if [ -n "${PG_CONFIG:-}" ] && [ ! -x "$PG_CONFIG" ]; then
        echo "PG_CONFIG=$PG_CONFIG: no such program; give the pg_config of the PostgreSQL to use" >&2
        exit 1
    fi
    if [ -n "${PGM_NO_BUILD:-}" ]; then
        PATH="$(pgm_pg_bindir):$PATH"
        export PATH
    else
        pgm_install_packages
        pgm_build_install
    fi
    echo "$1 on $(pg_config --version)"
    # shellcheck source=scripts/cluster.sh
    . "$PGM_ROOT/scripts/cluster.sh"
}

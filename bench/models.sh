#!/usr/bin/env bash
# Benchmark: the SQLModel user's CI gate, models against a live database.
#
#   sudo bench/models.sh              (PGM_BENCH_TABLES=200 PGM_BENCH_RUNS=5)
#
# A models module of TABLES SQLModel tables (an id key, three columns, one
# indexed), and a live database made from them.  Timed, wall-clock, the
# whole process, the median of the runs:
#   check --models    pgmigrate check --models bench_models:SQLModel: import
#                     the models, create them in a scratch database (made
#                     and dropped by the client), compare
#   the old loop      what the README's loop was before --models: a database
#                     of the models' own, created, filled by create_all()
#                     through psycopg2, pgmigrate check --to-db, dropped
#   alembic check     Alembic's gate on the same models and database: its
#                     compare_metadata(), which `alembic check` runs (Debian's
#                     Alembic 1.8 has no check command; python3-alembic,
#                     installed when missing)
# Prints the ratios of check --models to each.  Debian's SQLAlchemy 1.4 and
# SQLModel 0.0.8 in /usr/bin/python3.
set -euo pipefail

TABLES=${PGM_BENCH_TABLES:-200}
RUNS=${PGM_BENCH_RUNS:-5}

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_begin models
[ -f /usr/lib/python3/dist-packages/alembic/__init__.py ] || pgm_apt_install python3-alembic
py=/usr/bin/python3

cd "$work"
{
    echo "from typing import Optional"
    echo "from sqlmodel import Field, SQLModel"
    for i in $(seq 1 "$TABLES"); do
        printf 'class T%s(SQLModel, table=True):\n' "$i"
        echo "    id: Optional[int] = Field(default=None, primary_key=True)"
        echo "    name: str = Field(index=True)"
        echo "    amount: Optional[int] = None"
        echo "    note: Optional[str] = None"
    done
} >bench_models.py
chmod -R a+rX "$work"
url="postgresql+psycopg2://$PGUSER@/%s?host=$PGHOST&port=$PGPORT"
createdb live
bpsql -d live -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate"
PGOPTIONS="-c pgmigrate.guard=off" "$py" -c "
import sys, bench_models
from sqlalchemy import create_engine
bench_models.SQLModel.metadata.create_all(create_engine(sys.argv[1]))" "$(printf "$url" live)"

# Alembic's gate: what `alembic check` (1.9 and later) runs, on Debian's 1.8,
# which has no check command: compare_metadata() of the models against the
# live database, exit 1 when they differ
cat >alembic_check.py <<'PY'
import sys
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
import bench_models
with create_engine(sys.argv[1]).connect() as c:
    sys.exit(1 if compare_metadata(MigrationContext.configure(c), bench_models.SQLModel.metadata) else 0)
PY

# seconds COMMAND...: the wall-clock of one run
seconds() {
    local t0 t1
    t0=$EPOCHREALTIME
    "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@" >&2 || true; exit 1; }
    t1=$EPOCHREALTIME
    elapsed "$t0" "$t1"
}
old_loop() {
    dropdb --if-exists models_db && createdb models_db &&
        "$py" -c "
import sys, bench_models
from sqlalchemy import create_engine
bench_models.SQLModel.metadata.create_all(create_engine(sys.argv[1]))" "$(printf "$url" models_db)" &&
        pgmigrate -d live check --to-db models_db && dropdb models_db
}
alembic_check() { "$py" alembic_check.py "$(printf "$url" live)"; }

for _ in $(seq 1 "$RUNS"); do
    seconds pgmigrate -d live check --models bench_models:SQLModel --python "$py" >>models.t
    seconds old_loop >>old.t
    seconds alembic_check >>alembic.t
done
m=$(median <models.t); o=$(median <old.t); a=$(median <alembic.t)
echo "the CI gate on $TABLES SQLModel tables, wall-clock of the whole process, median of $RUNS ($(pg_config --version))"
awk -v m="$m" -v o="$o" -v a="$a" 'BEGIN {
    printf "%-46s %8.3f s\n", "pgmigrate check --models", m
    printf "%-46s %8.3f s   %5.2fx of --models\n", "createdb + create_all() + check --to-db + dropdb", o, o / m
    printf "%-46s %8.3f s   %5.2fx of --models\n", "alembic check (compare_metadata)", a, a / m
}'

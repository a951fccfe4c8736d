#!/usr/bin/python3
"""A semantic fuzzer of migrate.diff(): does the script it writes reach its target?

    scripts/fuzz-semantic.py --seed N --count N --changes K --results DIR

Loads test/fuzz/schema.sql into a new database and takes its document A.
Then, COUNT rounds, each in one transaction that is rolled back at its end
(so that every round starts from A): K random DDL changes chosen by a random
generator seeded by SEED (columns added, dropped, retyped, renamed, given
defaults, NOT NULL, identity; constraints, indexes, enum values, types,
domains, views, materialized views, functions, triggers, policies, rules,
sequences, partitions, inheritance, grants, owners, comments, ...; each in
a savepoint: one PostgreSQL refuses is left out) give the schema B.  Then:

  backward  on B, the statements of diff(B, A) run, and compare(schema(), A)
            must be empty;
  forward   back on A (a savepoint), the statements of diff(A, B) run, and
            compare(schema(), B) must be empty.

A direction that diff() refuses with a documented SQLSTATE (0A000: an enum
value removed, ...; 54001) counts as refused; 22023, which says a document
is not one migrate.schema() writes, is a failure here.  A statement of the script that
fails is a "script error", a difference left a "silent difference": both
are written to DIR with the changes, the script and the differences, and
make the exit status 1, as do a crash and any undocumented SQLSTATE of
diff() or compare().  The last line is the summary.
"""
import argparse
import collections
import json
import os
import random
import re
import sys

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzlib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMAS = "('fz', 'Fz Odd', 'fz2')"
TYPES = ["integer", "bigint", "smallint", "text", "varchar(20)", "numeric(10,2)", "boolean",
         "date", "timestamptz", "jsonb", "uuid", "fz.mood", "fz.pair", "fz.posint", "text[]",
         "int4range", "\"Fz Odd\".\"Odd Type\"", "bytea", "interval", "fz.email"]
DEFAULTS = {"integer": ["0", "42", "fz.add1(1)", "nextval('fz.plain')"], "bigint": ["-1"],
            "smallint": ["7"], "text": ["'x'", "'it''s'", "current_user"], "varchar(20)": ["'v'"],
            "numeric(10,2)": ["1.5"], "boolean": ["true"], "date": ["CURRENT_DATE"],
            "timestamptz": ["now()"], "jsonb": ["'{}'", "'[1]'::jsonb"], "uuid": ["NULL"],
            "fz.mood": ["'happy'"], "text[]": ["'{}'"], "fz.posint": ["5"], "interval": ["'1 day'"]}
ROLES = ["fuzz_reader", "fuzz_writer", "fuzz_owner", "PUBLIC", "\"Fuzz Odd\"\"Role\""]
PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "ALL"]


def q(name):
    return '"%s"' % name.replace('"', '""')


class Catalog:
    """What the schema holds now, read from the catalogs for each change."""

    def __init__(self, cur):
        self.cur = cur

    def rows(self, sql, args=()):
        self.cur.execute(sql, args)
        return self.cur.fetchall()

    def relations(self, kinds="rp"):
        return [r[0] for r in self.rows(
            "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname IN " + SCHEMAS + " AND c.relkind = ANY(%s) ORDER BY 1", (list(kinds),))]

    def columns(self, rel):
        return self.rows(
            "SELECT quote_ident(attname), format_type(atttypid, atttypmod), attnotnull, attgenerated <> '', "
            "attidentity <> '', attinhcount > 0 FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum", (rel,))

    def constraints(self, rel):
        return [r[0] for r in self.rows(
            "SELECT quote_ident(conname) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND coninhcount = 0 ORDER BY 1", (rel,))]

    def named(self, sql):
        return [r[0] for r in self.rows(sql)]

    def indexes(self):
        return self.named("SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                          "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN " + SCHEMAS +
                          " AND NOT EXISTS (SELECT FROM pg_constraint WHERE conindid = i.indexrelid) ORDER BY 1")

    def types(self, kind):
        return self.named("SELECT t.oid::regtype::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                          "WHERE n.nspname IN " + SCHEMAS + " AND t.typtype = '%s' "
                          "AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c') "
                          "ORDER BY 1" % kind)

    def enum_labels(self, typ):
        return self.named("SELECT enumlabel FROM pg_enum WHERE enumtypid = '%s'::regtype ORDER BY enumsortorder"
                          % typ.replace("'", "''"))

    def triggers(self):
        return self.rows("SELECT quote_ident(tgname), tgrelid::regclass::text FROM pg_trigger t "
                         "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                         "WHERE n.nspname IN " + SCHEMAS + " AND NOT tgisinternal AND tgparentid = 0 ORDER BY 1, 2")

    def policies(self):
        return self.rows("SELECT quote_ident(polname), polrelid::regclass::text FROM pg_policy ORDER BY 1, 2")

    def functions(self):
        return self.named("SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n "
                          "ON n.oid = p.pronamespace WHERE n.nspname IN " + SCHEMAS + " ORDER BY 1")


# ---- the changes: each returns the SQL of one change, or None --------------

def pick(rng, items):
    return rng.choice(items) if items else None


def a_column(rng, cat, kinds="rp", plain=False):
    rel = pick(rng, cat.relations(kinds))
    if rel is None:
        return None, None
    cols = [c for c in cat.columns(rel) if not plain or not (c[3] or c[4] or c[5])]
    col = pick(rng, cols)
    return rel, col


def c_add_column(rng, cat):
    rel = pick(rng, cat.relations())
    typ = rng.choice(TYPES)
    sql = "ALTER TABLE %s ADD COLUMN new_%d %s" % (rel, rng.randrange(1000), typ)
    extra = rng.random()
    if extra < 0.3 and typ in DEFAULTS:
        sql += " DEFAULT " + rng.choice(DEFAULTS[typ])
    elif extra < 0.4:
        sql += " NOT NULL DEFAULT 1" if typ in ("integer", "bigint", "smallint") else " NULL"
    elif extra < 0.5 and typ == "integer":
        sql += rng.choice([" CHECK (new_x > 0)".replace("new_x", sql.split()[5]),
                           " REFERENCES fz.parent", " UNIQUE", " GENERATED ALWAYS AS IDENTITY",
                           " GENERATED BY DEFAULT AS IDENTITY (START 3 CACHE 4)"])
    elif extra < 0.55 and typ == "text":
        sql += " COLLATE \"C\""
    elif extra < 0.6 and typ == "bigint":
        sql += " GENERATED ALWAYS AS (id * 2) STORED"
    return sql


def c_drop_column(rng, cat):
    rel, col = a_column(rng, cat)
    return col and "ALTER TABLE %s DROP COLUMN %s%s" % (rel, col[0], rng.choice(["", " CASCADE"]))


def c_retype(rng, cat):
    rel, col = a_column(rng, cat, plain=True)
    if not col:
        return None
    typ = rng.choice(TYPES + ["text", "text", "bigint", "varchar(100)", "numeric"])
    using = rng.choice(["", " USING %s::text::%s" % (col[0], typ), " USING NULL"])
    collate = " COLLATE \"C\"" if typ == "text" and rng.random() < 0.3 else ""
    return "ALTER TABLE %s ALTER COLUMN %s TYPE %s%s%s" % (rel, col[0], typ, collate, using)


def c_default(rng, cat):
    rel, col = a_column(rng, cat, "rpv", plain=True)
    if not col:
        return None
    if rng.random() < 0.3:
        return "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT" % (rel, col[0])
    choices = DEFAULTS.get(col[1], ["NULL", "0", "'x'"])
    return "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s" % (rel, col[0], rng.choice(choices))


def c_not_null(rng, cat):
    rel, col = a_column(rng, cat, plain=True)
    return col and "ALTER TABLE %s ALTER COLUMN %s %s NOT NULL" % (rel, col[0], "DROP" if col[2] else "SET")


def c_identity(rng, cat):
    rel, col = a_column(rng, cat)
    if not col:
        return None
    if col[4]:
        return "ALTER TABLE %s ALTER COLUMN %s %s" % (rel, col[0], rng.choice([
            "DROP IDENTITY", "SET GENERATED BY DEFAULT", "SET GENERATED ALWAYS", "SET INCREMENT BY 3",
            "RESTART WITH 100", "SET CACHE 10", "SET MAXVALUE 999999"]))
    return "ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY" % (
        rel, col[0], rng.choice(["ALWAYS", "BY DEFAULT"]))


def c_rename(rng, cat):
    what = rng.randrange(4)
    if what == 0:
        rel, col = a_column(rng, cat, "rpvm")
        return col and "ALTER TABLE %s RENAME COLUMN %s TO %s" % (
            rel, col[0], rng.choice(["renamed", q("Renamed Col"), col[0].strip('"') + "_r"]))
    if what == 1:
        rel = pick(rng, cat.relations("rpvm"))
        return rel and "ALTER TABLE %s RENAME TO %s" % (rel, rng.choice(["renamed_t", q("Renamed T")]))
    if what == 2:
        idx = pick(rng, cat.indexes())
        return idx and "ALTER INDEX %s RENAME TO renamed_idx" % idx
    rel = pick(rng, cat.relations())
    con = pick(rng, cat.constraints(rel)) if rel else None
    return con and "ALTER TABLE %s RENAME CONSTRAINT %s TO renamed_con" % (rel, con)


def c_constraint(rng, cat):
    rel, col = a_column(rng, cat, plain=True)
    if not col:
        return None
    what = rng.randrange(7)
    if what == 0:
        return "ALTER TABLE %s ADD CONSTRAINT chk_%d CHECK (%s IS NOT NULL)%s" % (
            rel, rng.randrange(100), col[0], rng.choice(["", " NOT VALID", " NO INHERIT"]))
    if what == 1:
        return "ALTER TABLE %s ADD UNIQUE (%s)" % (rel, col[0])
    if what == 2:
        return "ALTER TABLE %s ADD FOREIGN KEY (%s) REFERENCES fz.parent%s" % (
            rel, col[0], rng.choice(["", " ON DELETE CASCADE", " NOT VALID", " DEFERRABLE"]))
    if what == 3:
        con = pick(rng, cat.constraints(rel))
        return con and "ALTER TABLE %s DROP CONSTRAINT %s%s" % (rel, con, rng.choice(["", " CASCADE"]))
    if what == 4:
        con = pick(rng, cat.constraints(rel))
        return con and "ALTER TABLE %s VALIDATE CONSTRAINT %s" % (rel, con)
    if what == 5:
        return "ALTER TABLE %s ADD PRIMARY KEY (%s)" % (rel, col[0])
    return "ALTER TABLE %s ADD EXCLUDE USING btree (%s WITH =)" % (rel, col[0])


def c_index(rng, cat):
    if rng.random() < 0.3:
        idx = pick(rng, cat.indexes())
        return idx and "DROP INDEX %s%s" % (idx, rng.choice(["", " CASCADE"]))
    rel, col = a_column(rng, cat, "rpm")
    if not col:
        return None
    return "CREATE %sINDEX %s ON %s (%s)%s" % (
        rng.choice(["", "UNIQUE "]), rng.choice(["", "idx_%d" % rng.randrange(100)]), rel,
        rng.choice([col[0], "(%s IS NULL)" % col[0], "%s DESC NULLS FIRST" % col[0]]),
        rng.choice(["", " WHERE %s IS NOT NULL" % col[0], " WITH (fillfactor = 70)"]))


def c_enum(rng, cat):
    typ = pick(rng, cat.types("e"))
    what = rng.randrange(4)
    if what == 3 or typ is None:
        return "CREATE TYPE fz.new_enum_%d AS ENUM ('a', 'b')" % rng.randrange(10)
    labels = cat.enum_labels(typ)
    if what == 2 and labels:
        return "ALTER TYPE %s RENAME VALUE '%s' TO 'renamed'" % (typ, rng.choice(labels).replace("'", "''"))
    where = ""
    if labels and rng.random() < 0.6:
        where = " %s '%s'" % (rng.choice(["BEFORE", "AFTER"]), rng.choice(labels).replace("'", "''"))
    return "ALTER TYPE %s ADD VALUE 'v%d'%s" % (typ, rng.randrange(100), where)


def c_type(rng, cat):
    what = rng.randrange(7)
    if what == 0:
        return "ALTER TYPE fz.pair ADD ATTRIBUTE a%d %s" % (rng.randrange(10), rng.choice(TYPES[:6]))
    if what == 1:
        return "ALTER TYPE fz.pair DROP ATTRIBUTE y"
    if what == 2:
        return "ALTER TYPE fz.nested ALTER ATTRIBUTE tags TYPE varchar[]"
    if what == 3:
        return rng.choice(["ALTER DOMAIN fz.posint ADD CONSTRAINT small CHECK (VALUE < 1000000)",
                           "ALTER DOMAIN fz.posint DROP CONSTRAINT posint_positive",
                           "ALTER DOMAIN fz.email SET DEFAULT 'a@b'", "ALTER DOMAIN fz.email SET NOT NULL",
                           "ALTER DOMAIN fz.posint DROP NOT NULL", "ALTER DOMAIN fz.posint DROP DEFAULT"])
    if what == 4:
        return rng.choice(["CREATE TYPE fz.newpair AS (a integer, b fz.mood)",
                           "CREATE DOMAIN fz.newdom AS text CHECK (VALUE <> '')",
                           "CREATE TYPE fz.newrange AS RANGE (subtype = integer)"])
    if what == 5:
        return "DROP TYPE %s CASCADE" % rng.choice(["fz.size", "fz.floatrange", "fz.nested", "fz.email"])
    return "ALTER TYPE %s OWNER TO %s" % (rng.choice(["fz.mood", "fz.pair", "fz.posint"]),
                                          rng.choice(ROLES[:3]))


def c_view(rng, cat):
    what = rng.randrange(6)
    if what == 0:
        return "CREATE OR REPLACE VIEW fz.kinds_v AS SELECT id, i, t, m, fz.add1(i) AS next, %s AS more FROM fz.kinds" \
            % rng.choice(["b", "s", "now()", "i * 2"])
    if what == 1:
        rel = pick(rng, cat.relations("vm"))
        return rel and "DROP %sVIEW %s CASCADE" % (
            "MATERIALIZED " if "totals" in rel or "empty_mv" in rel else "", rel)
    if what == 2:
        rel, col = a_column(rng, cat)
        return col and "CREATE VIEW fz.v_%d AS SELECT %s FROM %s%s" % (
            rng.randrange(100), col[0], rel, rng.choice(["", " WITH LOCAL CHECK OPTION"]))
    if what == 3:
        return "CREATE MATERIALIZED VIEW fz.mv_%d AS SELECT id, t FROM fz.kinds_v%s" % (
            rng.randrange(100), rng.choice(["", " WITH NO DATA"]))
    if what == 4:
        return "ALTER VIEW fz.kinds_vv SET (security_barrier = %s)" % rng.choice(["false", "true"])
    return "CREATE VIEW fz.vv_%d AS SELECT * FROM fz.kinds_vv" % rng.randrange(100)


def c_function(rng, cat):
    what = rng.randrange(5)
    if what == 0:
        return "CREATE OR REPLACE FUNCTION fz.add1(i integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS 'SELECT i + %d'" \
            % rng.randrange(5)
    if what == 1:
        return "CREATE FUNCTION fz.f_%d(a %s) RETURNS text LANGUAGE sql AS $$ SELECT a::text $$" % (
            rng.randrange(100), rng.choice(TYPES[:8]))
    if what == 2:
        fn = pick(rng, cat.functions())
        return fn and "DROP FUNCTION %s CASCADE" % fn
    fn = pick(rng, cat.functions())
    return fn and "ALTER ROUTINE %s %s" % (fn, rng.choice([
        "OWNER TO fuzz_owner", "SET search_path = fz", "RESET ALL", "SECURITY DEFINER",
        "STABLE", "VOLATILE", "RENAME TO renamed_fn"]))


def c_trigger(rng, cat):
    what = rng.randrange(4)
    if what == 0:
        trg = pick(rng, cat.triggers())
        return trg and "DROP TRIGGER %s ON %s" % trg
    if what == 1:
        trg = pick(rng, cat.triggers())
        return trg and "ALTER TABLE %s %s TRIGGER %s" % (
            trg[1], rng.choice(["DISABLE", "ENABLE", "ENABLE ALWAYS", "ENABLE REPLICA"]), trg[0])
    rel = pick(rng, cat.relations())
    return rel and "CREATE TRIGGER t_%d %s ON %s FOR EACH %s EXECUTE FUNCTION fz.touch()" % (
        rng.randrange(100), rng.choice(["BEFORE INSERT", "AFTER UPDATE", "BEFORE DELETE OR UPDATE"]),
        rel, rng.choice(["ROW", "STATEMENT"]))


def c_policy(rng, cat):
    what = rng.randrange(4)
    rel = pick(rng, cat.relations())
    if what == 0:
        return rel and "ALTER TABLE %s %s ROW LEVEL SECURITY" % (
            rel, rng.choice(["ENABLE", "DISABLE", "FORCE", "NO FORCE"]))
    if what == 1:
        pol = pick(rng, cat.policies())
        return pol and "DROP POLICY %s ON %s" % pol
    if what == 2:
        pol = pick(rng, cat.policies())
        return pol and "ALTER POLICY %s ON %s %s" % (pol[0], pol[1], rng.choice([
            "TO fuzz_writer", "TO PUBLIC", "USING (true)", "RENAME TO renamed_pol"]))
    return rel and "CREATE POLICY p_%d ON %s %s FOR %s TO %s USING (true)" % (
        rng.randrange(100), rel, rng.choice(["", "AS RESTRICTIVE"]),
        rng.choice(["ALL", "SELECT", "DELETE"]), rng.choice(ROLES))


def c_rule(rng, cat):
    if rng.random() < 0.4:
        return rng.choice(["DROP RULE scratch_nothing ON fz.scratch", "DROP RULE dog_log ON fz.dog",
                           "ALTER TABLE fz.scratch ENABLE RULE scratch_nothing"])
    rel = pick(rng, cat.relations("r"))
    return rel and "CREATE RULE r_%d AS ON %s TO %s DO ALSO NOTIFY fuzz" % (
        rng.randrange(100), rng.choice(["INSERT", "UPDATE", "DELETE"]), rel)


def c_sequence(rng, cat):
    return rng.choice([
        "ALTER SEQUENCE fz.seq INCREMENT BY %d" % rng.randint(1, 9),
        "ALTER SEQUENCE fz.seq NO CYCLE", "ALTER SEQUENCE fz.plain CACHE 20",
        "ALTER SEQUENCE fz.plain AS integer", "ALTER SEQUENCE fz.plain OWNED BY fz.kinds.b",
        "ALTER SEQUENCE \"Fz Odd\".\"owned Seq\" OWNED BY NONE", "DROP SEQUENCE fz.seq CASCADE",
        "CREATE SEQUENCE fz.s_%d START 3 MINVALUE -5" % rng.randrange(100),
        "ALTER SEQUENCE fz.plain RENAME TO plain2"])


def c_partition(rng, cat):
    n = rng.randrange(1000)
    return rng.choice([
        "CREATE TABLE fz.events_%d PARTITION OF fz.events FOR VALUES FROM ('%d-01-01') TO ('%d-01-01')"
        % (n, 2030 + n, 2031 + n),
        "ALTER TABLE fz.events DETACH PARTITION fz.events_2025",
        "ALTER TABLE fz.events DETACH PARTITION fz.events_default",
        "ALTER TABLE fz.regions DETACH PARTITION fz.regions_eu",
        "CREATE TABLE fz.regions_%d PARTITION OF fz.regions FOR VALUES IN ('r%d')" % (n, n),
        "CREATE TABLE fz.loose_%d (region text, n integer)" % n,
        "DROP TABLE fz.hashed_1",
        "ALTER TABLE fz.events_2025 ALTER COLUMN payload SET DEFAULT '{}'",
        "CREATE INDEX ON fz.events (payload)",
        "ALTER TABLE fz.events ADD COLUMN extra_%d text" % n,
        "CREATE TABLE fz.hashed_2 (k integer, v text)",
    ])


def c_inherit(rng, cat):
    return rng.choice([
        "CREATE TABLE fz.cat_%d (purr boolean) INHERITS (fz.animal)" % rng.randrange(100),
        "ALTER TABLE fz.bird NO INHERIT fz.animal", "ALTER TABLE fz.petdog NO INHERIT fz.pet",
        "ALTER TABLE fz.scratch INHERIT fz.pet",
        "ALTER TABLE fz.animal ADD COLUMN tail boolean DEFAULT true",
        "ALTER TABLE fz.animal DROP COLUMN legs", "ALTER TABLE fz.dog ALTER COLUMN legs SET DEFAULT 3",
        "ALTER TABLE fz.animal ADD CONSTRAINT legs_ok CHECK (legs >= 0)",
        "ALTER TABLE fz.animal ALTER COLUMN name TYPE varchar(200)",
    ])


def c_grant(rng, cat):
    rel, col = a_column(rng, cat, "rpvm")
    role = rng.choice(ROLES)
    what = rng.randrange(6)
    if what == 0 and col:
        return "GRANT %s (%s) ON %s TO %s" % (rng.choice(["SELECT", "UPDATE", "INSERT"]), col[0], rel, role)
    if what == 1 and col:
        return "REVOKE %s ON %s FROM %s" % (rng.choice(PRIVILEGES), rel, role)
    if what == 2:
        return "%s ON SCHEMA fz %s %s" % (rng.choice(["GRANT CREATE", "REVOKE USAGE"]),
                                        rng.choice(["TO", "FROM"]), role)
    if what == 3:
        fn = pick(rng, cat.functions())
        verb, to = rng.choice([("GRANT", "TO"), ("REVOKE", "FROM")])
        return fn and "%s EXECUTE ON ROUTINE %s %s %s" % (verb, fn, to, role)
    if what == 4 and rel:
        return "ALTER TABLE %s OWNER TO %s" % (rel, rng.choice(ROLES[:3] + ["postgres"]))
    return rel and "GRANT %s ON %s TO %s%s" % (rng.choice(PRIVILEGES), rel, role,
                                               rng.choice(["", " WITH GRANT OPTION"]))


def c_comment(rng, cat):
    text = rng.choice(["NULL", "'new'", "'it''s'", "''", "'ünïcode'"])
    what = rng.randrange(6)
    if what == 0:
        rel, col = a_column(rng, cat, "rpvm")
        return col and "COMMENT ON COLUMN %s.%s IS %s" % (rel, col[0], text)
    if what == 1:
        rel = pick(rng, cat.relations("rp"))
        return rel and "COMMENT ON TABLE %s IS %s" % (rel, text)
    if what == 2:
        idx = pick(rng, cat.indexes())
        return idx and "COMMENT ON INDEX %s IS %s" % (idx, text)
    if what == 3:
        fn = pick(rng, cat.functions())
        return fn and "COMMENT ON ROUTINE %s IS %s" % (fn, text)
    if what == 4:
        trg = pick(rng, cat.triggers())
        return trg and "COMMENT ON TRIGGER %s ON %s IS %s" % (trg[0], trg[1], text)
    return "COMMENT ON %s IS %s" % (rng.choice(["SCHEMA fz", "TYPE fz.mood", "DOMAIN fz.email",
                                                "SEQUENCE fz.seq", "VIEW fz.kinds_v",
                                                "MATERIALIZED VIEW fz.totals",
                                                "POLICY parent_read ON fz.parent",
                                                "RULE dog_log ON fz.dog"]), text)


def c_table(rng, cat):
    n = rng.randrange(1000)
    return rng.choice([
        "CREATE TABLE fz.t_%d (id integer PRIMARY KEY, m fz.mood DEFAULT 'sad', ref integer REFERENCES fz.parent)" % n,
        "CREATE TABLE fz2.t_%d (a text)" % n if rng.random() < 0.5 else "CREATE SCHEMA fz2",
        "DROP TABLE %s CASCADE" % (pick(rng, cat.relations("rp")) or "fz.scratch"),
        "ALTER TABLE %s SET (fillfactor = %d)" % (pick(rng, cat.relations("r")) or "fz.kinds", rng.randint(50, 100)),
        "ALTER TABLE %s RESET (fillfactor)" % (pick(rng, cat.relations("r")) or "fz.kinds"),
        "ALTER TABLE %s SET %s" % (pick(rng, cat.relations("r")) or "fz.kinds", rng.choice(["LOGGED", "UNLOGGED"])),
        "ALTER TABLE %s REPLICA IDENTITY %s" % (pick(rng, cat.relations("r")) or "fz.kinds",
                                                rng.choice(["DEFAULT", "FULL", "NOTHING"])),
        "ALTER TABLE %s SET SCHEMA \"Fz Odd\"" % (pick(rng, cat.relations("r")) or "fz.kinds"),
        "ALTER SCHEMA \"Fz Odd\" RENAME TO \"Fz Renamed\"",
        "ALTER SCHEMA fz OWNER TO fuzz_owner",
        "CREATE TABLE fz.copy_%d (LIKE fz.kinds INCLUDING ALL)" % n,
    ])


CHANGES = [c_add_column, c_add_column, c_drop_column, c_retype, c_retype, c_default, c_not_null,
           c_identity, c_rename, c_constraint, c_constraint, c_index, c_enum, c_type, c_view,
           c_function, c_trigger, c_policy, c_rule, c_sequence, c_partition, c_inherit, c_grant,
           c_comment, c_table]


# ---- a round ---------------------------------------------------------------

# what diff() may refuse of documents migrate.schema() wrote: not 22023
REAL_REFUSALS = ("0A000", "54001")
PLACE = re.compile(r"^position: [0-9]+ -> [0-9]+$")
DIFF = "SELECT statement FROM migrate.diff(%s::jsonb, %s::jsonb) ORDER BY step"
COMPARE = "SELECT object, change, detail FROM migrate.compare(migrate.schema(), %s::jsonb)"


class Semantic:
    def __init__(self, args):
        self.args = args
        self.runner = None
        self.counts = collections.Counter()

    def execute(self, sql):
        with self.runner.conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description else None

    def changes(self, rng):
        """K random changes, each in a savepoint; the SQL of those that ran."""
        done = []
        cat = Catalog(self.runner.conn.cursor())
        for _ in range(self.args.changes * 4):
            if len(done) >= self.args.changes:
                break
            self.execute("SAVEPOINT change")
            try:
                sql = rng.choice(CHANGES)(rng, cat)
                if sql:
                    self.execute(sql)
                    done.append(sql)
                self.execute("RELEASE change")
            except psycopg2.Error:
                if self.runner.conn.closed:
                    raise
                self.execute("ROLLBACK TO change")
        return done

    def direction(self, name, changes, source, target):
        """Run diff(source, target) here and compare with target."""
        outcome, code, rows = self.runner.call(DIFF, (source, target), documented=REAL_REFUSALS)
        if outcome != "ok":
            self.counts["%s %s" % (name, outcome)] += 1
            return
        script = [r[0] for r in rows]
        self.counts["statements"] += len(script)
        for i, stmt in enumerate(script):
            try:
                self.execute(stmt)
            except psycopg2.Error as exc:
                if self.runner.conn.closed:
                    raise
                self.counts["script errors"] += 1
                path = self.runner.record("%s-script-error" % name, stmt, [], str(exc))
                with open(path + ".txt", "w", encoding="utf-8") as f:
                    f.write("-- changes\n%s;\n\n-- the script (statement %d failed: %s)\n%s\n" % (
                        ";\n".join(changes), i + 1, str(exc).strip(), "\n".join(script)))
                print("semantic: SCRIPT ERROR (%s), case in %s.txt\n  %s\n  %s" % (
                    name, path, stmt[:300], str(exc).strip()[:300]), flush=True)
                return
        outcome, code, rows = self.runner.call(COMPARE, (target,), documented=REAL_REFUSALS)
        if outcome != "ok":
            self.counts["%s %s" % (name, outcome)] += 1
            return
        if rows and all(PLACE.match(r[2] or "") and r[1] == "changed" for r in rows):
            # a column added back comes at the end: no ALTER puts it back in
            # its place (documented; migrate.test_roundtrip() notes it too)
            self.counts["%s reached but for column places" % name] += 1
        elif rows:
            self.counts["silent differences"] += 1
            path = self.runner.record("%s-silent-difference" % name, "", [], "")
            with open(path + ".txt", "w", encoding="utf-8") as f:
                f.write("-- changes\n%s;\n\n-- the script\n%s\n\n-- differences left\n%s\n" % (
                    ";\n".join(changes), "\n".join(script),
                    "\n".join("%s: %s %s" % r for r in rows)))
            print("semantic: SILENT DIFFERENCE (%s), case in %s.txt\n  %s" % (
                name, path, "\n  ".join("%s: %s %s" % r for r in rows[:5])[:1000]), flush=True)
        else:
            self.counts["%s reached" % name] += 1

    def round(self, rng, doc_a):
        self.execute("BEGIN")
        try:
            self.execute("SAVEPOINT a")
            changes = self.changes(rng)
            self.runner.context = {"changes": changes, "seed": self.args.seed}
            doc_b = json.dumps(self.execute("SELECT migrate.schema()")[0][0])
            if doc_b == doc_a:
                self.counts["unchanged"] += 1
                return
            self.counts["rounds"] += 1
            self.execute("SAVEPOINT b")
            self.direction("backward", changes, doc_b, doc_a)
            self.execute("ROLLBACK TO b")
            self.execute("ROLLBACK TO a")
            self.direction("forward", changes, doc_a, doc_b)
        finally:
            if not self.runner.conn.closed:
                self.execute("ROLLBACK")

    def run(self):
        with open(os.path.join(ROOT, "test", "fuzz", "schema.sql"), encoding="utf-8") as f:
            schema = f.read()
        admin = fuzzlib.connect("postgres")
        with admin.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.args.db)
            cur.execute("CREATE DATABASE %s" % self.args.db)
        admin.close()
        conn = fuzzlib.connect(self.args.db)
        with conn.cursor() as cur:
            cur.execute("CREATE EXTENSION pgmigrate")
            cur.execute(schema)
        conn.close()
        self.runner = fuzzlib.Runner("semantic", self.args.db, self.args.results, self.args.timeout)
        doc_a = json.dumps(self.execute("SELECT migrate.schema()")[0][0])
        rng = random.Random(self.args.seed)
        for i in range(self.args.count):
            try:
                self.round(rng, doc_a)
            except psycopg2.Error as exc:
                if not self.runner.conn.closed:
                    raise
                # a crash outside the engine's calls (in a change, or the script)
                self.runner.counts["crashes"] += 1
                self.runner.record("crash", "", [], str(exc))
                fuzzlib.wait_for_server(self.args.db)
                self.runner.reconnect()
            if self.args.verbose and (i + 1) % 10 == 0:
                print("semantic: %d/%d %s" % (i + 1, self.args.count, dict(self.counts)), flush=True)
        c = self.counts
        refused = ", ".join("%s %d" % (k, v) for k, v in sorted(c.items()) if k.endswith(" refused"))
        print(self.runner.summary(
            ", %d rounds of %d changes (%d changed nothing), forward %d reached, backward %d reached, "
            "%d but for column places%s, %d statements run, %d script errors, %d silent differences, "
            "seed %d" % (
                c["rounds"], self.args.changes, c["unchanged"], c["forward reached"],
                c["backward reached"], c["forward reached but for column places"]
                + c["backward reached but for column places"],
                " (%s)" % refused if refused else "", c["statements"],
                c["script errors"], c["silent differences"], self.args.seed)), flush=True)
        return 1 if self.runner.bad() or c["script errors"] or c["silent differences"] else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--count", type=int, default=50, help="rounds")
    p.add_argument("--changes", type=int, default=4, help="changes per round")
    p.add_argument("--results", default="fuzz-results")
    p.add_argument("--db", default="pgm_fuzz_semantic")
    p.add_argument("--timeout", type=int, default=20000, help="statement_timeout of each call, in ms")
    p.add_argument("--verbose", action="store_true")
    sys.exit(Semantic(p.parse_args()).run())


if __name__ == "__main__":
    main()

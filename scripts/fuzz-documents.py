#!/usr/bin/python3
"""A bounded fuzzer of the documents migrate.diff() and migrate.compare() take.

    scripts/fuzz-documents.py --seed N --count N --results DIR

Loads test/fuzz/schema.sql into a new database, takes its migrate.schema()
document (and that of an empty database), and makes COUNT broken documents
from them with a random generator seeded by SEED: each gets one to four
mutations (a kind changed, attributes dropped, added from another kind or
of another JSON type, objects swapped, removed, duplicated or re-keyed,
unknown kinds, positions out of range, deep nesting, huge strings, odd
unicode, references to what is not there, cycles of dependencies, SQL cut
short, documents of both mixed, ...).  Each goes through diff(source,
mutated), diff(mutated, source) and compare(source, mutated); one in eight
diffs also gets a renames argument.  Then a few fixed cases apart, each a
small document: long chains of dependents (with the default max_stack_depth
and with a small one), a ring of dependencies, an object that depends on
thousands of missing keys.  Documents stay under about 1 MB.

Every call must return, or be refused with a documented SQLSTATE (22023,
54001, 0A000; 42710 and 42704 for renames); 57014 (statement_timeout) is
counted apart.  Anything else, or a lost connection, is written to DIR and
makes the exit status 1.  The last line is the summary.
"""
import argparse
import copy
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzlib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_DOC = 1000000

KINDS = ["schema", "table", "foreign table", "view", "materialized view", "sequence", "column",
         "constraint", "index", "function", "procedure", "aggregate", "type", "trigger", "rule",
         "policy", "extension", "operator", "cast"]
ATTRIBUTES = ["arguments", "base_type", "cache", "canonical", "collation", "command", "comment",
              "constraint", "cycle", "default", "definition", "depends", "enabled",
              "force_row_security", "generated", "grants", "identity", "identity_arguments",
              "identity_options", "increment", "inherited", "inherits", "kind", "labels",
              "language", "local", "max", "min", "multirange", "name", "not_null", "options",
              "owned_by", "owner", "parent", "partition_bound", "partition_key", "partition_of",
              "partitioned", "permissive", "populated", "position", "query", "relation",
              "replica_identity", "returns", "roles", "row_security", "schema",
              "security_definer", "server", "settings", "signature", "start", "strict",
              "subtype", "subtype_diff", "subtype_opclass", "type", "unlogged", "using", "valid",
              "version", "volatility", "with_check", "bogus", "", "Kind"]
ENUMERATED = {"type": ["enum", "domain", "range", "composite", "base", "shape"],
              "enabled": ["origin", "disabled", "replica", "always", "never"],
              "identity": ["always", "by default", "sometimes"],
              "command": ["SELECT", "INSERT", "UPDATE", "DELETE", "ALL", "select"],
              "replica_identity": ["d", "n", "f", "i", "x"]}
TYPES = ["integer", "bigint", "text", "boolean", "numeric(5,1)", "fz.mood", "fz.pair", "fz.posint",
         "fz.mood[]", "int4range", "jsonb", "character varying(3)", "\"Fz Odd\".\"Odd Type\"",
         "fz.missing", "integer[][]", "timestamp with time zone", "double precision", "bytea"]
ODD_STRINGS = ["", " ", "'", "\"", "\\", "$$", "$x$", ";", "--", "/*", "*/", "(", ")",
               "x\u0001y", "\u001f", "\u007f", "\u2028", "\ufeff", "\u202eevil", "\U0001F600",
               "e\u0301", "\\u0000", "\\x00", "%s", "%n", "{}", "[]", "null", "NaN",
               "DROP TABLE fz.kinds", "'); DROP TABLE fz.kinds; --", "x\ny\r\nz\t",
               "PUBLIC", "\"PUBLIC\"", "=", "a=", "=SELECT", "postgres=ALL*", "fuzz_reader=r*w",
               "table fz.kinds", "column fz.kinds.i", "table ", " table fz.kinds",
               "fz.kinds.i", "fz", "ﬁ", "İ", "\u00a0", "\U0010FFFF"]


def random_scalar(rng):
    return rng.choice([None, True, False, 0, -1, 1, 2 ** 31, -2 ** 63, 2 ** 64, 1.5, -0.0,
                       1e308, 10 ** 40, "", "x", rng.choice(ODD_STRINGS), rng.choice(TYPES)])


def random_json(rng, depth=0):
    r = rng.random()
    if depth > 3 or r < 0.5:
        return random_scalar(rng)
    if r < 0.75:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(ATTRIBUTES): random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def odd_string(rng):
    parts = [rng.choice(ODD_STRINGS) for _ in range(rng.randint(1, 6))]
    if rng.random() < 0.3:
        parts.append("".join(chr(rng.randint(1, 0xD7FF)) for _ in range(rng.randint(1, 20))))
    return "".join(parts)


# ---- the mutations: each changes the document in place -------------------

def pick(rng, doc, kind=None):
    objects = doc["objects"]
    keys = [k for k, v in objects.items()
            if kind is None or (isinstance(v, dict) and v.get("kind") == kind)]
    if not keys:
        return None, None
    key = rng.choice(sorted(keys))
    obj = objects[key]
    return key, obj if isinstance(obj, dict) else None


def pick_attr(rng, obj):
    return rng.choice(sorted(obj)) if obj else rng.choice(ATTRIBUTES)


def m_kind(rng, doc, ctx):
    _, obj = pick(rng, doc)
    if obj is not None:
        obj["kind"] = rng.choice(KINDS + ["widget", "", "TABLE", "table ", None, 5, ["table"]])


def m_drop_attr(rng, doc, ctx):
    _, obj = pick(rng, doc)
    if obj:
        for _ in range(rng.randint(1, 3)):
            if obj:
                del obj[pick_attr(rng, obj)]


def m_foreign_attr(rng, doc, ctx):
    _, obj = pick(rng, doc)
    _, other = pick(rng, doc)
    if obj is None:
        return
    if other and rng.random() < 0.7:
        attr = pick_attr(rng, other)
        obj[attr] = copy.deepcopy(other[attr])
    else:
        obj[rng.choice(ATTRIBUTES)] = random_json(rng)


def m_retype(rng, doc, ctx):
    _, obj = pick(rng, doc)
    if obj:
        obj[pick_attr(rng, obj)] = random_json(rng)


def m_swap(rng, doc, ctx):
    a, _ = pick(rng, doc)
    b, _ = pick(rng, doc)
    if a and b:
        objects = doc["objects"]
        objects[a], objects[b] = objects[b], objects[a]


def m_unknown(rng, doc, ctx):
    kind = rng.choice(["widget", "publication", "collation", "Table", "table", "column"])
    key = rng.choice([kind + " fz.w%d" % rng.randint(0, 9), kind, "", "widget", "fz.w"])
    doc["objects"][key] = {"kind": kind, "schema": "fz", "name": "w", **(
        {rng.choice(ATTRIBUTES): random_json(rng)} if rng.random() < 0.5 else {})}


def m_position(rng, doc, ctx):
    _, obj = pick(rng, doc, "column")
    if obj is not None:
        obj["position"] = rng.choice([-1, 0, -2 ** 31, 2 ** 31, 2 ** 31 - 1, 2 ** 63, 2 ** 64 + 1,
                                      1e308, -1e308, 1.5, -0.0, 32767, 32768, 1600, 1601, 10 ** 400,
                                      "1", None, [1]])


def nested(rng, depth):
    """Deeply nested JSON as text (Python's json recurses)."""
    opens, closes = [], []
    for _ in range(depth):
        if rng.random() < 0.5:
            opens.append("[")
            closes.append("]")
        else:
            opens.append('{"a": ')
            closes.append("}")
    return "".join(opens) + rng.choice(['"x"', "1", "null"]) + "".join(reversed(closes))


def m_nesting(rng, doc, ctx):
    """An attribute nested thousands deep: a placeholder, replaced in the text."""
    _, obj = pick(rng, doc)
    if obj is not None:
        marker = "@@nested%d@@" % len(ctx["raw"])
        ctx["raw"][marker] = nested(rng, rng.choice([10, 100, 1000, 5000]))
        obj[pick_attr(rng, obj)] = marker


def m_huge_string(rng, doc, ctx):
    _, obj = pick(rng, doc)
    if obj is None:
        return
    unit = rng.choice(["x", "'", "\"", "\\", "(", "é", "\U0001F600", "a, ", "$$", " ", "\n"])
    size = rng.choice([1000, 10000, 100000, 400000])
    obj[rng.choice(["name", "definition", "comment", "type", "default", "query", "schema",
                    "relation", pick_attr(rng, obj)])] = unit * (size // len(unit.encode()))


def m_unicode(rng, doc, ctx):
    _, obj = pick(rng, doc)
    if obj is None:
        return
    attr = rng.choice(["name", "comment", "schema", "type", "owner", "definition", pick_attr(rng, obj)])
    old = obj.get(attr)
    if isinstance(old, str) and rng.random() < 0.5:
        i = rng.randint(0, len(old))
        obj[attr] = old[:i] + odd_string(rng) + old[i:]
    elif isinstance(old, list) and old and rng.random() < 0.7:
        old[rng.randrange(len(old))] = odd_string(rng)
    else:
        obj[attr] = odd_string(rng)


REFERENCES = ["relation", "owned_by", "partition_of", "parent", "constraint", "inherits", "depends"]


def m_missing_ref(rng, doc, ctx):
    _, obj = pick(rng, doc)
    if obj is None:
        return
    attr = rng.choice(REFERENCES)
    existing, _ = pick(rng, doc)
    target = rng.choice(["table fz.nothing", "column fz.kinds.nothing", "constraint fz.x.y",
                         existing or "x", "", "index fz.kinds_gin", "view fz.kinds_v",
                         "type fz.mood", "schema fz", "table fz.kinds"])
    obj[attr] = [target, target] if attr in ("inherits", "depends") else target


def m_rename_key(rng, doc, ctx):
    key, _ = pick(rng, doc)
    if key is None:
        return
    objects = doc["objects"]
    obj = objects.pop(key)
    if rng.random() < 0.5 or not isinstance(obj, dict) or "name" not in obj:
        objects[rng.choice([key + "_renamed", key.upper(), key.replace(" ", "  "),
                            key.replace("fz.", "\"Fz Odd\"."), key + ".x"])] = obj
    else:
        # the object renamed consistently; what named it still names the old key
        obj["name"] = str(obj["name"]) + "_r"
        objects[key + "_r"] = obj


def m_remove(rng, doc, ctx):
    for _ in range(rng.choice([1, 1, 2, 5, 20])):
        key, _ = pick(rng, doc)
        if key is not None:
            del doc["objects"][key]


def m_duplicate(rng, doc, ctx):
    key, obj = pick(rng, doc)
    if obj is None or "name" not in obj:
        return
    dup = copy.deepcopy(obj)
    if rng.random() < 0.5:
        dup["name"] = str(obj["name"]) + "_dup"
        doc["objects"][key + "_dup"] = dup
    else:
        doc["objects"][key + " "] = dup


def m_mix(rng, doc, ctx):
    other = ctx["empty"] if rng.random() < 0.3 else ctx["source"]
    keys = sorted(doc["objects"])
    for key in rng.sample(keys, len(keys) // 2):
        del doc["objects"][key]
    for key, obj in other["objects"].items():
        if rng.random() < 0.5:
            doc["objects"][key] = copy.deepcopy(obj)


def m_cycle(rng, doc, ctx):
    a, oa = pick(rng, doc)
    b, ob = pick(rng, doc)
    if oa is None or ob is None:
        return
    add_dependency(oa, b)
    add_dependency(ob, a)


def add_dependency(obj, key):
    """key among obj's "depends"; what an earlier mutation put there stays,
    whatever its JSON type (so no set: a list or an object is no key)."""
    deps = obj.get("depends")
    deps = list(deps) if isinstance(deps, list) else []
    if key not in deps:
        deps.append(key)
    obj["depends"] = deps


def m_toplevel(rng, doc, ctx):
    what = rng.randrange(6)
    if what == 0:
        doc["version"] = rng.choice([2, 0, -1, "1", None, 1.0, 1e300, [1]])
    elif what == 1:
        doc.pop("version", None)
    elif what == 2:
        doc["extra"] = random_json(rng)
    elif what == 3:
        doc["objects"] = rng.choice([None, [], "objects", 1, {"": {}}, {"table fz.t": None}])
    elif what == 4:
        key, _ = pick(rng, doc)
        if key:
            doc["objects"][key] = random_scalar(rng)
    else:
        ctx["replace"] = rng.choice([None, [], [doc], "doc", 1, True, {}, {"objects": {}}])


def m_enumerated(rng, doc, ctx):
    attr = rng.choice(sorted(ENUMERATED))
    keys = [k for k, v in doc["objects"].items() if isinstance(v, dict) and attr in v]
    if keys:
        doc["objects"][rng.choice(sorted(keys))][attr] = rng.choice(ENUMERATED[attr])


SQL_ATTRIBUTES = ["definition", "query", "default", "type", "generated", "partition_bound",
                  "partition_key", "using", "with_check", "arguments", "returns", "identity_options",
                  "signature", "options", "settings", "collation"]


def m_sql(rng, doc, ctx):
    keys = [(k, a) for k, v in doc["objects"].items() if isinstance(v, dict)
            for a in SQL_ATTRIBUTES if isinstance(v.get(a), str)]
    if not keys:
        return
    key, attr = rng.choice(sorted(keys))
    s = doc["objects"][key][attr]
    what = rng.randrange(6)
    if what == 0 and s:
        s = s[:rng.randrange(len(s))]
    elif what == 1:
        i = rng.randint(0, len(s))
        s = s[:i] + rng.choice([";", "(", ")", "'", "\"", "$$", "/*", "--", " CASCADE", "; SELECT 1"]) + s[i:]
    elif what == 2:
        s = s.replace("fz.", rng.choice(["fz2.", "\"Fz Odd\".", "", "pg_catalog."]))
    elif what == 3:
        s = rng.choice(TYPES)
    elif what == 4:
        s = s + " " + s
    else:
        s = rng.choice(["", " ", "SELECT 1", "CREATE TABLE x ()", "DROP SCHEMA fz CASCADE",
                        "1; DROP TABLE fz.kinds", "now()", "nextval('fz.seq'::regclass)"])
    doc["objects"][key][attr] = s


def m_lists(rng, doc, ctx):
    attr = rng.choice(["grants", "labels", "roles", "depends", "inherits", "options", "settings"])
    keys = [k for k, v in doc["objects"].items() if isinstance(v, dict) and isinstance(v.get(attr), list)]
    if not keys:
        return
    lst = doc["objects"][rng.choice(sorted(keys))][attr]
    what = rng.randrange(6)
    if what == 0 and lst:
        lst.append(rng.choice(lst))
    elif what == 1:
        rng.shuffle(lst)
    elif what == 2 and lst:
        lst.pop(rng.randrange(len(lst)))
    elif what == 3:
        lst.extend(odd_string(rng) for _ in range(rng.randint(1, 5)))
    elif what == 4:
        lst.extend("v%d" % i for i in range(rng.choice([100, 5000])))
    else:
        lst.clear()


def m_plausible(rng, doc, ctx):
    """A change that keeps the document plausible: the planner's work."""
    key, obj = pick(rng, doc, rng.choice(["column", "table", "type", "sequence", "index", "view",
                                          "constraint", "function", "trigger", "policy"]))
    if obj is None:
        return
    kind = obj["kind"]
    if kind == "column":
        attr = rng.choice(["type", "default", "not_null", "collation", "identity", "generated", "comment"])
        obj[attr] = {"type": rng.choice(TYPES), "default": rng.choice(["0", "NULL", "'x'::text", "now()"]),
                     "not_null": True, "collation": rng.choice(["\"C\"", "\"POSIX\"", "\"nope\""]),
                     "identity": rng.choice(["always", "by default"]),
                     "generated": "(i * 3)", "comment": "c"}[attr]
    elif kind == "type" and obj.get("type") == "enum":
        labels = list(obj.get("labels", []))
        rng.choice([lambda: labels.insert(rng.randint(0, len(labels)), "new%d" % rng.randint(0, 9)),
                    lambda: labels.reverse(), lambda: labels.pop() if labels else None])()
        obj["labels"] = labels
    elif kind == "table":
        obj[rng.choice(["unlogged", "row_security", "force_row_security"])] = rng.random() < 0.5
        if rng.random() < 0.3:
            obj["owner"] = rng.choice(["fuzz_owner", "fuzz_reader", "nobody_here"])
    else:
        attr = rng.choice([a for a in ("definition", "query", "comment", "owner", "start", "cache",
                                        "enabled", "roles", "valid") if a in obj] or ["comment"])
        obj[attr] = {"start": "7", "cache": "3", "enabled": "disabled", "roles": ["fuzz_reader"],
                     "valid": False, "owner": "fuzz_owner", "comment": "changed"}.get(
                         attr, str(obj.get(attr, "")).replace("fz.", "fz.", 1) + " ")


MUTATIONS = [m_kind, m_drop_attr, m_foreign_attr, m_retype, m_swap, m_unknown, m_position,
             m_nesting, m_huge_string, m_unicode, m_missing_ref, m_rename_key, m_remove,
             m_duplicate, m_mix, m_cycle, m_toplevel, m_enumerated, m_sql, m_lists,
             m_plausible, m_plausible, m_plausible]


def mutate(rng, ctx):
    base = ctx["source"] if rng.random() < 0.9 else ctx["empty"]
    doc = copy.deepcopy(base)
    ctx.pop("replace", None)
    names = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
        mutation = rng.choice(MUTATIONS)
        names.append(mutation.__name__[2:])
        if isinstance(doc.get("objects"), dict):
            mutation(rng, doc, ctx)
    if "replace" in ctx:
        doc = ctx.pop("replace")
    return base, doc, names


# ---- the fixed cases ------------------------------------------------------

def small_doc(objects):
    doc = {"version": 1, "objects": {
        "schema x": {"kind": "schema", "name": "x"},
        "table x.t": {"kind": "table", "schema": "x", "name": "t"},
        "column x.t.a": {"kind": "column", "relation": "table x.t", "name": "a", "type": "integer",
                         "position": 1}}}
    doc["objects"].update(objects)
    return doc


def chain(kind, n, ring=False):
    objects = {}
    for i in range(n):
        key = "%s x.m%d" % (kind, i)
        dep = "%s x.m%d" % (kind, i - 1) if i > 0 else ("%s x.m%d" % (kind, n - 1) if ring else None)
        objects[key] = {"kind": kind, "schema": "x", "name": "m%d" % i, "query": "SELECT 1",
                        "depends": [dep] if dep else []}
    return objects


def fixed_cases():
    """(name, setting, source, target): small documents with long chains."""
    cases = []
    for kind in ("materialized view", "view"):
        objects = chain(kind, 6000)
        changed = copy.deepcopy(objects)
        changed["%s x.m0" % kind]["query"] = "SELECT 2"
        cases.append(("chain of 6000 %ss" % kind, None, small_doc(objects), small_doc(changed)))
        cases.append(("chain of 6000 %ss, max_stack_depth 200kB" % kind, "200kB",
                      small_doc(objects), small_doc(changed)))
    ring = chain("view", 5000, ring=True)
    cases.append(("a ring of 5000 views", None, small_doc({}), small_doc(ring)))
    cases.append(("a ring of 5000 views, max_stack_depth 200kB", "200kB", small_doc(ring), small_doc({})))
    wide = {"view x.v": {"kind": "view", "schema": "x", "name": "v", "query": "SELECT 1",
                         "depends": ["column x.t.c%d" % i for i in range(20000)]}}
    cases.append(("a view on 20,000 missing columns", None, small_doc({}), small_doc(wide)))
    columns = {"column x.t.c%d" % i: {"kind": "column", "relation": "table x.t", "name": "c%d" % i,
                                      "type": "integer", "position": i + 2} for i in range(3000)}
    cases.append(("a table of 3000 columns", None, small_doc({}), small_doc(columns)))
    cases.append(("a table of 3000 columns, dropped", None, small_doc(columns), small_doc({})))
    return cases


# ---- the run ----------------------------------------------------------------

DIFF = "SELECT count(*) FROM migrate.diff(%s::jsonb, %s::jsonb)"
DIFF_RENAMES = "SELECT count(*) FROM migrate.diff(%s::jsonb, %s::jsonb, %s::text[])"
# a rename of what is not there, or to a name that is taken
RENAME_REFUSALS = ("42704", "42710")
COMPARE = "SELECT count(*) FROM migrate.compare(%s::jsonb, %s::jsonb)"


def setup(dbname, schema):
    admin = fuzzlib.connect("postgres")
    with admin.cursor() as cur:
        for db in (dbname, dbname + "_empty"):
            cur.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % db)
            cur.execute("CREATE DATABASE %s" % db)
    admin.close()
    docs = []
    for db, sql in ((dbname, schema), (dbname + "_empty", None)):
        conn = fuzzlib.connect(db)
        with conn.cursor() as cur:
            cur.execute("CREATE EXTENSION pgmigrate")
            if sql:
                cur.execute(sql)
            cur.execute("SELECT migrate.schema()")
            docs.append(cur.fetchone()[0])
        conn.close()
    return docs


def run(args):
    with open(os.path.join(ROOT, "test", "fuzz", "schema.sql"), encoding="utf-8") as f:
        schema = f.read()
    source, empty = setup(args.db, schema)
    runner = fuzzlib.Runner("documents", args.db, args.results, args.timeout)
    rng = random.Random(args.seed)
    ctx = {"source": source, "empty": empty}
    keys = sorted(source["objects"])
    oversized = 0
    for i in range(args.count):
        ctx["raw"] = {}
        base, doc, names = mutate(rng, ctx)
        text = json.dumps(doc, ensure_ascii=False)
        for marker, raw in ctx["raw"].items():
            text = text.replace('"%s"' % marker, raw)
        if len(text.encode()) > MAX_DOC:
            oversized += 1
            continue
        btext = json.dumps(base, ensure_ascii=False)
        runner.context = {"document": i + 1, "mutations": names, "seed": args.seed}
        runner.call(DIFF, (btext, text))
        runner.call(DIFF, (text, btext))
        runner.call(COMPARE, (btext, text))
        if rng.random() < 0.125:
            renames = [rng.choice(keys).split(" ", 1)[-1] + "=" + rng.choice(["z", "i", "kinds", odd_string(rng)])
                       for _ in range(rng.randint(1, 3))]
            runner.call(DIFF_RENAMES, (btext, text, renames), also=RENAME_REFUSALS)
        if args.verbose and (i + 1) % 100 == 0:
            print("documents: %d/%d %s" % (i + 1, args.count, runner.summary()), flush=True)
    for name, depth, src, dst in fixed_cases():
        runner.context = {"case": name}
        if depth:
            runner.call("SET max_stack_depth = %s", (depth,))
        for a, b in ((src, dst), (dst, src)):
            runner.call(DIFF, (json.dumps(a), json.dumps(b)))
        runner.call(COMPARE, (json.dumps(src), json.dumps(dst)))
        if depth:
            runner.call("RESET max_stack_depth")
        if args.verbose:
            print("documents: %s done" % name, flush=True)
    print(runner.summary(", %d documents (%d over 1 MB left out), seed %d" % (
        args.count - oversized, oversized, args.seed)), flush=True)
    return 1 if runner.bad() else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--count", type=int, default=500)
    p.add_argument("--results", default="fuzz-results")
    p.add_argument("--db", default="pgm_fuzz_documents")
    p.add_argument("--timeout", type=int, default=20000, help="statement_timeout of each call, in ms")
    p.add_argument("--verbose", action="store_true")
    sys.exit(run(p.parse_args()))


if __name__ == "__main__":
    main()

"""The fuzzers' shared helpers (scripts/fuzz-documents.py, fuzz-semantic.py).

Connects through PGHOST/PGPORT/PGUSER (libpq's own variables), runs each
call under a statement_timeout and sorts its outcome:

  ok         the call returned
  refused    a documented refusal: 22023 (not a document the engine can
             use), 54001 (too deep), 0A000 (a change it does not generate)
  timeout    57014, the statement_timeout (counted on its own)
  failure    XX000 or any other SQLSTATE
  crash      the connection was lost: the case is written to the results
             directory, the server is waited for, and the run goes on

Every failure and crash is written to the results directory as a case file
(the call and its arguments) for a reproducer.
"""
import collections
import json
import os
import time

import psycopg2
import psycopg2.extensions

DOCUMENTED = ("22023", "54001", "0A000")
TIMEOUT = "57014"


def connect(dbname, autocommit=True):
    conn = psycopg2.connect(dbname=dbname)
    conn.autocommit = autocommit
    with conn.cursor() as cur:
        cur.execute("SET client_min_messages = warning")
        cur.execute("SET pgmigrate.guard = off")
    return conn


def wait_for_server(dbname, seconds=120):
    """Wait until the server takes connections again (after a crash)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            psycopg2.connect(dbname=dbname).close()
            return
        except psycopg2.OperationalError:
            time.sleep(1)
    raise SystemExit("the server did not come back within %d s" % seconds)


def lost(conn, exc):
    """Was the connection lost (a crash), rather than the call refused?"""
    if conn.closed:
        return True
    code = getattr(exc, "pgcode", None)
    # the other backends of a crashed server are terminated
    return code is None or code in ("57P01", "57P02", "57P03")


class Runner:
    """Runs the engine's calls on one database and keeps the counts."""

    def __init__(self, name, dbname, results, timeout_ms=20000):
        self.name = name
        self.dbname = dbname
        self.results = results
        self.timeout_ms = timeout_ms
        os.makedirs(results, exist_ok=True)
        self.counts = collections.Counter()
        self.refused = collections.Counter()
        self.failures = collections.Counter()     # by SQLSTATE
        self.cases = 0
        self.context = None     # what the fuzzer says of the calls that follow
        self.conn = None
        self.reconnect()

    def reconnect(self):
        if self.conn is not None and not self.conn.closed:
            self.conn.close()
        self.conn = connect(self.dbname)
        with self.conn.cursor() as cur:
            cur.execute("SET statement_timeout = %s", (str(self.timeout_ms),))

    def record(self, what, sql, args, message):
        """Write one case to the results directory; return its file name."""
        self.cases += 1
        path = os.path.join(self.results, "%s-%04d-%s.json" % (self.name, self.cases, what))
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"what": what, "context": self.context, "sql": sql, "message": message,
                       "args": [a if not isinstance(a, str) or len(a) < 4000000 else a[:4000000]
                                for a in args]}, f, ensure_ascii=False)
        return path

    def call(self, sql, args=(), also=(), documented=DOCUMENTED):
        """Run SQL with args; return (outcome, sqlstate, rows or message).

        outcome is one of ok, refused, timeout, failure, crash; the
        SQLSTATEs in documented, and in also, are the call's documented
        refusals."""
        self.counts["calls"] += 1
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql, args)
                rows = cur.fetchall() if cur.description else None
            self.counts["ok"] += 1
            return "ok", None, rows
        except psycopg2.Error as exc:
            if lost(self.conn, exc):
                self.counts["crashes"] += 1
                path = self.record("crash", sql, args, str(exc))
                print("%s: CRASH (connection lost), case in %s" % (self.name, path), flush=True)
                wait_for_server(self.dbname)
                self.reconnect()
                return "crash", None, str(exc)
            code = exc.pgcode
            message = "%s: %s" % (code, (exc.pgerror or str(exc)).strip())
            if code in documented or code in also:
                self.counts["refused"] += 1
                self.refused[code] += 1
                return "refused", code, message
            if code == TIMEOUT:
                self.counts["timeouts"] += 1
                return "timeout", code, message
            self.counts["failures"] += 1
            self.failures[code] += 1
            path = self.record("failure-" + str(code), sql, args, message)
            print("%s: FAILURE %s, case in %s\n  %s" % (self.name, code, path,
                                                        (exc.pgerror or "").strip()[:500]), flush=True)
            return "failure", code, message

    def bad(self):
        """How many calls went wrong (what makes the run fail)."""
        return self.counts["crashes"] + self.counts["failures"]

    def summary(self, extra=""):
        refused = ", ".join("%s %d" % (k, v) for k, v in sorted(self.refused.items())) or "none"
        failures = ", ".join("%s %d" % (k, v) for k, v in sorted(self.failures.items()))
        internal = self.failures.get("XX000", 0)
        return ("%s: %d calls, %d ok, refused %d (%s), %d timeouts, %d crashes, "
                "%d internal errors, %d other errors%s%s" % (
                    self.name, self.counts["calls"], self.counts["ok"], self.counts["refused"],
                    refused, self.counts["timeouts"], self.counts["crashes"], internal,
                    self.counts["failures"] - internal,
                    " (%s)" % failures if failures else "", extra))

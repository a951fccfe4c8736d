/*
 * livedata.c — will the generated up run on the live rows?
 *
 * A revision proven on an empty scratch database can still fail on the
 * live one, where the rows are.  Before diff writes anything, the live
 * database is asked, one existence query each (never a count), about every
 * statement whose success depends on the rows:
 *
 *   a column added NOT NULL without a default   does the table have a row?
 *   a column set NOT NULL                       a NULL in it?
 *   varchar(n) or char(n) made shorter          a longer value?
 *   a new primary key, unique constraint or     two rows with the same key?
 *   unique index (of plain columns)
 *   a new CHECK constraint                      a row it is false for?
 *
 * The queries run in a read-only transaction that is rolled back.  A NOT
 * NULL column the rows cannot get is given a value with --default
 * SCHEMA.TABLE.COLUMN=EXPR: the up then adds (or keeps) the column
 * nullable, fills the NULLs with EXPR (which may name the row's other
 * columns), and sets NOT NULL.  Anything else that would fail is refused,
 * saying which and what to do; nothing is written.
 *
 * Calls session.c.
 */
#include "postgres_fe.h"

#include "pqexpbuffer.h"

#include "client.h"

/*
 * Each statement of the up that depends on the rows: risk, object, the
 * probe (true: it would fail), the --default expression that fills it and
 * the probe of that (true: it leaves a NULL).  $1 live, $2 desired
 * documents, $3 the --default specifications, $4 the --rename ones: a
 * renamed table or column is probed under its live name; the keys and
 * checks of a table with a renamed column are not (their definitions name
 * the new one).  A partition's or inheritance child's column is its
 * parent's: the parent's probe reads its rows.
 */
static const char risks_query[] =
	"WITH live (o) AS (SELECT $1::jsonb -> 'objects'),"
	" spec (kind, n, t, c, rhs) AS ("
	"  SELECT kind, p[1], p[2], p[3], rhs FROM ("
	"   SELECT 'default' AS kind, parse_ident(split_part(s, '=', 1)) AS p, substr(s, strpos(s, '=') + 1) AS rhs"
	"   FROM unnest($3::text[]) s"
	"   UNION ALL SELECT 'rename', parse_ident(left(s, length(s) - strpos(reverse(s), '='))),"
	"                    right(s, strpos(reverse(s), '=') - 1) FROM unnest($4::text[]) s) x),"
	" tren (want, live) AS ("
	"  SELECT format('table %I.%I', n, rhs), format('table %I.%I', n, t) FROM spec WHERE kind = 'rename' AND c IS NULL),"
	" cren (want, old, rel) AS ("
	"  SELECT format('column %s.%I', substr(coalesce(tr.want, format('table %I.%I', n, t)), 7), rhs), c, format('%I.%I', n, t)"
	"  FROM spec LEFT JOIN tren tr ON tr.live = format('table %I.%I', n, t) WHERE kind = 'rename' AND c IS NOT NULL),"
	" want (key, v, rel, ltab) AS ("
	"  SELECT d.key, d.value, substr(coalesce(tr.live, d.value ->> 'relation'), 7),"
	"         (SELECT o FROM live) -> coalesce(tr.live, d.value ->> 'relation')"
	"  FROM jsonb_each($2::jsonb -> 'objects') d LEFT JOIN tren tr ON tr.want = d.value ->> 'relation'"
	"  WHERE d.value ->> 'relation' LIKE 'table %'"
	"    AND (SELECT o FROM live) -> coalesce(tr.live, d.value ->> 'relation') ->> 'kind' = 'table'),"
	" col (key, v, rel, old) AS ("
	"  SELECT w.key, w.v, w.rel, (SELECT o FROM live) -> format('column %s.%I', w.rel, coalesce(cr.old, w.v ->> 'name'))"
	"  FROM want w LEFT JOIN cren cr ON cr.want = w.key"
	"  WHERE w.v ->> 'kind' = 'column'"
	"    AND NOT EXISTS (SELECT FROM jsonb_array_elements_text(coalesce($2::jsonb -> 'objects' -> (w.v ->> 'relation') -> 'inherits', '[]')"
	"                                    || coalesce(to_jsonb($2::jsonb -> 'objects' -> (w.v ->> 'relation') ->> 'partition_of'), '[]')) par (key)"
	"                    WHERE $2::jsonb -> 'objects' -> format('column %s.%I', substr(par.key, 7), w.v ->> 'name') ->> 'not_null' = 'true'"
	"                      AND coalesce((SELECT o FROM live) -> format('column %s.%I', substr(par.key, 7), w.v ->> 'name') ->> 'not_null', '')"
	"                          <> 'true')),"
	" fill (key, expr) AS (SELECT format('column %I.%I.%I', n, t, c), rhs FROM spec WHERE kind = 'default'),"
	" con (key, v, rel, ltab, def) AS ("
	"  SELECT key, v, rel, ltab, v ->> 'definition' FROM want"
	"  WHERE v ->> 'kind' IN ('constraint', 'index') AND coalesce(v ->> 'valid', '') <> 'false'"
	"    AND (SELECT o FROM live) -> key ->> 'definition' IS DISTINCT FROM v ->> 'definition'"
	"    AND rel NOT IN (SELECT rel FROM cren)),"
	" keys (key, rel, ltab, cols, nulls_distinct) AS ("
	"  SELECT key, rel, ltab, coalesce(substring(def FROM '^(?:PRIMARY KEY|UNIQUE)(?: NULLS NOT DISTINCT)? \\(((?:\"[^\",]+\"|[a-z_][a-z0-9_$]*)(?:, (?:\"[^\",]+\"|[a-z_][a-z0-9_$]*))*)\\)(?: INCLUDE \\([^()]*\\))?(?: DEFERRABLE(?: INITIALLY DEFERRED)?)?$'),"
	"         substring(def FROM '^CREATE UNIQUE INDEX \\S+ ON \\S+ USING btree \\(((?:\"[^\",]+\"|[a-z_][a-z0-9_$]*)(?:, (?:\"[^\",]+\"|[a-z_][a-z0-9_$]*))*)\\)(?: INCLUDE \\([^()]*\\))?(?: NULLS NOT DISTINCT)?$')),"
	"         def !~ 'NULLS NOT DISTINCT'"
	"  FROM con WHERE (v ->> 'kind' = 'constraint' AND v ->> 'type' IN ('primary key', 'unique'))"
	"              OR (v ->> 'kind' = 'index' AND v -> 'constraint' IS NULL AND def LIKE 'CREATE UNIQUE INDEX %')),"
	" fkeys (key, rel, ltab, cols, ref, refcols) AS ("
	"  SELECT key, rel, ltab, m[1], substr(coalesce((SELECT live FROM tren WHERE want = 'table ' || m[2]), 'table ' || m[2]), 7), m[3]"
	"  FROM con, LATERAL (SELECT regexp_match(def, '^FOREIGN KEY \\(((?:\"[^\",]+\"|[a-z_][a-z0-9_$]*)(?:, (?:\"[^\",]+\"|[a-z_][a-z0-9_$]*))*)\\) REFERENCES (\\S+)\\(((?:\"[^\",]+\"|[a-z_][a-z0-9_$]*)(?:, (?:\"[^\",]+\"|[a-z_][a-z0-9_$]*))*)\\)')) x (m)"
	"  WHERE v ->> 'type' = 'foreign key' AND def !~ 'MATCH FULL' AND m IS NOT NULL),"
	" risk (risk, key, probe, fillprobe) AS ("
	"  SELECT CASE WHEN old IS NULL THEN 'add' ELSE 'null' END, c.key,"
	"         CASE WHEN old IS NULL THEN format('SELECT EXISTS (SELECT FROM %s)', rel)"
	"              ELSE format('SELECT EXISTS (SELECT FROM %s WHERE %I IS NULL)', rel, old ->> 'name') END,"
	"         CASE WHEN old IS NULL THEN format('SELECT EXISTS (SELECT FROM %s WHERE (%s) IS NULL)', rel, f.expr)"
	"              ELSE format('SELECT EXISTS (SELECT FROM %s WHERE %I IS NULL AND (%s) IS NULL)', rel, old ->> 'name', f.expr) END"
	"  FROM col c LEFT JOIN fill f ON f.key = c.key"
	"  WHERE v ->> 'not_null' = 'true' AND coalesce(old ->> 'not_null', '') <> 'true'"
	"    AND (old IS NOT NULL OR NOT v ?| ARRAY['default', 'identity', 'generated'])"
	"  UNION ALL"
	"  SELECT 'longer', key, format('SELECT EXISTS (SELECT FROM %s WHERE length(rtrim(%I::text, '' '')) > %s)', rel,"
	"                              old ->> 'name', substring(v ->> 'type' FROM '\\((\\d+)\\)$')), NULL"
	"  FROM col WHERE old IS NOT NULL AND v ->> 'type' ~ '^(character varying|character)\\(\\d+\\)$'"
	"    AND old ->> 'type' ~ '^(text|character varying|character)(\\(\\d+\\))?$'"
	"    AND (old ->> 'type' !~ '\\(\\d+\\)$'"
	"         OR substring(old ->> 'type' FROM '\\((\\d+)\\)$')::int > substring(v ->> 'type' FROM '\\((\\d+)\\)$')::int)"
	"  UNION ALL"
	"  SELECT 'key', key, format('SELECT EXISTS (SELECT FROM %s %s %s GROUP BY %s HAVING count(*) > 1)',"
	"                           CASE WHEN ltab ->> 'partitioned' = 'true' THEN '' ELSE 'ONLY' END, rel,"
	"                           CASE WHEN nulls_distinct THEN 'WHERE ' || replace(cols, ', ', ' IS NOT NULL AND ') || ' IS NOT NULL' ELSE '' END,"
	"                           cols), NULL"
	"  FROM keys WHERE cols IS NOT NULL"
	"  UNION ALL"
	"  SELECT 'fkey', key, format('SELECT EXISTS (SELECT FROM %s %s AS pgm_l WHERE pgm_l.%s IS NOT NULL%s)',"
	"                           CASE WHEN ltab ->> 'partitioned' = 'true' THEN '' ELSE 'ONLY' END, rel,"
	"                           replace(cols, ', ', ' IS NOT NULL AND pgm_l.'),"
	"                           CASE WHEN (SELECT o FROM live) ? ('table ' || ref) THEN"
	"                                format(' AND NOT EXISTS (SELECT FROM %s AS pgm_r WHERE (pgm_r.%s) = (pgm_l.%s))', ref,"
	"                                       replace(refcols, ', ', ', pgm_r.'), replace(cols, ', ', ', pgm_l.')) ELSE '' END), NULL"
	"  FROM fkeys"
	"  UNION ALL"
	"  SELECT 'check', key, format('SELECT EXISTS (SELECT FROM %s WHERE %s IS FALSE)', rel,"
	"                              substring(def FROM '^CHECK (.*)$')), NULL"
	"  FROM con WHERE v ->> 'kind' = 'constraint' AND v ->> 'type' = 'check' AND def !~ ' NO INHERIT$')"
	" SELECT r.risk, r.key, r.probe, f.expr, r.fillprobe FROM risk r"
	"  LEFT JOIN fill f ON f.key = r.key AND r.risk IN ('add', 'null')"
	" UNION ALL SELECT 'unused', f.key, NULL, NULL, NULL FROM fill f"
	"  WHERE NOT EXISTS (SELECT FROM risk r WHERE r.key = f.key AND r.risk IN ('add', 'null'))"
	" ORDER BY 2, 1";

/* What a failed probe means, and what to do. */
static void
say_risk(const char *risk, const char *key)
{
	const char *object = strchr(key, ' ') + 1;

	if (strcmp(risk, "add") == 0)
		fprintf(stderr, "pgmigrate: the up adds %s NOT NULL without a default, and its table has rows: "
				"give them a value with --default %s=EXPR, or give the model a default\n", key, object);
	else if (strcmp(risk, "null") == 0)
		fprintf(stderr, "pgmigrate: the up sets %s NOT NULL, and it holds NULLs: "
				"give them a value with --default %s=EXPR\n", key, object);
	else if (strcmp(risk, "fill") == 0)
		fprintf(stderr, "pgmigrate: the --default of %s gives NULL (or fails) for some of the rows, so NOT NULL would "
				"still fail: give an expression that has a value for every row\n", key);
	else if (strcmp(risk, "longer") == 0)
		fprintf(stderr, "pgmigrate: the up makes %s shorter, and it holds longer values, which PostgreSQL "
				"refuses to cut: shorten them first, or keep the longer type\n", key);
	else if (strcmp(risk, "key") == 0)
		fprintf(stderr, "pgmigrate: the up adds %s, and rows repeat its key: remove the duplicates first\n", key);
	else if (strcmp(risk, "fkey") == 0)
		fprintf(stderr, "pgmigrate: the up adds %s, and rows reference what is not there: "
				"change those rows first, or add it NOT VALID by hand\n", key);
	else
		fprintf(stderr, "pgmigrate: the up adds %s, and rows break it: "
				"change those rows first, or add it NOT VALID by hand\n", key);
}

/* How long one probe may take. */
#define PROBE_TIMEOUT "60s"

typedef enum ProbeResult
{
	PROBE_PASSES,
	PROBE_FAILS,
	PROBE_UNKNOWN				/* cannot be asked before the up runs */
} ProbeResult;

/*
 * Does the probe find what would make the statement fail?  In a savepoint
 * of the read-only transaction, one statement (the extended protocol runs
 * no more, whatever the definitions it is made of say).  A probe that
 * raises a data exception (a cast of these values) finds what would fail;
 * one that fails otherwise (it names what only the up creates, calls what
 * a read-only transaction refuses, takes longer than PROBE_TIMEOUT)
 * cannot tell: PROBE_UNKNOWN.
 */
static ProbeResult
probe(const char *sql, const char *key)
{
	PGresult   *res;
	const char *state;
	ProbeResult result;

	run_simple("checking the live rows", "SAVEPOINT pgm_probe");
	res = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
	{
		result = strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? PROBE_FAILS : PROBE_PASSES;
		PQclear(res);
		return result;
	}
	/* a data exception: what the statement would raise on these rows */
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	result = state != NULL && strncmp(state, "22", 2) == 0 ? PROBE_FAILS : PROBE_UNKNOWN;
	if (result == PROBE_FAILS)
		fprintf(stderr, "pgmigrate: on the live rows, for %s: %s", key, PQresultErrorMessage(res));
	PQclear(res);
	if (PQstatus(conn) != CONNECTION_OK)
		failed("the live rows could not be checked for %s: the connection was lost; nothing was written", key);
	run_simple("checking the live rows", "ROLLBACK TO SAVEPOINT pgm_probe");
	return result;
}

/*
 * The desired document with the filled columns (and the same columns of
 * their partitions and inheritance children) still nullable (*stage), and
 * the UPDATEs that fill them (*fills, a text[] literal).
 */
static void
stage_fills(const char *desired, const char **keys, const char **exprs, int n, char **stage, char **fills)
{
	const char *params[3] = {desired, text_array_literal(keys, n), text_array_literal(exprs, n)};
	PGresult   *res = run("checking the live rows",
						  "WITH RECURSIVE d (key, v) AS (SELECT key, value FROM jsonb_each($1::jsonb -> 'objects')),"
						  " filled (k, e, i, rel, name) AS ("
						  "  SELECT k, e, i, d.v ->> 'relation', d.v ->> 'name'"
						  "  FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS u (k, e, i) JOIN d ON d.key = u.k),"
						  " tabs (rel, name) AS ("
						  "  SELECT rel, name FROM filled"
						  "  UNION SELECT t.key, tabs.name FROM tabs JOIN d t ON t.v ->> 'kind' = 'table'"
						  "   AND (t.v ->> 'partition_of' = tabs.rel OR coalesce(t.v -> 'inherits', '[]') ? tabs.rel)),"
						  " nullable (key) AS ("
						  "  SELECT c.key FROM d c JOIN tabs ON c.v ->> 'kind' = 'column'"
						  "   AND c.v ->> 'relation' = tabs.rel AND c.v ->> 'name' = tabs.name)"
						  " SELECT jsonb_set($1::jsonb, '{objects}', ($1::jsonb -> 'objects')"
						  "         || (SELECT jsonb_object_agg(key, ($1::jsonb -> 'objects' -> key)"
						  "                                      - ARRAY['not_null', 'not_null_name', 'not_null_valid', 'not_null_no_inherit'])"
						  "             FROM nullable)),"
						  "       (SELECT array_agg(format('UPDATE %s SET %I = %s WHERE %I IS NULL;', substr(rel, 7), name, e, name)"
						  "                         ORDER BY i) FROM filled)::text", 3, params);

	*stage = pg_strdup(PQgetvalue(res, 0, 0));
	*fills = pg_strdup(PQgetvalue(res, 0, 1));
	PQclear(res);
}

/*
 * Check the up from `live` to `desired` against the live rows.  Refuses
 * (exit 1) when a statement would fail and nothing given fixes it.
 * Returns the number of statements probed and found to run; *filled is
 * how many NOT NULL columns --default fills; the statements that could not
 * be probed before the up are named in a note.  With fills,
 * *stage is the desired document with those columns still nullable and
 * *fills the UPDATEs that fill them (a text[] literal), else both NULL.
 */
int
check_live_rows(const char *live, const char *desired, char **stage, char **fills, int *filled)
{
	const char *params[4] = {live, desired, text_array_literal(opts.defaults, opts.ndefaults),
	text_array_literal(opts.renames, opts.nrenames)};
	PGresult   *risks = run("checking the live rows", risks_query, 4, params);
	int			nrisks = PQntuples(risks);
	const char **keys = pg_malloc(sizeof(char *) * (nrisks + 1));
	const char **exprs = pg_malloc(sizeof(char *) * (nrisks + 1));
	PQExpBufferData unknown;
	int			nfills = 0;
	int			passes = 0;
	int			failing = 0;
	int			i;

	*stage = *fills = NULL;
	initPQExpBuffer(&unknown);
	run_simple("checking the live rows", "BEGIN READ ONLY");
	run_simple("checking the live rows", "SET LOCAL statement_timeout = '" PROBE_TIMEOUT "'");
	for (i = 0; i < nrisks; i++)
	{
		const char *risk = PQgetvalue(risks, i, 0);
		const char *key = PQgetvalue(risks, i, 1);
		bool		fill = !PQgetisnull(risks, i, 3);
		ProbeResult r;

		if (strcmp(risk, "unused") == 0)
			usage_error("--default %s: the up neither adds that column NOT NULL nor sets it NOT NULL",
						strchr(key, ' ') + 1);
		/* with a --default, the probe is of the expression: does it leave a NULL? */
		r = probe(PQgetvalue(risks, i, fill ? 4 : 2), key);
		if (r == PROBE_FAILS)
		{
			say_risk(fill ? "fill" : risk, key);
			failing++;
		}
		else if (r == PROBE_UNKNOWN)
			appendPQExpBuffer(&unknown, "%s%s", unknown.len ? ", " : "", key);
		else if (!fill)
			passes++;
		if (fill)
		{
			/* the column stays nullable until the fill has run */
			keys[nfills] = key;
			exprs[nfills++] = PQgetvalue(risks, i, 3);
		}
	}
	run_simple("checking the live rows", "ROLLBACK");
	if (failing)
		failed("%d statement%s of the up would fail on the live rows (above); nothing was written",
			   failing, failing == 1 ? "" : "s");
	if (unknown.len)
		note("not checked against the live rows (the question names what the up makes, cannot be asked in a "
			 "read-only transaction, or took more than " PROBE_TIMEOUT "): %s", unknown.data);
	if (nfills)
		stage_fills(desired, keys, exprs, nfills, stage, fills);
	/* risks stays: keys and exprs point into it */
	*filled = nfills;
	return passes;
}

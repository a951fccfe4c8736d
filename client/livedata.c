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
 * probe (true: it would fail), and the --default expression that fills
 * it.  $1 live, $2 desired documents, $3 the --default specifications, $4
 * the --rename ones: a renamed column is checked under its live name, and
 * the keys and checks of a table with a renamed column are not (their
 * definitions name the new one).
 */
static const char risks_query[] =
	"WITH live (o) AS (SELECT $1::jsonb -> 'objects'),"
	" want (key, v, rel) AS ("
	"  SELECT key, value, substr(value ->> 'relation', 7) FROM jsonb_each($2::jsonb -> 'objects')"
	"  WHERE value ->> 'relation' LIKE 'table %'"
	"    AND (SELECT o FROM live) -> (value ->> 'relation') ->> 'kind' = 'table'),"
	" spec (kind, s, n, t, c, rhs) AS ("
	"  SELECT kind, s, split_part(l, '.', 1), split_part(l, '.', 2), split_part(l, '.', 3), substr(s, length(l) + 2)"
	"  FROM (SELECT 'default', s, split_part(s, '=', 1) FROM unnest($3::text[]) s"
	"        UNION ALL SELECT 'rename', s, split_part(s, '=', 1) FROM unnest($4::text[]) s) x (kind, s, l)),"
	" fill (key, expr) AS ("
	"  SELECT format('column %I.%I.%I', n, t, c), rhs FROM spec WHERE kind = 'default'),"
	" ren (new, old, rel) AS ("
	"  SELECT format('column %I.%I.%I', n, t, rhs), format('column %I.%I.%I', n, t, c), format('%I.%I', n, t)"
	"  FROM spec WHERE kind = 'rename' AND c <> ''),"
	" col (key, v, rel, old) AS ("
	"  SELECT key, v, rel, (SELECT o FROM live) -> coalesce((SELECT old FROM ren WHERE new = key), key)"
	"  FROM want WHERE v ->> 'kind' = 'column'),"
	" risk (risk, key, probe) AS ("
	"  SELECT CASE WHEN old IS NULL THEN 'add' ELSE 'null' END, key,"
	"         CASE WHEN old IS NULL THEN format('SELECT EXISTS (SELECT FROM %s)', rel)"
	"              ELSE format('SELECT EXISTS (SELECT FROM %s WHERE %I IS NULL)', rel, old ->> 'name') END"
	"  FROM col WHERE v ->> 'not_null' = 'true' AND NOT v ?| ARRAY['default', 'identity', 'generated']"
	"    AND coalesce(old ->> 'not_null', '') <> 'true'"
	"  UNION ALL"
	"  SELECT 'longer', key, format('SELECT EXISTS (SELECT FROM %s WHERE length(%I) > %s)', rel, old ->> 'name',"
	"                              substring(v ->> 'type' FROM '\\((\\d+)\\)$'))"
	"  FROM col WHERE old IS NOT NULL AND v ->> 'type' ~ '^(character varying|character)\\(\\d+\\)$'"
	"    AND (old ->> 'type' !~ '\\(\\d+\\)$'"
	"         OR substring(old ->> 'type' FROM '\\((\\d+)\\)$')::int > substring(v ->> 'type' FROM '\\((\\d+)\\)$')::int)"
	"  UNION ALL"
	"  SELECT 'key', key, format('SELECT EXISTS (SELECT FROM %s WHERE %s IS NOT NULL GROUP BY %s HAVING count(*) > 1)',"
	"                           rel, replace(cols, ', ', ' IS NOT NULL AND '), cols)"
	"  FROM (SELECT key, rel, CASE WHEN v ->> 'kind' = 'constraint'"
	"          THEN substring(v ->> 'definition' FROM '^(?:PRIMARY KEY|UNIQUE) \\(([^()]*)\\)$')"
	"          ELSE substring(v ->> 'definition' FROM '^CREATE UNIQUE INDEX \\S+ ON \\S+ USING \\w+ \\(([^()]*)\\)$') END"
	"          AS cols"
	"        FROM want WHERE ((v ->> 'kind' = 'constraint' AND v ->> 'type' IN ('primary key', 'unique'))"
	"                         OR (v ->> 'kind' = 'index' AND v -> 'constraint' IS NULL))"
	"          AND (SELECT o FROM live) -> key ->> 'definition' IS DISTINCT FROM v ->> 'definition'"
	"          AND rel NOT IN (SELECT rel FROM ren)) k"
	"  WHERE cols IS NOT NULL"
	"  UNION ALL"
	"  SELECT 'check', key, format('SELECT EXISTS (SELECT FROM %s WHERE %s IS FALSE)', rel,"
	"                              substring(v ->> 'definition' FROM '^CHECK (.*)$'))"
	"  FROM want WHERE v ->> 'kind' = 'constraint' AND v ->> 'type' = 'check'"
	"    AND v ->> 'definition' !~ ' (NOT VALID|NO INHERIT)$' AND rel NOT IN (SELECT rel FROM ren)"
	"    AND (SELECT o FROM live) -> key ->> 'definition' IS DISTINCT FROM v ->> 'definition')"
	" SELECT r.risk, r.key, r.probe, f.expr FROM risk r"
	"  LEFT JOIN fill f ON f.key = r.key AND r.risk IN ('add', 'null')"
	" UNION ALL SELECT 'unused', f.key, NULL, NULL FROM fill f"
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
	else if (strcmp(risk, "longer") == 0)
		fprintf(stderr, "pgmigrate: the up makes %s shorter, and it holds longer values, which PostgreSQL "
				"refuses to cut: shorten them first, or keep the longer type\n", key);
	else if (strcmp(risk, "key") == 0)
		fprintf(stderr, "pgmigrate: the up adds %s, and rows repeat its key: remove the duplicates first\n", key);
	else
		fprintf(stderr, "pgmigrate: the up adds %s, and rows break it: "
				"change those rows first, or add it NOT VALID by hand\n", key);
}

/* Does the probe find what would make the statement fail? */
static bool
probe(const char *sql, const char *key)
{
	/* one statement, whatever the definitions it is made of say (the extended protocol runs no more) */
	PGresult   *res = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	bool		hit;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		print_server_error(conn, res);
		failed("the live rows could not be checked for %s; nothing was written", key);
	}
	hit = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return hit;
}

/*
 * The desired document with the filled columns still nullable (*stage),
 * and the UPDATEs that fill them (*fills, a text[] literal).
 */
static void
stage_fills(const char *desired, const char **keys, const char **exprs, int n, char **stage, char **fills)
{
	const char *params[3] = {desired, text_array_literal(keys, n), text_array_literal(exprs, n)};
	PGresult   *res = run("checking the live rows",
						  "SELECT jsonb_set($1::jsonb, '{objects}', ($1::jsonb -> 'objects')"
						  "         || jsonb_object_agg(k, ($1::jsonb -> 'objects' -> k) - 'not_null')),"
						  "       array_agg(format('UPDATE %s SET %I = %s WHERE %I IS NULL;',"
						  "                        substr(v ->> 'relation', 7), v ->> 'name', e, v ->> 'name')"
						  "                 ORDER BY i)::text"
						  " FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS u (k, e, i),"
						  " LATERAL (SELECT $1::jsonb -> 'objects' -> k) x (v)", 3, params);

	*stage = pg_strdup(PQgetvalue(res, 0, 0));
	*fills = pg_strdup(PQgetvalue(res, 0, 1));
	PQclear(res);
}

/*
 * Check the up from `live` to `desired` against the live rows.  Refuses
 * (exit 1) when a statement would fail and nothing given fixes it.
 * Returns the number of statements probed (*filled: made to run by
 * --default); with --default fills, *stage
 * is the desired document with those columns still nullable and *fills
 * the UPDATEs that fill them (a text[] literal), else both NULL.
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
	int			nfills = 0;
	int			failing = 0;
	int			i;

	*stage = *fills = NULL;
	run_simple("checking the live rows", "BEGIN READ ONLY");
	for (i = 0; i < nrisks; i++)
	{
		const char *risk = PQgetvalue(risks, i, 0);
		const char *key = PQgetvalue(risks, i, 1);

		if (strcmp(risk, "unused") == 0)
			usage_error("--default %s: the up neither adds that column NOT NULL nor sets it NOT NULL",
						strchr(key, ' ') + 1);
		if (!PQgetisnull(risks, i, 3))
		{
			/* the column stays nullable until the fill has run */
			keys[nfills] = key;
			exprs[nfills++] = PQgetvalue(risks, i, 3);
		}
		else if (probe(PQgetvalue(risks, i, 2), key))
		{
			say_risk(risk, key);
			failing++;
		}
	}
	run_simple("checking the live rows", "ROLLBACK");
	if (failing)
		failed("%d statement%s of the up would fail on the live rows (above); nothing was written",
			   failing, failing == 1 ? "" : "s");
	if (nfills)
		stage_fills(desired, keys, exprs, nfills, stage, fills);
	/* risks stays: keys and exprs point into it */
	*filled = nfills;
	return nrisks - nfills;
}

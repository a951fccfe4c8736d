/*
 * generate.c — revisions from a desired schema: diff and check.
 *
 *   diff NAME --to FILE.sql | --to-db CONNINFO   write a migration file whose
 *       up turns the live schema into the desired one, and whose down turns
 *       it back, after proving both on a scratch database
 *   check --to FILE.sql | --to-db CONNINFO       exit 0 when the live schema
 *       is the desired one, 1 (with the differences) when it is not
 *
 * The desired schema is a database someone else filled (--to-db: after
 * SQLModel.metadata.create_all(), say), or SQL loaded, in a transaction
 * that is rolled back, into a scratch database: a file (--to), or what
 * create_all() of SQLAlchemy models writes (--models, models.c); the
 * scratch database is --dev-db, or a
 * temporary database this program creates on the live server and drops at
 * exit, however it exits.  Either need not have
 * pgmigrate: the schema document is taken there with the query of the live
 * database's migrate.schema(), and compared and diffed by the live
 * database's migrate.compare() and migrate.diff().
 *
 * The proof runs in one transaction on the scratch database, rolled back at
 * the end: the scratch schema is turned into the live one (by the diff
 * engine, checked), the up must give exactly the desired schema, the down
 * exactly the live one.  Where columns stand is not held against it:
 * PostgreSQL adds a column last and cannot move it; that is noted.
 *
 * Calls livedata.c, models.c, deploy.c and session.c.
 */
#include "postgres_fe.h"

#include <time.h>
#include <unistd.h>

#include "pqexpbuffer.h"

#include "client.h"
#include "distribution.h"

static PGconn *admin;			/* creates and drops the temporary database */
static PGconn *scratch;			/* the scratch database */
static char *scratch_name;		/* the temporary database, or NULL */
static char *schema_query;		/* the live migrate.schema()'s query, portable */
static char **schema_setting;	/* and its settings, "name=value" */
static int	schema_settings;

#define POSITION_ONLY "detail ~ '^position: [0-9]+ -> [0-9]+$'"

/* At exit, however it comes: the temporary database goes. */
static void
drop_scratch(void)
{
	PQExpBufferData sql;

	if (scratch)
		PQfinish(scratch);
	scratch = NULL;
	if (scratch_name == NULL || admin == NULL)
		return;
	initPQExpBuffer(&sql);
	appendPQExpBuffer(&sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", scratch_name);
	PQclear(PQexec(admin, sql.data));
	termPQExpBuffer(&sql);
	PQfinish(admin);
	admin = NULL;
	scratch_name = NULL;
}

/*
 * A temporary database on the live server, dropped at exit.  A role that
 * may not create databases is told what to do instead.
 */
static PGconn *
create_scratch(void)
{
	char		name[64];
	PQExpBufferData sql;
	PGresult   *res;

	snprintf(name, sizeof(name), "pgmigrate_scratch_%d_%ld", (int) getpid(), (long) time(NULL));
	admin = connect_same_server(PQdb(conn));
	initPQExpBuffer(&sql);
	appendPQExpBuffer(&sql, "CREATE DATABASE %s", name);
	res = PQexec(admin, sql.data);
	termPQExpBuffer(&sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		fputs(PQerrorMessage(admin), stderr);
		if (state && strcmp(state, "42501") == 0)
			failed("role \"%s\" may not create the temporary database the desired schema is loaded into: "
				   "pass --dev-db CONNINFO, a database where it may (it is left as it was)", PQuser(conn));
		failed("could not create a temporary database: %s", PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
	}
	PQclear(res);
	scratch_name = pg_strdup(name);
	atexit(drop_scratch);
	scratch = connect_same_server(name);
	return scratch;
}

/* The name of the function's setting i ("search_path"), or NULL. */
static char *
schema_setting_name(int i)
{
	char	   *eq = schema_setting[i] ? strchr(schema_setting[i], '=') : NULL;

	return eq ? pnstrdup(schema_setting[i], eq - schema_setting[i]) : NULL;
}

/*
 * migrate.schema()'s query made to run where pgmigrate is not.  Since 0.6
 * the query writes each object with migrate.schema_object() and the
 * document with the aggregate migrate.schema_document(), both C, over its
 * CTEs objects (key, doc) and deps (key, depends_on); jsonb's own
 * functions take their place here, which give the same document (slower).
 * An older query has neither and runs as it is.
 */
static char *
portable_schema_query(const char *query)
{
	static const char object_call[] = "migrate.schema_object(";
	static const char document_call[] = "SELECT migrate.schema_document(";
	static const char portable_document[] =
		"SELECT jsonb_build_object('version', 1, 'objects', coalesce(jsonb_object_agg(o.key,\n"
		"           jsonb_strip_nulls(o.doc) || jsonb_build_object('depends', coalesce(d.depends, '[]'::jsonb))),\n"
		"           '{}'::jsonb))\n"
		"FROM objects o\n"
		"LEFT JOIN (SELECT key, jsonb_agg(DISTINCT depends_on COLLATE \"C\") AS depends FROM deps GROUP BY key) d\n"
		"       ON d.key = o.key\n";
	const char *end = strstr(query, document_call);
	const char *p = query;
	const char *hit;
	PQExpBufferData buf;

	/* what this rewriting counts on, or a newer query it does not know */
	if ((end == NULL && strstr(query, object_call) != NULL) ||
		(end != NULL && (strstr(query, "objects (key, doc) AS (") == NULL ||
						 strstr(query, "deps (key, depends_on) AS (") == NULL)))
		failed("the live database's migrate.schema() is of a form this pgmigrate cannot run where pgmigrate is not; "
			   "use the pgmigrate client of the extension's version");
	initPQExpBuffer(&buf);
	while ((hit = strstr(p, object_call)) != NULL && (end == NULL || hit < end))
	{
		appendBinaryPQExpBuffer(&buf, p, hit - p);
		appendPQExpBufferStr(&buf, "jsonb_build_object(");
		p = hit + strlen(object_call);
	}
	if (end == NULL)
		appendPQExpBufferStr(&buf, p);
	else
	{
		appendBinaryPQExpBuffer(&buf, p, end - p);
		appendPQExpBufferStr(&buf, portable_document);
	}
	return buf.data;
}

/*
 * The query for the database behind `c`: since 0.12 migrate.schema() reads
 * Citus's distribution of tables with migrate.citus_distribution(), whose
 * query (common/distribution.h) takes its place here where Citus is
 * installed, and an empty set where it is not.
 */
static char *
schema_query_for(PGconn *c, const char *what)
{
	static const char call[] = "migrate.citus_distribution() d";
	const char *hit = strstr(schema_query, call);
	PGresult   *res;
	bool		citus;
	PQExpBufferData buf;

	if (hit == NULL)
		return pg_strdup(schema_query);
	res = run_on(c, what, "SELECT count(*) FROM pg_catalog.pg_extension"
				 " WHERE extname OPERATOR(pg_catalog.=) 'citus'", 0, NULL);
	citus = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
	PQclear(res);
	initPQExpBuffer(&buf);
	appendBinaryPQExpBuffer(&buf, schema_query, hit - schema_query);
	appendPQExpBuffer(&buf, "(%s) d (%s)", citus ? PGM_DISTRIBUTION_QUERY : PGM_DISTRIBUTION_NONE,
					  PGM_DISTRIBUTION_COLUMNS);
	appendPQExpBufferStr(&buf, hit + strlen(call));
	return buf.data;
}

/*
 * The schema document of the database behind `c`, as text.  The live
 * database's migrate.schema() is run there as a plain query (with jsonb's
 * own functions in place of pgmigrate's), with the settings the function
 * fixes for itself (search_path, hash joins, ...), so that a database
 * without pgmigrate can be read too.
 */
static char *
take_schema(PGconn *c, const char *what)
{
	PGresult   *res;
	char	   *doc;
	int			i;

	if (schema_query == NULL)
	{
		res = run("reading migrate.schema()",
				  "SELECT p.prosrc, s.setting FROM pg_catalog.pg_proc p"
				  " LEFT JOIN LATERAL pg_catalog.unnest(p.proconfig) AS s (setting) ON true"
				  " WHERE p.oid OPERATOR(pg_catalog.=) 'migrate.schema()'::pg_catalog.regprocedure", 0, NULL);
		schema_query = portable_schema_query(PQgetvalue(res, 0, 0));
		schema_settings = PQntuples(res);
		schema_setting = pg_malloc0(sizeof(char *) * (schema_settings + 1));
		for (i = 0; i < schema_settings; i++)
			if (!PQgetisnull(res, i, 1))
				schema_setting[i] = pg_strdup(PQgetvalue(res, i, 1));
		PQclear(res);
	}
	for (i = 0; i < schema_settings; i++)
	{
		const char *params[2] = {schema_setting_name(i), NULL};

		if (params[0] == NULL)
			continue;
		params[1] = schema_setting[i] + strlen(params[0]) + 1;
		PQclear(run_on(c, what, "SELECT pg_catalog.set_config($1, $2, false)", 2, params));
	}
	res = run_on(c, what, schema_query_for(c, what), 0, NULL);
	doc = pg_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	for (i = 0; i < schema_settings; i++)
	{
		char	   *name = schema_setting_name(i);
		char	   *ident;

		if (name == NULL)
			continue;
		ident = PQescapeIdentifier(c, name, strlen(name));
		PQclear(run_on(c, what, psprintf("RESET %s", ident), 0, NULL));
		PQfreemem(ident);
	}
	return doc;
}

static char *
read_file(const char *path)
{
	FILE	   *f = fopen(path, "r");
	PQExpBufferData buf;
	char		chunk[8192];
	size_t		n;

	if (f == NULL)
		failed("could not open \"%s\": %s", path, strerror(errno));
	initPQExpBuffer(&buf);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		appendBinaryPQExpBuffer(&buf, chunk, n);
	fclose(f);
	return buf.data;
}

/*
 * The desired schema: --to-db's, or --to's file or --models' SQL loaded
 * into the scratch database (in a transaction rolled back at once on
 * --dev-db).
 */
static char *
desired_schema(void)
{
	char	   *doc;

	if (opts.to_db)
	{
		PGconn	   *c = connect_other(opts.to_db, "the --to-db database");

		doc = take_schema(c, "reading the desired schema");
		PQfinish(c);
		return doc;
	}
	scratch = opts.dev_db ? connect_other(opts.dev_db, "the --dev-db database") : create_scratch();
	{
		/* (the models' Python, started first, has run while the database was made) */
		char	   *sql = opts.models ? models_sql(opts.models, opts.python) : read_file(opts.to_file);
		const char *source = opts.models ? psprintf("the models of %s", opts.models) :
			psprintf("\"%s\"", opts.to_file);
		PGresult   *res;

		/* a --dev-db with pgmigrate would refuse the file's DDL; a failure to say so is harmless */
		PQclear(PQexec(scratch, "SET pgmigrate.guard = off"));
		PQclear(run_on(scratch, "BEGIN", "BEGIN", 0, NULL));
		res = PQexec(scratch, sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			fputs(PQerrorMessage(scratch), stderr);
			failed("loading %s failed: %s", source, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
		}
		PQclear(res);
		doc = take_schema(scratch, "reading the desired schema");
		/* the scratch database as it was: the proof starts from there */
		PQclear(run_on(scratch, "ROLLBACK", "ROLLBACK", 0, NULL));
	}
	return doc;
}

/*
 * What the live schema has and the desired one cannot say, copied into the
 * desired document so that neither check nor diff calls it a difference:
 * another tool's bookkeeping table (alembic_version, schema_migrations,
 * flyway_schema_history, __diesel_schema_migrations, with its columns,
 * constraints, indexes and owned sequences) unless --include-tool-tables,
 * and an extension unless --drop-extensions; with the schema each is in,
 * where the desired schema lacks it.  Each is named in a note.  Returns the desired
 * document to compare with.
 */
static char *
keep_live_only(const char *live, const char *desired)
{
	const char *params[4] = {live, desired, opts.include_tool_tables ? "f" : "t", opts.drop_extensions ? "f" : "t"};
	PGresult   *res = run("comparing schemas",
						  "WITH live (key, v) AS (SELECT key, value FROM jsonb_each($1::jsonb -> 'objects')),"
						  " tool (key) AS (SELECT key FROM live WHERE $3::boolean AND v ->> 'kind' = 'table'"
						  "   AND v ->> 'name' IN ('alembic_version', 'schema_migrations', 'flyway_schema_history',"
						  "                        '__diesel_schema_migrations')"
						  "   AND NOT ($2::jsonb -> 'objects') ? key),"
						  " ext (key) AS (SELECT key FROM live WHERE $4::boolean AND v ->> 'kind' = 'extension'"
						  "   AND NOT ($2::jsonb -> 'objects') ? key),"
						  /* with their columns, constraints, indexes and owned sequences ... */
						  " kept0 (key, v) AS (SELECT key, v FROM live WHERE NOT ($2::jsonb -> 'objects') ? key"
						  "   AND (key IN (SELECT key FROM tool UNION ALL SELECT key FROM ext)"
						  "        OR v ->> 'relation' IN (SELECT key FROM tool)"
						  "        OR EXISTS (SELECT FROM tool t WHERE v ->> 'owned_by' LIKE 'column ' || substr(t.key, 7) || '.%'))),"
						  /* ... and the schemas they are in, where the desired schema has none of that name */
						  " kept (key, v) AS (SELECT key, v FROM kept0 UNION ALL"
						  "   SELECT key, v FROM live WHERE NOT ($2::jsonb -> 'objects') ? key"
						  "    AND key IN (SELECT 'schema ' || quote_ident(k.v ->> 'schema') FROM kept0 k))"
						  " SELECT CASE WHEN EXISTS (SELECT FROM kept) THEN jsonb_set($2::jsonb, '{objects}',"
						  "          ($2::jsonb -> 'objects') || (SELECT jsonb_object_agg(key, v) FROM kept)) END,"
						  "        (SELECT string_agg(key, ', ' ORDER BY key) FROM tool),"
						  "        (SELECT string_agg(key, ', ' ORDER BY key) FROM ext)", 4, params);
	char	   *doc = PQgetisnull(res, 0, 0) ? (char *) desired : pg_strdup(PQgetvalue(res, 0, 0));

	if (!PQgetisnull(res, 0, 1))
		note("left out as another tool's bookkeeping: %s (--include-tool-tables compares it)",
			 PQgetvalue(res, 0, 1));
	if (!PQgetisnull(res, 0, 2))
		note("kept, though the desired schema does not have it: %s (--drop-extensions drops it)",
			 PQgetvalue(res, 0, 2));
	PQclear(res);
	return doc;
}

/* What differs from one document to another, column order apart; NULL when nothing. */
static PGresult *
differences(const char *source, const char *target)
{
	const char *params[2] = {source, target};
	PGresult   *res = run("comparing schemas",
						  "SELECT object, change, detail FROM migrate.compare($1::jsonb, $2::jsonb)"
						  " WHERE NOT " POSITION_ONLY " ORDER BY 1", 2, params);

	if (PQntuples(res) == 0)
	{
		PQclear(res);
		return NULL;
	}
	return res;
}

/*
 * "column app.t.a, column app.t.b": the columns that only stand elsewhere
 * (the first 12 of them, and how many more; for diff, of those it adds);
 * NULL when none.
 */
static const char *order_live;	/* diff: only columns the live schema lacks */

static char *
order_only(const char *source, const char *target)
{
	const char *params[3] = {source, target, order_live};
	PGresult   *res = run("comparing schemas",
						  "SELECT array_to_string((array_agg(object ORDER BY object))[1:12], ', ')"
						  "       || CASE WHEN count(*) > 12 THEN format(' and %s more', count(*) - 12) ELSE '' END"
						  " FROM migrate.compare($1::jsonb, $2::jsonb) WHERE " POSITION_ONLY
						  " AND ($3::jsonb IS NULL OR NOT ($3::jsonb -> 'objects') ? object)", 3, params);
	char	   *s = PQgetisnull(res, 0, 0) ? NULL : pg_strdup(PQgetvalue(res, 0, 0));

	PQclear(res);
	return s;
}

/* The renames as a text[] literal; reversed, for the down. */
static char *
renames_literal(bool reverse)
{
	const char **items = pg_malloc(sizeof(char *) * (opts.nrenames + 1));
	int			i;

	for (i = 0; i < opts.nrenames; i++)
	{
		char	   *spec = pg_strdup(opts.renames[i]);
		char	   *eq = strrchr(spec, '=');
		char	   *dot;
		PQExpBufferData item;

		initPQExpBuffer(&item);
		if (!reverse)
			appendPQExpBufferStr(&item, spec);
		else
		{
			/* schema.table=new -> schema.new=table; schema.table.col=new -> schema.table'.new=col */
			*eq = '\0';
			dot = strrchr(spec, '.');
			if (strchr(spec, '.') == dot)
				appendPQExpBuffer(&item, "%.*s.%s=%s", (int) (dot - spec), spec, eq + 1, dot + 1);
			else
			{
				char	   *table_end = dot;
				char	   *schema_end = strchr(spec, '.');
				const char *table = NULL;
				int			j;

				/* the table under its new name, when it is renamed too */
				for (j = 0; j < opts.nrenames; j++)
				{
					const char *other = opts.renames[j];
					const char *oeq = strrchr(other, '=');

					if ((size_t) (oeq - other) == (size_t) (table_end - spec) &&
						strncmp(other, spec, table_end - spec) == 0)
						table = oeq + 1;
				}
				if (table)
					appendPQExpBuffer(&item, "%.*s.%s.%s=%s", (int) (schema_end - spec), spec, table, eq + 1, dot + 1);
				else
					appendPQExpBuffer(&item, "%.*s.%s=%s", (int) (table_end - spec), spec, eq + 1, dot + 1);
			}
		}
		items[i] = item.data;
	}
	return text_array_literal(items, opts.nrenames);
}

/* migrate.diff(source, target, renames): step, statement, hazard. */
static PGresult *
generate(const char *what, const char *source, const char *target, const char *renames)
{
	const char *params[3] = {source, target, renames};

	return run(what, "SELECT step, statement, hazard FROM migrate.diff($1::jsonb, $2::jsonb, $3::text[]) ORDER BY step",
			   3, params);
}

/*
 * The up through a stage: migrate.diff() to `stage` (the desired schema
 * with some NOT NULL columns still nullable), then `fills` (a text[] of
 * UPDATEs giving their rows a value), then migrate.diff() on to the
 * desired schema (SET NOT NULL); as generate() gives it.
 */
static PGresult *
generate_through(const char *live, const char *stage, const char *desired, const char *renames,
				 const char *fills)
{
	const char *params[5] = {live, stage, desired, renames, fills};

	return run("generating the up",
			   "WITH first AS (SELECT step, statement, hazard FROM migrate.diff($1::jsonb, $2::jsonb, $4::text[])),"
			   " third AS (SELECT step, statement, hazard FROM migrate.diff($2::jsonb, $3::jsonb, '{}'))"
			   " SELECT row_number() OVER (ORDER BY part, step)::int, statement, hazard FROM ("
			   " SELECT 1 AS part, step, statement, hazard FROM first"
			   " UNION ALL SELECT 2, i::int, f, 'fills the NULLs of a column about to be NOT NULL (--default): "
			   "updates those rows, under the table''s lock'"
			   "  FROM unnest($5::text[]) WITH ORDINALITY u (f, i)"
			   " UNION ALL SELECT 3, step, statement, hazard FROM third"
			   "  WHERE statement NOT LIKE 'SET lock_timeout%'"
			   /* one lock timeout, before all: the first part's, or else the last part's */
			   " UNION ALL SELECT 0, step, statement, hazard FROM third"
			   "  WHERE statement LIKE 'SET lock_timeout%'"
			   "    AND NOT EXISTS (SELECT FROM first WHERE statement LIKE 'SET lock_timeout%')) s"
			   " ORDER BY 1", 5, params);
}

/* Run generated statements on the scratch database; give up on the first that fails. */
static void
run_statements(PGresult *steps, const char *what)
{
	int			i;

	for (i = 0; i < PQntuples(steps); i++)
	{
		PGresult   *res = PQexec(scratch, PQgetvalue(steps, i, 1));

		if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			fprintf(stderr, "%s\n%s", PQgetvalue(steps, i, 1), PQerrorMessage(scratch));
			failed("%s: step %d failed on the scratch database: %s; nothing was written", what, i + 1,
				   PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
		}
		PQclear(res);
	}
}

/*
 * The scratch schema must now be `expected`; say what differs and give up
 * if not.  With `want_order`, returns the columns that only stand
 * elsewhere, or NULL (a second comparison, asked only where it is said).
 */
static char *
expect_schema(const char *expected, const char *what, bool want_order)
{
	char	   *now = take_schema(scratch, "reading the scratch schema");
	PGresult   *res = differences(now, expected);

	if (res)
	{
		fprintf(stderr, "pgmigrate: %s; what differs:\n", what);
		print_table(res);
		failed("%s; nothing was written", what);
	}
	return want_order ? order_only(now, expected) : NULL;
}

/*
 * The proof, in a transaction on the scratch database that is rolled back:
 * the live schema there first, then up, then down.  Returns the columns
 * the up leaves in another order than the desired schema's, or NULL.
 */
static char *
prove(const char *live, const char *desired, PGresult *up, PGresult *down)
{
	PGresult   *prepare;
	char	   *order;

	if (scratch == NULL)
		scratch = opts.dev_db ? connect_other(opts.dev_db, "the --dev-db database") : create_scratch();
	PQclear(PQexec(scratch, "SET pgmigrate.guard = off"));
	PQclear(run_on(scratch, "BEGIN", "BEGIN", 0, NULL));
	prepare = generate("giving the scratch database the live schema",
					   take_schema(scratch, "reading the scratch schema"), live, "{}");
	run_statements(prepare, "giving the scratch database the live schema");
	expect_schema(live, "the scratch database could not be given the live schema, so the revision is not proven", false);
	run_statements(up, "the generated up");
	order = expect_schema(desired, "the generated up does not give the desired schema", true);
	run_statements(down, "the generated down");
	expect_schema(live, "the generated down does not give the live schema back", false);
	PQclear(run_on(scratch, "ROLLBACK", "ROLLBACK", 0, NULL));
	PQclear(prepare);
	return order;
}

/* A section of the file: each statement, its hazard as a comment above it. */
static char *
section(PGresult *steps)
{
	PQExpBufferData buf;
	int			i;

	initPQExpBuffer(&buf);
	for (i = 0; i < PQntuples(steps); i++)
	{
		if (!PQgetisnull(steps, i, 2))
			appendPQExpBuffer(&buf, "%s-- hazard: %s\n", i ? "\n" : "", PQgetvalue(steps, i, 2));
		else if (i)
			appendPQExpBufferChar(&buf, '\n');
		appendPQExpBuffer(&buf, "%s\n", PQgetvalue(steps, i, 1));
	}
	return buf.data;
}

static void
check_target_options(const char *command)
{
	if ((opts.to_file != NULL) + (opts.to_db != NULL) + (opts.models != NULL) != 1)
		usage_error("%s needs the desired schema: --to FILE.sql, --to-db CONNINFO or --models MODULE:ATTRIBUTE "
					"(one of them)", command);
	if (opts.python && opts.models == NULL)
		usage_error("--python goes with --models: it is the Python that imports them");
	if (opts.models && (strchr(opts.models, ':') == NULL || opts.models[0] == ':' ||
						strchr(opts.models, ':')[1] == '\0'))
		usage_error("--models takes MODULE:ATTRIBUTE, such as app.models:SQLModel, not \"%s\"", opts.models);
	if (opts.dev_db && opts.to_db && strcmp(command, "check") == 0)
		usage_error("--dev-db goes with --to or --models: with --to-db there is nothing to load");
}

static void
json_steps(PGresult *steps)
{
	int			i;

	putchar('[');
	for (i = 0; i < PQntuples(steps); i++)
	{
		printf("%s{\"step\": %s, \"statement\": ", i ? ", " : "", PQgetvalue(steps, i, 0));
		json_string(PQgetvalue(steps, i, 1));
		printf(", \"hazard\": ");
		json_string(PQgetisnull(steps, i, 2) ? NULL : PQgetvalue(steps, i, 2));
		putchar('}');
	}
	putchar(']');
}

/*
 * The new revision's parents (--parent, or the directory's heads) must be
 * applied to the live database: diff compares the models with the live
 * schema, so a change written and not applied yet would be written again.
 */
static void
check_parents_applied(void)
{
	char		error[1024];
	char	  **heads = NULL;
	int			nheads = new_revision_parents(&heads, error, sizeof(error));
	int			i;

	/* (a directory that cannot be read yet: write_migration() says why) */
	for (i = 0; i < nheads; i++)
	{
		const char *params[1] = {heads[i]};
		PGresult   *res = run("reading the revisions",
							  "SELECT applied FROM migrate.status() WHERE revision OPERATOR(pg_catalog.=) $1",
							  1, params);
		bool		applied = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;

		PQclear(res);
		if (!applied)
			failed("revision %s, which the new one would follow, is not applied to this database: diff compares "
				   "with the live schema, so it would write %s's changes again; apply it first (pgmigrate up), "
				   "then diff; nothing was written", heads[i], heads[i]);
	}
}

/* How many dots `spec` has before `eq` (its "="); -1 when there is no "=" or nothing after it. */
static int
dots_before(const char *spec, const char *eq)
{
	int			dots = 0;
	const char *p;

	if (eq == NULL || eq[1] == '\0')
		return -1;
	for (p = spec; p < eq; p++)
		dots += *p == '.';
	return dots;
}

int
cmd_diff(const char *name)
{
	char	   *live;
	char	   *desired;
	PGresult   *up;
	PGresult   *down;
	char	   *destructive = NULL;
	char	   *order;
	char	   *path;
	char	   *id;
	char	   *renames;
	char	   *stage;
	char	   *fills;
	int			checked;
	int			filled = 0;
	int			i;

	check_target_options("diff");
	for (i = 0; i < opts.ndefaults; i++)
		if (dots_before(opts.defaults[i], strchr(opts.defaults[i], '=')) != 2)
			usage_error("--default takes schema.table.column=EXPR, not \"%s\"", opts.defaults[i]);
	for (i = 0; i < opts.nrenames; i++)
	{
		int			dots = dots_before(opts.renames[i], strrchr(opts.renames[i], '='));

		if (dots != 1 && dots != 2)
			usage_error("--rename takes schema.table.column=new_name or schema.table=new_name, not \"%s\"",
						opts.renames[i]);
	}
	if (opts.models)
		models_begin(opts.models, opts.python); /* importing them while the live schema is read */
	connect_db();
	check_parents_applied();
	live = pg_strdup(PQgetvalue(run("reading the live schema", "SELECT migrate.schema()", 0, NULL), 0, 0));
	desired = keep_live_only(live, desired_schema());
	renames = renames_literal(false);
	up = generate("generating the up", live, desired, renames);
	down = generate("generating the down", desired, live, renames_literal(true));
	if (PQntuples(up) == 0)
	{
		if (opts.json)
			printf("{\"path\": null, \"up\": [], \"down\": []}\n");
		else
			printf("the live schema is the desired one: nothing to write\n");
		return 0;
	}

	/* what looks like a rename is only said */
	for (i = 0; i < PQntuples(up); i++)
	{
		const char *hazard = PQgetisnull(up, i, 2) ? "" : PQgetvalue(up, i, 2);

		if (strstr(hazard, "data loss") != NULL && destructive == NULL)
			destructive = pg_strdup(PQgetvalue(up, i, 1));
		if (strstr(hazard, "it looks like a rename") != NULL)
			note("%s", strstr(hazard, "it looks like a rename"));
		else if (strstr(hazard, "it may be a rename") != NULL)
			note("%s", strstr(hazard, "it may be a rename"));
	}
	if (destructive && !opts.allow_destructive)
	{
		for (i = 0; i < PQntuples(up); i++)
			if (!PQgetisnull(up, i, 2) && strstr(PQgetvalue(up, i, 2), "data loss") != NULL)
				fprintf(stderr, "%s\n  -- %s\n", PQgetvalue(up, i, 1), PQgetvalue(up, i, 2));
		failed("the up destroys data (above); write it with --allow-destructive if that is meant, or say "
			   "what is a rename with --rename; nothing was written");
	}

	/* the rows next: a rename or a drop is settled first, and changes what they must hold */
	checked = check_live_rows(live, desired, &stage, &fills, &filled);
	if (stage)
	{
		PQclear(up);
		up = generate_through(live, stage, desired, renames, fills);
	}
	order_live = live;
	order = prove(live, desired, up, down);
	path = write_migration(name, section(up), section(down), destructive != NULL, &id);
	if (opts.json)
	{
		printf("{\"id\": ");
		json_string(id);
		printf(", \"path\": ");
		json_string(path);
		printf(", \"up\": ");
		json_steps(up);
		printf(", \"down\": ");
		json_steps(down);
		printf("}\n");
	}
	else
	{
		printf("%s\n", path);
		fprintf(stderr, "pgmigrate: %d statements up, %d down; proven on a scratch database: the up gives the desired schema, the down the live one\n",
				PQntuples(up), PQntuples(down));
		if (checked)
			fprintf(stderr, "pgmigrate: checked against the live rows: %d statement%s whose success depends on them "
					"(NOT NULL, a shorter type, a new key or CHECK) can run there\n", checked, checked == 1 ? "" : "s");
		if (filled)
			fprintf(stderr, "pgmigrate: checked against the live rows: %d NOT NULL column%s filled first "
					"(--default), leaving no NULL\n", filled, filled == 1 ? "" : "s");
		for (i = 0; i < PQntuples(up); i++)
			if (!PQgetisnull(up, i, 2))
				fprintf(stderr, "pgmigrate: hazard in step %d: %s\n", i + 1, PQgetvalue(up, i, 2));
	}
	if (order)
		note("the up adds columns last, so these stand in another order than in the desired schema: %s", order);
	PQclear(up);
	PQclear(down);
	return 0;
}

int
cmd_check(void)
{
	char	   *live;
	char	   *desired;
	PGresult   *res;
	char	   *order;

	check_target_options("check");
	if (opts.models)
		models_begin(opts.models, opts.python); /* importing them while the live schema is read */
	connect_db();
	live = pg_strdup(PQgetvalue(run("reading the live schema", "SELECT migrate.schema()", 0, NULL), 0, 0));
	desired = keep_live_only(live, desired_schema());
	res = differences(live, desired);
	order = order_only(live, desired);
	if (opts.json)
	{
		if (res)
			json_rows(res);
		else
			printf("[]\n");
	}
	else if (res)
		print_table(res);
	else
		printf("the live schema is the desired one\n");
	if (order)
		note("columns stand in another order (not a difference: PostgreSQL adds columns last): %s", order);
	if (res)
	{
		PQclear(res);
		return EXIT_FAILED;
	}
	return 0;
}

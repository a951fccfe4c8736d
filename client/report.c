/*
 * report.c — the verbs that look and change nothing: status, plan, verify,
 * drift, log, test, lint and graph.
 *
 * Each returns the exit status it means: 0 when all is well, 1 when the
 * check found something (a verify problem, drift, a revision whose round
 * trip failed, a lint error), so that CI can act on it without parsing.
 *
 * Calls session.c and files.c.
 */
#include "postgres_fe.h"

#include <sys/stat.h>

#include "pqexpbuffer.h"

#include "client.h"
#include "files.h"

/* Print a result as a table or JSON; 1 when it has rows and rows are bad news. */
static int
report(const char *what, const char *sql, int nparams, const char *const *params, bool rows_fail)
{
	PGresult   *res;
	int			rows;

	connect_db();
	res = run(what, sql, nparams, params);
	rows = PQntuples(res);
	if (opts.json)
		json_rows(res);
	else if (rows > 0 || !rows_fail)
		print_table(res);
	PQclear(res);
	return rows_fail && rows > 0 ? EXIT_FAILED : 0;
}

int
cmd_status(void)
{
	return report("status",
				  "SELECT revision, applied, to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS') AS applied_at,"
				  " is_head, transactional, irreversible, coalesce(to_jsonb(s) ->> 'online', '') AS online,"
				  " coalesce(description, '') AS description"
				  " FROM migrate.status() s", 0, NULL, false);
}

int
cmd_plan(const char *target)
{
	const char *params[3] = {target ? target : (opts.down ? "-1" : "head"), opts.down ? "down" : "up",
	opts.allow_data_loss ? "true" : "false"};

	return report("plan", "SELECT step, revision, direction, sql FROM migrate.plan($1, $2, $3::boolean)",
				  3, params, false);
}

/* ---- verify ---- */

/*
 * verify: migrate.verify() (checksums, the applied graph), and when the
 * migrations directory is there, the files against what is registered:
 * a file not registered, a registered revision without a file, a file
 * whose SQL is not what was registered.  One round trip.
 */
int
cmd_verify(void)
{
	struct stat st;
	MigrationFile *files = NULL;
	int			n = 0;
	char		error[1024];
	MigrationLayout layout = opts.layout;
	const char *params[5];
	int			status;

	if (stat(opts.dir, &st) == 0 && S_ISDIR(st.st_mode) &&
		(n = load_migrations(opts.dir, &layout, &files, error, sizeof(error))) < 0)
		failed("%s", error);
	params[0] = files_column(files, n, file_id);
	params[1] = files_column(files, n, file_path);
	params[2] = files_column(files, n, file_up);
	params[3] = files_column(files, n, file_down);
	params[4] = files ? "true" : "false";
	status = report("verify",
					"WITH f(id, path, up, down) AS ("
					"  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]))"
					" SELECT problem, object, detail FROM migrate.verify()"
					" UNION ALL"
					" SELECT 'no file', r.id, 'registered'"
					"   || CASE WHEN r.applied_at IS NOT NULL THEN ' and applied' ELSE '' END"
					"   || ', but there is no file for it in the migrations directory'"
					"   FROM migrate.revisions r"
					"  WHERE $5::boolean AND NOT EXISTS (SELECT FROM f WHERE f.id = r.id)"
					" UNION ALL"
					" SELECT 'not registered', f.id, f.path || ' is not registered: run pgmigrate push'"
					"   FROM f WHERE NOT EXISTS (SELECT FROM migrate.revisions r WHERE r.id = f.id)"
					" UNION ALL"
					" SELECT 'file differs', f.id, f.path || ': its ' || s.side"
					"   || ' SQL is not the registered revision''s'"
					"   || CASE WHEN r.applied_at IS NOT NULL THEN ', which is applied' ELSE '' END"
					"   FROM f JOIN migrate.revisions r USING (id),"
					"   LATERAL (SELECT 'up' WHERE r.up <> f.up"
					"            UNION ALL SELECT 'down' WHERE CASE WHEN f.down IS NULL"
					"              THEN r.down IS NOT NULL AND NOT r.down_derived"
					"              ELSE r.down IS DISTINCT FROM f.down END) s(side)",
					5, params, true);
	if (status == 0 && !opts.json)
		printf("no problem found\n");
	return status;
}

int
cmd_drift(void)
{
	int			status = report("drift", "SELECT object, change, detail FROM migrate.drift()", 0, NULL, true);

	if (status == 0 && !opts.json)
		printf("no drift: the schema is as the last apply, rollback or stamp left it\n");
	return status;
}

/* log [N]: the history, oldest first; with N, the N most recent entries. */
int
cmd_log(const char *limit)
{
	const char *params[1] = {limit};

	if (limit && strspn(limit, "0123456789") != strlen(limit))
		usage_error("log takes a number of entries, not \"%s\"", limit);
	return report("log",
				  "SELECT id, to_char(logged_at, 'YYYY-MM-DD HH24:MI:SS') AS logged_at, role, action,"
				  " coalesce(revision, '') AS revision, round(duration_ms::numeric, 3) AS duration_ms,"
				  " outcome, coalesce(command, '') AS command, coalesce(detail, '') AS detail"
				  " FROM (SELECT * FROM migrate.log ORDER BY id DESC LIMIT $1::bigint) l ORDER BY id",
				  1, params, false);
}

/* test [TARGET]: the round trip of every pending revision; 1 when one is not ok. */
int
cmd_test(const char *target)
{
	const char *params[1] = {target ? target : "head"};
	PGresult   *res;
	int			bad = 0;
	int			i;

	connect_db();
	res = run("test", "SELECT revision, ok, detail FROM migrate.test_roundtrip($1)", 1, params);
	for (i = 0; i < PQntuples(res); i++)
		bad += PQgetvalue(res, i, 1)[0] != 't';
	if (opts.json)
		json_rows(res);
	else
	{
		print_table(res);
		printf("%d of %d revision%s round-tripped%s\n", PQntuples(res) - bad, PQntuples(res),
			   PQntuples(res) == 1 ? "" : "s", bad ? "; the others are not reversible as registered" : "");
	}
	PQclear(res);
	return bad ? EXIT_FAILED : 0;
}

/* ---- lint ---- */

/* The files a path names: every file of a directory, or the one file. */
static int
files_of_path(const char *path, MigrationFile **files)
{
	struct stat st;
	char		error[1024];
	MigrationLayout layout = opts.layout;
	char	   *dir;
	char	   *slash;
	char	   *diesel_id = NULL;
	int			n;
	int			i;

	if (stat(path, &st) != 0)
		failed("could not read \"%s\": %s", path, strerror(errno));
	dir = pg_strdup(path);
	if (S_ISDIR(st.st_mode))
	{
		struct stat up;

		if (stat(psprintf("%s/up.sql", path), &up) != 0)
		{
			if ((n = load_migrations(path, &layout, files, error, sizeof(error))) < 0)
				failed("%s", error);
			return n;
		}
		/* one diesel revision (NAME/up.sql), read with its directory */
		while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
			dir[strlen(dir) - 1] = '\0';
		layout = LAYOUT_DIESEL;
	}
	/* a file is read with its directory, which gives it its parents */
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (S_ISDIR(st.st_mode))
		diesel_id = slash ? slash + 1 : dir;
	if ((n = load_migrations(slash ? dir : ".", &layout, files, error, sizeof(error))) < 0)
		failed("%s", error);
	for (i = 0; i < n; i++)
	{
		const char *base = strrchr((*files)[i].path, '/');

		if ((diesel_id && strcmp((*files)[i].id, diesel_id) == 0) ||
			(!diesel_id && (strcmp((*files)[i].path, path) == 0 ||
							strcmp(base ? base + 1 : (*files)[i].path, slash ? slash + 1 : path) == 0)))
		{
			*files = &(*files)[i];
			return 1;
		}
	}
	failed("\"%s\" is not a migration (a file named like a revision id, or a diesel revision's directory)", path);
}

/*
 * The lint of all files failed (SQL the server's parser refuses): find the
 * file, and give up naming it and the parser's reason.
 */
static void
lint_failure(PGresult *res, MigrationFile *files, int n)
{
	char	   *reason = primary_message(res);
	int			i;
	int			side;

	PQclear(res);
	for (i = 0; i < n; i++)
		for (side = 0; side < 2; side++)
		{
			const char *sql = side == 0 ? files[i].up : files[i].down;
			const char *params[1] = {sql};
			PGresult   *one;

			if (sql == NULL)
				continue;
			one = PQexecParams(conn, "SELECT count(*) FROM migrate.lint($1)", 1, NULL, params, NULL, NULL, 0);
			if (PQresultStatus(one) != PGRES_TUPLES_OK)
			{
				print_server_error(conn, one);
				failed("%s%s: %s", files[i].path, side ? " (down)" : "", primary_message(one));
			}
			PQclear(one);
		}
	failed("lint failed: %s", reason);
}

/*
 * lint [FILES|DIR]: every file's up SQL through the extension's rules, as
 * migrate.add() would judge it with the file's own flags (a
 * no-transaction file may hold CREATE INDEX CONCURRENTLY; an
 * allow-destructive file's drops are warnings).  Exit 1 on an error
 * finding, or with --strict on a warning too.  One round trip.
 */
int
cmd_lint(int npaths, const char *const *paths)
{
	const char *default_path[1] = {opts.dir};
	static const FileField fields[] = {
		file_path, file_up, file_destructive, file_transactional, file_up_line, file_down
	};
	const char *params[lengthof(fields)];
	MigrationFile *all_files = NULL;
	int			nfiles = 0;
	PGresult   *res;
	int			errors = 0;
	int			warnings = 0;
	int			p;
	int			i;

	if (npaths == 0)
	{
		npaths = 1;
		paths = default_path;
	}
	/* the files of every path, one after the other */
	for (p = 0; p < npaths; p++)
	{
		MigrationFile *files;
		int			n = files_of_path(paths[p], &files);

		all_files = pg_realloc(all_files, sizeof(MigrationFile) * (nfiles + n + 1));
		memcpy(&all_files[nfiles], files, sizeof(MigrationFile) * n);
		nfiles += n;
	}
	for (i = 0; i < (int) lengthof(fields); i++)
		params[i] = files_column(all_files, nfiles, fields[i]);

	connect_db();
	res = PQexecParams(conn,
					   "WITH f AS (SELECT * FROM unnest($1::text[], $2::text[], $3::boolean[], $4::boolean[],"
					   "   $5::integer[], $6::text[]) WITH ORDINALITY"
					   "   AS f(path, up, destructive, transactional, up_line, down, n))"
					   " SELECT file, line, severity, rule, message, hint FROM ("
					   "  SELECT f.n, 0 AS side, l.statement_number, f.path AS file,"
					   "         f.up_line + l.line - 1 AS line, l.severity, l.rule, l.message, l.hint"
					   "    FROM f, LATERAL migrate.lint(f.up, f.destructive, f.transactional) l"
					   "  UNION ALL"
					   /* a down gets the rules migrate.add() gives a down */
					   "  SELECT f.n, 1, l.statement_number, f.path || ' (down)', l.line, l.severity, l.rule,"
					   "         l.message, l.hint"
					   "    FROM f, LATERAL migrate.lint(f.down, true, f.transactional) l"
					   "   WHERE f.down IS NOT NULL AND l.rule IN ('transaction-control', 'role-change',"
					   "         'catalog-change', 'non-transactional', 'secret')) x"
					   " ORDER BY n, side, statement_number",
					   6, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		lint_failure(res, all_files, nfiles);
	for (i = 0; i < PQntuples(res); i++)
	{
		const char *severity = PQgetvalue(res, i, 2);

		errors += strcmp(severity, "error") == 0;
		warnings += strcmp(severity, "warning") == 0;
		if (!opts.json)
			printf("%s:%s: %s: %s [%s]\n  hint: %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
				   severity, PQgetvalue(res, i, 4), PQgetvalue(res, i, 3), PQgetvalue(res, i, 5));
	}
	if (opts.json)
		json_rows(res);
	else
		printf("%d file%s: %d error%s, %d warning%s%s\n", nfiles, nfiles == 1 ? "" : "s",
			   errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s",
			   opts.strict && warnings ? " (--strict: warnings fail)" : "");
	PQclear(res);
	return errors > 0 || (opts.strict && warnings > 0) ? EXIT_FAILED : 0;
}

/* ---- graph ---- */

/* A DOT string: quoted, with " and \ escaped, newlines as \n. */
static void
dot_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++)
	{
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

/* Parents from a text[] value: "{a,b}" into their ids (ids need no quoting). */
static int
split_parents(const char *array, char ***parents)
{
	char	   *copy = pg_strdup(array + 1);
	int			n = 0;
	char	   *tok;

	*parents = pg_malloc(sizeof(char *) * (strlen(array) + 1));
	copy[strlen(copy) - 1] = '\0';
	for (tok = strtok(copy, ","); tok; tok = strtok(NULL, ","))
		(*parents)[n++] = tok;
	return n;
}

static void
write_dot(FILE *out, PGresult *res)
{
	int			i;

	fprintf(out, "digraph pgmigrate {\n"
			"  // parents point to their children; applied revisions are filled,\n"
			"  // pending ones dashed, heads have a double border, merges are hexagons\n"
			"  rankdir=LR;\n"
			"  node [shape=box, style=\"rounded\", fontname=\"Helvetica\", fontsize=10];\n");
	for (i = 0; i < PQntuples(res); i++)
	{
		const char *id = PQgetvalue(res, i, 0);
		bool		applied = PQgetvalue(res, i, 2)[0] == 't';
		bool		head = PQgetvalue(res, i, 3)[0] == 't';
		const char *description = PQgetvalue(res, i, 4);
		char	  **parents;
		int			nparents = split_parents(PQgetvalue(res, i, 1), &parents);
		PQExpBufferData label;
		int			p;

		initPQExpBuffer(&label);
		appendPQExpBufferStr(&label, id);
		if (description[0])
			appendPQExpBuffer(&label, "\n%s", description);
		fputs("  ", out);
		dot_string(out, id);
		fputs(" [label=", out);
		dot_string(out, label.data);
		fprintf(out, ", style=\"%s\"%s%s%s];\n",
				applied ? "rounded,filled" : "rounded,dashed",
				applied ? ", fillcolor=\"#c6efce\"" : "",
				head ? ", peripheries=2" : "",
				nparents > 1 ? ", shape=hexagon" : "");
		for (p = 0; p < nparents; p++)
		{
			fputs("  ", out);
			dot_string(out, parents[p]);
			fputs(" -> ", out);
			dot_string(out, id);
			fputs(";\n", out);
		}
		termPQExpBuffer(&label);
	}
	fputs("}\n", out);
}

/*
 * graph: the revision graph as Graphviz DOT (applied, pending, heads and
 * merges marked), or SVG with --format svg through Graphviz's dot, or with
 * --json as nodes and their parents.
 */
int
cmd_graph(void)
{
	PGresult   *res;

	if (opts.format && strcmp(opts.format, "dot") != 0 && strcmp(opts.format, "svg") != 0)
		usage_error("unknown --format \"%s\" (dot or svg)", opts.format);
	connect_db();
	res = run("graph",
			  "SELECT revision, parents::text, applied, is_head, coalesce(description, '')"
			  " FROM migrate.status()", 0, NULL);
	if (opts.json)
	{
		PGresult   *rows = run("graph",
							   "SELECT revision, parents, applied, is_head, cardinality(parents) > 1 AS is_merge,"
							   " description FROM migrate.status()", 0, NULL);

		json_rows(rows);
		PQclear(rows);
	}
	else if (opts.format && strcmp(opts.format, "svg") == 0)
	{
		FILE	   *dot;

		if (system("command -v dot >/dev/null 2>&1") != 0)
			failed("--format svg needs Graphviz's dot, which is not installed (or print DOT without --format)");
		fflush(stdout);
		if ((dot = popen("dot -Tsvg", "w")) == NULL)
			failed("could not run dot: %s", strerror(errno));
		write_dot(dot, res);
		if (pclose(dot) != 0)
			failed("dot failed to draw the graph");
	}
	else
		write_dot(stdout, res);
	PQclear(res);
	return 0;
}

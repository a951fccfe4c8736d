/*
 * pgmigrate.c — the pgmigrate client: migrations as files in git, deployed
 * through the extension.
 *
 *   pgmigrate new NAME            write the next migration file
 *   pgmigrate push [DIR]          register every file (idempotent)
 *   pgmigrate apply [TARGET]      migrate.apply(), and the revisions that
 *                                 must run outside a transaction
 *   pgmigrate rollback [TARGET]   the same, down
 *   pgmigrate status | plan       what is there, what would run
 *
 * All bookkeeping is the extension's: this program only reads files, sends
 * SQL and runs non-transactional revisions statement by statement, as
 * migrate.begin_outside_transaction() tells it.
 *
 * Exit status: 0 success, 1 a failed migration or connection, 2 a usage
 * error; the last line on stderr is the one-line reason.
 */
#include "postgres_fe.h"

#include <sys/stat.h>
#include <time.h>

#include "catalog/pg_type_d.h"
#include "getopt_long.h"
#include "libpq-fe.h"
#include "pqexpbuffer.h"

#include "files.h"
#include "revisions.h"

#ifndef PGM_VERSION
#define PGM_VERSION "unknown"
#endif

#define EXIT_FAILED 1
#define EXIT_USAGE 2

typedef struct Options
{
	const char *conninfo;
	const char *dir;
	bool		json;
	bool		dry_run;
	bool		allow_data_loss;
	bool		down;
	const char *parents[64];
	int			nparents;
} Options;

static Options opts;
static PGconn *conn;

static void usage_error(const char *fmt,...) pg_attribute_printf(1, 2) pg_attribute_noreturn();
static void failed(const char *fmt,...) pg_attribute_printf(1, 2) pg_attribute_noreturn();

static void
usage_error(const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "pgmigrate: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry \"pgmigrate --help\" for more information.\n");
	exit(EXIT_USAGE);
}

static void
failed(const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "pgmigrate: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (conn)
		PQfinish(conn);
	exit(EXIT_FAILED);
}

static void
help(void)
{
	printf("pgmigrate keeps PostgreSQL schema migrations as files and deploys them\n"
		   "through the pgmigrate extension.\n\n"
		   "Usage:\n"
		   "  pgmigrate [OPTION]... new NAME         write a new migration file\n"
		   "  pgmigrate [OPTION]... push [DIR]       register every file of DIR\n"
		   "  pgmigrate [OPTION]... apply [TARGET]   apply pending revisions (default head)\n"
		   "  pgmigrate [OPTION]... rollback [TARGET] roll back (default -1)\n"
		   "  pgmigrate [OPTION]... status           every revision and whether it is applied\n"
		   "  pgmigrate [OPTION]... plan [TARGET]    what apply (or rollback, with --down) would run\n\n"
		   "Options:\n"
		   "  -d, --dbname=CONNINFO   database to connect to (default: PGHOST, PGDATABASE, ...)\n"
		   "      --dir=DIR           migrations directory (default: $PGMIGRATE_DIR or migrations)\n"
		   "      --parent=ID         parent of the new revision (repeat for a merge; new)\n"
		   "      --dry-run           show what push would register, register nothing\n"
		   "      --allow-data-loss   let rollback drop tables and columns holding data\n"
		   "      --down              plan a rollback instead of an apply\n"
		   "      --json              machine-readable output on stdout\n"
		   "  -V, --version           print the version and exit\n"
		   "  -?, --help              print this help and exit\n\n"
		   "Exit status: 0 on success, 1 when a migration or the connection failed,\n"
		   "2 on a usage error.\n");
}

/* ---- output ---- */

static void
json_string(const char *s)
{
	if (s == NULL)
	{
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Print a result as a JSON array of objects; t/f columns become booleans. */
static void
json_rows(PGresult *res)
{
	int			r;
	int			c;

	putchar('[');
	for (r = 0; r < PQntuples(res); r++)
	{
		printf("%s{", r ? ",\n " : "");
		for (c = 0; c < PQnfields(res); c++)
		{
			const char *v = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
			Oid			type = PQftype(res, c);

			printf("%s", c ? ", " : "");
			json_string(PQfname(res, c));
			putchar(':');
			if (v == NULL)
				fputs("null", stdout);
			else if (type == BOOLOID)
				fputs(v[0] == 't' ? "true" : "false", stdout);
			else if (type == INT4OID || type == INT8OID || type == FLOAT8OID)
				fputs(v, stdout);
			else
				json_string(v);
		}
		putchar('}');
	}
	puts("]");
}

static void
notice_processor(void *arg, const char *message)
{
	fputs(message, stderr);
}

/* ---- the database ---- */

static void
connect_db(void)
{
	char	   *err = NULL;
	PQconninfoOption *parsed;

	/*
	 * As in psql, -d is a connection string or URI when it looks like one
	 * (has "=", or starts with postgres:// or postgresql://), and else a
	 * database name.
	 */
	bool		is_conninfo = opts.conninfo &&
		(strchr(opts.conninfo, '=') != NULL ||
		 strncmp(opts.conninfo, "postgresql://", 13) == 0 ||
		 strncmp(opts.conninfo, "postgres://", 11) == 0);

	if (is_conninfo && (parsed = PQconninfoParse(opts.conninfo, &err)) == NULL)
	{
		char	   *nl;

		if (err && (nl = strchr(err, '\n')) != NULL)
			*nl = '\0';
		usage_error("invalid connection string: %s", err ? err : "out of memory");
	}
	if (is_conninfo)
		PQconninfoFree(parsed);
	if (opts.conninfo)
	{
		const char *keywords[] = {"dbname", "fallback_application_name", NULL};
		const char *values[] = {opts.conninfo, "pgmigrate", NULL};

		conn = PQconnectdbParams(keywords, values, 1);
	}
	else
	{
		const char *keywords[] = {"fallback_application_name", NULL};
		const char *values[] = {"pgmigrate", NULL};

		conn = PQconnectdbParams(keywords, values, 1);
	}
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		char	   *msg = conn ? PQerrorMessage(conn) : "out of memory";
		char	   *copy = pg_strdup(msg);
		char	   *nl;

		if ((nl = strchr(copy, '\n')) != NULL)
			*nl = '\0';
		failed("could not connect: %s", copy);
	}
	PQsetNoticeProcessor(conn, notice_processor, NULL);
}

/* The first line of the server's error, for the one-line reason. */
static char *
primary_message(PGresult *res)
{
	const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	return pg_strdup(m ? m : PQerrorMessage(conn));
}

/* Run a statement; on failure print the server's full error and give up. */
static PGresult *
run(const char *what, const char *sql, int nparams, const char *const *params)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType status = PQresultStatus(res);

	if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
	{
		char	   *reason = primary_message(res);

		fputs(PQerrorMessage(conn), stderr);
		PQclear(res);
		PQclear(PQexec(conn, "ROLLBACK"));
		failed("%s failed: %s", what, reason);
	}
	return res;
}

static void
run_simple(const char *what, const char *sql)
{
	PQclear(run(what, sql, 0, NULL));
}

/* ---- new ---- */

static void
cmd_new(const char *name)
{
	MigrationFile *files = NULL;
	char		error[1024];
	char		id[160];
	char		path[4096];
	char	  **heads = NULL;
	int			nheads = 0;
	int			n;
	int			i;
	time_t		now = time(NULL);
	struct stat st;
	FILE	   *f;
	size_t		len;

	if (mkdir(opts.dir, 0777) < 0 && errno != EEXIST)
		failed("could not create directory \"%s\": %s", opts.dir, strerror(errno));
	if ((n = load_migrations(opts.dir, &files, error, sizeof(error))) < 0)
		failed("%s", error);

	strftime(id, sizeof(id), "%Y%m%d%H%M%S_", gmtime(&now));
	len = strlen(id);
	for (i = 0; name[i] && len < PGM_ID_MAXLEN; i++)
		id[len++] = pgm_id_character_allowed(name[i]) ? name[i] : '_';
	id[len] = '\0';
	snprintf(path, sizeof(path), "%s/%s.sql", opts.dir, id);
	if (stat(path, &st) == 0)
		failed("\"%s\" exists already", path);

	if (opts.nparents > 0)
	{
		heads = (char **) opts.parents;
		nheads = opts.nparents;
	}
	else if ((nheads = migration_heads(files, n, &heads)) > 1)
	{
		fprintf(stderr, "pgmigrate: the migrations in \"%s\" have %d heads:", opts.dir, nheads);
		for (i = 0; i < nheads; i++)
			fprintf(stderr, " %s", heads[i]);
		fprintf(stderr, "\n");
		usage_error("name the parents with --parent (once per parent for a merge)");
	}

	if ((f = fopen(path, "wx")) == NULL)
		failed("could not create \"%s\": %s", path, strerror(errno));
	fprintf(f, "-- migrate:parents");
	for (i = 0; i < nheads; i++)
		fprintf(f, " %s", heads[i]);
	fprintf(f, "\n-- migrate:description %s\n-- migrate:up\n\n\n-- migrate:down\n\n", name);
	if (fclose(f) != 0)
		failed("could not write \"%s\": %s", path, strerror(errno));
	if (opts.json)
	{
		printf("{\"id\": ");
		json_string(id);
		printf(", \"path\": ");
		json_string(path);
		printf("}\n");
	}
	else
		printf("%s\n", path);
}

/* ---- push ---- */

/* The parents as a text[] literal; ids are checked, so no quoting is needed. */
static void
parents_literal(PQExpBuffer lit, const MigrationFile *m)
{
	int			i;

	resetPQExpBuffer(lit);
	appendPQExpBufferChar(lit, '{');
	for (i = 0; i < m->nparents; i++)
		appendPQExpBuffer(lit, "%s%s", i ? "," : "", m->parents[i]);
	appendPQExpBufferChar(lit, '}');
	if (PQExpBufferBroken(lit))
		failed("out of memory");
}

/*
 * Append `value` (NULL for a NULL element) to an array literal being built,
 * which starts as "{" and gets its "}" at the end.
 */
static void
append_array_element(PQExpBuffer array, const char *value)
{
	if (array->len > 1)
		appendPQExpBufferChar(array, ',');
	if (value == NULL)
	{
		appendPQExpBufferStr(array, "NULL");
		return;
	}
	appendPQExpBufferChar(array, '"');
	for (; *value; value++)
	{
		if (*value == '"' || *value == '\\')
			appendPQExpBufferChar(array, '\\');
		appendPQExpBufferChar(array, *value);
	}
	appendPQExpBufferChar(array, '"');
}

/* The columns of migrate.add() for every file, as seven array literals. */
enum
{
	PUSH_ID, PUSH_UP, PUSH_DOWN, PUSH_PARENTS, PUSH_DESCRIPTION, PUSH_DESTRUCTIVE,
	PUSH_TRANSACTIONAL, PUSH_NCOLUMNS
};

/*
 * Register one file in the current transaction; on failure print the
 * server's error and return its first line, else NULL.
 */
static char *
push_one(const MigrationFile *m, PQExpBuffer parents)
{
	const char *params[7];
	PGresult   *res;
	char	   *reason = NULL;

	parents_literal(parents, m);
	params[0] = m->id;
	params[1] = m->up;
	params[2] = m->down;
	params[3] = parents->data;
	params[4] = m->description;
	params[5] = m->allow_destructive ? "true" : "false";
	params[6] = m->transactional ? "true" : "false";
	res = PQexecParams(conn,
					   "SELECT migrate.add($1, $2, $3, $4::text[], $5, $6::boolean, $7::boolean)",
					   7, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		reason = primary_message(res);
		fputs(PQerrorMessage(conn), stderr);
	}
	PQclear(res);
	return reason;
}

/*
 * push: every file in one statement, whatever their number (one round
 * trip; a statement is all or nothing).  When it fails, the files are
 * registered again one by one in a transaction that is rolled back, to
 * name the file that fails.
 */
static void
cmd_push(void)
{
	MigrationFile *files;
	char		error[1024];
	PQExpBufferData columns[PUSH_NCOLUMNS];
	PQExpBufferData parents;
	const char *params[PUSH_NCOLUMNS];
	PGresult   *res;
	int			n;
	int			i;
	int			counts[3] = {0, 0, 0};

	if ((n = load_migrations(opts.dir, &files, error, sizeof(error))) < 0)
		failed("%s", error);
	initPQExpBuffer(&parents);
	for (i = 0; i < PUSH_NCOLUMNS; i++)
	{
		initPQExpBuffer(&columns[i]);
		appendPQExpBufferChar(&columns[i], '{');
	}
	for (i = 0; i < n; i++)
	{
		MigrationFile *m = &files[i];

		parents_literal(&parents, m);
		append_array_element(&columns[PUSH_ID], m->id);
		append_array_element(&columns[PUSH_UP], m->up);
		append_array_element(&columns[PUSH_DOWN], m->down);
		append_array_element(&columns[PUSH_PARENTS], parents.data);
		append_array_element(&columns[PUSH_DESCRIPTION], m->description);
		append_array_element(&columns[PUSH_DESTRUCTIVE], m->allow_destructive ? "true" : "false");
		append_array_element(&columns[PUSH_TRANSACTIONAL], m->transactional ? "true" : "false");
	}
	for (i = 0; i < PUSH_NCOLUMNS; i++)
	{
		appendPQExpBufferChar(&columns[i], '}');
		if (PQExpBufferBroken(&columns[i]))
			failed("out of memory");
		params[i] = columns[i].data;
	}

	connect_db();
	if (opts.dry_run)
		run_simple("push", "BEGIN");
	/* migrate.add() runs once per row, in file order: parents before children */
	res = PQexecParams(conn,
					   "SELECT r.id, migrate.add(r.id, r.up, r.down, r.parents::text[], r.description,"
					   " r.destructive, r.transactional)"
					   " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
					   " $6::boolean[], $7::boolean[]) WITH ORDINALITY"
					   " AS r(id, up, down, parents, description, destructive, transactional, n)"
					   " ORDER BY r.n",
					   PUSH_NCOLUMNS, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		char	   *reason = primary_message(res);

		PQclear(res);
		PQclear(PQexec(conn, "ROLLBACK"));
		/* the slow path, only to say which file */
		run_simple("push", "BEGIN");
		for (i = 0; i < n; i++)
		{
			char	   *file_reason = push_one(&files[i], &parents);

			if (file_reason)
			{
				PQclear(PQexec(conn, "ROLLBACK"));
				failed("%s: %s", files[i].path, file_reason);
			}
		}
		PQclear(PQexec(conn, "ROLLBACK"));
		failed("push failed: %s", reason);
	}
	if (opts.json)
		printf("[");
	for (i = 0; i < PQntuples(res); i++)
	{
		const MigrationFile *m = &files[i];
		const char *result = PQgetvalue(res, i, 1);

		counts[strcmp(result, "added") == 0 ? 0 : strcmp(result, "updated") == 0 ? 1 : 2]++;
		if (opts.json)
		{
			printf("%s{\"id\": ", i ? ",\n " : "");
			json_string(m->id);
			printf(", \"file\": ");
			json_string(m->path);
			printf(", \"result\": ");
			json_string(result);
			printf("}");
		}
		else
			printf("%-9s %s (%s)\n", result, m->id, m->path);
	}
	PQclear(res);
	for (i = 0; i < PUSH_NCOLUMNS; i++)
		termPQExpBuffer(&columns[i]);
	termPQExpBuffer(&parents);
	if (opts.json)
		printf("]\n");
	if (opts.dry_run)
		run_simple("push", "ROLLBACK");
	if (!opts.json)
		printf("%s%d added, %d updated, %d unchanged\n", opts.dry_run ? "dry run, nothing registered: " : "",
			   counts[0], counts[1], counts[2]);
}

/* ---- apply and rollback ---- */

/*
 * Run one revision registered with transactional => false: the statements
 * migrate.begin_outside_transaction() returns, each at top level, then
 * migrate.finish_outside_transaction().  On failure, say what was left.
 */
static void
run_outside_transaction(const char *id, bool up)
{
	const char *params[2] = {id, up ? "up" : "down"};
	PGresult   *stmts = run(up ? "apply" : "rollback",
							"SELECT statement FROM migrate.begin_outside_transaction($1, $2)", 2, params);
	int			i;

	fprintf(stderr, "NOTICE:  %s revision \"%s\" outside a transaction, %d statement%s\n",
			up ? "applying" : "rolling back", id, PQntuples(stmts), PQntuples(stmts) == 1 ? "" : "s");
	for (i = 0; i < PQntuples(stmts); i++)
	{
		const char *sql = PQgetvalue(stmts, i, 0);
		PGresult   *res = PQexec(conn, sql);

		if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			char	   *reason = primary_message(res);
			PGresult   *left;
			int			j;

			fputs(PQerrorMessage(conn), stderr);
			PQclear(res);
			PQclear(PQexec(conn, "SELECT migrate.abandon_outside_transaction()"));
			fprintf(stderr, "pgmigrate: revision \"%s\" failed at statement %d of %d: %s\n",
					id, i + 1, PQntuples(stmts), sql);
			if (i > 0)
				fprintf(stderr, "pgmigrate: statements 1 to %d of it ran and stay in effect\n", i);
			left = PQexec(conn, "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid ORDER BY 1");
			for (j = 0; PQresultStatus(left) == PGRES_TUPLES_OK && j < PQntuples(left); j++)
				fprintf(stderr, "pgmigrate: index %s is INVALID: the next run drops and rebuilds it\n",
						PQgetvalue(left, j, 0));
			PQclear(left);
			failed("revision \"%s\" was not %s: %s", id, up ? "applied" : "rolled back", reason);
		}
		PQclear(res);
	}
	PQclear(stmts);
}

static void
finish_outside(const char *id, bool up)
{
	const char *params[2] = {id, up ? "up" : "down"};

	PQclear(run(up ? "apply" : "rollback", "SELECT migrate.finish_outside_transaction($1, $2)", 2, params));
}

/* A monotonic clock, in milliseconds. */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1000000.0;
}

static void
print_step(const char *revision, const char *ms, bool up, bool *first)
{
	if (opts.json)
	{
		printf("%s{\"revision\": ", *first ? "" : ",\n ");
		json_string(revision);
		printf(", \"duration_ms\": %s}", ms ? ms : "null");
	}
	else
		printf("%s %s%s%s%s\n", up ? "applied" : "rolled back", revision,
			   ms ? " (" : "", ms ? ms : "", ms ? " ms)" : "");
	*first = false;
}

/*
 * apply and rollback: the plan in one round trip, then one call for each
 * stretch of revisions that can share a transaction (apply_steps() or
 * rollback_steps() run the first K steps of the plan to the same target,
 * all or nothing, with one snapshot), and the revisions that must run
 * outside a transaction, statement by statement, in between.  A deploy of
 * any number of transactional revisions costs three round trips.  The
 * server's NOTICE for each revision is relayed as it starts; the line for
 * each, with its duration, follows its stretch, and the total comes last.
 */
static void
cmd_migrate(const char *target, bool up)
{
	const char *params[3] = {target, up ? "up" : "down", opts.allow_data_loss ? "true" : "false"};
	const char *what = up ? "apply" : "rollback";
	PGresult   *plan;
	bool		first = true;
	int			done = 0;
	double		started = now_ms();
	int			n;
	int			i;

	connect_db();
	plan = run(what,
			   "SELECT p.revision, s.transactional FROM migrate.plan($1, $2, $3::boolean) p"
			   " JOIN migrate.status() s USING (revision) ORDER BY p.step",
			   3, params);
	n = PQntuples(plan);
	if (opts.json)
		printf("[");
	for (i = 0; i < n;)
	{
		const char *revision = PQgetvalue(plan, i, 0);

		if (PQgetvalue(plan, i, 1)[0] == 't')
		{
			char		steps[16];
			const char *args[3] = {target, steps, opts.allow_data_loss ? "true" : "false"};
			PGresult   *res;
			int			j = i;
			int			r;

			while (j < n && PQgetvalue(plan, j, 1)[0] == 't')
				j++;
			snprintf(steps, sizeof(steps), "%d", j - i);
			res = up ? run(what, "SELECT revision, round(duration_ms::numeric, 3)"
						   " FROM migrate.apply_steps($1, $2::integer)", 2, args)
				: run(what, "SELECT revision, round(duration_ms::numeric, 3)"
					  " FROM migrate.rollback_steps($1, $2::integer, $3::boolean)", 3, args);
			for (r = 0; r < PQntuples(res); r++)
				print_step(PQgetvalue(res, r, 0), PQgetvalue(res, r, 1), up, &first);
			done += PQntuples(res);
			PQclear(res);
			i = j;
			continue;
		}
		{
			double		start = now_ms();
			char		ms[32];

			run_outside_transaction(revision, up);
			finish_outside(revision, up);
			snprintf(ms, sizeof(ms), "%.3f", now_ms() - start);
			print_step(revision, ms, up, &first);
		}
		done++;
		i++;
	}
	if (opts.json)
		printf("]\n");
	else if (n == 0)
		printf("nothing to %s\n", up ? "apply" : "roll back");
	else
		printf("%d revision%s %s in %.3f ms\n", done, done == 1 ? "" : "s",
			   up ? "applied" : "rolled back", now_ms() - started);
	PQclear(plan);
}

/* ---- status and plan ---- */

static void
print_table(PGresult *res)
{
	int			widths[16] = {0};
	int			r;
	int			c;
	int			nf = PQnfields(res) < 16 ? PQnfields(res) : 16;

	for (c = 0; c < nf; c++)
	{
		widths[c] = (int) strlen(PQfname(res, c));
		for (r = 0; r < PQntuples(res); r++)
			if ((int) strlen(PQgetvalue(res, r, c)) > widths[c])
				widths[c] = (int) strlen(PQgetvalue(res, r, c));
	}
	for (c = 0; c < nf; c++)
		printf("%-*s%s", widths[c], PQfname(res, c), c + 1 < nf ? "  " : "\n");
	for (r = 0; r < PQntuples(res); r++)
		for (c = 0; c < nf; c++)
			printf("%-*s%s", widths[c], PQgetvalue(res, r, c), c + 1 < nf ? "  " : "\n");
}

static void
cmd_query(const char *what, const char *sql, int nparams, const char *const *params)
{
	PGresult   *res;

	connect_db();
	res = run(what, sql, nparams, params);
	if (opts.json)
		json_rows(res);
	else
		print_table(res);
	PQclear(res);
}

/* "-3" and "+2" are targets, not options. */
static bool
is_relative_target(const char *arg)
{
	if (arg[0] != '-' && arg[0] != '+')
		return false;
	for (arg++; *arg; arg++)
		if (*arg < '0' || *arg > '9')
			return false;
	return true;
}

/* Long options without a short form: values above any character. */
enum
{
	OPT_DIR = 256,
	OPT_PARENT,
	OPT_DRY_RUN,
	OPT_ALLOW_DATA_LOSS,
	OPT_DOWN,
	OPT_JSON
};

/* A leading ":" makes getopt_long return ':' for a missing value. */
static const char short_options[] = ":d:hV";

static const struct option long_options[] = {
	{"dbname", required_argument, NULL, 'd'},
	{"dir", required_argument, NULL, OPT_DIR},
	{"parent", required_argument, NULL, OPT_PARENT},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"allow-data-loss", no_argument, NULL, OPT_ALLOW_DATA_LOSS},
	{"down", no_argument, NULL, OPT_DOWN},
	{"json", no_argument, NULL, OPT_JSON},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0}
};

/*
 * Is `arg` an option whose value is the next argument ("-d", "--dir", but
 * not "-dVALUE" or "--dir=VALUE")?
 */
static bool
value_follows(const char *arg)
{
	int			i;

	if (arg[0] == '-' && arg[1] != '-' && arg[1] != '\0')
	{
		const char *spec = strchr(short_options + 1, arg[1]);

		return arg[2] == '\0' && spec != NULL && spec[1] == ':';
	}
	if (strncmp(arg, "--", 2) != 0 || strchr(arg, '=') != NULL)
		return false;
	for (i = 0; long_options[i].name; i++)
		if (strcmp(arg + 2, long_options[i].name) == 0)
			return long_options[i].has_arg == required_argument;
	return false;
}

int
main(int argc, char **argv)
{
	const char *positional[2] = {NULL, NULL};	/* a command and its argument */
	int			npositional = 0;
	char	  **options = pg_malloc(sizeof(char *) * (argc + 1));
	int			noptions = 0;
	const char *command;
	const char *arg;
	int			c;
	int			i;

	/*
	 * Options may come before and after the command.  Split them from the
	 * arguments first, so that getopt_long sees only options and their
	 * values, whatever its platform's way of ordering: a relative target
	 * ("-1") is an argument, not an option, and after "--" everything is.
	 */
	options[noptions++] = argv[0];
	for (i = 1; i < argc; i++)
	{
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
		{
			for (i++; i < argc; i++)
			{
				if (npositional == lengthof(positional))
					usage_error("too many arguments, starting with \"%s\"", argv[i]);
				positional[npositional++] = argv[i];
			}
			break;
		}
		if (a[0] == '-' && a[1] != '\0' && !is_relative_target(a))
		{
			options[noptions++] = argv[i];
			if (value_follows(a) && i + 1 < argc)
				options[noptions++] = argv[++i];
			continue;
		}
		if (npositional == lengthof(positional))
			usage_error("too many arguments, starting with \"%s\"", a);
		positional[npositional++] = a;
	}
	options[noptions] = NULL;

	opts.dir = getenv("PGMIGRATE_DIR") ? getenv("PGMIGRATE_DIR") : "migrations";
	opterr = 0;					/* the messages below are ours */
	while ((c = getopt_long(noptions, options, short_options, long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				opts.conninfo = optarg;
				break;
			case OPT_DIR:
				opts.dir = optarg;
				break;
			case OPT_PARENT:
				if (!valid_revision_id(optarg))
					usage_error("invalid revision id \"%s\" for --parent (" PGM_ID_RULE ")", optarg);
				if (opts.nparents == lengthof(opts.parents))
					usage_error("too many --parent options");
				opts.parents[opts.nparents++] = optarg;
				break;
			case OPT_DRY_RUN:
				opts.dry_run = true;
				break;
			case OPT_ALLOW_DATA_LOSS:
				opts.allow_data_loss = true;
				break;
			case OPT_DOWN:
				opts.down = true;
				break;
			case OPT_JSON:
				opts.json = true;
				break;
			case 'h':
				help();
				return 0;
			case 'V':
				printf("pgmigrate %s\n", PGM_VERSION);
				return 0;
			case ':':
				usage_error("option \"%s\" needs a value", options[optind - 1]);
				break;
			default:
				/* -? asks for help, as in PostgreSQL's own programs */
				if (optopt == '?')
				{
					help();
					return 0;
				}
				usage_error("unknown option \"%s\"", options[optind - 1]);
		}
	}
	if (npositional == 0)
		usage_error("no command given");
	command = positional[0];
	arg = positional[1];

	if (strcmp(command, "new") == 0)
	{
		if (arg == NULL)
			usage_error("new needs a NAME");
		cmd_new(arg);
	}
	else if (strcmp(command, "push") == 0)
	{
		if (arg)
			opts.dir = arg;
		cmd_push();
	}
	else if (strcmp(command, "apply") == 0)
		cmd_migrate(arg ? arg : "head", true);
	else if (strcmp(command, "rollback") == 0)
		cmd_migrate(arg ? arg : "-1", false);
	else if (strcmp(command, "status") == 0)
	{
		if (arg)
			usage_error("status takes no argument");
		cmd_query("status",
				  "SELECT revision, applied, to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS') AS applied_at,"
				  " is_head, transactional, irreversible, coalesce(description, '') AS description"
				  " FROM migrate.status()", 0, NULL);
	}
	else if (strcmp(command, "plan") == 0)
	{
		const char *params[3] = {arg ? arg : (opts.down ? "-1" : "head"), opts.down ? "down" : "up",
		opts.allow_data_loss ? "true" : "false"};

		cmd_query("plan", "SELECT step, revision, direction, sql FROM migrate.plan($1, $2, $3::boolean)",
				  3, params);
	}
	else
		usage_error("unknown command \"%s\"", command);

	if (conn)
		PQfinish(conn);
	return 0;
}

/*
 * session.c — what every verb of the client uses: the connection, running
 * SQL, errors with their exit codes, and output as text or JSON.
 *
 * Calls nothing else of the client.
 */
#include "postgres_fe.h"

#include <time.h>

#include "catalog/pg_type_d.h"

#include "client.h"

Options		opts;
PGconn	   *conn;
int			revisions_done;

static PQExpBuffer held_notices;	/* notices held back, or NULL */

/*
 * "pgmigrate: " and the message, on stderr, for both ways out below.  A
 * printf-like function: the compiler checks the callers' formats (and,
 * since 18's port.h declares vfprintf so, insists on being told).
 */
static void pg_attribute_printf(1, 0)
print_reason(const char *fmt, va_list ap)
{
	fprintf(stderr, "pgmigrate: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
}

void
usage_error(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	print_reason(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try \"pgmigrate --help\" for more information.\n");
	exit(EXIT_USAGE);
}

void
failed(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	print_reason(fmt, ap);
	va_end(ap);
	if (conn)
		PQfinish(conn);
	exit(EXIT_FAILED);
}

/* ---- output ---- */

void
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
void
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
	if (held_notices)
		appendPQExpBufferStr(held_notices, message);
	else
		fputs(message, stderr);
}

/*
 * Hold the server's notices back (push: the WARNINGs of files registered
 * in a statement that then fails are about nothing that happened), then
 * print them or drop them.
 */
void
hold_notices(void)
{
	if (held_notices == NULL)
		held_notices = createPQExpBuffer();
}

void
release_notices(bool print)
{
	if (held_notices == NULL)
		return;
	if (print)
		fputs(held_notices->data, stderr);
	destroyPQExpBuffer(held_notices);
	held_notices = NULL;
}

/* Drop the held notices; returns how many of them were WARNINGs. */
int
release_notices_counted(void)
{
	int			warnings = 0;
	const char *p;

	if (held_notices == NULL)
		return 0;
	for (p = held_notices->data; (p = strstr(p, "WARNING:")) != NULL; p++)
		warnings++;
	release_notices(false);
	return warnings;
}

/* ---- the database ---- */

void
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

	if (conn)
		return;					/* one connection per run ("up" pushes, then applies) */

	if (is_conninfo && (parsed = PQconninfoParse(opts.conninfo, &err)) == NULL)
	{
		char	   *nl;

		if (err && (nl = strchr(err, '\n')) != NULL)
			*nl = '\0';
		usage_error("invalid connection string: %s", err ? err : "out of memory");
	}
	if (is_conninfo)
		PQconninfoFree(parsed);
	{
		/*
		 * pgmigrate.progress makes the engine send a NOTICE as each revision
		 * finishes, which the notice processor shows at once: a line per
		 * revision during an apply that is one call.  Set at connection
		 * start (no round trip), after what PGOPTIONS says; a connection
		 * string's own "options" replaces both.
		 */
		const char *pgoptions = getenv("PGOPTIONS");
		char	   *options = psprintf("%s%s-c pgmigrate.progress=on", pgoptions ? pgoptions : "",
									   pgoptions && pgoptions[0] ? " " : "");
		const char *keywords[] = {"options", "fallback_application_name", "dbname", NULL};
		const char *values[] = {options, "pgmigrate", opts.conninfo, NULL};

		conn = PQconnectdbParams(keywords, values, 1);
		free(options);
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

/*
 * A connection of its own to another database (a connection string, URI or
 * database name, as -d takes); `what` names it in the reason on failure.
 */
PGconn *
connect_other(const char *conninfo, const char *what)
{
	const char *keywords[] = {"fallback_application_name", "dbname", NULL};
	const char *values[] = {"pgmigrate", conninfo, NULL};
	PGconn	   *c = PQconnectdbParams(keywords, values, 1);

	if (c == NULL || PQstatus(c) != CONNECTION_OK)
	{
		char	   *copy = pg_strdup(c ? PQerrorMessage(c) : "out of memory");
		char	   *nl;

		if ((nl = strchr(copy, '\n')) != NULL)
			*nl = '\0';
		failed("could not connect to %s: %s", what, copy);
	}
	PQsetNoticeProcessor(c, notice_processor, NULL);
	return c;
}

/* A connection to database `dbname` of the live server, as the live session connects. */
PGconn *
connect_same_server(const char *dbname)
{
	PQconninfoOption *options = PQconninfo(conn);
	PQconninfoOption *o;
	const char **keywords;
	const char **values;
	int			n = 0;
	PGconn	   *c;

	for (o = options; o->keyword; o++)
		n++;
	keywords = pg_malloc0(sizeof(char *) * (n + 2));
	values = pg_malloc0(sizeof(char *) * (n + 2));
	n = 0;
	for (o = options; o->keyword; o++)
	{
		if (o->val == NULL || strcmp(o->keyword, "dbname") == 0 || strcmp(o->keyword, "options") == 0)
			continue;
		keywords[n] = o->keyword;
		values[n++] = o->val;
	}
	keywords[n] = "dbname";
	values[n++] = dbname;
	c = PQconnectdbParams(keywords, values, 0);
	if (c == NULL || PQstatus(c) != CONNECTION_OK)
		failed("could not connect to database \"%s\": %s", dbname, c ? PQerrorMessage(c) : "out of memory");
	PQconninfoFree(options);
	return c;
}

/* The first line of the server's error, for the one-line reason. */
char *
primary_message(PGresult *res)
{
	const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	return pg_strdup(m ? m : PQerrorMessage(conn));
}

/* Roll back the transaction the session is in, if it is in one. */
void
end_transaction(void)
{
	PGTransactionStatusType status = PQtransactionStatus(conn);

	if (status == PQTRANS_INTRANS || status == PQTRANS_INERROR)
		PQclear(PQexec(conn, "ROLLBACK"));
}

/*
 * The server's error in the client's words: its hints name the SQL
 * arguments the client passes for its flags, and a database without
 * pgmigrate says only that schema migrate does not exist.
 */
static char *
client_words(PGconn *c, const PGresult *res)
{
	static const char *const said[][2] = {
		{"pass allow_data_loss => true to migrate.rollback()",
		"pass --allow-data-loss to pgmigrate rollback"},
		{"register the revision with allow_destructive => true",
		"add the header line \"-- migrate:allow-destructive\" to its file, or push with --allow-destructive"},
	};
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	PQExpBufferData buf;
	const char *p = PQerrorMessage(c);
	size_t		i;

	initPQExpBuffer(&buf);
	while (*p)
	{
		for (i = 0; i < lengthof(said); i++)
			if (strncmp(p, said[i][0], strlen(said[i][0])) == 0)
				break;
		if (i < lengthof(said))
		{
			appendPQExpBufferStr(&buf, said[i][1]);
			p += strlen(said[i][0]);
		}
		else
			appendPQExpBufferChar(&buf, *p++);
	}
	if (sqlstate && strcmp(sqlstate, "3F000") == 0 && primary &&
		strcmp(primary, "schema \"migrate\" does not exist") == 0)
		appendPQExpBufferStr(&buf, "HINT:  pgmigrate is not installed in this database: run CREATE EXTENSION pgmigrate; in it, as a superuser (README.md, Quick start).\n");
	return buf.data;
}

/* Print the server's full error on `c`, of `res`, in the client's words. */
void
print_server_error(PGconn *c, const PGresult *res)
{
	fputs(client_words(c, res), stderr);
}

/*
 * Run a statement on connection `c`; on failure print the server's full
 * error, in the client's words, and give up.
 */
PGresult *
run_on(PGconn *c, const char *what, const char *sql, int nparams, const char *const *params)
{
	PGresult   *res = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType status = PQresultStatus(res);

	if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
	{
		const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		char	   *reason = pg_strdup(m ? m : PQerrorMessage(c));

		print_server_error(c, res);
		PQclear(res);
		if (PQtransactionStatus(c) == PQTRANS_INTRANS || PQtransactionStatus(c) == PQTRANS_INERROR)
			PQclear(PQexec(c, "ROLLBACK"));
		failed("%s failed: %s", what, reason);
	}
	return res;
}

/* Run a statement on the session's connection (run_on). */
PGresult *
run(const char *what, const char *sql, int nparams, const char *const *params)
{
	return run_on(conn, what, sql, nparams, params);
}

/*
 * "pgmigrate: note: ..." on stderr, on one line: what could make a note
 * long (the columns that stand in another order, the adds a drop may have
 * become) is summarised where the note is made, so that a command a note
 * suggests can be copied whole.
 */
void
note(const char *fmt,...)
{
	va_list		ap;

	fputs("pgmigrate: note: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
run_simple(const char *what, const char *sql)
{
	PQclear(run(what, sql, 0, NULL));
}

/* ---- tables ---- */

/* The width of the widest line of `s`. */
static int
widest_line(const char *s)
{
	int			widest = 0;

	while (*s)
	{
		int			len = (int) strcspn(s, "\n");

		widest = len > widest ? len : widest;
		s += len;
		if (*s == '\n')
			s++;
	}
	return widest;
}

/*
 * Print a result as an aligned table.  A value of several lines (the SQL
 * plan shows) keeps its column: its further lines are indented to it, as
 * psql does.
 */
void
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
			if (widest_line(PQgetvalue(res, r, c)) > widths[c])
				widths[c] = widest_line(PQgetvalue(res, r, c));
	}
	for (c = 0; c < nf; c++)
		printf("%-*s%s", c + 1 < nf ? widths[c] : 0, PQfname(res, c), c + 1 < nf ? "  " : "\n");
	for (r = 0; r < PQntuples(res); r++)
	{
		const char *rest[16];
		bool		more = true;

		for (c = 0; c < nf; c++)
			rest[c] = PQgetvalue(res, r, c);
		/* one printed line per line of the tallest value */
		while (more)
		{
			more = false;
			for (c = 0; c < nf; c++)
			{
				int			len = (int) strcspn(rest[c], "\n");

				printf("%.*s%*s%s", len, rest[c], c + 1 < nf ? widths[c] - len : 0, "",
					   c + 1 < nf ? "  " : "\n");
				rest[c] += len;
				if (*rest[c] == '\n')
				{
					rest[c]++;
					more = true;
				}
			}
		}
	}
}

void
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

/* A monotonic clock, in milliseconds. */
double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1000000.0;
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

/*
 * One field of every file as an array literal, for a statement that takes
 * all the files at once (unnest of such arrays): push, verify, lint.
 */
char *
files_column(const MigrationFile *files, int n, FileField field)
{
	const char **items = pg_malloc(sizeof(char *) * (n + 1));
	int			i;

	for (i = 0; i < n; i++)
		items[i] = field(&files[i]);
	return text_array_literal(items, n);
}

/* An array literal of `n` strings (NULL: a NULL element), each quoted: "{\"a\",NULL}". */
char *
text_array_literal(const char *const *items, int n)
{
	PQExpBufferData array;
	int			i;

	initPQExpBuffer(&array);
	appendPQExpBufferChar(&array, '{');
	for (i = 0; i < n; i++)
		append_array_element(&array, items[i]);
	appendPQExpBufferChar(&array, '}');
	if (PQExpBufferBroken(&array))
		failed("out of memory");
	return array.data;
}

/* The fields files_column() is given. */
const char *
file_id(const MigrationFile *m)
{
	return m->id;
}

const char *
file_path(const MigrationFile *m)
{
	return m->path;
}

const char *
file_up(const MigrationFile *m)
{
	return m->up;
}

const char *
file_down(const MigrationFile *m)
{
	return m->down;
}

const char *
file_description(const MigrationFile *m)
{
	return m->description;
}

const char *
file_destructive(const MigrationFile *m)
{
	return m->allow_destructive ? "true" : "false";
}

const char *
file_transactional(const MigrationFile *m)
{
	return m->transactional ? "true" : "false";
}

const char *
file_online(const MigrationFile *m)
{
	return m->online ? "true" : "false";
}

const char *
file_up_line(const MigrationFile *m)
{
	return psprintf("%d", m->up_line);
}

/* The parents as a text[] literal; ids are checked, so no quoting is needed. */
const char *
file_parents(const MigrationFile *m)
{
	PQExpBufferData lit;
	int			i;

	initPQExpBuffer(&lit);
	appendPQExpBufferChar(&lit, '{');
	for (i = 0; i < m->nparents; i++)
		appendPQExpBuffer(&lit, "%s%s", i ? "," : "", m->parents[i]);
	appendPQExpBufferChar(&lit, '}');
	if (PQExpBufferBroken(&lit))
		failed("out of memory");
	return lit.data;
}

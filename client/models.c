/*
 * models.c — the desired schema from SQLAlchemy or SQLModel models.
 *
 *   diff NAME --models MODULE:ATTRIBUTE [--python PYTHON]
 *   check --models MODULE:ATTRIBUTE [--python PYTHON]
 *
 * The project's own Python (its virtual environment; python3 by default)
 * imports MODULE from the current directory and takes ATTRIBUTE: a
 * SQLAlchemy MetaData, or anything with one as .metadata (SQLModel, a
 * declarative base).  create_all() runs against a mock engine of the
 * PostgreSQL dialect, which connects nowhere and needs no driver: it hands
 * over each CREATE TYPE, TABLE, INDEX and SEQUENCE as SQL, written here to
 * stdout.  That SQL is what generate.c loads into the scratch database, as
 * it loads --to's file.
 *
 * The program runs without a shell (no quoting of the user's words); what
 * the models print on import goes to stderr, and so does Python's own
 * error, above the one-line reason.
 *
 * Calls session.c.
 */
#include "postgres_fe.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pqexpbuffer.h"

#include "client.h"

/*
 * The Python side: argv[1] is MODULE:ATTRIBUTE (its form checked by the
 * client, generate.c); the SQL on what was stdout (file descriptor 1 then
 * goes to stderr, for whatever the models print), compiled for
 * PostgreSQL's own dialect (no driver's escaping of "%"), the schemas the
 * tables name first; exit 3 with a reason on stderr.
 */
static const char models_script[] =
	"import os, sys\n"
	"out = os.fdopen(os.dup(1), 'w')\n"
	"os.dup2(2, 1)\n"
	"sys.stdout = sys.stderr\n"
	"def fail(msg):\n"
	"    sys.stderr.write('pgmigrate: ' + msg + '\\n')\n"
	"    sys.exit(3)\n"
	"spec = sys.argv[1]\n"
	"name, _, attr = spec.partition(':')\n"
	"sys.path.insert(0, os.getcwd())\n"
	"try:\n"
	"    import sqlalchemy\n"
	"    from sqlalchemy.dialects.postgresql.base import PGDialect\n"
	"except ImportError as e:\n"
	"    fail('%s cannot import SQLAlchemy (%s): name the Python of the project, '\n"
	"         'such as --python .venv/bin/python' % (sys.executable, e))\n"
	"import importlib\n"
	"obj = importlib.import_module(name)\n"
	"for part in attr.split('.'):\n"
	"    if not hasattr(obj, part):\n"
	"        fail('%s has no attribute %r' % (name, part))\n"
	"    obj = getattr(obj, part)\n"
	"md = obj if isinstance(obj, sqlalchemy.MetaData) else getattr(obj, 'metadata', None)\n"
	"if not isinstance(md, sqlalchemy.MetaData):\n"
	"    fail('%s is neither a SQLAlchemy MetaData nor has one as .metadata' % spec)\n"
	"dialect = PGDialect(paramstyle='named')\n"
	"ddl = []\n"
	"def executor(sql, *multiparams, **params):\n"
	"    ddl.append(str(sql.compile(dialect=dialect)).strip())\n"
	"if hasattr(sqlalchemy, 'create_mock_engine'):\n"
	"    engine = sqlalchemy.create_mock_engine('postgresql://', executor)\n"
	"else:\n"
	"    engine = sqlalchemy.create_engine('postgresql://', strategy='mock', executor=executor)\n"
	"md.create_all(engine, checkfirst=False)\n"
	"schemas = {t.schema for t in md.tables.values()}\n"
	"schemas |= {getattr(c.type, 'schema', None) for t in md.tables.values() for c in t.columns}\n"
	"schemas |= {q.schema for q in getattr(md, '_sequences', {}).values()}\n"
	"schemas.discard(None)\n"
	"if md.schema:\n"
	"    schemas.add(md.schema)\n"
	"for schema in sorted(schemas):\n"
	"    out.write('CREATE SCHEMA IF NOT EXISTS %s;\\n\\n' % dialect.identifier_preparer.quote_schema(schema))\n"
	"for statement in ddl:\n"
	"    out.write(statement + ';\\n\\n')\n"
	"out.flush()\n";

/* The Python started by models_begin(), until models_sql() collects it. */
static pid_t models_pid = -1;
static int	models_fd = -1;
static const char *models_program;

/* At exit, however it comes: a Python not collected yet is stopped. */
static void
models_end(void)
{
	if (models_pid > 0)
	{
		kill(models_pid, SIGKILL);
		(void) waitpid(models_pid, NULL, 0);
		models_pid = -1;
	}
}

/*
 * Start the project's Python on the models of `spec` (MODULE:ATTRIBUTE):
 * it imports them while the caller reads the live schema and makes the
 * scratch database.  `python` NULL: python3.
 */
void
models_begin(const char *spec, const char *python)
{
	int			fds[2];

	models_program = python ? python : "python3";
	fflush(stdout);
	fflush(stderr);
	if (pipe(fds) != 0 || (models_pid = fork()) < 0)
		failed("could not run %s: %s", models_program, strerror(errno));
	if (models_pid == 0)
	{
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		close(fds[1]);
		execlp(models_program, models_program, "-c", models_script, spec, (char *) NULL);
		fprintf(stderr, "pgmigrate: could not run \"%s\": %s\n", models_program, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	models_fd = fds[0];
	atexit(models_end);
}

/*
 * The SQL that creates the models of `spec`, as the Python (models_begin(),
 * started here if it was not) writes it; gives up, saying why, when it
 * cannot.
 */
char *
models_sql(const char *spec, const char *python)
{
	int			status;
	PQExpBufferData buf;
	char		chunk[8192];
	ssize_t		n;

	if (models_pid < 0)
		models_begin(spec, python);
	initPQExpBuffer(&buf);
	while ((n = read(models_fd, chunk, sizeof(chunk))) != 0)
	{
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			failed("could not read what %s wrote: %s", models_program, strerror(errno));
		appendBinaryPQExpBuffer(&buf, chunk, n);
	}
	close(models_fd);
	while (waitpid(models_pid, &status, 0) < 0)
		if (errno != EINTR)
			failed("could not wait for %s: %s", models_program, strerror(errno));
	models_pid = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		failed("could not run the Python \"%s\"; name the project's own with --python PATH "
			   "(its virtual environment's, such as .venv/bin/python)", models_program);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		failed("the models of %s could not be read with %s (above); nothing was compared", spec, models_program);
	if (buf.len == 0)
		failed("the models of %s define no table; nothing was compared", spec);
	return buf.data;
}

/*
 * adopt.c — pgmigrate adopt --from TOOL: take over a database another tool
 * migrated, without running anything.
 *
 * The tool's own history table, in the same database, says which of the
 * directory's migrations it applied:
 *
 *   dbmate           schema_migrations(version)            every version
 *   golang-migrate   schema_migrations(version, dirty)     the current version
 *   diesel           __diesel_schema_migrations(version)   every version
 *   flyway           flyway_schema_history                 every version, its
 *                                                          latest row a success
 *   alembic          alembic_version(version_num)          the heads
 *
 * In one transaction, every file is registered (those the tool applied as
 * allowed destructive: they are history, not a change to approve), and
 * exactly the applied ones are stamped (migrate.stamp(), which logs each);
 * nothing of their SQL runs.  A version the table names without a file,
 * or an applied revision whose predecessor was not applied, stops it
 * before anything is written.
 *
 * Calls deploy.c, session.c and files.c.
 */
#include "postgres_fe.h"

#include "client.h"

typedef struct ToolHistory
{
	const char *tool;
	MigrationLayout layout;
	const char *table;
	const char *query;			/* applied versions: version text [, kind text] */
} ToolHistory;

static const ToolHistory tools[] = {
	{"dbmate", LAYOUT_DBMATE, "schema_migrations",
	"SELECT version::text, '' FROM schema_migrations"},
	{"golang-migrate", LAYOUT_GOLANG_MIGRATE, "schema_migrations",
	"SELECT version::text, CASE WHEN dirty THEN 'dirty' ELSE '' END FROM schema_migrations"},
	{"diesel", LAYOUT_DIESEL, "__diesel_schema_migrations",
	"SELECT version::text, '' FROM __diesel_schema_migrations"},
	{"flyway", LAYOUT_FLYWAY, "flyway_schema_history",
		"SELECT version, type FROM ("
		"  SELECT DISTINCT ON (version) version, type, success FROM flyway_schema_history"
		"   WHERE version IS NOT NULL ORDER BY version, installed_rank DESC) h"
	" WHERE success AND type NOT LIKE 'UNDO%'"},
	{"alembic", LAYOUT_PGMIGRATE, "alembic_version",
	"SELECT version_num::text, '' FROM alembic_version"},
};

static const ToolHistory *
find_tool(const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(tools); i++)
		if (strcmp(tools[i].tool, name) == 0)
			return &tools[i];
	usage_error("adopt --from names the tool: dbmate, golang-migrate, diesel, flyway or alembic, not \"%s\"", name);
}

/* Mark the files the tool's row (version, kind) says it applied; false when no file is that version. */
static bool
mark_applied(const ToolHistory *tool, MigrationFile *files, int n, bool *applied,
			 const char *version, const char *kind)
{
	bool		found = false;
	int			i;

	for (i = 0; i < n; i++)
	{
		bool		hit;

		if (strcmp(tool->tool, "golang-migrate") == 0)
			hit = compare_versions(files[i].version, version) <= 0;	/* the current version and before */
		else if (strcmp(tool->tool, "flyway") == 0 && strcmp(kind, "BASELINE") == 0)
			hit = compare_versions(files[i].version, version) <= 0;	/* what the baseline stands for */
		else if (strcmp(tool->tool, "alembic") == 0)
			hit = strcmp(files[i].id, version) == 0;
		else if (strcmp(tool->tool, "flyway") == 0)
			hit = compare_versions(files[i].version, version) == 0;
		else
			hit = strcmp(files[i].version, version) == 0;
		if (hit)
		{
			applied[i] = true;
			found |= strcmp(tool->tool, "golang-migrate") != 0 || compare_versions(files[i].version, version) == 0;
		}
	}
	return found;
}

/* Alembic's table names the heads: everything before them is applied too. */
static void
mark_ancestors(MigrationFile *files, int n, bool *applied)
{
	int			i;
	int			p;

	/* files are in dependency order: children after parents, so go backwards */
	for (i = n - 1; i >= 0; i--)
		if (applied[i])
			for (p = 0; p < files[i].nparents; p++)
			{
				int			k = find_file(files, n, files[i].parents[p]);

				if (k >= 0)
					applied[k] = true;
			}
}

void
cmd_adopt(const char *from)
{
	const ToolHistory *tool = find_tool(from);
	MigrationLayout layout = opts.layout == LAYOUT_AUTO ? tool->layout : opts.layout;
	MigrationFile *files;
	char		error[1024];
	bool	   *applied;
	PGresult   *history;
	PGresult   *res;
	int			n;
	int			i;
	int			nstamped = 0;

	if ((n = load_migrations(opts.dir, &layout, &files, error, sizeof(error))) < 0)
		failed("%s", error);
	applied = pg_malloc0(sizeof(bool) * (n + 1));
	connect_db();

	history = PQexec(conn, tool->query);
	if (PQresultStatus(history) != PGRES_TUPLES_OK)
	{
		print_server_error(conn, history);
		failed("could not read %s's history table %s: %s (was this database migrated by %s?)",
			   tool->tool, tool->table, primary_message(history), tool->tool);
	}
	for (i = 0; i < PQntuples(history); i++)
	{
		const char *version = PQgetvalue(history, i, 0);
		const char *kind = PQgetvalue(history, i, 1);

		if (strcmp(kind, "dirty") == 0)
			failed("golang-migrate's schema_migrations is dirty at version %s: its last migration failed half way "
				   "(fix the schema, then \"migrate force\" the version it is at, and adopt again)", version);
		if (!mark_applied(tool, files, n, applied, version, kind))
			failed("%s's %s names version %s, which no migration in \"%s\" is (%s layout)",
				   tool->tool, tool->table, version, opts.dir, layout_name(layout));
	}
	PQclear(history);
	if (strcmp(tool->tool, "alembic") == 0)
		mark_ancestors(files, n, applied);

	/* stamping a revision stamps everything before it: so must the tool have applied it */
	for (i = 0; i < n; i++)
	{
		int			p;

		for (p = 0; applied[i] && p < files[i].nparents; p++)
		{
			int			k = find_file(files, n, files[i].parents[p]);

			if (k >= 0 && !applied[k])
				failed("%s applied %s but not %s, which comes before it: adopt stamps a revision with everything "
					   "before it (apply or remove %s with %s first)",
					   tool->tool, files[i].id, files[k].id, files[k].id, tool->tool);
		}
		/* what the tool applied is history, not a destructive change to approve */
		if (applied[i])
			files[i].allow_destructive = true;
	}

	run_simple("adopt", "BEGIN");
	/* what the tool has not applied yet is a change: approved only by --allow-destructive */
	if (opts.allow_destructive)
		run_simple("adopt", "SET LOCAL pgmigrate.approve_destructive = on");
	PQclear(register_files(files, n, true));
	for (i = 0; i < n; i++)
	{
		bool		has_applied_child = false;
		int			j;
		int			p;

		if (!applied[i])
			continue;
		nstamped++;
		for (j = 0; j < n && !has_applied_child; j++)
			for (p = 0; applied[j] && p < files[j].nparents; p++)
				has_applied_child |= strcmp(files[j].parents[p], files[i].id) == 0;
		if (!has_applied_child)
		{
			const char *params[1] = {files[i].id};

			PQclear(run("adopt", "SELECT count(*) FROM migrate.stamp($1)", 1, params));
		}
	}
	res = run("adopt", "SELECT count(*) FILTER (WHERE applied), count(*) FILTER (WHERE NOT applied)"
			  " FROM migrate.status()", 0, NULL);
	run_simple("adopt", "COMMIT");
	if (opts.json)
		printf("{\"from\": \"%s\", \"layout\": \"%s\", \"stamped\": %d, \"applied\": %s, \"pending\": %s}\n",
			   tool->tool, layout_name(layout), nstamped, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	else
		printf("adopted from %s: %d of %d migrations stamped as applied, nothing run; %s applied, %s pending\n",
			   tool->tool, nstamped, n, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	PQclear(res);
}

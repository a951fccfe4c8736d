/*
 * deploy.c — the verbs that change a database: new (a file), push, apply,
 * rollback, up, stamp and repair.
 *
 * push registers every file in one statement; apply and rollback run the
 * plan in one call per stretch of revisions that can share a transaction,
 * and the revisions that cannot, statement by statement, in between.
 *
 * Calls online.c, session.c and files.c.
 */
#include "postgres_fe.h"

#include <sys/stat.h>
#include <time.h>

#include "pqexpbuffer.h"

#include "client.h"
#include "files.h"
#include "revisions.h"

/* ---- new ---- */

/*
 * The parents of a new revision: --parent, or the heads of the migrations
 * directory (none when it is empty); -1, with the reason in `error`, when
 * the directory cannot be read.
 */
int
new_revision_parents(char ***heads, char *error, size_t errlen)
{
	MigrationFile *files = NULL;
	MigrationLayout layout = opts.layout;
	int			n;

	if (opts.nparents > 0)
	{
		*heads = (char **) opts.parents;
		return opts.nparents;
	}
	if ((n = load_migrations(opts.dir, &layout, &files, error, errlen)) < 0)
		return -1;
	return migration_heads(files, n, heads);
}

/*
 * Write a new migration file NAME in the migrations directory, its parents
 * the directory's head (or --parent), with `up` and `down` as its sections
 * and the allow-destructive header when asked; returns its path and sets
 * *id_out to its id.
 */
char *
write_migration(const char *name, const char *up, const char *down, bool allow_destructive,
				char **id_out)
{
	char		error[1024];
	char		id[160];
	char		path[4096];
	char	  **heads = NULL;
	int			nheads;
	int			i;
	time_t		now = time(NULL);
	struct stat st;
	FILE	   *f;
	size_t		len;

	if (mkdir(opts.dir, 0777) < 0 && errno != EEXIST)
		failed("could not create directory \"%s\": %s", opts.dir, strerror(errno));
	if ((nheads = new_revision_parents(&heads, error, sizeof(error))) < 0)
		failed("%s", error);

	strftime(id, sizeof(id), "%Y%m%d%H%M%S_", gmtime(&now));
	len = strlen(id);
	for (i = 0; name[i] && len < PGM_ID_MAXLEN; i++)
		id[len++] = pgm_id_character_allowed(name[i]) ? name[i] : '_';
	id[len] = '\0';
	snprintf(path, sizeof(path), "%s/%s.sql", opts.dir, id);
	if (stat(path, &st) == 0)
		failed("\"%s\" exists already", path);

	if (nheads > 1 && opts.nparents == 0)
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
	fprintf(f, "\n-- migrate:description %s\n%s-- migrate:up\n%s\n\n-- migrate:down\n%s\n", name,
			allow_destructive ? "-- migrate:allow-destructive\n" : "", up, down);
	if (fclose(f) != 0)
		failed("could not write \"%s\": %s", path, strerror(errno));
	*id_out = pg_strdup(id);
	return pg_strdup(path);
}

void
cmd_new(const char *name)
{
	char	   *id;
	char	   *path = write_migration(name, "", "", false, &id);

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

/*
 * The arguments of migrate.add(), in its order: for one file, and as
 * columns for all.  `online` only when a file is online: a catalog older
 * than 0.5 has no such argument, and takes every other file as before.
 */
static const FileField push_fields[] = {
	file_id, file_up, file_down, file_parents, file_description, file_destructive, file_transactional,
	file_online
};

#define PUSH_NCOLUMNS lengthof(push_fields)

static int
push_ncolumns(const MigrationFile *files, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (files[i].online)
			return PUSH_NCOLUMNS;
	return PUSH_NCOLUMNS - 1;
}

/*
 * Register one file in the current transaction; on failure print the
 * server's error and return its first line, else NULL.
 */
static char *
push_one(const MigrationFile *m)
{
	const char *params[PUSH_NCOLUMNS];
	PGresult   *res;
	char	   *reason = NULL;
	int			i;

	int			ncolumns = push_ncolumns(m, 1);

	for (i = 0; i < ncolumns; i++)
		params[i] = push_fields[i] (m);
	res = PQexecParams(conn,
					   ncolumns == PUSH_NCOLUMNS ?
					   "SELECT migrate.add($1, $2, $3, $4::text[], $5, $6::boolean, $7::boolean, online => $8::boolean)" :
					   "SELECT migrate.add($1, $2, $3, $4::text[], $5, $6::boolean, $7::boolean)",
					   ncolumns, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		reason = primary_message(res);
		print_server_error(conn, res);
	}
	PQclear(res);
	return reason;
}

/*
 * Register `files` in one statement, whatever their number (one round
 * trip; a statement is all or nothing), in the session's transaction when
 * it is in one.  Returns the rows (id, added|updated|unchanged), in file
 * order.  The server's notices are held until it succeeds (a `history`
 * adopted: counted in a note, as it is stamped, not run).  When it fails,
 * the files are registered again one by one in a transaction that is
 * rolled back, to name the file that fails, and the run gives up.
 */
PGresult *
register_files(MigrationFile *files, int n, bool history)
{
	const char *params[PUSH_NCOLUMNS];
	PGresult   *res;
	int			i;

	int			ncolumns = push_ncolumns(files, n);

	for (i = 0; i < ncolumns; i++)
		params[i] = files_column(files, n, push_fields[i]);

	hold_notices();
	/* migrate.add() runs once per row, in file order: parents before children */
	res = PQexecParams(conn,
					   ncolumns == PUSH_NCOLUMNS ?
					   "SELECT r.id, migrate.add(r.id, r.up, r.down, r.parents::text[], r.description,"
					   " r.destructive, r.transactional, online => r.online)"
					   " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
					   " $6::boolean[], $7::boolean[], $8::boolean[]) WITH ORDINALITY"
					   " AS r(id, up, down, parents, description, destructive, transactional, online, n)"
					   " ORDER BY r.n" :
					   "SELECT r.id, migrate.add(r.id, r.up, r.down, r.parents::text[], r.description,"
					   " r.destructive, r.transactional)"
					   " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
					   " $6::boolean[], $7::boolean[]) WITH ORDINALITY"
					   " AS r(id, up, down, parents, description, destructive, transactional, n)"
					   " ORDER BY r.n",
					   ncolumns, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		char	   *reason = primary_message(res);

		PQclear(res);
		end_transaction();
		release_notices(false);
		/* the slow path, only to say which file (its notices unseen) */
		hold_notices();
		run_simple("push", "BEGIN");
		if (opts.allow_destructive)
			run_simple("push", "SET LOCAL pgmigrate.approve_destructive = on");
		for (i = 0; i < n; i++)
		{
			char	   *file_reason = push_one(&files[i]);

			if (file_reason)
			{
				release_notices(false);
				end_transaction();
				failed("%s: %s", files[i].path, file_reason);
			}
		}
		release_notices(false);
		end_transaction();
		failed("push failed: %s", reason);
	}
	if (history)
	{
		/* a history stamped, not run: its lint findings in one line */
		int			warnings = release_notices_counted();

		if (warnings)
			note("%d lint warning%s on the adopted history, which is stamped, not run (pgmigrate lint %s shows them)",
				 warnings, warnings == 1 ? "" : "s", opts.dir);
	}
	else
		release_notices(true);
	return res;
}

/*
 * push: every file in one round trip (three with --dry-run or
 * --allow-destructive, which need a transaction of their own).
 */
void
cmd_push(void)
{
	MigrationFile *files;
	char		error[1024];
	MigrationLayout layout = opts.layout;
	PGresult   *res;
	int			n;
	int			i;
	int			counts[3] = {0, 0, 0};

	if ((n = load_migrations(opts.dir, &layout, &files, error, sizeof(error))) < 0)
		failed("%s", error);
	connect_db();
	if (opts.dry_run || opts.allow_destructive)
		run_simple("push", "BEGIN");
	if (opts.allow_destructive)
		run_simple("push", "SET LOCAL pgmigrate.approve_destructive = on");
	res = register_files(files, n, false);
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
	if (opts.json)
		printf("]\n");
	if (opts.dry_run)
		run_simple("push", "ROLLBACK");
	else if (opts.allow_destructive)
		run_simple("push", "COMMIT");
	if (!opts.json)
		printf("%s%d added, %d updated, %d unchanged (%s layout)\n", opts.dry_run ? "dry run, nothing registered: " : "",
			   counts[0], counts[1], counts[2], layout_name(layout));
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

			print_server_error(conn, res);
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
void
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

	/*
	 * The plan, without its data-loss check: rollback_steps() makes it
	 * before anything runs.  Only a rollback in several stretches (a
	 * revision among them that runs outside a transaction) needs the whole
	 * plan checked first, by a second call.
	 */
	params[2] = "true";
	connect_db();
	/*
	 * A revision that adds an enum value ends its stretch going up: the value
	 * can be used only after a commit (55P04), and a later revision may use it.
	 */
	/*
	 * An online revision (0.5's catalog has the column) goes up in phases,
	 * each its own call: start, backfill, complete.
	 */
	plan = run(what,
			   "SELECT p.revision, s.transactional,"
			   " p.direction = 'up' AND r.up ~* '\\mALTER\\s+TYPE\\M[^;]*\\mADD\\s+VALUE\\M',"
			   " p.direction = 'up' AND coalesce((to_jsonb(r) ->> 'online')::boolean, false)"
			   " FROM migrate.plan($1, $2, $3::boolean) p"
			   " JOIN migrate.status() s USING (revision)"
			   " JOIN migrate.revisions r ON r.id = p.revision ORDER BY p.step",
			   3, params);
	n = PQntuples(plan);
	if (!up && !opts.allow_data_loss)
	{
		for (i = 0; i < n && PQgetvalue(plan, i, 1)[0] == 't'; i++)
			;
		params[2] = "false";
		if (i < n)
			PQclear(run(what, "SELECT count(*) FROM migrate.plan($1, $2, $3::boolean)", 3, params));
	}
	if (opts.json)
		printf("[");
	for (i = 0; i < n;)
	{
		const char *revision = PQgetvalue(plan, i, 0);

		if (PQgetvalue(plan, i, 3)[0] == 't')
		{
			double		start = now_ms();
			char		ms[32];

			apply_online(revision);
			snprintf(ms, sizeof(ms), "%.3f", now_ms() - start);
			print_step(revision, ms, up, &first);
			done++;
			i++;
			continue;
		}
		if (PQgetvalue(plan, i, 1)[0] == 't')
		{
			char		steps[16];
			const char *args[3] = {target, steps, opts.allow_data_loss ? "true" : "false"};
			PGresult   *res;
			int			j = i;
			int			r;

			while (j < n && PQgetvalue(plan, j, 1)[0] == 't' && PQgetvalue(plan, j, 3)[0] != 't')
				if (PQgetvalue(plan, j++, 2)[0] == 't')
					break;		/* it adds an enum value: commit after it */
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
	revisions_done += done;
	if (opts.json)
		printf("]\n");
	else if (n == 0)
		printf("nothing to %s\n", up ? "apply" : "roll back");
	else
		printf("%d revision%s %s in %.3f ms\n", done, done == 1 ? "" : "s",
			   up ? "applied" : "rolled back", now_ms() - started);
	PQclear(plan);
}

/* stamp TARGET: record revisions as applied (or, going back, unapplied) without running them. */
void
cmd_stamp(const char *target)
{
	const char *params[1] = {target};
	PGresult   *res;
	int			i;

	connect_db();
	res = run("stamp", "SELECT step, revision FROM migrate.stamp($1)", 1, params);
	if (opts.json)
		json_rows(res);
	else
	{
		for (i = 0; i < PQntuples(res); i++)
			printf("stamped %s\n", PQgetvalue(res, i, 1));
		printf("%d revision%s stamped\n", PQntuples(res), PQntuples(res) == 1 ? "" : "s");
	}
	PQclear(res);
}

/*
 * repair ID --down FILE: migrate.repair(), the down SQL of an applied
 * revision replaced by the file's text ("-": standard input).
 */
void
cmd_repair(const char *id, const char *path)
{
	PQExpBufferData down;
	FILE	   *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char		chunk[8192];
	size_t		got;
	const char *params[2];

	if (f == NULL)
		failed("could not read \"%s\": %s", path, strerror(errno));
	initPQExpBuffer(&down);
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		appendBinaryPQExpBuffer(&down, chunk, got);
	if (f != stdin)
		fclose(f);
	if (PQExpBufferBroken(&down))
		failed("out of memory");
	params[0] = id;
	params[1] = down.data;
	connect_db();
	PQclear(run("repair", "SELECT migrate.repair($1, $2)", 2, params));
	if (opts.json)
	{
		printf("{\"repaired\": ");
		json_string(id);
		printf("}\n");
	}
	else
		printf("repaired the down SQL of %s (migrate.log has the old and new checksums)\n", id);
	termPQExpBuffer(&down);
}

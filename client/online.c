/*
 * online.c — the phases of an online revision from the command line:
 * start, backfill (with a progress line), complete and abort, and the three
 * in sequence for apply.
 *
 * The backfill is one CALL migrate.backfill() on the session's connection,
 * which commits after each batch; a second connection reads
 * migrate.online_progress meanwhile and prints a line every
 * PROGRESS_INTERVAL_MS.  Then the indexes the revision builds, with the
 * CREATE INDEX CONCURRENTLY statements migrate.online_statements() gives.  A cancel, a lost connection or a crash loses at
 * most one batch: `pgmigrate backfill ID` goes on from where it stopped.
 *
 * Calls session.c.
 */
#include "postgres_fe.h"

#include <sys/select.h>

#include "client.h"

#define PROGRESS_INTERVAL_MS 2000

/* One phase: SELECT migrate.<function>(id[, force]). */
static void
run_phase(const char *what, const char *sql, const char *id)
{
	const char *params[2] = {id, opts.force ? "true" : "false"};

	PQclear(run(what, sql, strstr(sql, "$2") ? 2 : 1, params));
}

/* The progress line of revision `id`, read on `reader`; NULL when there is none. */
static char *
progress_line(PGconn *reader, const char *id)
{
	const char *params[1] = {id};
	PGresult   *res = PQexecParams(reader,
								   "SELECT phase, rows_done, rows_left, rows_per_second"
								   " FROM migrate.online_progress WHERE revision = $1",
								   1, NULL, params, NULL, NULL, 0);
	char	   *line = NULL;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		line = psprintf("backfill %s: %s rows done, about %s left%s%s%s", id,
						PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
						PQgetisnull(res, 0, 3) ? "" : ", ",
						PQgetisnull(res, 0, 3) ? "" : PQgetvalue(res, 0, 3),
						PQgetisnull(res, 0, 3) ? "" : " rows/s");
	PQclear(res);
	return line;
}

/*
 * Should statement `sql` be sent again after `res`, its `tries`th failure?
 * A foreign key's step (it begins with its own SET LOCAL lock_timeout, and
 * a failure undoes it whole) that waited too long for a lock, or that a
 * deadlock ended, as the application's transactions take the two tables the
 * other way round: as many times as pgmigrate.lock_retries says, after
 * 100 ms, then twice as long each time.
 */
static bool
retry_statement(const char *id, const char *sql, const PGresult *res, int tries)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	int			wait_ms = 100 << Min(tries - 1, 6);
	PGresult   *setting;
	int			retries;

	if (strncmp(sql, "SET LOCAL lock_timeout", 22) != 0 || state == NULL ||
		(strcmp(state, "55P03") != 0 && strcmp(state, "40P01") != 0))
		return false;
	setting = run("backfill", "SELECT pg_catalog.current_setting('pgmigrate.lock_retries')", 0, NULL);
	retries = atoi(PQgetvalue(setting, 0, 0));
	PQclear(setting);
	if (tries > retries)
		return false;
	if (!opts.json)
		fprintf(stderr, "NOTICE:  online revision \"%s\": %s; retrying in %d ms (retry %d of %d)\n", id,
				strcmp(state, "40P01") == 0 ? "a deadlock ended a foreign key's step" :
				"a foreign key's step waited too long for a lock", wait_ms, tries, retries);
	pg_usleep(wait_ms * 1000L);
	return true;
}

/*
 * The statements of a started online revision that no function can run
 * (CREATE INDEX CONCURRENTLY, a foreign key's steps), each at top level,
 * as migrate.online_statements() gives them; false when one is to be
 * retried (*tries: its retries so far): the guard lets each through once,
 * so the list is asked for again, with what is left, that one first.
 */
static bool
run_online_statements_once(const char *id, int *tries)
{
	const char *params[1] = {id};
	PGresult   *stmts = run("backfill", "SELECT statement FROM migrate.online_statements($1)", 1, params);
	int			i;

	for (i = 0; i < PQntuples(stmts); i++)
	{
		const char *sql = PQgetvalue(stmts, i, 0);
		PGresult   *res;

		if (!opts.json)
			fprintf(stderr, "NOTICE:  online revision \"%s\": %s\n", id, sql);
		res = PQexec(conn, sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK && retry_statement(id, sql, res, ++*tries))
		{
			PQclear(res);
			PQclear(stmts);
			return false;
		}
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			print_server_error(conn, res);
			failed("online revision \"%s\" stopped at: %s (run pgmigrate backfill %s again: a failed build is dropped and made again)",
				   id, sql, id);
		}
		PQclear(res);
		/* the next statement has retries of its own */
		*tries = 0;
	}
	PQclear(stmts);
	return true;
}

static void
run_online_statements(const char *id)
{
	int			tries = 0;

	while (!run_online_statements_once(id, &tries))
		;
}

/*
 * CALL migrate.backfill(id) on the session's connection, with a progress
 * line on stderr from a second connection while it runs.
 */
static void
run_backfill(const char *id)
{
	const char *params[1] = {id};
	PGconn	   *reader = connect_same_server(PQdb(conn));
	PGresult   *res;
	PGresult   *failure = NULL;

	if (!PQsendQueryParams(conn, "CALL migrate.backfill($1)", 1, NULL, params, NULL, NULL, 0))
		failed("backfill failed: %s", PQerrorMessage(conn));
	for (;;)
	{
		int			sock = PQsocket(conn);
		fd_set		fds;
		struct timeval timeout = {PROGRESS_INTERVAL_MS / 1000, (PROGRESS_INTERVAL_MS % 1000) * 1000};
		char	   *line;

		FD_ZERO(&fds);
		FD_SET(sock, &fds);
		if (select(sock + 1, &fds, NULL, NULL, &timeout) < 0 && errno != EINTR)
			failed("backfill failed: %s", strerror(errno));
		if (!PQconsumeInput(conn))
			failed("backfill failed: %s", PQerrorMessage(conn));
		if (!PQisBusy(conn))
			break;
		if ((line = progress_line(reader, id)) != NULL && !opts.json)
			fprintf(stderr, "%s\n", line);
	}
	while ((res = PQgetResult(conn)) != NULL)
	{
		if (PQresultStatus(res) != PGRES_COMMAND_OK && failure == NULL)
			failure = res;
		else
			PQclear(res);
	}
	PQfinish(reader);
	if (failure)
	{
		fputs(PQresultErrorMessage(failure), stderr);
		failed("backfill of \"%s\" stopped: %s (what it filled is kept: run pgmigrate backfill %s to go on)",
			   id, primary_message(failure), id);
	}
	run_online_statements(id);
}

/* Is revision `id` started (a row in migrate.online)? */
static bool
is_started(const char *id)
{
	const char *params[1] = {id};
	PGresult   *res = run("online", "SELECT phase FROM migrate.online WHERE revision = $1", 1, params);
	bool		started = PQntuples(res) == 1;

	PQclear(res);
	return started;
}

/*
 * Apply one online revision: start (unless it is started already, by an
 * earlier run that stopped), backfill, complete.
 */
void
apply_online(const char *id)
{
	fprintf(stderr, "NOTICE:  applying online revision \"%s\": start, backfill, complete\n", id);
	if (!is_started(id))
		run_phase("start", "SELECT migrate.start($1)", id);
	run_backfill(id);
	run_phase("complete", "SELECT migrate.complete($1, $2::boolean)", id);
}

/* start, backfill, complete, abort ID */
void
cmd_online(const char *verb, const char *id)
{
	connect_db();
	if (strcmp(verb, "start") == 0)
		run_phase("start", "SELECT migrate.start($1)", id);
	else if (strcmp(verb, "backfill") == 0)
		run_backfill(id);
	else if (strcmp(verb, "complete") == 0)
		run_phase("complete", "SELECT migrate.complete($1, $2::boolean)", id);
	else
		run_phase("abort", "SELECT migrate.abort($1)", id);
	if (opts.json)
	{
		printf("{\"%s\": ", verb);
		json_string(id);
		printf("}\n");
	}
	else
		printf("%s %s\n", strcmp(verb, "start") == 0 ? "started" : strcmp(verb, "backfill") == 0 ? "backfilled" :
			   strcmp(verb, "complete") == 0 ? "completed" : "aborted", id);
}

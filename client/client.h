/*
 * client.h — what the files of the pgmigrate client share, bottom up:
 *
 *   files.c      migration files: reading, parsing, ordering
 *   session.c    the connection, running SQL, errors, output
 *   online.c     start, backfill, complete, abort: online revisions in phases
 *   deploy.c     new, push, apply, rollback, up, stamp, repair
 *   generate.c   diff and check: revisions from a desired schema
 *   alembic.c    import alembic UPGRADE.sql DOWNGRADE.sql
 *   adopt.c      adopt --from TOOL
 *   report.c     status, plan, verify, drift, log, test, lint, graph
 *   fleet.c      one command against many databases (--targets)
 *   pgmigrate.c  options and commands
 *
 * Each file calls only files above it in this list.
 */
#ifndef PGMIGRATE_CLIENT_H
#define PGMIGRATE_CLIENT_H

#include "libpq-fe.h"
#include "pqexpbuffer.h"

#include "compat.h"
#include "files.h"

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
	bool		allow_destructive;	/* push: one approval for every file */
	bool		down;
	bool		strict;			/* lint: warnings fail too */
	const char *format;			/* graph: dot or svg; else the layout */
	MigrationLayout layout;		/* of the migrations directory (--format) */
	const char *parents[64];
	int			nparents;
	const char *targets;		/* fleet: file of connection strings */
	const char *from;			/* adopt: the tool */
	int			jobs;
	int			canary;
	bool		keep_going;
	bool		force;			/* complete: even while the old version is in use */
	const char *to_file;		/* diff, check: the desired schema as SQL */
	const char *to_db;			/* diff, check: a database holding it */
	const char *dev_db;			/* diff, check: a scratch database */
	const char *models;			/* diff, check: MODULE:ATTRIBUTE of SQLAlchemy models */
	const char *python;			/* diff, check: the Python that imports them */
	bool		include_tool_tables;	/* diff, check: compare alembic_version & co. */
	bool		drop_extensions;	/* diff, check: extensions the desired schema lacks */
	const char *defaults[64];	/* diff: schema.table.column=EXPR for NOT NULL columns */
	int			ndefaults;
	const char *renames[64];	/* diff: schema.table[.column]=new_name */
	int			nrenames;
} Options;

/* ---- session.c ---- */

extern Options opts;
extern PGconn *conn;
extern int	revisions_done;	/* applied or rolled back by this run */

extern PGM_NORETURN void usage_error(const char *fmt,...) pg_attribute_printf(1, 2);
extern PGM_NORETURN void failed(const char *fmt,...) pg_attribute_printf(1, 2);
extern void json_string(const char *s);
extern void json_rows(PGresult *res);
extern void print_table(PGresult *res);
extern void connect_db(void);
extern char *primary_message(PGresult *res);
extern void print_server_error(PGconn *c, const PGresult *res);
extern PGresult *run(const char *what, const char *sql, int nparams, const char *const *params);
extern PGresult *run_on(PGconn *c, const char *what, const char *sql, int nparams, const char *const *params);
extern PGconn *connect_other(const char *conninfo, const char *what);
extern PGconn *connect_same_server(const char *dbname);
extern void run_simple(const char *what, const char *sql);
extern char *text_array_literal(const char *const *items, int n);
extern void note(const char *fmt,...) pg_attribute_printf(1, 2);
extern void end_transaction(void);
extern void hold_notices(void);
extern void release_notices(bool print);
extern int	release_notices_counted(void);
extern void cmd_query(const char *what, const char *sql, int nparams, const char *const *params);
extern double now_ms(void);
typedef const char *(*FileField) (const MigrationFile *m);
extern char *files_column(const MigrationFile *files, int n, FileField field);
extern const char *file_id(const MigrationFile *m);
extern const char *file_path(const MigrationFile *m);
extern const char *file_up(const MigrationFile *m);
extern const char *file_down(const MigrationFile *m);
extern const char *file_description(const MigrationFile *m);
extern const char *file_parents(const MigrationFile *m);
extern const char *file_destructive(const MigrationFile *m);
extern const char *file_transactional(const MigrationFile *m);
extern const char *file_online(const MigrationFile *m);
extern const char *file_up_line(const MigrationFile *m);

/* ---- online.c ---- */

extern void apply_online(const char *id);
extern void cmd_online(const char *verb, const char *id);

/* ---- deploy.c ---- */

extern int	new_revision_parents(char ***heads, char *error, size_t errlen);
extern char *write_migration(const char *name, const char *up, const char *down,
							 bool allow_destructive, char **id_out);
extern void cmd_new(const char *name);
extern void cmd_push(void);
extern void cmd_migrate(const char *target, bool up);
extern void cmd_stamp(const char *target);
extern void cmd_repair(const char *id, const char *path);
extern PGresult *register_files(MigrationFile *files, int n, bool history);

/* ---- generate.c ---- */

extern int	cmd_diff(const char *name);
extern int	cmd_check(void);

/* ---- livedata.c ---- */

extern int	check_live_rows(const char *live, const char *desired, char **stage, char **fills, int *filled);

/* ---- models.c ---- */

extern void models_begin(const char *spec, const char *python);
extern char *models_sql(const char *spec, const char *python);

/* ---- alembic.c ---- */

extern void cmd_import_alembic(const char *upgrade_path, const char *downgrade_path);

/* ---- adopt.c ---- */

extern void cmd_adopt(const char *from);

/* ---- report.c ---- */

extern int	cmd_status(void);
extern int	cmd_plan(const char *target);
extern int	cmd_verify(void);
extern int	cmd_drift(void);
extern int	cmd_log(const char *limit);
extern int	cmd_test(const char *target);
extern int	cmd_lint(int npaths, const char *const *paths);
extern int	cmd_graph(void);

/* ---- fleet.c ---- */

extern int	run_fleet(const char *self, int nargs, char **args);

#endif

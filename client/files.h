/*
 * files.h — migration files: one revision per file, plain SQL with
 * "-- migrate:" directives.
 */
#ifndef PGMIGRATE_FILES_H
#define PGMIGRATE_FILES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct MigrationFile
{
	char	   *path;
	char	   *id;				/* the file name without ".sql" */
	char	  **parents;
	int			nparents;
	bool		explicit_parents;	/* a "-- migrate:parents" line */
	char	   *description;	/* NULL when none */
	bool		allow_destructive;
	bool		transactional;
	char	   *up;
	int			up_line;		/* the file's line where the up SQL starts */
	char	   *down;			/* NULL: none given (derived or irreversible) */
} MigrationFile;

/*
 * Read every *.sql file of `dir`, in dependency order (parents first, ties
 * by file name).  A file without a parents line follows the file before it
 * in name order, as dbmate's files do.  Returns the number of files, or -1
 * with a one-line reason in `error` (of `errlen` bytes).
 */
extern int	load_migrations(const char *dir, MigrationFile **files, char *error, size_t errlen);

/* The files no other file names as a parent, in name order. */
extern int	migration_heads(MigrationFile *files, int n, char ***heads);

extern bool valid_revision_id(const char *id);

#endif

/*
 * files.h — migration files: one revision per file, plain SQL with
 * "-- migrate:" directives.
 */
#ifndef PGMIGRATE_FILES_H
#define PGMIGRATE_FILES_H

#include <stdbool.h>
#include <stddef.h>

/* Where a directory of migrations comes from: each tool lays its files out its own way. */
typedef enum MigrationLayout
{
	LAYOUT_AUTO,				/* detected from the directory */
	LAYOUT_PGMIGRATE,			/* NAME.sql with -- migrate: markers and headers */
	LAYOUT_DBMATE,				/* the same markers, no headers */
	LAYOUT_GOLANG_MIGRATE,		/* NNN_name.up.sql and NNN_name.down.sql */
	LAYOUT_DIESEL,				/* NAME/up.sql and NAME/down.sql */
	LAYOUT_FLYWAY				/* V<version>__<name>.sql, U<version>__<name>.sql */
} MigrationLayout;

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
	bool		online;			/* "-- migrate:online": runs in phases */
	char	   *up;
	int			up_line;		/* the file's line where the up SQL starts */
	char	   *down;			/* NULL: none given (derived or irreversible);
								 * "": nothing to undo */
	char	   *version;		/* the tool's own key for it (adopt) */
	bool		empty_down;		/* a down section that is there and blank */
	bool		pgmigrate_headers;	/* parents, description, ... lines */
} MigrationFile;

/*
 * Read every migration of `dir` in `*layout` (LAYOUT_AUTO: detected, and
 * set), in dependency order (parents first, ties by id).  A file without a
 * parents line follows the one before it in version order, as the other
 * tools' files do.  Returns the number of files, or -1 with a one-line
 * reason in `error` (of `errlen` bytes).
 */
extern int	load_migrations(const char *dir, MigrationLayout *layout, MigrationFile **files,
							char *error, size_t errlen);
extern const char *layout_name(MigrationLayout layout);

/* Versions compared as people number them: digit runs by value ("9" < "10"). */
extern int	compare_versions(const char *a, const char *b);
extern bool layout_from_name(const char *name, MigrationLayout *layout);

/* Index of the file whose id is `id`, or -1. */
extern int	find_file(MigrationFile *files, int n, const char *id);

/* The files no other file names as a parent, in name order. */
extern int	migration_heads(MigrationFile *files, int n, char ***heads);

extern bool valid_revision_id(const char *id);

#endif

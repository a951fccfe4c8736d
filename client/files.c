/*
 * files.c — reading a directory of migration files.
 *
 * A file holds one revision:
 *
 *     -- migrate:parents 20261101120000_users        (optional)
 *     -- migrate:description add the orders table   (optional)
 *     -- migrate:allow-destructive                  (optional)
 *     -- migrate:no-transaction                     (optional)
 *     -- migrate:online                             (optional)
 *     -- migrate:up
 *     CREATE TABLE orders (...);
 *     -- migrate:down
 *     DROP TABLE orders;
 *
 * The markers are dbmate's, so a dbmate directory can be pushed as it is
 * (dbmate's "-- migrate:up transaction:false" is understood too).  The id
 * is the file name without ".sql".  A down section that is missing or
 * empty means "no down SQL": the extension derives one or marks the
 * revision irreversible.
 *
 * Which file names are revision ids, and the order files are pushed in, are
 * the extension's own rule and order (common/revisions.c).
 */
#include "postgres_fe.h"

#include <ctype.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "revisions.h"

static int	fail(char *error, size_t errlen, const char *fmt,...) __attribute__((format(printf, 3, 4)));

static int
fail(char *error, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(error, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static char *
read_file(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;
	long		size;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
	{
		fclose(f);
		return NULL;
	}
	buf = pg_malloc((size_t) size + 1);
	if (fread(buf, 1, (size_t) size, f) != (size_t) size)
	{
		fclose(f);
		pg_free(buf);
		return NULL;
	}
	fclose(f);
	buf[size] = '\0';
	return buf;
}

/* Is the text only blanks? */
static bool
blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char) *s))
			return false;
	return true;
}

static void
add_parent(MigrationFile *m, const char *id, size_t len)
{
	m->parents = pg_realloc(m->parents, sizeof(char *) * (m->nparents + 1));
	m->parents[m->nparents++] = pnstrdup(id, len);
}

/* Parse the text of one file into `m`.  Returns -1 with a reason. */
static int
parse_migration(MigrationFile *m, char *text, char *error, size_t errlen)
{
	enum
	{
		HEADER, UP, DOWN
	}			section = HEADER;
	char	   *up_start = NULL;
	char	   *up_end = NULL;
	char	   *down_start = NULL;
	char	   *line = text;
	int			lineno = 0;

	m->transactional = true;
	while (*line)
	{
		char	   *eol = strchr(line, '\n');
		char	   *next = eol ? eol + 1 : line + strlen(line);
		char	   *p = line;
		size_t		len;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "-- migrate:", 11) == 0)
		{
			char	   *word = p + 11;
			char	   *arg;
			char	   *end = eol ? eol : line + strlen(line);

			while (end > word && isspace((unsigned char) end[-1]))
				end--;
			for (arg = word; arg < end && !isspace((unsigned char) *arg); arg++)
				;
			len = arg - word;
			while (arg < end && isspace((unsigned char) *arg))
				arg++;

			if (len == 2 && strncmp(word, "up", 2) == 0)
			{
				if (section != HEADER)
					return fail(error, errlen, "%s:%d: a second \"-- migrate:up\"", m->path, lineno);
				if (arg < end && strncmp(arg, "transaction:false", end - arg) == 0)
					m->transactional = false;
				else if (arg < end)
					return fail(error, errlen, "%s:%d: unknown option \"%.*s\"", m->path, lineno, (int) (end - arg), arg);
				section = UP;
				up_start = next;
				m->up_line = lineno + 1;
			}
			else if (len == 4 && strncmp(word, "down", 4) == 0)
			{
				if (section != UP)
					return fail(error, errlen, "%s:%d: \"-- migrate:down\" must follow \"-- migrate:up\"", m->path, lineno);
				section = DOWN;
				up_end = line;
				down_start = next;
			}
			else if (section != HEADER)
				return fail(error, errlen, "%s:%d: \"-- migrate:%.*s\" belongs before \"-- migrate:up\"",
							m->path, lineno, (int) len, word);
			else if (len == 7 && strncmp(word, "parents", 7) == 0)
			{
				m->explicit_parents = true;
				m->pgmigrate_headers = true;
				while (arg < end)
				{
					char	   *id_end = arg;

					while (id_end < end && !isspace((unsigned char) *id_end) && *id_end != ',')
						id_end++;
					if (id_end > arg)
						add_parent(m, arg, id_end - arg);
					arg = id_end;
					while (arg < end && (isspace((unsigned char) *arg) || *arg == ','))
						arg++;
				}
			}
			else if (len == 11 && strncmp(word, "description", 11) == 0)
			{
				m->description = pnstrdup(arg, end - arg);
				m->pgmigrate_headers = true;
			}
			else if (len == 17 && strncmp(word, "allow-destructive", 17) == 0)
				m->allow_destructive = m->pgmigrate_headers = true;
			else if (len == 14 && strncmp(word, "no-transaction", 14) == 0)
			{
				m->transactional = false;
				m->pgmigrate_headers = true;
			}
			else if (len == 6 && strncmp(word, "online", 6) == 0)
				m->online = m->pgmigrate_headers = true;
			else
				return fail(error, errlen, "%s:%d: unknown directive \"-- migrate:%.*s\"", m->path, lineno, (int) len, word);
		}
		line = next;
	}
	if (section == HEADER)
		return fail(error, errlen, "%s: no \"-- migrate:up\" section", m->path);
	if (up_end == NULL)
		up_end = text + strlen(text);
	m->up = pnstrdup(up_start, up_end - up_start);
	if (down_start && !blank(down_start))
		m->down = pg_strdup(down_start);
	m->empty_down = down_start != NULL && m->down == NULL;
	return 0;
}

static int
compare_ids(const void *a, const void *b)
{
	return strcmp(((const MigrationFile *) a)->id, ((const MigrationFile *) b)->id);
}

int
find_file(MigrationFile *files, int n, const char *id)
{
	int			i;

	for (i = 0; i < n; i++)
		if (strcmp(files[i].id, id) == 0)
			return i;
	return -1;
}

/*
 * Order files parents first, ready siblings by id: the order the extension
 * applies them in.  Parents that are not files of the directory (revisions
 * registered before) do not hold a file back.
 */
static int
order_files(MigrationFile *files, int n, char *error, size_t errlen)
{
	PgmOrderNode *nodes = pg_malloc0(sizeof(PgmOrderNode) * n);
	int		   *order = pg_malloc(sizeof(int) * n);
	MigrationFile *sorted;
	int			placed;
	int			i;
	int			j;

	for (i = 0; i < n; i++)
	{
		int		   *parents = pg_malloc(sizeof(int) * (files[i].nparents + 1));

		for (j = 0; j < files[i].nparents; j++)
			parents[j] = find_file(files, n, files[i].parents[j]);
		nodes[i].id = files[i].id;
		nodes[i].nparents = files[i].nparents;
		nodes[i].parents = parents;
	}
	placed = pgm_topological_order(nodes, n, order);
	if (placed < n)
	{
		bool	   *done = pg_malloc0(sizeof(bool) * n);

		for (i = 0; i < placed; i++)
			done[order[i]] = true;
		for (i = 0; done[i]; i++)
			;
		return fail(error, errlen, "the parents of the files in the directory form a cycle (%s is on it or after it)",
					files[i].path);
	}
	sorted = pg_malloc(sizeof(MigrationFile) * n);
	for (i = 0; i < n; i++)
		sorted[i] = files[order[i]];
	for (i = 0; i < n; i++)
		files[i] = sorted[i];
	for (i = 0; i < n; i++)
		pg_free((void *) nodes[i].parents);
	pg_free(nodes);
	pg_free(order);
	pg_free(sorted);
	return 0;
}

/* ---- layouts ---- */

static const char *const layout_names[] = {
	[LAYOUT_AUTO] = "auto",
	[LAYOUT_PGMIGRATE] = "pgmigrate",
	[LAYOUT_DBMATE] = "dbmate",
	[LAYOUT_GOLANG_MIGRATE] = "golang-migrate",
	[LAYOUT_DIESEL] = "diesel",
	[LAYOUT_FLYWAY] = "flyway",
};

const char *
layout_name(MigrationLayout layout)
{
	return layout_names[layout];
}

bool
layout_from_name(const char *name, MigrationLayout *layout)
{
	int			i;

	for (i = 0; i < (int) lengthof(layout_names); i++)
		if (strcmp(layout_names[i], name) == 0)
		{
			*layout = (MigrationLayout) i;
			return true;
		}
	return false;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t		n = strlen(s);
	size_t		k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool
is_directory(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Flyway's versioned (V) and undo (U) file names: V1.2__add_users.sql. */
static bool
flyway_name(const char *name, char prefix, size_t *version_len)
{
	const char *sep;

	if (name[0] != prefix || !isdigit((unsigned char) name[1]) || !ends_with(name, ".sql") ||
		(sep = strstr(name, "__")) == NULL)
		return false;
	*version_len = sep - name - 1;
	return true;
}

/* The layout a directory's names say; pgmigrate (or dbmate) when none does. */
static MigrationLayout
detect_layout(const char *dir, char **names, int nnames)
{
	int			i;
	size_t		len;

	for (i = 0; i < nnames; i++)
	{
		char	   *path = psprintf("%s/%s/up.sql", dir, names[i]);
		bool		diesel = access(path, R_OK) == 0;

		pg_free(path);
		if (diesel)
			return LAYOUT_DIESEL;
		if (ends_with(names[i], ".up.sql"))
			return LAYOUT_GOLANG_MIGRATE;
		if (flyway_name(names[i], 'V', &len))
			return LAYOUT_FLYWAY;
	}
	return LAYOUT_PGMIGRATE;	/* dbmate told apart after reading the files */
}

/* Compare versions as people number them: digit runs by value ("9" < "10"). */
int
compare_versions(const char *a, const char *b)
{
	while (*a && *b)
	{
		if (isdigit((unsigned char) *a) && isdigit((unsigned char) *b))
		{
			const char *a0 = a;
			const char *b0 = b;
			int			c;

			while (*a0 == '0' && isdigit((unsigned char) a0[1]))
				a0++;
			while (*b0 == '0' && isdigit((unsigned char) b0[1]))
				b0++;
			for (a = a0; isdigit((unsigned char) *a); a++)
				;
			for (b = b0; isdigit((unsigned char) *b); b++)
				;
			if (a - a0 != b - b0)
				return (a - a0) < (b - b0) ? -1 : 1;
			if ((c = strncmp(a0, b0, a - a0)) != 0)
				return c;
			continue;
		}
		if (*a != *b)
			return (unsigned char) *a < (unsigned char) *b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int
compare_by_version(const void *a, const void *b)
{
	const MigrationFile *x = (const MigrationFile *) a;
	const MigrationFile *y = (const MigrationFile *) b;
	int			c = compare_versions(x->version, y->version);

	return c != 0 ? c : strcmp(x->id, y->id);
}

/* A file's text, "" when it is only blanks; NULL when it is not there. */
static char *
optional_text(const char *path, bool *missing)
{
	char	   *text;

	*missing = access(path, F_OK) != 0;
	if (*missing)
		return NULL;
	if ((text = read_file(path)) == NULL)
		return NULL;
	if (blank(text))
		text[0] = '\0';
	return text;
}

/* Does a small key = value file (diesel's metadata.toml, flyway's .sql.conf) set key to false? */
static bool
setting_is_false(const char *path, const char *key)
{
	char	   *text = read_file(path);
	char	   *p;
	bool		result = false;

	if (text == NULL)
		return false;
	for (p = strstr(text, key); p && !result; p = strstr(p + 1, key))
	{
		char	   *q = p + strlen(key);

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q++ != '=')
			continue;
		while (*q == ' ' || *q == '\t' || *q == '"')
			q++;
		result = strncmp(q, "false", 5) == 0;
	}
	pg_free(text);
	return result;
}

/*
 * One revision of a layout whose files hold plain SQL: the up from
 * `up_path`, the down from `down_path` (a down file that is there and
 * empty means "nothing to undo": an empty down, not a missing one).
 */
static int
plain_revision(MigrationFile *m, const char *id, const char *version, const char *up_path,
			   const char *down_path, char *error, size_t errlen)
{
	bool		missing;

	memset(m, 0, sizeof(*m));
	m->path = pg_strdup(up_path);
	m->id = pg_strdup(id);
	m->version = pg_strdup(version);
	m->transactional = true;
	m->up_line = 1;
	if (!valid_revision_id(m->id))
		return fail(error, errlen, "%s: \"%s\" is not a valid revision id (" PGM_ID_RULE ")", m->path, m->id);
	if ((m->up = read_file(up_path)) == NULL)
		return fail(error, errlen, "could not read \"%s\": %s", up_path, strerror(errno));
	if (down_path)
	{
		m->down = optional_text(down_path, &missing);
		if (m->down == NULL && !missing)
			return fail(error, errlen, "could not read \"%s\": %s", down_path, strerror(errno));
	}
	return 0;
}

/* The digits of a name's leading version ("2017-01-01-000000_x" gives 20170101000000). */
static char *
leading_digits(const char *name)
{
	char	   *digits = pg_malloc(strlen(name) + 1);
	int			n = 0;

	for (; *name && *name != '_'; name++)
		if (isdigit((unsigned char) *name))
			digits[n++] = *name;
	digits[n] = '\0';
	return digits;
}

static int
read_layout_file(const char *dir, const char *name, MigrationLayout layout, MigrationFile *m,
				 bool *skip, char *error, size_t errlen)
{
	size_t		len = strlen(name);
	size_t		vlen;

	*skip = false;
	switch (layout)
	{
		case LAYOUT_GOLANG_MIGRATE:
			{
				char	   *id;

				if (ends_with(name, ".down.sql"))
				{
					char	   *up = psprintf("%s/%.*s.up.sql", dir, (int) (len - 9), name);

					*skip = true;
					if (access(up, F_OK) != 0)
						return fail(error, errlen, "%s/%s: a down file without its up file", dir, name);
					return 0;
				}
				if (!ends_with(name, ".up.sql"))
				{
					*skip = true;
					return 0;
				}
				id = pnstrdup(name, len - 7);
				return plain_revision(m, id, leading_digits(id), psprintf("%s/%s", dir, name),
									  psprintf("%s/%s.down.sql", dir, id), error, errlen);
			}
		case LAYOUT_DIESEL:
			{
				char	   *up = psprintf("%s/%s/up.sql", dir, name);
				char	   *id = pg_strdup(name);
				char	   *c;

				if (name[0] == '.' || access(up, F_OK) != 0)
				{
					*skip = true;
					return 0;
				}
				/* diesel allows any directory name: what an id cannot hold becomes "_" */
				for (c = id; *c; c++)
					if (!pgm_id_character_allowed(*c))
						*c = '_';
				if (plain_revision(m, id, leading_digits(name), up,
								   psprintf("%s/%s/down.sql", dir, name), error, errlen) < 0)
					return -1;
				if (setting_is_false(psprintf("%s/%s/metadata.toml", dir, name), "run_in_transaction"))
					m->transactional = false;
				return 0;
			}
		case LAYOUT_FLYWAY:
			{
				char	   *undo;
				char	   *version;
				size_t		i;

				if (name[0] == 'R' && strncmp(name, "R__", 3) == 0 && ends_with(name, ".sql"))
					return fail(error, errlen, "%s/%s: Flyway's repeatable migrations (R__) are not revisions; "
								"give each change a versioned file", dir, name);
				if (!flyway_name(name, 'V', &vlen))
				{
					*skip = true;	/* undo files are read with their V file */
					return 0;
				}
				version = pnstrdup(name + 1, vlen);
				for (i = 0; i < vlen; i++)
					if (version[i] == '_')
						version[i] = '.';	/* Flyway: V1_1 is version 1.1 */
				undo = psprintf("%s/U%s", dir, name + 1);
				if (plain_revision(m, pnstrdup(name, len - 4), version, psprintf("%s/%s", dir, name),
								   undo, error, errlen) < 0)
					return -1;
				if (m->down && m->down[0] == '\0')
					m->down = NULL;		/* Flyway has no empty undo: an empty file is none */
				if (setting_is_false(psprintf("%s/%s.conf", dir, name), "executeInTransaction"))
					m->transactional = false;
				return 0;
			}
		default:
			{
				char	   *text;

				if (len <= 4 || !ends_with(name, ".sql") || name[0] == '.')
				{
					*skip = true;
					return 0;
				}
				memset(m, 0, sizeof(*m));
				m->path = psprintf("%s/%s", dir, name);
				m->id = pnstrdup(name, len - 4);
				m->version = leading_digits(m->id);
				if (!valid_revision_id(m->id))
					return fail(error, errlen, "%s: \"%s\" is not a valid revision id (" PGM_ID_RULE ")",
								m->path, m->id);
				if ((text = read_file(m->path)) == NULL)
					return fail(error, errlen, "could not read \"%s\": %s", m->path, strerror(errno));
				if (parse_migration(m, text, error, errlen) < 0)
					return -1;
				pg_free(text);
				return 0;
			}
	}
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

int
load_migrations(const char *dir, MigrationLayout *layout, MigrationFile **out, char *error, size_t errlen)
{
	DIR		   *d = opendir(dir);
	struct dirent *entry;
	char	  **names = NULL;
	MigrationFile *files = NULL;
	int			nnames = 0;
	int			n = 0;
	bool		any_pgmigrate_header = false;
	int			i;

	if (d == NULL || !is_directory(dir))
	{
		if (d)
			closedir(d);
		return fail(error, errlen, "could not open directory \"%s\": %s", dir, strerror(errno));
	}
	while ((entry = readdir(d)) != NULL)
	{
		if (entry->d_name[0] == '.')
			continue;
		names = pg_realloc(names, sizeof(char *) * (nnames + 1));
		names[nnames++] = pg_strdup(entry->d_name);
	}
	closedir(d);
	if (nnames > 1)
		qsort(names, nnames, sizeof(char *), compare_names);
	if (*layout == LAYOUT_AUTO)
		*layout = detect_layout(dir, names, nnames);

	for (i = 0; i < nnames; i++)
	{
		bool		skip;

		files = pg_realloc(files, sizeof(MigrationFile) * (n + 1));
		if (read_layout_file(dir, names[i], *layout, &files[n], &skip, error, errlen) < 0)
			return -1;
		if (skip)
			continue;
		any_pgmigrate_header |= files[n].pgmigrate_headers;
		n++;
	}
	if (n == 0)
	{
		*out = NULL;
		return 0;
	}

	/*
	 * Files with dbmate's markers and none of pgmigrate's own headers are a
	 * dbmate directory, where a down section that is there and empty means
	 * "nothing to undo"; in pgmigrate's files it means "derive the down".
	 */
	if (*layout == LAYOUT_PGMIGRATE && !any_pgmigrate_header)
		*layout = LAYOUT_DBMATE;
	if (*layout == LAYOUT_DBMATE)
		for (i = 0; i < n; i++)
			if (files[i].empty_down)
				files[i].down = pg_strdup("");

	/*
	 * Files without parents follow the one before them, in version order:
	 * diesel's version is the digits of the name's prefix, so that
	 * 20170101000000_x and 2017-06-01-000000_y sort as diesel sorts them.
	 */
	qsort(files, n, sizeof(MigrationFile),
		  *layout == LAYOUT_GOLANG_MIGRATE || *layout == LAYOUT_FLYWAY || *layout == LAYOUT_DIESEL ?
		  compare_by_version : compare_ids);
	for (i = 0; i < n; i++)
		if (!files[i].explicit_parents && i > 0)
			add_parent(&files[i], files[i - 1].id, strlen(files[i - 1].id));
	if (order_files(files, n, error, errlen) < 0)
		return -1;
	*out = files;
	return n;
}

int
migration_heads(MigrationFile *files, int n, char ***heads)
{
	int			count = 0;
	int			i;

	*heads = pg_malloc(sizeof(char *) * (n ? n : 1));
	for (i = 0; i < n; i++)
	{
		bool		is_parent = false;
		int			j;
		int			k;

		for (j = 0; j < n && !is_parent; j++)
			for (k = 0; k < files[j].nparents; k++)
				if (strcmp(files[j].parents[k], files[i].id) == 0)
					is_parent = true;
		if (!is_parent)
			(*heads)[count++] = files[i].id;
	}
	return count;
}

bool
valid_revision_id(const char *id)
{
	size_t		position;

	return pgm_id_problem(id, &position) == PGM_ID_OK;
}

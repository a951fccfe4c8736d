/*
 * files.c — reading a directory of migration files.
 *
 * A file holds one revision:
 *
 *     -- migrate:parents 20261101120000_users        (optional)
 *     -- migrate:description add the orders table   (optional)
 *     -- migrate:allow-destructive                  (optional)
 *     -- migrate:no-transaction                     (optional)
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
				m->description = pnstrdup(arg, end - arg);
			else if (len == 17 && strncmp(word, "allow-destructive", 17) == 0)
				m->allow_destructive = true;
			else if (len == 14 && strncmp(word, "no-transaction", 14) == 0)
				m->transactional = false;
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
	return 0;
}

static int
compare_ids(const void *a, const void *b)
{
	return strcmp(((const MigrationFile *) a)->id, ((const MigrationFile *) b)->id);
}

static int
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

int
load_migrations(const char *dir, MigrationFile **out, char *error, size_t errlen)
{
	DIR		   *d = opendir(dir);
	struct dirent *entry;
	MigrationFile *files = NULL;
	int			n = 0;
	int			i;

	if (d == NULL)
		return fail(error, errlen, "could not open directory \"%s\": %s", dir, strerror(errno));
	while ((entry = readdir(d)) != NULL)
	{
		size_t		len = strlen(entry->d_name);
		MigrationFile *m;
		char	   *text;

		if (len <= 4 || strcmp(entry->d_name + len - 4, ".sql") != 0 || entry->d_name[0] == '.')
			continue;
		files = pg_realloc(files, sizeof(MigrationFile) * (n + 1));
		m = &files[n++];
		memset(m, 0, sizeof(*m));
		m->path = psprintf("%s/%s", dir, entry->d_name);
		m->id = pnstrdup(entry->d_name, len - 4);
		if (!valid_revision_id(m->id))
		{
			closedir(d);
			return fail(error, errlen, "%s: \"%s\" is not a valid revision id (" PGM_ID_RULE ")",
						m->path, m->id);
		}
		if ((text = read_file(m->path)) == NULL)
		{
			closedir(d);
			return fail(error, errlen, "could not read \"%s\": %s", m->path, strerror(errno));
		}
		if (parse_migration(m, text, error, errlen) < 0)
		{
			closedir(d);
			return -1;
		}
		pg_free(text);
	}
	closedir(d);
	if (n == 0)
	{
		*out = NULL;
		return 0;
	}

	qsort(files, n, sizeof(MigrationFile), compare_ids);
	/* dbmate's files carry no parents: each follows the one before it */
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

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
 */
#include "files.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *
xmalloc(size_t size)
{
	void	   *p = calloc(1, size ? size : 1);

	if (p == NULL)
	{
		fprintf(stderr, "pgmigrate: out of memory\n");
		exit(1);
	}
	return p;
}

static char *
xstrndup(const char *s, size_t n)
{
	char	   *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

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

bool
valid_revision_id(const char *id)
{
	size_t		len = strlen(id);
	size_t		i;

	if (len == 0 || len > 128 || id[0] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char) id[i]) && id[i] != '_' && id[i] != '-' && id[i] != '.')
			return false;
	return strcmp(id, "head") != 0 && strcmp(id, "heads") != 0 && strcmp(id, "base") != 0;
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
	buf = xmalloc((size_t) size + 1);
	if (fread(buf, 1, (size_t) size, f) != (size_t) size)
	{
		fclose(f);
		free(buf);
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
	m->parents = realloc(m->parents, sizeof(char *) * (m->nparents + 1));
	if (m->parents == NULL)
	{
		fprintf(stderr, "pgmigrate: out of memory\n");
		exit(1);
	}
	m->parents[m->nparents++] = xstrndup(id, len);
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
				m->description = xstrndup(arg, end - arg);
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
	m->up = xstrndup(up_start, up_end - up_start);
	if (down_start && !blank(down_start))
		m->down = strdup(down_start);
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

/* Order files parents first; ties by name (the array is sorted by name). */
static int
order_files(MigrationFile *files, int n, char *error, size_t errlen)
{
	MigrationFile *sorted = xmalloc(sizeof(MigrationFile) * n);
	bool	   *done = xmalloc(sizeof(bool) * n);
	int			count = 0;

	while (count < n)
	{
		int			i;
		bool		progress = false;

		for (i = 0; i < n; i++)
		{
			int			j;
			bool		ready = !done[i];

			for (j = 0; ready && j < files[i].nparents; j++)
			{
				int			p = find_file(files, n, files[i].parents[j]);

				if (p >= 0 && !done[p])
					ready = false;
			}
			if (ready)
			{
				sorted[count++] = files[i];
				done[i] = true;
				progress = true;
				break;			/* restart: the smallest ready name goes first */
			}
		}
		if (!progress)
		{
			free(sorted);
			free(done);
			return fail(error, errlen, "the parents of the files in the directory form a cycle");
		}
	}
	memcpy(files, sorted, sizeof(MigrationFile) * n);
	free(sorted);
	free(done);
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
		files = realloc(files, sizeof(MigrationFile) * (n + 1));
		if (files == NULL)
		{
			fprintf(stderr, "pgmigrate: out of memory\n");
			exit(1);
		}
		m = &files[n++];
		memset(m, 0, sizeof(*m));
		m->path = xmalloc(strlen(dir) + len + 2);
		sprintf(m->path, "%s/%s", dir, entry->d_name);
		m->id = xstrndup(entry->d_name, len - 4);
		if (!valid_revision_id(m->id))
		{
			closedir(d);
			return fail(error, errlen, "%s: \"%s\" is not a valid revision id (1-128 characters of letters, digits, \"_\", \"-\" and \".\")",
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
		free(text);
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

	*heads = xmalloc(sizeof(char *) * (n ? n : 1));
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

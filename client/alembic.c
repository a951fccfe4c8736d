/*
 * alembic.c — pgmigrate import alembic UPGRADE.sql DOWNGRADE.sql: an
 * Alembic history as one pgmigrate file per Alembic revision.
 *
 * The input is what Alembic prints offline:
 *
 *   alembic upgrade base:head --sql   >UPGRADE.sql
 *   alembic downgrade head:base --sql >DOWNGRADE.sql
 *
 * Both are cut at Alembic's own markers, "-- Running upgrade A, B -> C"
 * and "-- Running downgrade C -> A, B": C is the revision (its id is
 * Alembic's revision id), A and B its parents (branches and merges come
 * out as they are).  What Alembic runs for its own bookkeeping — the
 * alembic_version table and its rows, BEGIN and COMMIT — is left out.  A
 * downgrade that does nothing (Alembic's "pass") becomes a down of one
 * comment: nothing to undo; an upgrade that does nothing, outside a merge,
 * an up of one statement that does nothing (a revision needs one).  A revision with no downgrade section gets an
 * empty down section, which pgmigrate derives where it can.
 *
 * Files are written to the migrations directory (--dir); an existing file
 * with other content is never overwritten.
 *
 * Calls session.c.
 */
#include "postgres_fe.h"

#include <ctype.h>
#include <sys/stat.h>

#include "pqexpbuffer.h"

#include "client.h"

typedef struct AlembicRevision
{
	char	   *id;
	char	   *parents;		/* space-separated */
	PQExpBuffer up;
	PQExpBuffer down;			/* NULL: no downgrade section */
} AlembicRevision;

static char *
slurp(const char *path)
{
	FILE	   *f = fopen(path, "r");
	PQExpBuffer buf = createPQExpBuffer();
	char		chunk[8192];
	size_t		got;

	if (f == NULL)
		failed("could not read \"%s\": %s", path, strerror(errno));
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		appendBinaryPQExpBuffer(buf, chunk, got);
	fclose(f);
	if (PQExpBufferBroken(buf))
		failed("out of memory");
	return buf->data;
}

/*
 * The end of the statement that starts at `s`: just after its ";", or the
 * end of the text.  Quotes, dollar quotes and comments are skipped whole.
 */
static const char *
statement_end(const char *s)
{
	while (*s)
	{
		if (*s == ';')
			return s + 1;
		if (*s == '\'' || *s == '"')
		{
			char		q = *s++;

			while (*s && *s != q)
				s++;
			if (*s)
				s++;
		}
		else if (s[0] == '-' && s[1] == '-')
			s += strcspn(s, "\n");
		else if (s[0] == '/' && s[1] == '*')
		{
			int			depth = 1;

			for (s += 2; *s && depth > 0; s++)
			{
				if (s[0] == '/' && s[1] == '*')
					depth++, s++;
				else if (s[0] == '*' && s[1] == '/')
					depth--, s++;
			}
		}
		else if (*s == '$' && (s[1] == '$' || isalpha((unsigned char) s[1]) || s[1] == '_'))
		{
			const char *tag_end = s + 1;
			const char *close;
			char	   *tag;

			while (isalnum((unsigned char) *tag_end) || *tag_end == '_')
				tag_end++;
			if (*tag_end != '$')
			{
				s++;
				continue;
			}
			tag = pnstrdup(s, tag_end - s + 1);
			close = strstr(tag_end + 1, tag);
			s = close ? close + strlen(tag) : s + strlen(s);
			pg_free(tag);
		}
		else
			s++;
	}
	return s;
}

/* Does the statement (comments and blanks before it skipped) begin with `words`, case aside? */
static bool
begins_with(const char *stmt, const char *words)
{
	return pg_strncasecmp(stmt, words, strlen(words)) == 0;
}

static const char *
skip_blanks_and_comments(const char *s)
{
	for (;;)
	{
		while (isspace((unsigned char) *s))
			s++;
		if (s[0] == '-' && s[1] == '-')
			s += strcspn(s, "\n");
		else
			return s;
	}
}

/* Alembic's bookkeeping: its version table and transaction statements. */
static bool
bookkeeping(const char *stmt, size_t len)
{
	static const char *const verbs[] = {
		"CREATE TABLE ", "INSERT INTO ", "UPDATE ", "DELETE FROM ", "DROP TABLE ", NULL
	};
	char	   *text = pnstrdup(stmt, len);
	bool		result = false;
	int			i;

	if (begins_with(text, "BEGIN") || begins_with(text, "COMMIT"))
		result = true;
	for (i = 0; verbs[i] && !result; i++)
		if (begins_with(text, verbs[i]))
		{
			/* the table, perhaps schema-qualified or quoted, right after the verb */
			const char *table = text + strlen(verbs[i]);
			size_t		name_len = strcspn(table, " (\n\t");
			char	   *name = pnstrdup(table, name_len);

			result = strstr(name, "alembic_version") != NULL;
			pg_free(name);
		}
	pg_free(text);
	return result;
}

/* Append the statements of [start, end) that are not bookkeeping; returns how many. */
static int
append_statements(PQExpBuffer out, const char *start, const char *end)
{
	const char *s = start;
	int			count = 0;

	while (s < end)
	{
		const char *stmt = skip_blanks_and_comments(s);
		const char *stop;

		if (stmt >= end || *stmt == '\0')
			break;
		stop = statement_end(stmt);
		if (stop > end)
			stop = end;
		/* ";;" (SQL that ended in ";", printed with another) is no statement */
		if (*stmt == ';')
		{
			s = stop;
			continue;
		}
		if (!bookkeeping(stmt, stop - stmt))
		{
			appendPQExpBuffer(out, "%s%.*s\n", count ? "\n" : "", (int) (stop - stmt), stmt);
			count++;
		}
		s = stop;
	}
	return count;
}

static AlembicRevision *
find_revision(AlembicRevision *revs, int n, const char *id)
{
	int			i;

	for (i = 0; i < n; i++)
		if (strcmp(revs[i].id, id) == 0)
			return &revs[i];
	return NULL;
}

/* "A, B" into "A B"; "" for none. */
static char *
id_list(const char *s, size_t len)
{
	PQExpBuffer out = createPQExpBuffer();
	const char *p = s;
	const char *end = s + len;

	while (p < end)
	{
		const char *id;

		while (p < end && (isspace((unsigned char) *p) || *p == ','))
			p++;
		id = p;
		while (p < end && !isspace((unsigned char) *p) && *p != ',')
			p++;
		if (p > id)
			appendPQExpBuffer(out, "%s%.*s", out->len ? " " : "", (int) (p - id), id);
	}
	return out->data;
}

/*
 * Cut one of the two files at its markers.  For the upgrade, each section
 * adds a revision; for the downgrade, it gives a revision its down.
 */
static int
read_sections(const char *path, bool upgrade, AlembicRevision **revs, int n)
{
	const char *marker = upgrade ? "-- Running upgrade " : "-- Running downgrade ";
	char	   *text = slurp(path);
	char	   *at = strstr(text, marker);
	int			sections = 0;

	while (at)
	{
		char	   *line_end = at + strcspn(at, "\n");
		char	   *arrow = strstr(at, "->");
		char	   *next = strstr(line_end, marker);
		const char *body_end = next ? next : text + strlen(text);
		char	   *left;
		char	   *right;
		AlembicRevision *rev;

		if (arrow == NULL || arrow > line_end)
			failed("%s: a \"%s\" line without \"->\"", path, marker);
		left = id_list(at + strlen(marker), arrow - at - strlen(marker));
		right = id_list(arrow + 2, line_end - arrow - 2);
		sections++;
		if (upgrade)
		{
			if (strchr(right, ' ') || right[0] == '\0')
				failed("%s: \"%.*s\" does not name one revision", path, (int) (line_end - at), at);
			if (find_revision(*revs, n, right))
				failed("%s: revision %s is upgraded twice", path, right);
			*revs = pg_realloc(*revs, sizeof(AlembicRevision) * (n + 1));
			rev = &(*revs)[n++];
			rev->id = right;
			rev->parents = left;
			rev->up = createPQExpBuffer();
			rev->down = NULL;
			/*
			 * An upgrade that does nothing ("pass") outside a merge: a revision
			 * needs a statement, so it gets one that does nothing, said so.
			 */
			if (append_statements(rev->up, line_end, body_end) == 0 && strchr(left, ' ') == NULL)
				appendPQExpBufferStr(rev->up, "-- Alembic's upgrade of this revision does nothing\nSELECT WHERE false;\n");
		}
		else
		{
			if ((rev = find_revision(*revs, n, left)) == NULL)
				failed("%s: revision %s is downgraded but was never upgraded in the upgrade SQL", path, left);
			rev->down = createPQExpBuffer();
			if (append_statements(rev->down, line_end, body_end) == 0)
				appendPQExpBufferStr(rev->down, "-- nothing to undo: Alembic's downgrade of this revision does nothing\n");
		}
		at = next;
	}
	if (sections == 0)
		failed("%s has no \"%s\" lines: is it the output of alembic %s --sql?", path, marker,
			   upgrade ? "upgrade base:head" : "downgrade head:base");
	return n;
}

void
cmd_import_alembic(const char *upgrade_path, const char *downgrade_path)
{
	AlembicRevision *revs = NULL;
	int			n = read_sections(upgrade_path, true, &revs, 0);
	int			written = 0;
	int			same = 0;
	int			i;

	if (downgrade_path)
		(void) read_sections(downgrade_path, false, &revs, n);
	if (mkdir(opts.dir, 0777) < 0 && errno != EEXIST)
		failed("could not create directory \"%s\": %s", opts.dir, strerror(errno));
	for (i = 0; i < n; i++)
	{
		AlembicRevision *rev = &revs[i];
		char	   *path = psprintf("%s/%s.sql", opts.dir, rev->id);
		PQExpBuffer content = createPQExpBuffer();
		FILE	   *f;

		appendPQExpBuffer(content, "-- migrate:parents %s\n-- migrate:up\n%s-- migrate:down\n%s",
						  rev->parents, rev->up->data, rev->down ? rev->down->data : "");
		if ((f = fopen(path, "r")) != NULL)
		{
			char	   *existing;

			fclose(f);
			existing = slurp(path);
			if (strcmp(existing, content->data) != 0)
				failed("\"%s\" exists with other content: not overwritten (import into an empty directory)", path);
			same++;
			continue;
		}
		if ((f = fopen(path, "w")) == NULL || fputs(content->data, f) < 0 || fclose(f) != 0)
			failed("could not write \"%s\": %s", path, strerror(errno));
		written++;
		if (!opts.json)
			printf("wrote %s%s\n", path, rev->down ? "" : " (no downgrade: the down is derived where it can be)");
	}
	if (opts.json)
		printf("{\"revisions\": %d, \"written\": %d, \"unchanged\": %d, \"dir\": \"%s\"}\n", n, written, same, opts.dir);
	else
		printf("%d Alembic revisions: %d files written, %d already there\n", n, written, same);
}

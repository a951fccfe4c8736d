/*
 * sqltext.c — migration SQL as the server's own parser sees it.
 *
 * Revision SQL is parsed with raw_parser(), exactly as the server will parse
 * it when it runs, so a syntax error is found at registration.  A parse
 * error keeps PostgreSQL's SQLSTATE and message; an error context callback
 * moves its position into the revision's SQL (shown by psql as LINE n) and
 * adds which revision, which side and which line and column it was.
 *
 * Calls no other file of pgmigrate.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "parser/scanner.h"
#include "utils/builtins.h"

#include "pgmigrate.h"

typedef struct PgmParseContext
{
	const char *sql;
	const char *revision;		/* NULL when not parsing a revision */
	const char *side;			/* "up" or "down" */
} PgmParseContext;

/* Line and column (1-based, in characters) of 1-based character `pos`. */
static void
pgm_char_position(const char *sql, int pos, int *line, int *column)
{
	const char *p = sql;
	int			chars = 1;

	*line = 1;
	*column = 1;
	while (*p && chars < pos)
	{
		if (*p == '\n')
		{
			(*line)++;
			*column = 1;
		}
		else
			(*column)++;
		p += pg_mblen(p);
		chars++;
	}
}

static void
pgm_parse_error_callback(void *arg)
{
	PgmParseContext *ctx = (PgmParseContext *) arg;
	int			pos = geterrposition();
	int			line;
	int			column;

	if (pos <= 0)
	{
		if (ctx->revision)
			errcontext("%s SQL of revision \"%s\"", ctx->side, ctx->revision);
		return;
	}
	pgm_char_position(ctx->sql, pos, &line, &column);
	errposition(0);
	internalerrposition(pos);
	internalerrquery(ctx->sql);
	if (ctx->revision)
		errcontext("%s SQL of revision \"%s\", line %d, column %d",
				   ctx->side, ctx->revision, line, column);
	else
		errcontext("line %d, column %d", line, column);
}

/*
 * Parse `sql` into a list of RawStmt.  Errors name `revision` and `side`
 * (revision may be NULL for SQL that belongs to no revision).
 */
List *
pgm_parse_sql(const char *sql, const char *revision, const char *side)
{
	PgmParseContext ctx;
	ErrorContextCallback callback;
	List	   *stmts;

	ctx.sql = sql;
	ctx.revision = revision;
	ctx.side = side;
	callback.callback = pgm_parse_error_callback;
	callback.arg = &ctx;
	callback.previous = error_context_stack;
	error_context_stack = &callback;

	stmts = pgm_raw_parser(sql);

	error_context_stack = callback.previous;
	return stmts;
}

/*
 * Skip white space and comments (including nested block comments) from p.
 */
static const char *
pgm_skip_blank(const char *p, const char *end)
{
	while (p < end)
	{
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
			p++;
		else if (p + 1 < end && p[0] == '-' && p[1] == '-')
		{
			while (p < end && *p != '\n')
				p++;
		}
		else if (p + 1 < end && p[0] == '/' && p[1] == '*')
		{
			int			depth = 1;

			p += 2;
			while (p < end && depth > 0)
			{
				if (p + 1 < end && p[0] == '/' && p[1] == '*')
					depth++, p += 2;
				else if (p + 1 < end && p[0] == '*' && p[1] == '/')
					depth--, p += 2;
				else
					p++;
			}
		}
		else
			break;
	}
	return p;
}

/*
 * Split parsed SQL into statements: each with its number, the line it
 * begins on, its text (without the blanks and comments before it) and its
 * parse tree.  Lines are counted in one pass over the SQL, so a revision of
 * many statements costs no more than its length.
 */
List *
pgm_split_statements(const char *sql, List *raw_statements)
{
	size_t		sql_len = strlen(sql);
	size_t		counted_to = 0;
	int			line = 1;
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, raw_statements)
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);
		PgmStatement *stmt = palloc(sizeof(PgmStatement));
		size_t		loc = Min((size_t) Max(raw->stmt_location, 0), sql_len);
		size_t		len = raw->stmt_len > 0 ? (size_t) raw->stmt_len : sql_len - loc;
		const char *end = sql + Min(loc + len, sql_len);
		const char *start = pgm_skip_blank(sql + loc, end);

		for (; counted_to < (size_t) (start - sql); counted_to++)
			if (sql[counted_to] == '\n')
				line++;
		stmt->number = foreach_current_index(lc) + 1;
		stmt->line = line;
		stmt->location = (int) (start - sql);
		stmt->text = pnstrdup(start, end - start);
		stmt->tree = raw->stmt;
		result = lappend(result, stmt);
	}
	return result;
}

/*
 * The statement text without leading and trailing blanks and a final
 * semicolon: how a statement the client sends is compared with the one a
 * revision holds.
 */
char *
pgm_statement_normalize(const char *sql)
{
	size_t		len;

	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r')
		sql++;
	len = strlen(sql);
	while (len > 0 && (sql[len - 1] == ' ' || sql[len - 1] == '\t' || sql[len - 1] == '\n' ||
					   sql[len - 1] == '\r' || sql[len - 1] == ';'))
		len--;
	return pnstrdup(sql, len);
}

/*
 * The text of `stmt` after its first `keyword` (lower case) outside
 * parentheses, from the next token to the statement's end; NULL when there
 * is none.  The server's scanner finds the keyword, so a word in a string, a
 * comment or a quoted name is never taken for it.  The text may end in a
 * comment: whoever embeds it ends it with a new line.
 */
char *
pgm_statement_after_keyword(const PgmStatement *stmt, const char *keyword)
{
	int			kwnum = ScanKeywordLookup(keyword, &ScanKeywords);
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	core_yyscan_t scanner;
	int			depth = 0;
	bool		seen = false;
	char	   *result = NULL;
	int			token;

	if (kwnum < 0)
		elog(ERROR, "\"%s\" is not a keyword of the grammar", keyword);
	scanner = scanner_init(stmt->text, &extra, &ScanKeywords, ScanKeywordTokens);
	while ((token = core_yylex(&yylval, &yylloc, scanner)) != 0)
	{
		if (seen)
		{
			size_t		len = strlen(stmt->text + yylloc);

			while (len > 0 && isspace((unsigned char) stmt->text[yylloc + len - 1]))
				len--;
			result = pnstrdup(stmt->text + yylloc, len);
			break;
		}
		if (token == '(' || token == '[')
			depth++;
		else if (token == ')' || token == ']')
			depth--;
		else if (token == ScanKeywordTokens[kwnum] && depth == 0)
			seen = true;
	}
	scanner_finish(scanner);
	return result;
}

/*
 * Where the last `keyword` token (lower case) before byte `location` of
 * `sql` begins, in bytes; -1 when there is none.  The server's scanner reads
 * it, so a word in a string constant, a comment or a quoted name is never
 * taken for the keyword.
 */
int
pgm_keyword_before(const char *sql, int location, const char *keyword)
{
	int			kwnum = ScanKeywordLookup(keyword, &ScanKeywords);
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	core_yyscan_t scanner;
	int			found = -1;
	int			token;

	if (kwnum < 0)
		elog(ERROR, "\"%s\" is not a keyword of the grammar", keyword);
	scanner = scanner_init(sql, &extra, &ScanKeywords, ScanKeywordTokens);
	while ((token = core_yylex(&yylval, &yylloc, scanner)) != 0 && yylloc < location)
		if (token == ScanKeywordTokens[kwnum])
			found = yylloc;
	scanner_finish(scanner);
	return found;
}

/*
 * Does `sql` (an expression, a partition key) hold the identifier `name`,
 * as the server's scanner reads it (folded to lower case unless quoted)?
 * A word in a string constant or a comment is no identifier.
 */
bool
pgm_sql_has_identifier(const char *sql, const char *name)
{
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	core_yyscan_t scanner = scanner_init(sql, &extra, &ScanKeywords, ScanKeywordTokens);
	bool		found = false;
	int			token;

	while (!found && (token = core_yylex(&yylval, &yylloc, scanner)) != 0)
		found = token == pgm_tokens()->ident && strcmp(yylval.str, name) == 0;
	scanner_finish(scanner);
	return found;
}

/*
 * secrets.c — what PostgreSQL keeps from other roles, and statement text
 * without it.
 *
 * PostgreSQL shows a user mapping's options (pg_user_mappings), a
 * subscription's connection string (pg_subscription) and a role's password
 * (pg_authid) only to privileged roles.  pgmigrate keeps SQL in tables that
 * every role can read: revisions in migrate.revisions, the DDL the guard
 * let through in migrate.log.  So lint.c refuses a revision that writes one
 * of them, and the guard records the text of DDL without them.
 *
 * String constants are found by PostgreSQL's own lexer, never by looking
 * for words: a quote inside a comment, '' inside a string, E'' escapes,
 * dollar quoting and a string continued on the next line are read as the
 * server reads them.  Which statements write a secret is decided from the
 * parse tree.
 *
 * One piece of backend-local state: the statements of the query the last
 * command came from, for the next command of the same query.
 *
 * Calls no other file of pgmigrate.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "parser/scanner.h"
#include "parser/scansup.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "pgmigrate.h"

#define PGM_REDACTED "'<redacted>'"

/* Does an option of the list have a value?  (OPTIONS (DROP x) has none.) */
static bool
pgm_option_with_value(const List *options)
{
	const ListCell *lc;

	foreach(lc, options)
		if (((const DefElem *) lfirst(lc))->arg != NULL)
			return true;
	return false;
}

/* Do a role's options set a password (PASSWORD NULL sets none)? */
static bool
pgm_sets_password(const List *options)
{
	const ListCell *lc;

	foreach(lc, options)
	{
		const DefElem *opt = (const DefElem *) lfirst(lc);

		if (strcmp(opt->defname, "password") == 0 && opt->arg != NULL)
			return true;
	}
	return false;
}

/*
 * What a statement writes that PostgreSQL keeps from other roles, as a noun
 * phrase for messages ("the options of a user mapping"); NULL when nothing.
 * Every option value of a user mapping counts, as pg_user_mappings hides
 * them all.  A foreign server's and a wrapper's options are not secrets:
 * every role can read them in pg_foreign_server and pg_foreign_data_wrapper
 * (postgres_fdw and dblink take a password only in a user mapping).
 */
const char *
pgm_secret_written(const Node *tree)
{
	switch (nodeTag(tree))
	{
		case T_CreateUserMappingStmt:
			return pgm_option_with_value(((const CreateUserMappingStmt *) tree)->options) ?
				"the options of a user mapping" : NULL;
		case T_AlterUserMappingStmt:
			return pgm_option_with_value(((const AlterUserMappingStmt *) tree)->options) ?
				"the options of a user mapping" : NULL;
		case T_CreateSubscriptionStmt:
			return "the connection string of a subscription";
		case T_AlterSubscriptionStmt:
			return ((const AlterSubscriptionStmt *) tree)->kind == ALTER_SUBSCRIPTION_CONNECTION ?
				"the connection string of a subscription" : NULL;
		case T_CreateRoleStmt:
			return pgm_sets_password(((const CreateRoleStmt *) tree)->options) ?
				"a role's password" : NULL;
		case T_AlterRoleStmt:
			return pgm_sets_password(((const AlterRoleStmt *) tree)->options) ?
				"a role's password" : NULL;
		default:
			return NULL;
	}
}

static char *pgm_redact(const char *sql, const List *bodies);

/*
 * Append a dollar-quoted PL/pgSQL body, `len` bytes at `quoted`, with its
 * own constants replaced, inside its own dollar quotes: they cannot occur
 * in what is left of the body, which held none of them and gains only
 * '<redacted>'.
 */
static void
pgm_redact_body(StringInfo out, const char *quoted, int len)
{
	int			delimiter = strchr(quoted + 1, '$') - quoted + 1;
	char	   *body = pnstrdup(quoted + delimiter, len - 2 * delimiter);

	appendBinaryStringInfo(out, quoted, delimiter);
	appendStringInfoString(out, pgm_redact(body, NIL));
	appendBinaryStringInfo(out, quoted, delimiter);
}

/*
 * `sql` with every quoted constant (a string, a bit string) replaced by
 * '<redacted>'.  A constant that begins at one of the offsets in `bodies`
 * is the dollar-quoted body of a PL/pgSQL DO block: PL/pgSQL is read by the
 * same lexer, so its own constants are replaced instead.  As
 * pg_stat_statements does, a constant's length is read from the lexer's
 * copy of the text, where it ends with a zero byte.
 */
static char *
pgm_redact(const char *sql, const List *bodies)
{
	StringInfoData out;
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		location;
	const PgmTokens *tokens = pgm_tokens();
	core_yyscan_t scanner = scanner_init(sql, &extra, &ScanKeywords, ScanKeywordTokens);
	int			token;
	int			copied = 0;

	extra.escape_string_warning = false;
	initStringInfo(&out);
	while ((token = core_yylex(&yylval, &location, scanner)) != 0)
	{
		int			len;

		if (token != tokens->sconst && token != tokens->usconst &&
			token != tokens->bconst && token != tokens->xconst)
			continue;
		len = strlen(extra.scanbuf + location);
		appendBinaryStringInfo(&out, sql + copied, location - copied);
		if (sql[location] == '$' && list_member_int(bodies, location))
			pgm_redact_body(&out, sql + location, len);
		else
			appendStringInfoString(&out, PGM_REDACTED);
		copied = location + len;
	}
	scanner_finish(scanner);
	appendStringInfoString(&out, sql + copied);
	return out.data;
}

/* Where the bodies of the PL/pgSQL DO blocks among `raw` begin. */
static List *
pgm_plpgsql_bodies(const List *raw)
{
	List	   *bodies = NIL;
	const ListCell *lc;

	foreach(lc, raw)
	{
		const Node *stmt = lfirst_node(RawStmt, lc)->stmt;
		const char *language = "plpgsql";
		const DefElem *body = NULL;
		const ListCell *arg;

		if (!IsA(stmt, DoStmt))
			continue;
		foreach(arg, ((const DoStmt *) stmt)->args)
		{
			const DefElem *opt = (const DefElem *) lfirst(arg);

			if (strcmp(opt->defname, "language") == 0)
				language = strVal(opt->arg);
			else if (strcmp(opt->defname, "as") == 0)
				body = opt;
		}
		if (body && strcmp(language, "plpgsql") == 0)
			bodies = lappend_int(bodies, body->location);
	}
	return bodies;
}

/*
 * What a CREATE TABLE AS, SELECT INTO or CREATE MATERIALIZED VIEW creates,
 * also under EXPLAIN ANALYZE, from its raw parse tree; NULL for any other
 * statement.
 */
static const IntoClause *
pgm_raw_into(const Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_CreateTableAsStmt:
			return ((const CreateTableAsStmt *) stmt)->into;
		case T_ExplainStmt:
			return pgm_raw_into(((const ExplainStmt *) stmt)->query);
		case T_SelectStmt:
			{
				const SelectStmt *select = (const SelectStmt *) stmt;

				while (select->op != SETOP_NONE)
					select = select->larg;
				return select->intoClause;
			}
		default:
			return NULL;
	}
}

/*
 * Is the raw statement `stmt` the DDL command `command` that an event
 * trigger sees?  Parse analysis leaves utility statements as they are, so
 * they are equal (locations are not compared); the three that create a
 * table from a query reach the trigger analysed, and are matched by the
 * relation they create.
 */
static bool
pgm_is_command(const Node *stmt, const Node *command)
{
	const IntoClause *into;

	if (command == NULL)
		return false;
	if (nodeTag(stmt) == nodeTag(command) && equal(stmt, command))
		return true;
	if (!IsA(command, CreateTableAsStmt))
		return false;
	into = pgm_raw_into(stmt);
	return into != NULL && equal(into->rel, ((const CreateTableAsStmt *) command)->into->rel);
}

/* One statement of `query`, with its semicolon and without blanks around it. */
static char *
pgm_statement_text(const char *query, const RawStmt *stmt)
{
	int			start = Max(stmt->stmt_location, 0);
	int			end = stmt->stmt_len > 0 ? start + stmt->stmt_len : (int) strlen(query);

	if (query[end] == ';')
		end++;
	while (start < end && scanner_isspace(query[start]))
		start++;
	while (end > start && scanner_isspace(query[end - 1]))
		end--;
	return pnstrdup(query + start, end - start);
}

/*
 * A query's statements, parsed once for all the DDL commands it runs: a
 * query string of thousands of statements is not parsed again for each.
 * Kept in a context under MessageContext, so for as long as the message
 * that brought the query is processed; its reset callback forgets it.
 */
typedef struct PgmParsedQuery
{
	MemoryContext cxt;
	char	   *query;
	List	   *raw;			/* RawStmt * */
	int			next;			/* after the statement found last: commands
								 * run in order */
	char	   *redacted;		/* every constant replaced; NULL until needed */
} PgmParsedQuery;

static PgmParsedQuery *pgm_parsed = NULL;

static void
pgm_forget_parsed(void *arg)
{
	pgm_parsed = NULL;
}

/*
 * Parse `query` as the server's parser does, without the warnings the server
 * gave when the query arrived.
 */
static List *
pgm_parse_quietly(const char *query)
{
	int			guc_level = NewGUCNestLevel();
	List	   *raw;

	(void) set_config_option("escape_string_warning", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	raw = pgm_raw_parser(query);
	AtEOXact_GUC(true, guc_level);
	return raw;
}

/* `query` parsed: the one kept, or a new one (kept where there are messages) */
static PgmParsedQuery *
pgm_parsed_query(const char *query)
{
	MemoryContext cxt;
	MemoryContext old;
	PgmParsedQuery *parsed;

	if (pgm_parsed != NULL && strcmp(pgm_parsed->query, query) == 0)
		return pgm_parsed;
	if (pgm_parsed != NULL)
		MemoryContextDelete(pgm_parsed->cxt);
	cxt = MessageContext ? AllocSetContextCreate(MessageContext, "pgmigrate query",
												 ALLOCSET_DEFAULT_SIZES) : CurrentMemoryContext;
	old = MemoryContextSwitchTo(cxt);
	parsed = palloc0(sizeof(PgmParsedQuery));
	parsed->cxt = cxt;
	parsed->query = pstrdup(query);
	parsed->raw = pgm_parse_quietly(query);
	MemoryContextSwitchTo(old);
	if (MessageContext)
	{
		MemoryContextCallback *forget = MemoryContextAlloc(cxt, sizeof(MemoryContextCallback));

		forget->func = pgm_forget_parsed;
		forget->arg = NULL;
		MemoryContextRegisterResetCallback(cxt, forget);
		pgm_parsed = parsed;
	}
	return parsed;
}

/*
 * The text to record for the DDL command `command` (the parse tree an event
 * trigger sees) that the query `query` ran.
 *
 * A command that is one of the query's statements is recorded as that
 * statement alone, its string constants replaced when it writes a secret:
 * the other statements of a query string are not this command's record,
 * and one of them may be a CREATE ROLE ... PASSWORD, which no event
 * trigger sees.  A command that is none of them was run by a DO block, a
 * function or a procedure that the query called, and only the query's text
 * is there to record: every string constant in it is replaced, since any
 * of them may become the secret of a command run inside (a DO block's
 * PL/pgSQL body keeps its code, with its constants replaced).
 *
 * Errors as the server's parser does; the caller runs this where it can
 * catch them.
 */
char *
pgm_command_text(const char *query, const Node *command)
{
	PgmParsedQuery *parsed = pgm_parsed_query(query);
	int			count = list_length(parsed->raw);
	int			i;

	for (i = 0; i < count; i++)
	{
		int			n = (parsed->next + i) % count;
		RawStmt    *stmt = list_nth_node(RawStmt, parsed->raw, n);

		if (pgm_is_command(stmt->stmt, command))
		{
			char	   *text = pgm_statement_text(query, stmt);

			parsed->next = n + 1;
			return pgm_secret_written(stmt->stmt) ? pgm_redact(text, NIL) : text;
		}
	}
	if (parsed->redacted == NULL)
		parsed->redacted = MemoryContextStrdup(parsed->cxt,
											   pgm_redact(query, pgm_plpgsql_bodies(parsed->raw)));
	return pstrdup(parsed->redacted);
}

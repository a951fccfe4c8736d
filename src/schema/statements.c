/*
 * statements.c — the pieces of SQL the emitters share: the node a
 * statement belongs to, column definitions, grants, comments, policies,
 * the ENABLE of triggers and rules.
 *
 * Calls rows.c, snapshot.c and model.c.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "pgmigrate.h"
#include "schema/model.h"

static int
pgm_new_node(PgmDiff *diff, int item, PgmNodeKind kind)
{
	PgmDiffNode *node;

	if (diff->items[item].node[kind] >= 0)
		return diff->items[item].node[kind];
	if (diff->nnodes == diff->maxnodes)
	{
		diff->maxnodes = Max(64, diff->maxnodes * 2);
		diff->nodes = diff->nodes ? repalloc(diff->nodes, sizeof(PgmDiffNode) * diff->maxnodes)
			: palloc(sizeof(PgmDiffNode) * diff->maxnodes);
	}
	node = &diff->nodes[diff->nnodes];
	node->item = item;
	node->kind = kind;
	node->statements = NIL;
	node->successors = NIL;
	node->waiting = 0;
	diff->items[item].node[kind] = diff->nnodes;
	return diff->nnodes++;
}

void
pgm_emit(PgmDiff *diff, int item, PgmNodeKind kind, char *statement)
{
	int			n = pgm_new_node(diff, item, kind);	/* may move the nodes */

	diff->nodes[n].statements = lappend(diff->nodes[n].statements, statement);
}

/*
 * A column as CREATE TABLE and ADD COLUMN spell it: with its default,
 * identity, generation and NOT NULL when `with_constraints` (a column a
 * child declares beside its parent's takes the parent's generation).
 */
char *
pgm_column_definition(PgmDiff *diff, PgmItem *column, bool with_constraints)
{
	JsonbContainer *col = column->tgt;
	StringInfoData buf;
	char	   *collation = pgm_attribute_text(col, "collation");
	char	   *generated = pgm_attribute_text(col, "generated");
	char	   *identity = pgm_attribute_text(col, "identity");
	char	   *def = pgm_attribute_text(col, "default");

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s %s", quote_identifier(pgm_attribute_text(col, "name")),
					 pgm_attribute_text(col, "type"));
	if (collation)
		appendStringInfo(&buf, " COLLATE %s", collation);
	if (!with_constraints)
		return buf.data;
	if (generated)
		appendStringInfo(&buf, " GENERATED ALWAYS AS (%s) %s", generated,
						 pgm_attribute_bool(col, "virtual") ? "VIRTUAL" : "STORED");
	if (identity)
	{
		char	   *options = pgm_attribute_text(col, "identity_options");

		appendStringInfo(&buf, " GENERATED %s AS IDENTITY", strcmp(identity, "always") == 0 ? "ALWAYS" : "BY DEFAULT");
		if (options)
			appendStringInfo(&buf, " (%s)", options);
	}
	if (def)
		appendStringInfo(&buf, " DEFAULT %s", def);
	appendStringInfoString(&buf, pgm_not_null_clause(diff, column));
	return buf.data;
}

/*
 * A column definition's NOT NULL, with its constraint's name and NO
 * INHERIT; "" when none, or NOT VALID, which comes after
 * (pgm_emit_not_valid_not_null()).
 */
char *
pgm_not_null_clause(PgmDiff *diff, PgmItem *column)
{
	JsonbContainer *col = column->tgt;
	char	   *name = pgm_not_null_name_to_say(diff, column);

	if (!pgm_attribute_bool(col, "not_null") ||
		(pgm_attribute(col, "not_null_valid") != NULL && !pgm_attribute_bool(col, "not_null_valid")))
		return "";
	return psprintf("%s%s NOT NULL%s", name ? " CONSTRAINT " : "", name ? quote_identifier(name) : "",
					pgm_attribute_bool(col, "not_null_no_inherit") ? " NO INHERIT" : "");
}

/*
 * The statement that makes an existing column NOT NULL as the target
 * says: SET NOT NULL for a plain one, else ADD CONSTRAINT with its name,
 * NO INHERIT and NOT VALID (PostgreSQL 18).
 */
char *
pgm_not_null_statement(PgmDiff *diff, PgmItem *column, const char *relname, bool only)
{
	JsonbContainer *t = column->tgt;
	char	   *col = pstrdup(quote_identifier(pgm_attribute_text(t, "name")));

	if (pgm_not_null_plain(t) && pgm_not_null_name_to_say(diff, column) == NULL)
		return psprintf("ALTER TABLE %s%s ALTER COLUMN %s SET NOT NULL;", only ? "ONLY " : "", relname, col);
	return psprintf("ALTER TABLE %s%s ADD CONSTRAINT %s NOT NULL %s%s%s;", only ? "ONLY " : "", relname,
					quote_identifier(pgm_not_null_name(diff, column, false)), col,
					pgm_attribute_bool(t, "not_null_no_inherit") ? " NO INHERIT" : "",
					pgm_attribute(t, "not_null_valid") != NULL && !pgm_attribute_bool(t, "not_null_valid") ?
					" NOT VALID" : "");
}

/*
 * A new column's NOT VALID NOT NULL, which no column definition can say
 * (CREATE TABLE validates it), added after the column.
 */
void
pgm_emit_not_valid_not_null(PgmDiff *diff, int i, PgmNodeKind kind, PgmItem *column)
{
	JsonbContainer *t = column->tgt;

	if (pgm_attribute_bool(t, "not_null") && pgm_attribute(t, "not_null_valid") != NULL &&
		!pgm_attribute_bool(t, "not_null_valid"))
		pgm_emit(diff, i, kind, pgm_not_null_statement(diff, column, pgm_relation_name(diff, column, false), false));
}

PgmGrant
pgm_parse_grant(const char *s)
{
	PgmGrant	g;
	const char *eq = strrchr(s, '=');
	size_t		len;

	g.grantee = eq ? pnstrdup(s, eq - s) : pstrdup(s);
	g.privilege = pstrdup(eq ? eq + 1 : "");
	len = strlen(g.privilege);
	g.grantable = len > 0 && g.privilege[len - 1] == '*';
	if (g.grantable)
		g.privilege[len - 1] = '\0';
	return g;
}

/*
 * How a document spells a grantee (in "grants" and in a policy's "roles"):
 * PUBLIC is the pseudo-role, a role is spelt by its name, but a role named
 * "PUBLIC", or whose name begins with a double quote, is spelt quoted as
 * SQL quotes it ("PUBLIC", """x"): no role reads as PUBLIC, and each
 * spelling names one grantee.  migrate.schema() spells them so too.
 */
char *
pgm_grantee_spelling(const char *role)
{
	if (strcmp(role, "PUBLIC") == 0 || role[0] == '"')
		return pstrdup(quote_identifier(role));
	return pstrdup(role);
}

/*
 * The role a spelling names, NULL for PUBLIC.  A spelling that begins with
 * a double quote but is no quoted name is a name as it stands, as
 * documents before 0.7 spelt every role.
 */
static char *
pgm_grantee_role(const char *spelling)
{
	StringInfoData name;
	const char *p;

	if (strcmp(spelling, "PUBLIC") == 0)
		return NULL;
	if (spelling[0] != '"')
		return pstrdup(spelling);
	initStringInfo(&name);
	for (p = spelling + 1; *p != '\0'; p++)
	{
		if (*p == '"' && p[1] != '"')
			break;
		if (*p == '"')
			p++;				/* a doubled quote is one */
		appendStringInfoChar(&name, *p);
	}
	if (*p != '"' || p[1] != '\0' || name.len == 0)
		return pstrdup(spelling);
	return name.data;
}

static char *
pgm_grantee_sql(const char *grantee)
{
	char	   *role = pgm_grantee_role(grantee);

	return role ? pstrdup(quote_identifier(role)) : pstrdup("PUBLIC");
}

/* The privileges a new object of this kind has, owned by `owner`. */
static List *
pgm_default_grants(PgmItem *item, const char *owner)
{
	static const char *const table_privileges[] = {
		"DELETE", "INSERT", "MAINTAIN", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE", "UPDATE"
	};
	List	   *out = NIL;
	size_t		i;

	owner = pgm_grantee_spelling(owner);
	if (pgm_kind_is(item, "table") || pgm_kind_is(item, "view") ||
		pgm_kind_is(item, "materialized view") || pgm_kind_is(item, "foreign table"))
	{
		for (i = 0; i < lengthof(table_privileges); i++)
			if (strcmp(table_privileges[i], "MAINTAIN") != 0 || PGM_HAS_MAINTAIN)
				out = lappend(out, psprintf("%s=%s", owner, table_privileges[i]));
	}
	else if (pgm_kind_is(item, "sequence"))
	{
		out = lappend(out, psprintf("%s=SELECT", owner));
		out = lappend(out, psprintf("%s=UPDATE", owner));
		out = lappend(out, psprintf("%s=USAGE", owner));
	}
	else if (pgm_kind_is(item, "function") || pgm_kind_is(item, "procedure") || pgm_kind_is(item, "aggregate"))
	{
		out = lappend(out, pstrdup("PUBLIC=EXECUTE"));
		out = lappend(out, psprintf("%s=EXECUTE", owner));
	}
	else if (pgm_kind_is(item, "type"))
	{
		out = lappend(out, pstrdup("PUBLIC=USAGE"));
		out = lappend(out, psprintf("%s=USAGE", owner));
	}
	else if (pgm_kind_is(item, "schema"))
	{
		out = lappend(out, psprintf("%s=CREATE", owner));
		out = lappend(out, psprintf("%s=USAGE", owner));
	}
	return out;
}

/*
 * What REVOKE takes of a grant of `before` that `after` does not hold: all
 * of it, only its grant option (`after` holds it plain), or nothing
 * (`after` holds it with the grant option, which a GRANT adds).
 */
PgmRevoke
pgm_revoke_of(const char *grant, List *after)
{
	PgmGrant	g = pgm_parse_grant(grant);

	if (pgm_list_has_string(after, grant))
		return PGM_REVOKE_NOTHING;
	if (g.grantable)
		return pgm_list_has_string(after, psprintf("%s=%s", g.grantee, g.privilege)) ?
			PGM_REVOKE_OPTION : PGM_REVOKE_ALL;
	return pgm_list_has_string(after, psprintf("%s*", grant)) ? PGM_REVOKE_NOTHING : PGM_REVOKE_ALL;
}

/* GRANT and REVOKE statements from one list of grants to another. */
void
pgm_emit_grants(PgmDiff *diff, int i, PgmNodeKind kind, List *before, List *after,
				const char *on, const char *column)
{
	ListCell   *lc;
	char	   *cols = column ? psprintf(" (%s)", quote_identifier(column)) : "";

	foreach(lc, before)
	{
		PgmRevoke	revoke = pgm_revoke_of(lfirst(lc), after);
		PgmGrant	g = pgm_parse_grant(lfirst(lc));

		if (revoke != PGM_REVOKE_NOTHING)
			pgm_emit(diff, i, kind, psprintf("REVOKE %s%s%s ON %s FROM %s;",
											 revoke == PGM_REVOKE_OPTION ? "GRANT OPTION FOR " : "",
											 g.privilege, cols, on, pgm_grantee_sql(g.grantee)));
	}
	/* held with the grant option before, held plain after: its REVOKE GRANT OPTION FOR did it */
	foreach(lc, after)
	{
		if (!pgm_list_has_string(before, lfirst(lc)) &&
			!pgm_list_has_string(before, psprintf("%s*", (char *) lfirst(lc))))
		{
			PgmGrant	g = pgm_parse_grant(lfirst(lc));

			pgm_emit(diff, i, kind, psprintf("GRANT %s%s ON %s TO %s%s;", g.privilege, cols, on,
											 pgm_grantee_sql(g.grantee),
											 g.grantable ? " WITH GRANT OPTION" : ""));
		}
	}
}

/* What GRANT and REVOKE call the item: "TABLE app.users", "FUNCTION app.f(integer)". */
char *
pgm_grant_target(PgmDiff *diff, PgmItem *item)
{
	const char *kind = pgm_sql_kind(item);

	if (pgm_kind_is(item, "view") || pgm_kind_is(item, "materialized view") ||
		pgm_kind_is(item, "foreign table"))
		kind = "TABLE";
	if (pgm_kind_is(item, "type"))
		kind = "TYPE";
	if (pgm_kind_is(item, "aggregate"))
		kind = "FUNCTION";		/* GRANT has no ON AGGREGATE */
	return psprintf("%s %s", kind, pgm_sql_name(diff, item, false));
}

/* COMMENT ON for the item in the target (IS NULL when it has none). */
char *
pgm_comment_statement(PgmDiff *diff, PgmItem *item)
{
	char	   *comment = pgm_text(item->tgt, "comment");
	char	   *what;
	JsonbContainer *obj = item->tgt;

	if (pgm_kind_is(item, "column"))
		what = psprintf("COLUMN %s", pgm_sql_name(diff, item, false));
	else if (pgm_kind_is(item, "constraint"))
	{
		PgmItem    *rel = pgm_relation_item(diff, item, false);

		what = psprintf("CONSTRAINT %s ON %s%s", quote_identifier(pgm_attribute_text(obj, "name")),
						pgm_kind_is(rel, "type") ? "DOMAIN " : "",
						pgm_relation_name(diff, item, false));
	}
	else if (pgm_kind_is(item, "trigger") || pgm_kind_is(item, "policy") || pgm_kind_is(item, "rule"))
		what = psprintf("%s %s ON %s", pgm_kind_is(item, "trigger") ? "TRIGGER" :
						pgm_kind_is(item, "policy") ? "POLICY" : "RULE",
						quote_identifier(pgm_attribute_text(obj, "name")),
						pgm_relation_name(diff, item, false));
	else
		what = psprintf("%s %s", pgm_sql_kind(item), pgm_sql_name(diff, item, false));
	return psprintf("COMMENT ON %s IS %s;", what, comment ? pgm_literal(comment) : "NULL");
}

/* Owner, grants and comment of a new object, in the node that creates it. */
void
pgm_emit_new_object_extras(PgmDiff *diff, int i, PgmNodeKind kind)
{
	PgmItem    *item = &diff->items[i];
	char	   *owner = pgm_text(item->tgt, "owner");
	List	   *grants = pgm_attribute_strings(item->tgt, "grants");

	if (owner && strcmp(owner, diff->role) != 0 && pgm_sql_kind(item) != NULL &&
		!pgm_kind_is(item, "index") && !pgm_kind_is(item, "extension"))
		pgm_emit(diff, i, kind, psprintf("ALTER %s %s OWNER TO %s;", pgm_sql_kind(item),
										 pgm_sql_name(diff, item, false), quote_identifier(owner)));
	if (grants != NIL && !pgm_kind_is(item, "column"))
		pgm_emit_grants(diff, i, kind, pgm_default_grants(item, owner ? owner : diff->role), grants,
						pgm_grant_target(diff, item), NULL);
	if (pgm_kind_is(item, "column") && grants != NIL)
		pgm_emit_grants(diff, i, kind, NIL, grants, psprintf("TABLE %s", pgm_relation_name(diff, item, false)),
						pgm_text(item->tgt, "name"));
	if (pgm_text(item->tgt, "comment") != NULL)
		pgm_emit(diff, i, kind, pgm_comment_statement(diff, item));
}

/* The view query without its final semicolon. */
char *
pgm_query(JsonbContainer *obj)
{
	char	   *q = pgm_attribute_text(obj, "query");
	size_t		len = strlen(q);

	while (len > 0 && (q[len - 1] == ';' || q[len - 1] == ' ' || q[len - 1] == '\n'))
		q[--len] = '\0';
	return q;
}

/* "WITH (a=1, b=2)" from a reloptions array, "" when none. */
char *
pgm_with_options(JsonbContainer *obj)
{
	List	   *options = pgm_attribute_strings(obj, "options");
	StringInfoData buf;
	ListCell   *lc;

	if (options == NIL)
		return "";
	initStringInfo(&buf);
	appendStringInfoString(&buf, " WITH (");
	foreach(lc, options)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "", (char *) lfirst(lc));
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

char *
pgm_sequence_options(JsonbContainer *s)
{
	return psprintf("AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s %sCYCLE",
					pgm_attribute_text(s, "type"), pgm_attribute_text(s, "increment"),
					pgm_attribute_text(s, "min"), pgm_attribute_text(s, "max"),
					pgm_attribute_text(s, "start"), pgm_attribute_text(s, "cache"),
					pgm_attribute_bool(s, "cycle") ? "" : "NO ");
}

/*
 * ALTER TABLE ... REPLICA IDENTITY as the target has it (of a table that
 * exists, or one just created).  USING INDEX is refused: the document does
 * not link the index.
 */
char *
pgm_replica_identity(PgmItem *table, const char *name)
{
	char	   *ri = pgm_text(table->tgt, "replica_identity");

	if (ri == NULL)
		ri = "d";
	if (strcmp(ri, "i") == 0)
		pgm_refuse(table, "set the replica identity of",
				   "A replica identity USING INDEX names an index the schema document does not link.");
	return psprintf("ALTER TABLE %s REPLICA IDENTITY %s;", name,
					strcmp(ri, "f") == 0 ? "FULL" : strcmp(ri, "n") == 0 ? "NOTHING" : "DEFAULT");
}

char *
pgm_trimmed(char *s)
{
	size_t		len = strlen(s);

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' ' || s[len - 1] == ';'))
		s[--len] = '\0';
	return s;
}

char *
pgm_policy_statement(PgmDiff *diff, PgmItem *item, bool create)
{
	JsonbContainer *p = item->tgt;
	StringInfoData buf;
	List	   *roles = pgm_attribute_strings(p, "roles");
	char	   *using = pgm_attribute_text(p, "using");
	char	   *check = pgm_attribute_text(p, "with_check");
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s POLICY %s ON %s", create ? "CREATE" : "ALTER",
					 quote_identifier(pgm_attribute_text(p, "name")), pgm_relation_name(diff, item, false));
	if (create)
		appendStringInfo(&buf, " AS %s FOR %s", pgm_attribute_bool(p, "permissive") ? "PERMISSIVE" : "RESTRICTIVE",
						 pgm_attribute_text(p, "command"));
	appendStringInfoString(&buf, " TO ");
	foreach(lc, roles)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "", pgm_grantee_sql(lfirst(lc)));
	if (roles == NIL)
		appendStringInfoString(&buf, "PUBLIC");
	if (using)
		appendStringInfo(&buf, " USING (%s)", using);
	if (check)
		appendStringInfo(&buf, " WITH CHECK (%s)", check);
	appendStringInfoChar(&buf, ';');
	return buf.data;
}

/* ALTER TABLE ONLY t ENABLE/DISABLE ... TRIGGER|RULE name, as the target has it. */
static char *
pgm_enable_statement(PgmDiff *diff, PgmItem *item, const char *what)
{
	char	   *enabled = pgm_text(item->tgt, "enabled");
	const char *how = strcmp(enabled, "disabled") == 0 ? "DISABLE" :
		strcmp(enabled, "replica") == 0 ? "ENABLE REPLICA" :
		strcmp(enabled, "always") == 0 ? "ENABLE ALWAYS" : "ENABLE";

	return psprintf("ALTER TABLE ONLY %s %s %s %s;", pgm_relation_name(diff, item, false), how, what,
					quote_identifier(pgm_text(item->tgt, "name")));
}

char *
pgm_trigger_enable(PgmDiff *diff, PgmItem *item)
{
	return pgm_enable_statement(diff, item, "TRIGGER");
}

char *
pgm_rule_enable(PgmDiff *diff, PgmItem *item)
{
	return pgm_enable_statement(diff, item, "RULE");
}

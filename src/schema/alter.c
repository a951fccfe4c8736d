/*
 * alter.c — the ALTER statements of an item both documents hold, and the
 * pass that emits every item's statements.
 *
 * Calls rows.c, snapshot.c, model.c, plan.c, statements.c and create.c.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"

#include "pgmigrate.h"
#include "schema/model.h"

/* A type name looked up; InvalidOid when there is no such type (yet). */
typedef struct PgmTypeLookup
{
	const char *name;
	Oid			type;
} PgmTypeLookup;

static void
pgm_lookup_type(void *arg)
{
	PgmTypeLookup *lookup = arg;
	int32		typmod;

	parseTypeString(lookup->name, &lookup->type, &typmod, true);
}

/*
 * The type a column's "type" names in one document.  A string that is no
 * type name at all (the parser's error) refuses the document.
 */
static Oid
pgm_column_type(PgmItem *column, bool source)
{
	PgmTypeLookup lookup;
	ErrorData  *edata;

	lookup.name = pgm_attribute_text(source ? column->src : column->tgt, "type");
	lookup.type = InvalidOid;
	edata = pgm_in_subtransaction(pgm_lookup_type, &lookup, false);
	if (edata != NULL)
		pgm_document_error(source ? "source" : "target", column->key,
						   psprintf("has a \"type\" that is not a type name (%s)", edata->message));
	return lookup.type;
}

/*
 * Does PostgreSQL convert the old type to the new one by itself (an
 * assignment cast, as ALTER COLUMN TYPE without USING needs)?  False when a
 * type does not exist yet: USING is then spelt out.
 */
static bool
pgm_converts_by_itself(PgmItem *column)
{
	Oid			from_type = pgm_column_type(column, true);
	Oid			to_type = pgm_column_type(column, false);
	Oid			func;

	if (!OidIsValid(from_type) || !OidIsValid(to_type))
		return false;
	return find_coercion_pathway(to_type, from_type, COERCION_ASSIGNMENT, &func) != COERCION_PATH_NONE;
}

/*
 * ALTER COLUMN ... TYPE, with USING where the server would not convert by
 * itself; false when it would not (the default is then set again after).
 */
static bool
pgm_alter_column_type(PgmDiff *diff, int i, const char *relname, const char *col, bool type)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *s = item->src;
	JsonbContainer *t = item->tgt;
	bool		converts = true;
	char	   *collation = pgm_attribute_text(t, "collation");

	if (type)
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TYPE %s ALTER ATTRIBUTE %s TYPE %s%s%s;", relname, col,
												   pgm_attribute_text(t, "type"), collation ? " COLLATE " : "",
												   collation ? collation : ""));
	else
	{
		char	   *new_type = pgm_attribute_text(t, "type");

		/* a default the server may not convert is set again after */
		converts = pgm_converts_by_itself(item);
		if (pgm_text(s, "default") != NULL && item->change != PGM_REDEFAULT && !converts)
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;", relname, col));
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s%s%s%s%s%s%s;",
												   relname, col, new_type,
												   collation ? " COLLATE " : "", collation ? collation : "",
												   converts ? "" : " USING ", converts ? "" : col,
												   converts ? "" : "::", converts ? "" : new_type));
	}
	return converts;
}

/* A column's identity: added, dropped, changed, or its sequence's options. */
static void
pgm_alter_identity(PgmDiff *diff, int i, const char *relname, const char *col)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *s = item->src;
	JsonbContainer *t = item->tgt;

	if (pgm_differs(item, "identity"))
	{
		char	   *before = pgm_text(s, "identity");
		char	   *after = pgm_text(t, "identity");

		if (after == NULL)
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY;", relname, col));
		else if (before == NULL)
		{
			char	   *options = pgm_text(t, "identity_options");

			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY%s%s%s;",
													   relname, col, strcmp(after, "always") == 0 ? "ALWAYS" : "BY DEFAULT",
													   options ? " (" : "", options ? options : "", options ? ")" : ""));
		}
		else
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s;",
													   relname, col, strcmp(after, "always") == 0 ? "ALWAYS" : "BY DEFAULT"));
	}
	/* the identity's sequence options, where it stays an identity */
	if (pgm_text(s, "identity") && pgm_text(t, "identity") &&
		pgm_differs(item, "identity_options") && pgm_text(t, "identity_options"))
	{
		const char *p = pgm_text(t, "identity_options");
		StringInfoData set;
		bool		after_no = false;

		/* "INCREMENT BY 1 MINVALUE 1 ..." -> "SET INCREMENT BY 1 SET MINVALUE 1 ..." */
		initStringInfo(&set);
		while (*p)
		{
			size_t		len = strcspn(p, " ");
			char	   *word = pnstrdup(p, len);

			if (strcmp(word, "INCREMENT") == 0 || strcmp(word, "MINVALUE") == 0 ||
				strcmp(word, "MAXVALUE") == 0 || strcmp(word, "START") == 0 ||
				strcmp(word, "CACHE") == 0 || strcmp(word, "NO") == 0 ||
				(strcmp(word, "CYCLE") == 0 && !after_no))
				appendStringInfoString(&set, " SET");
			appendStringInfo(&set, " %s", word);
			after_no = strcmp(word, "NO") == 0;
			p += len;
			while (*p == ' ')
				p++;
		}
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s%s;", relname, col, set.data));
	}
}

/*
 * The grants `grants` of the item `owned` or of one of its columns, after
 * ALTER ... OWNER TO hands the old owner's privileges to the new owner.
 */
static List *
pgm_owner_handed(PgmItem *owned, List *grants)
{
	char	   *from = pgm_text(owned->src, "owner");
	char	   *to = pgm_text(owned->tgt, "owner");
	List	   *out = NIL;
	ListCell   *lc;

	if (from == NULL || to == NULL || !pgm_differs(owned, "owner"))
		return grants;
	from = pgm_grantee_spelling(from);
	to = pgm_grantee_spelling(to);
	foreach(lc, grants)
	{
		PgmGrant	g = pgm_parse_grant(lfirst(lc));

		out = lappend(out, strcmp(g.grantee, from) != 0 ? lfirst(lc) :
					  psprintf("%s=%s%s", to, g.privilege, g.grantable ? "*" : ""));
	}
	return out;
}

/*
 * A column's grants when its ALTER comes, after its relation's (order.c
 * puts it after): the relation's ALTER ... OWNER TO hands the old owner's
 * column privileges to the new owner, and a REVOKE on the relation takes
 * the privilege (or its grant option) from every column too.
 */
static List *
pgm_column_grants_now(PgmDiff *diff, PgmItem *column)
{
	PgmItem    *rel = pgm_relation_item(diff, column, false);
	List	   *grants;
	List	   *rel_after;
	ListCell   *lc;

	if (column->src == NULL)
		return NIL;				/* it comes with another object, without any */
	grants = pgm_attribute_strings(column->src, "grants");
	if (rel->change != PGM_ALTER)
		return grants;
	grants = pgm_owner_handed(rel, grants);
	rel_after = pgm_attribute_strings(rel->tgt, "grants");
	foreach(lc, pgm_owner_handed(rel, pgm_attribute_strings(rel->src, "grants")))
	{
		PgmRevoke	revoke = pgm_revoke_of(lfirst(lc), rel_after);
		PgmGrant	r = pgm_parse_grant(lfirst(lc));
		List	   *kept = NIL;
		ListCell   *c;

		if (revoke == PGM_REVOKE_NOTHING)
			continue;
		foreach(c, grants)
		{
			PgmGrant	g = pgm_parse_grant(lfirst(c));

			if (strcmp(g.grantee, r.grantee) != 0 || strcmp(g.privilege, r.privilege) != 0)
				kept = lappend(kept, lfirst(c));
			else if (revoke == PGM_REVOKE_OPTION)
				kept = lappend(kept, psprintf("%s=%s", g.grantee, g.privilege));
		}
		grants = kept;
	}
	return grants;
}

/* A column's GRANTs and REVOKEs (also of one otherwise the same, or new). */
static void
pgm_alter_column_grants(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];

	pgm_emit_grants(diff, i, PGM_NODE_ALTER, pgm_column_grants_now(diff, item),
					pgm_attribute_strings(item->tgt, "grants"),
					psprintf("TABLE %s", pgm_qualified(pgm_relation_item(diff, item, false)->tgt)),
					pgm_attribute_text(item->tgt, "name"));
}

static void
pgm_alter_column(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *t = item->tgt;
	PgmItem    *rel = pgm_relation_item(diff, item, false);
	char	   *relname = pgm_qualified(rel->tgt);
	char	   *col = pstrdup(quote_identifier(pgm_attribute_text(t, "name")));
	bool		view = pgm_kind_is(rel, "view") || pgm_kind_is(rel, "materialized view");
	bool		type = pgm_kind_is(rel, "type");
	const char *alter = view ? "VIEW" : "TABLE";
	bool		converts = item->type_changed ? pgm_alter_column_type(diff, i, relname, col, type) : true;

	if (!type && !view)
		pgm_alter_identity(diff, i, relname, col);
	if (!type && (pgm_differs(item, "default") ||
				  (item->type_changed && !converts && pgm_text(t, "default") != NULL &&
				   item->change != PGM_REDEFAULT)))
	{
		char	   *def = pgm_text(t, "default");

		if (item->change == PGM_REDEFAULT)
			;				/* the drop and create nodes do it */
		else if (def)
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER %s %s ALTER COLUMN %s SET DEFAULT %s;", alter, relname, col, def));
		else if (!item->type_changed || converts)
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER %s %s ALTER COLUMN %s DROP DEFAULT;", alter, relname, col));
	}
	if (!type && !view && pgm_differs(item, "not_null"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s %s NOT NULL;", relname, col,
												   pgm_attribute_bool(t, "not_null") ? "SET" : "DROP"));
	pgm_alter_column_grants(diff, i);
	if (pgm_differs(item, "comment"))
		pgm_emit(diff, i, PGM_NODE_ALTER, pgm_comment_statement(diff, item));
}

/* A table's own attributes: persistence, row security, replica identity, parents. */
static void
pgm_alter_table(PgmDiff *diff, int i, const char *name)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *s = item->src;
	JsonbContainer *t = item->tgt;

	if (pgm_differs(item, "unlogged"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s SET %s;", name,
												   pgm_attribute_bool(t, "unlogged") ? "UNLOGGED" : "LOGGED"));
	if (pgm_differs(item, "row_security"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s %s ROW LEVEL SECURITY;", name,
												   pgm_attribute_bool(t, "row_security") ? "ENABLE" : "DISABLE"));
	if (pgm_differs(item, "force_row_security"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s %sFORCE ROW LEVEL SECURITY;", name,
												   pgm_attribute_bool(t, "force_row_security") ? "" : "NO "));
	if (pgm_differs(item, "replica_identity"))
	{
		char	   *ri = pgm_attribute_text(t, "replica_identity");

		if (ri == NULL)
			ri = "d";
		if (strcmp(ri, "i") == 0)
			pgm_refuse(item, "set the replica identity of", "A replica identity USING INDEX names an index the schema document does not link.");
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s REPLICA IDENTITY %s;", name,
												   strcmp(ri, "f") == 0 ? "FULL" : strcmp(ri, "n") == 0 ? "NOTHING" : "DEFAULT"));
	}
	if (pgm_differs(item, "partition_of") || pgm_differs(item, "partition_bound"))
	{
		char	   *before = pgm_text(s, "partition_of");
		char	   *after = pgm_text(t, "partition_of");

		if (before)
		{
			PgmItem    *parent = &diff->items[pgm_item_find(diff, pgm_renamed_key(diff, before))];

			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s DETACH PARTITION %s;",
													   pgm_qualified(pgm_item_object(parent)), name));
		}
		if (after)
		{
			PgmItem    *parent = &diff->items[pgm_item_find(diff, after)];

			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ATTACH PARTITION %s %s;",
													   pgm_qualified(parent->tgt), name,
													   pgm_attribute_text(t, "partition_bound")));
		}
	}
	if (pgm_differs(item, "inherits"))
	{
		List	   *before = pgm_attribute_strings(s, "inherits");
		List	   *after = pgm_attribute_strings(t, "inherits");
		ListCell   *lc;

		foreach(lc, before)
			if (!pgm_list_has_string(after, pgm_renamed_key(diff, lfirst(lc))))
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s NO INHERIT %s;", name,
													   pgm_qualified(pgm_item_object(&diff->items[pgm_item_find(diff, pgm_renamed_key(diff, lfirst(lc)))]))));
		foreach(lc, after)
			if (!pgm_list_has_string(before, lfirst(lc)))
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s INHERIT %s;", name,
													   pgm_qualified(diff->items[pgm_item_find(diff, lfirst(lc))].tgt)));
	}
}

/* Storage options (reloptions) of a table, view or materialized view. */
static void
pgm_alter_options(PgmDiff *diff, int i, const char *kind, const char *name)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *s = item->src;
	JsonbContainer *t = item->tgt;
	List	   *before = pgm_attribute_strings(s, "options");
	List	   *after = pgm_attribute_strings(t, "options");
	ListCell   *lc;
	StringInfoData reset;

	if (!pgm_differs(item, "options"))
		return;

	initStringInfo(&reset);
	foreach(lc, before)
	{
		char	   *eq = strchr(lfirst(lc), '=');
		char	   *opt = eq ? pnstrdup(lfirst(lc), eq - (char *) lfirst(lc)) : lfirst(lc);

		appendStringInfo(&reset, "%s%s", reset.len ? ", " : "", opt);
	}
	if (reset.len)
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER %s %s RESET (%s);", kind, name, reset.data));
	if (after != NIL)
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER %s %s SET%s;", kind, name, pgm_with_options(t) + 5));
}

static void
pgm_alter_sequence(PgmDiff *diff, int i, const char *name)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *t = item->tgt;
	static const char *const options[][2] = {
		{"type", "AS"}, {"increment", "INCREMENT BY"}, {"min", "MINVALUE"}, {"max", "MAXVALUE"},
		{"start", "START WITH"}, {"cache", "CACHE"}
	};
	StringInfoData buf;
	size_t		k;

	initStringInfo(&buf);
	for (k = 0; k < lengthof(options); k++)
		if (pgm_differs(item, options[k][0]))
			appendStringInfo(&buf, " %s %s", options[k][1], pgm_attribute_text(t, options[k][0]));
	if (pgm_differs(item, "cycle"))
		appendStringInfo(&buf, " %sCYCLE", pgm_attribute_bool(t, "cycle") ? "" : "NO ");
	if (buf.len)
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER SEQUENCE %s%s;", name, buf.data));
	if (pgm_differs(item, "owned_by"))
	{
		char	   *owned = pgm_attribute_text(t, "owned_by");

		if (owned)
			pgm_emit(diff, i, PGM_NODE_OWNED_BY, psprintf("ALTER SEQUENCE %s OWNED BY %s;", name,
														  pgm_sql_name(diff, &diff->items[pgm_item_find(diff, owned)], false)));
		else
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER SEQUENCE %s OWNED BY NONE;", name));
	}
}

/* An enum's new values; a domain's default and NOT NULL. */
static void
pgm_alter_type(PgmDiff *diff, int i, const char *name)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *s = item->src;
	JsonbContainer *t = item->tgt;
	char	   *type = pgm_attribute_text(t, "type");

	if (strcmp(type, "enum") == 0 && pgm_differs(item, "labels"))
	{
		List	   *before = pgm_attribute_strings(s, "labels");
		List	   *after = pgm_attribute_strings(t, "labels");
		ListCell   *lc;

		foreach(lc, after)
		{
			if (pgm_list_has_string(before, lfirst(lc)))
				continue;
			if (foreach_current_index(lc) == 0)
				pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TYPE %s ADD VALUE %s BEFORE %s;", name,
														   pgm_literal(lfirst(lc)),
														   pgm_literal(list_nth(after, 1))));
			else
				pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TYPE %s ADD VALUE %s AFTER %s;", name,
														   pgm_literal(lfirst(lc)),
														   pgm_literal(list_nth(after, foreach_current_index(lc) - 1))));
		}
	}
	if (strcmp(type, "domain") == 0)
	{
		if (pgm_differs(item, "default"))
		{
			char	   *def = pgm_attribute_text(t, "default");

			pgm_emit(diff, i, PGM_NODE_ALTER, def ? psprintf("ALTER DOMAIN %s SET DEFAULT %s;", name, def) :
					 psprintf("ALTER DOMAIN %s DROP DEFAULT;", name));
		}
		if (pgm_differs(item, "not_null"))
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER DOMAIN %s %s NOT NULL;", name,
													   pgm_attribute_bool(t, "not_null") ? "SET" : "DROP"));
	}
}

/* What every kind with a name of its own has: owner and grants. */
static void
pgm_alter_owner_grants(PgmDiff *diff, int i, const char *kind, const char *name)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *s = item->src;
	JsonbContainer *t = item->tgt;

	if (pgm_differs(item, "owner") && pgm_text(t, "owner") != NULL)
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER %s %s OWNER TO %s;", kind, name,
												   quote_identifier(pgm_attribute_text(t, "owner"))));
	pgm_emit_grants(diff, i, PGM_NODE_ALTER, pgm_owner_handed(item, pgm_attribute_strings(s, "grants")),
					pgm_attribute_strings(t, "grants"), pgm_grant_target(diff, item), NULL);
}

/* ALTERs for what changed in an item both documents have. */
static void
pgm_emit_alter(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *s = item->src;
	JsonbContainer *t = item->tgt;
	const char *kind = pgm_sql_kind(item);
	char	   *name = kind ? pgm_sql_name(diff, item, false) : NULL;

	if (pgm_kind_is(item, "column"))
	{
		pgm_alter_column(diff, i);
		return;
	}
	if (pgm_kind_is(item, "table"))
		pgm_alter_table(diff, i, name);
	if (pgm_kind_is(item, "table") || pgm_kind_is(item, "view") || pgm_kind_is(item, "materialized view"))
		pgm_alter_options(diff, i, kind, name);
	if (pgm_kind_is(item, "view") && pgm_differs(item, "query"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("CREATE OR REPLACE VIEW %s%s AS\n%s;", name, pgm_with_options(t), pgm_query(t)));
	if (pgm_kind_is(item, "sequence"))
		pgm_alter_sequence(diff, i, name);
	if (pgm_kind_is(item, "constraint") && pgm_differs(item, "definition"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER %s %s VALIDATE CONSTRAINT %s;",
												   pgm_kind_is(pgm_relation_item(diff, item, false), "type") ? "DOMAIN" : "TABLE",
												   pgm_relation_name(diff, item, false),
												   quote_identifier(pgm_attribute_text(t, "name"))));
	if ((pgm_kind_is(item, "function") || pgm_kind_is(item, "procedure")) && pgm_differs(item, "definition"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("%s;", pgm_trimmed(pgm_attribute_text(t, "definition"))));
	if (pgm_kind_is(item, "type"))
		pgm_alter_type(diff, i, name);
	if (pgm_kind_is(item, "trigger") && pgm_differs(item, "enabled"))
		pgm_emit(diff, i, PGM_NODE_ALTER, pgm_trigger_enable(diff, item));
	if (pgm_kind_is(item, "rule") && pgm_differs(item, "enabled"))
		pgm_emit(diff, i, PGM_NODE_ALTER, pgm_rule_enable(diff, item));
	if (pgm_kind_is(item, "policy") &&
		(pgm_differs(item, "roles") || pgm_differs(item, "using") || pgm_differs(item, "with_check")))
	{
		if ((pgm_text(s, "using") && !pgm_text(t, "using")) || (pgm_text(s, "with_check") && !pgm_text(t, "with_check")))
			pgm_mark_rebuild(diff, i, -1);
		else
			pgm_emit(diff, i, PGM_NODE_ALTER, pgm_policy_statement(diff, item, false));
	}
	if (pgm_kind_is(item, "extension"))
	{
		if (pgm_differs(item, "version"))
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER EXTENSION %s UPDATE TO %s;", name,
													   pgm_literal(pgm_attribute_text(t, "version"))));
		if (pgm_differs(item, "schema"))
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER EXTENSION %s SET SCHEMA %s;", name,
													   quote_identifier(pgm_attribute_text(t, "schema"))));
	}
	if (kind != NULL)
		pgm_alter_owner_grants(diff, i, kind, name);
	if (pgm_differs(item, "comment") && (kind != NULL || pgm_kind_is(item, "constraint") ||
										 pgm_kind_is(item, "trigger") || pgm_kind_is(item, "policy") ||
										 pgm_kind_is(item, "rule")))
		pgm_emit(diff, i, PGM_NODE_ALTER, pgm_comment_statement(diff, item));
}

/*
 * The column that owns a sequence in the source, when it goes (dropped, or
 * with its table): DROP would take the sequence with it.  NULL otherwise.
 */
PgmItem *
pgm_departing_owner(PgmDiff *diff, PgmItem *sequence)
{
	char	   *owner = pgm_text(sequence->src, "owned_by");
	int			col = owner ? pgm_item_find(diff, pgm_renamed_key(diff, owner)) : -1;
	PgmItem    *c = col >= 0 ? &diff->items[col] : NULL;

	if (c && (c->change == PGM_DROP || c->change == PGM_REBUILD || c->implied_drop))
		return c;
	return NULL;
}

/*
 * A sequence that stays while the column that owns it goes is let go of
 * first, and owned again, where the target says, once its column is there.
 */
static void
pgm_emit_keep_sequence(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	char	   *owned;
	char	   *name;

	if (!pgm_kind_is(item, "sequence") || item->src == NULL || item->tgt == NULL ||
		item->change == PGM_REBUILD || pgm_departing_owner(diff, item) == NULL)
		return;
	owned = pgm_text(item->tgt, "owned_by");
	name = pgm_qualified(item->tgt);
	if (!pgm_differs(item, "owned_by") || owned != NULL)
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER SEQUENCE %s OWNED BY NONE;", name));
	if (owned != NULL && !pgm_differs(item, "owned_by"))
		pgm_emit(diff, i, PGM_NODE_OWNED_BY, psprintf("ALTER SEQUENCE %s OWNED BY %s;", name,
													  pgm_sql_name(diff, &diff->items[pgm_item_find(diff, owned)], false)));
}

/*
 * A column that comes with another object (a parent's new column, a view's
 * new one) but has grants or a comment of its own: said in its own ALTER,
 * after its relation's and (order.c) after the parent's ADD COLUMN.  A
 * relation created here has them in its CREATE.
 */
static void
pgm_emit_carried_column(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	PgmItem    *rel = pgm_relation_item(diff, item, false);

	if (rel->change == PGM_CREATE || rel->change == PGM_REBUILD)
		return;
	pgm_alter_column_grants(diff, i);
	if (pgm_text(item->tgt, "comment") != NULL)
		pgm_emit(diff, i, PGM_NODE_ALTER, pgm_comment_statement(diff, item));
}

/*
 * What comes with another object but is not as it would come: a
 * partition's trigger or rule enabled otherwise than its parent's, a
 * comment on a constraint's index.  Said in the node that creates the
 * carrier, after it, or in an ALTER of the item's own.  A column's grants
 * and comment: pgm_emit_carried_column().
 */
void
pgm_emit_carried_extras(PgmDiff *diff)
{
	int			i;

	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];
		int			node;
		char	   *statement = NULL;

		if (!item->implied_create || item->carrier < 0)
			continue;
		if (pgm_kind_is(item, "column"))
		{
			pgm_emit_carried_column(diff, i);
			continue;
		}
		if ((pgm_kind_is(item, "trigger") || pgm_kind_is(item, "rule")) &&
			strcmp(pgm_text(item->tgt, "enabled"), "origin") != 0)
			statement = pgm_kind_is(item, "trigger") ? pgm_trigger_enable(diff, item) : pgm_rule_enable(diff, item);
		else if (pgm_kind_is(item, "index") && pgm_text(item->tgt, "comment") != NULL)
			statement = pgm_comment_statement(diff, item);
		if (statement == NULL)
			continue;
		node = diff->items[item->carrier].node[PGM_NODE_CREATE];
		if (node >= 0)
			diff->nodes[node].statements = lappend(diff->nodes[node].statements, statement);
		else
			pgm_emit(diff, i, PGM_NODE_ALTER, statement);
	}
}

void
pgm_emit_all(PgmDiff *diff)
{
	int			i;

	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];

		CHECK_FOR_INTERRUPTS();
		pgm_emit_keep_sequence(diff, i);

		switch (item->change)
		{
			case PGM_SAME:
				/* its relation's OWNER TO or REVOKE may change its grants */
				if (pgm_kind_is(item, "column") && pgm_relation_item(diff, item, false)->change == PGM_ALTER)
					pgm_alter_column_grants(diff, i);
				break;
			case PGM_DROP:
				if (!item->implied_drop)
					pgm_emit_drop(diff, i);
				break;
			case PGM_CREATE:
				if (!item->implied_create)
					pgm_emit_create(diff, i);
				break;
			case PGM_REBUILD:
				if (!item->implied_drop)
					pgm_emit_drop(diff, i);
				if (!item->implied_create)
					pgm_emit_create(diff, i);
				break;
			case PGM_ALTER:
				pgm_emit_alter(diff, i);
				break;
			case PGM_REDEFAULT:
				{
					PgmItem    *rel = pgm_relation_item(diff, item, false);
					char	   *def = pgm_text(item->tgt, "default");

					pgm_emit(diff, i, PGM_NODE_DROP, psprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;",
															  pgm_relation_name(diff, item, true),
															  quote_identifier(pgm_text(item->src, "name"))));
					if (def)
						pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;",
																	pgm_qualified(rel->tgt),
																	quote_identifier(pgm_text(item->tgt, "name")), def));
					pgm_emit_alter(diff, i);
				}
				break;
		}
	}
}

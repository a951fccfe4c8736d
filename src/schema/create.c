/*
 * create.c — the CREATE and DROP statements of an item.
 *
 * Calls rows.c, sqltext.c, snapshot.c, validate.c, model.c, distribution.c and
 * statements.c.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"

#include "pgmigrate.h"
#include "schema/model.h"

/* An index definition parsed: its statement, NULL when it does not parse. */
typedef struct PgmIndexParse
{
	const char *definition;
	IndexStmt  *stmt;
} PgmIndexParse;

static void
pgm_parse_index(void *arg)
{
	PgmIndexParse *parse = arg;
	List	   *parsed = pgm_parse_sql(parse->definition, NULL, NULL);
	Node	   *tree = list_length(parsed) == 1 ? linitial_node(RawStmt, parsed)->stmt : NULL;

	parse->stmt = tree && IsA(tree, IndexStmt) ? (IndexStmt *) tree : NULL;
}

/*
 * An index of a partitioned table reads "ON ONLY": created so, it would
 * not build the partitions' indexes, which come with it here.  The parser
 * says whether the relation is named with ONLY and where its name begins;
 * the ONLY before it goes (never words of a predicate's string).  A
 * definition that does not parse is left as it is, for diff.c to refuse.
 */
static char *
pgm_index_on_all(const char *definition)
{
	PgmIndexParse parse = {definition, NULL};
	int			only;

	if (pgm_in_subtransaction(pgm_parse_index, &parse, false) != NULL || parse.stmt == NULL ||
		parse.stmt->relation == NULL || parse.stmt->relation->inh || parse.stmt->relation->location < 0)
		return pstrdup(definition);
	only = pgm_keyword_before(definition, parse.stmt->relation->location, "only");
	if (only < 0)
		return pstrdup(definition);
	return psprintf("%.*s%s", only, definition, definition + parse.stmt->relation->location);
}

/* The grants of a column that comes with the new relation i. */
static void
pgm_emit_column_grants(PgmDiff *diff, int i, PgmItem *column)
{
	pgm_emit_grants(diff, i, PGM_NODE_CREATE, NIL, pgm_attribute_strings(column->tgt, "grants"),
					psprintf("TABLE %s", pgm_qualified(diff->items[i].tgt)), pgm_text(column->tgt, "name"));
}

/*
 * Is column `col` of table `table`, created on its own to be attached as a
 * partition later, an identity column that the partition takes from its
 * parent?  From PostgreSQL 17 on, a partition shares its parent's identity
 * and ATTACH PARTITION refuses a table with an identity column of its own.
 */
static bool
pgm_identity_from_parent(const PgmItem *table, const PgmItem *col)
{
#if PG_VERSION_NUM >= 170000
	return table->detached && pgm_text(table->tgt, "partition_of") != NULL &&
		pgm_attribute_bool(col->tgt, "inherited") && pgm_text(col->tgt, "identity") != NULL;
#else
	return false;
#endif
}

/*
 * A child created alone (pgm_mark_detached()): its parents' CHECK
 * constraints and its NOT VALID NOT NULLs, then ATTACH PARTITION or INHERIT.
 */
static void
pgm_emit_attach_detached(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *t = item->tgt;
	char	   *partition_of = pgm_attribute_text(t, "partition_of");
	ListCell   *lc;

	/* the parents' CHECK constraints first: INHERIT and ATTACH want them */
	foreach(lc, item->tgt_constraints)
	{
		PgmItem    *c = lfirst(lc);

		if (c->implied_create && c->carrier == i)
			pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TABLE %s ADD CONSTRAINT %s %s;", pgm_qualified(t),
														quote_identifier(pgm_text(c->tgt, "name")),
														pgm_text(c->tgt, "definition")));
	}
	/* and NOT NULL constraints NOT VALID, which they want marked NOT NULL */
	foreach(lc, pgm_columns_of(diff, item))
		pgm_emit_not_valid_not_null(diff, i, PGM_NODE_CREATE, lfirst(lc));
	if (partition_of)
		pgm_emit(diff, i, PGM_NODE_CREATE,
				 psprintf("ALTER TABLE %s ATTACH PARTITION %s %s;",
						  pgm_qualified(diff->items[pgm_item_find(diff, partition_of)].tgt),
						  pgm_qualified(t), pgm_attribute_text(t, "partition_bound")));
	foreach(lc, pgm_attribute_strings(t, "inherits"))
		pgm_emit(diff, i, PGM_NODE_CREATE,
				 psprintf("ALTER TABLE %s INHERIT %s;", pgm_qualified(t),
						  pgm_qualified(diff->items[pgm_item_find(diff, lfirst(lc))].tgt)));
}

/*
 * A new child made by INHERITS or PARTITION OF takes its parents' NOT
 * NULL constraints under their names (PostgreSQL 18), for the columns it
 * does not declare itself: the elements of its CREATE TABLE that name its
 * own where the target's differ (a table made alone and then attached or
 * made to inherit keeps its <table>_<column>_not_null; so does a child
 * whose primary key or own NOT NULL made one), NIL when none do.  Such an
 * element makes the constraint the child's own too, which the document
 * does not say.  (A child whose NOT NULL a parent gives is NOT VALID is
 * created alone, pgm_mark_detached(): CREATE TABLE would validate it.)
 */
static List *
pgm_child_not_null_names(PgmDiff *diff, PgmItem *table, List *columns, bool partition)
{
	List	   *elements = NIL;
	ListCell   *lc;

	if (!PGM_HAS_NOT_NULL_CONSTRAINTS)
		return NIL;
	foreach(lc, columns)
	{
		PgmItem    *c = lfirst(lc);
		PgmItem    *giver = pgm_not_null_giver(diff, table->tgt, pgm_text(c->tgt, "name"));
		char	   *name = pgm_not_null_name(diff, c, false);

		if (giver == NULL || !pgm_attribute_bool(c->tgt, "not_null") ||
			(pgm_attribute_bool(c->tgt, "local") && !partition))
			continue;
		if (strcmp(name, pgm_not_null_name(diff, giver, false)) != 0)
			elements = lappend(elements, psprintf("CONSTRAINT %s NOT NULL %s", quote_identifier(name),
												  quote_identifier(pgm_text(c->tgt, "name"))));
	}
	return elements;
}

static void
pgm_emit_create_table(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *t = item->tgt;
	StringInfoData buf;
	ListCell   *lc;
	List	   *columns = pgm_columns_of(diff, item);
	char	   *partition_of = pgm_attribute_text(t, "partition_of");
	char	   *partition_key = pgm_attribute_text(t, "partition_key");
	List	   *inherits = pgm_attribute_strings(t, "inherits");
	bool		first = true;
	char	   *distribute;

	if (pgm_kind_is(item, "foreign table"))
		pgm_refuse(item, "create", "Foreign tables need a server and options the schema document does not hold.");
	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE %sTABLE %s", pgm_attribute_bool(t, "unlogged") ? "UNLOGGED " : "",
					 pgm_qualified(t));
	if (partition_of && !item->detached)
	{
		PgmItem    *parent = &diff->items[pgm_item_find(diff, partition_of)];

		appendStringInfo(&buf, " PARTITION OF %s", pgm_qualified(parent->tgt));
		foreach(lc, pgm_child_not_null_names(diff, item, columns, true))
		{
			appendStringInfo(&buf, "%s%s", first ? " (" : ", ", (char *) lfirst(lc));
			first = false;
		}
		appendStringInfo(&buf, "%s %s", first ? "" : ")", pgm_attribute_text(t, "partition_bound"));
	}
	else
	{
		appendStringInfoString(&buf, " (");
		foreach(lc, columns)
		{
			PgmItem    *c = lfirst(lc);
			bool		inherited = pgm_attribute_bool(c->tgt, "inherited") && !item->detached;
			char	   *def;

			if (inherited && !pgm_attribute_bool(c->tgt, "local"))
				continue;		/* the parent's, and only the parent's */
			def = pgm_column_definition(diff, c, true);
			if ((inherited && pgm_text(c->tgt, "generated") != NULL) ||
				pgm_identity_from_parent(item, c))
			{
				/*
				 * declared beside the parent's: the generation is the
				 * parent's; so is a partition's identity, which it gets
				 * when attached (and which it may not have before)
				 */
				def = psprintf("%s%s", pgm_column_definition(diff, c, false), pgm_not_null_clause(diff, c));
			}
			appendStringInfo(&buf, "%s\n    %s", first ? "" : ",", def);
			first = false;
		}
		foreach(lc, inherits != NIL && !item->detached ? pgm_child_not_null_names(diff, item, columns, false) : NIL)
		{
			appendStringInfo(&buf, "%s\n    %s", first ? "" : ",", (char *) lfirst(lc));
			first = false;
		}
		appendStringInfoString(&buf, first ? ")" : "\n)");
		if (inherits != NIL && !item->detached)
		{
			appendStringInfoString(&buf, " INHERITS (");
			foreach(lc, inherits)
			{
				int			p = pgm_item_find(diff, lfirst(lc));

				appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "",
								 pgm_qualified(diff->items[p].tgt));
			}
			appendStringInfoChar(&buf, ')');
		}
	}
	if (partition_key)
		appendStringInfo(&buf, " PARTITION BY %s", partition_key);
	appendStringInfo(&buf, "%s;", pgm_with_options(t));
	pgm_emit(diff, i, PGM_NODE_CREATE, buf.data);

	if (item->detached)
		pgm_emit_attach_detached(diff, i);
	if (pgm_text(t, "replica_identity") != NULL)
		pgm_emit(diff, i, PGM_NODE_CREATE, pgm_replica_identity(item, pgm_qualified(t)));
	if (pgm_attribute_bool(t, "row_security"))
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TABLE %s ENABLE ROW LEVEL SECURITY;", pgm_qualified(t)));
	if (pgm_attribute_bool(t, "force_row_security"))
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TABLE %s FORCE ROW LEVEL SECURITY;", pgm_qualified(t)));
	pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	if ((distribute = pgm_distribution_statement(diff, item)) != NULL)
		pgm_emit(diff, i, PGM_NODE_CREATE, distribute);
	/* the extras of the columns that came with it */
	foreach(lc, columns)
	{
		PgmItem    *c = lfirst(lc);

		/*
		 * A column a child takes from its parent takes its default and NOT
		 * NULL too: where the child's own differ, they are set after.
		 */
		if ((partition_of || inherits != NIL) && !item->detached &&
			!(pgm_attribute_bool(c->tgt, "local") && !partition_of))
		{
			JsonbContainer *parent_col = pgm_parent_column(diff, t, pgm_text(c->tgt, "name"));
			char	   *def = pgm_text(c->tgt, "default");
			char	   *parent_def = parent_col ? pgm_text(parent_col, "default") : NULL;
			char	   *col = pstrdup(quote_identifier(pgm_text(c->tgt, "name")));

			if (def != NULL && !pgm_same_text(def, parent_def))
				pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TABLE ONLY %s ALTER COLUMN %s SET DEFAULT %s;",
															pgm_qualified(t), col, def));
			else if (def == NULL && parent_def != NULL && pgm_text(c->tgt, "generated") == NULL)
				pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TABLE ONLY %s ALTER COLUMN %s DROP DEFAULT;",
															pgm_qualified(t), col));
			if (pgm_attribute_bool(c->tgt, "not_null") && pgm_not_null_giver(diff, t, pgm_text(c->tgt, "name")) == NULL)
				pgm_emit(diff, i, PGM_NODE_CREATE, pgm_not_null_statement(diff, c, pgm_qualified(t), true));
		}
		else if (!item->detached)	/* (else before its INHERIT or ATTACH) */
			pgm_emit_not_valid_not_null(diff, i, PGM_NODE_CREATE, c);
		pgm_emit_column_grants(diff, i, c);
		if (pgm_text(c->tgt, "comment") != NULL)
			pgm_emit(diff, i, PGM_NODE_CREATE, pgm_comment_statement(diff, c));
	}
}

static void
pgm_emit_create_type(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *t = item->tgt;
	char	   *type = pgm_attribute_text(t, "type");
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	if (strcmp(type, "enum") == 0)
	{
		appendStringInfo(&buf, "CREATE TYPE %s AS ENUM (", pgm_qualified(t));
		foreach(lc, pgm_attribute_strings(t, "labels"))
			appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "", pgm_literal(lfirst(lc)));
		appendStringInfoString(&buf, ");");
	}
	else if (strcmp(type, "domain") == 0)
	{
		char	   *collation = pgm_attribute_text(t, "collation");
		char	   *def = pgm_attribute_text(t, "default");

		appendStringInfo(&buf, "CREATE DOMAIN %s AS %s", pgm_qualified(t), pgm_attribute_text(t, "base_type"));
		if (collation)
			appendStringInfo(&buf, " COLLATE %s", collation);
		if (def)
			appendStringInfo(&buf, " DEFAULT %s", def);
		if (pgm_attribute_bool(t, "not_null"))
			appendStringInfo(&buf, "%s%s NOT NULL", pgm_text(t, "not_null_name") ? " CONSTRAINT " : "",
							 pgm_text(t, "not_null_name") ? quote_identifier(pgm_text(t, "not_null_name")) : "");
		/* its valid constraints (pgm_classify()) */
		foreach(lc, item->tgt_constraints)
		{
			PgmItem    *c = lfirst(lc);

			if (c->implied_create && c->carrier == i)
				appendStringInfo(&buf, " CONSTRAINT %s %s", quote_identifier(pgm_attribute_text(c->tgt, "name")),
								 pgm_attribute_text(c->tgt, "definition"));
		}
		appendStringInfoChar(&buf, ';');
	}
	else if (strcmp(type, "composite") == 0)
	{
		List	   *columns = pgm_columns_of(diff, item);

		appendStringInfo(&buf, "CREATE TYPE %s AS (", pgm_qualified(t));
		foreach(lc, columns)
			appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "",
							 pgm_column_definition(diff, lfirst(lc), false));
		appendStringInfoString(&buf, ");");
	}
	else if (strcmp(type, "range") == 0)
	{
		static const char *const options[] = {"subtype_opclass", "collation", "canonical", "subtype_diff"};
		size_t		k;
		char	   *multirange = pgm_attribute_text(t, "multirange");

		appendStringInfo(&buf, "CREATE TYPE %s AS RANGE (subtype = %s", pgm_qualified(t),
						 pgm_attribute_text(t, "subtype"));
		for (k = 0; k < lengthof(options); k++)
		{
			char	   *value = pgm_attribute_text(t, options[k]);

			if (value)
				appendStringInfo(&buf, ", %s = %s", options[k], value);
		}
		if (multirange)
			appendStringInfo(&buf, ", multirange_type_name = %s", multirange);
		appendStringInfoString(&buf, ");");
	}
	else
	{
		/*
		 * A base type and its input and output functions need each other:
		 * a shell first, the functions, then the type itself (its own node).
		 */
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("CREATE TYPE %s;", pgm_qualified(t)));
		pgm_emit(diff, i, PGM_NODE_OWNED_BY, psprintf("%s;", pgm_attribute_text(t, "definition")));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_OWNED_BY);
		return;
	}
	pgm_emit(diff, i, PGM_NODE_CREATE, buf.data);
	pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
}

void
pgm_emit_create(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *t = item->tgt;

	if (pgm_kind_is(item, "schema"))
	{
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("CREATE SCHEMA %s;", quote_identifier(pgm_attribute_text(t, "name"))));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "extension"))
		pgm_emit(diff, i, PGM_NODE_CREATE,
				 psprintf("CREATE EXTENSION %s WITH SCHEMA %s VERSION %s;",
						  quote_identifier(pgm_attribute_text(t, "name")),
						  quote_identifier(pgm_attribute_text(t, "schema")),
						  pgm_literal(pgm_attribute_text(t, "version"))));
	else if (pgm_kind_is(item, "table") || pgm_kind_is(item, "foreign table"))
		pgm_emit_create_table(diff, i);
	else if (pgm_kind_is(item, "view") || pgm_kind_is(item, "materialized view"))
	{
		bool		mat = pgm_kind_is(item, "materialized view");
		List	   *columns = pgm_columns_of(diff, item);
		ListCell   *lc;

		pgm_emit(diff, i, PGM_NODE_CREATE,
				 psprintf("CREATE %s %s%s AS\n%s%s;", mat ? "MATERIALIZED VIEW" : "VIEW", pgm_qualified(t),
						  pgm_with_options(t), pgm_query(t),
						  mat ? (pgm_attribute_bool(t, "populated") ? "\nWITH DATA" : "\nWITH NO DATA") : ""));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
		foreach(lc, columns)
		{
			PgmItem    *c = lfirst(lc);

			if (pgm_text(c->tgt, "default") != NULL)
				pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER VIEW %s ALTER COLUMN %s SET DEFAULT %s;",
															pgm_qualified(t), quote_identifier(pgm_text(c->tgt, "name")),
															pgm_text(c->tgt, "default")));
			pgm_emit_column_grants(diff, i, c);
			if (pgm_text(c->tgt, "comment") != NULL)
				pgm_emit(diff, i, PGM_NODE_CREATE, pgm_comment_statement(diff, c));
		}
	}
	else if (pgm_kind_is(item, "sequence"))
	{
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("CREATE SEQUENCE %s %s;", pgm_qualified(t), pgm_sequence_options(t)));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
		if (pgm_attribute_text(t, "owned_by") != NULL)
		{
			PgmItem    *col = &diff->items[pgm_item_find(diff, pgm_attribute_text(t, "owned_by"))];

			pgm_emit(diff, i, PGM_NODE_OWNED_BY, psprintf("ALTER SEQUENCE %s OWNED BY %s;", pgm_qualified(t),
														  pgm_sql_name(diff, col, false)));
		}
	}
	else if (pgm_kind_is(item, "column"))
	{
		PgmItem    *rel = pgm_relation_item(diff, item, false);

		if (pgm_kind_is(rel, "type"))
			pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TYPE %s ADD ATTRIBUTE %s;", pgm_qualified(rel->tgt),
														pgm_column_definition(diff, item, false)));
		else
		{
			pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TABLE %s ADD COLUMN %s;", pgm_qualified(rel->tgt),
														pgm_column_definition(diff, item, true)));
			pgm_emit_not_valid_not_null(diff, i, PGM_NODE_CREATE, item);
		}
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "index"))
	{
		char	   *def = pgm_attribute_text(t, "definition");

		if (def == NULL)
			pgm_document_error("target", item->key, "has no definition");
		if (pgm_attribute(t, "valid") != NULL && !pgm_attribute_bool(t, "valid"))
			pgm_refuse(item, "create", "The index is invalid in the target: a build that failed, or a partitioned index not yet attached on every partition.");
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("%s;", pgm_index_on_all(def)));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "constraint"))
	{
		PgmItem    *rel = pgm_relation_item(diff, item, false);

		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER %s %s ADD CONSTRAINT %s %s;",
													pgm_kind_is(rel, "type") ? "DOMAIN" : "TABLE",
													pgm_qualified(rel->tgt),
													quote_identifier(pgm_attribute_text(t, "name")),
													pgm_attribute_text(t, "definition")));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "function") || pgm_kind_is(item, "procedure"))
	{
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("%s;", pgm_trimmed(pgm_attribute_text(t, "definition"))));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "aggregate") || pgm_kind_is(item, "operator") || pgm_kind_is(item, "cast") ||
			 pgm_kind_is(item, "transform"))
	{
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("%s;", pgm_attribute_text(t, "definition")));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "type"))
		pgm_emit_create_type(diff, i);
	else if (pgm_kind_is(item, "trigger"))
	{
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("%s;", pgm_attribute_text(t, "definition")));
		if (strcmp(pgm_attribute_text(t, "enabled"), "origin") != 0)
			pgm_emit(diff, i, PGM_NODE_CREATE, pgm_trigger_enable(diff, item));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "policy"))
	{
		pgm_emit(diff, i, PGM_NODE_CREATE, pgm_policy_statement(diff, item, true));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "rule"))
	{
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("%s;", pgm_trimmed(pgm_attribute_text(t, "definition"))));
		if (strcmp(pgm_attribute_text(t, "enabled"), "origin") != 0)
			pgm_emit(diff, i, PGM_NODE_CREATE, pgm_rule_enable(diff, item));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else
		pgm_refuse(item, "create", NULL);
}

/*
 * A partition dropped from a parent that stays and that a foreign key
 * references: DROP TABLE is refused while the key depends on it, so it is
 * detached first (which checks that no row references its rows).
 */
static void
pgm_emit_detach_referenced(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	char	   *parent_key = pgm_text(item->src, "partition_of");
	int			parent = parent_key ? pgm_item_find(diff, pgm_renamed_key(diff, parent_key)) : -1;
	int			ancestor = parent;
	int			hops;

	if (parent < 0 || diff->items[parent].tgt == NULL || diff->items[parent].change == PGM_REBUILD)
		return;
	for (hops = 0; ancestor >= 0 && hops < diff->nitems; hops++)
	{
		PgmItem    *a = &diff->items[ancestor];
		char	   *up;

		if (a->src == NULL)
			return;
		if (pgm_table_referenced(diff, a))
		{
			pgm_emit(diff, i, PGM_NODE_DROP,
					 psprintf("ALTER TABLE %s DETACH PARTITION %s;", pgm_sql_name(diff, &diff->items[parent], true),
							  pgm_sql_name(diff, item, true)));
			return;
		}
		up = pgm_text(a->src, "partition_of");
		ancestor = up ? pgm_item_find(diff, pgm_renamed_key(diff, up)) : -1;
	}
}

void
pgm_emit_drop(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *s = item->src;
	char	   *statement;

	if (pgm_kind_is(item, "column"))
	{
		PgmItem    *rel = pgm_relation_item(diff, item, true);

		statement = pgm_kind_is(rel, "type") ?
			psprintf("ALTER TYPE %s DROP ATTRIBUTE %s;", pgm_relation_name(diff, item, true),
					 quote_identifier(pgm_attribute_text(s, "name"))) :
			psprintf("ALTER TABLE %s DROP COLUMN %s;", pgm_relation_name(diff, item, true),
					 quote_identifier(pgm_attribute_text(s, "name")));
	}
	else if (pgm_kind_is(item, "constraint"))
	{
		PgmItem    *rel = pgm_relation_item(diff, item, true);

		statement = psprintf("ALTER %s %s DROP CONSTRAINT %s;", pgm_kind_is(rel, "type") ? "DOMAIN" : "TABLE",
							 pgm_relation_name(diff, item, true), quote_identifier(pgm_attribute_text(s, "name")));
	}
	else if (pgm_kind_is(item, "trigger") || pgm_kind_is(item, "policy") || pgm_kind_is(item, "rule"))
		statement = psprintf("DROP %s %s ON %s;", pgm_kind_is(item, "trigger") ? "TRIGGER" :
							 pgm_kind_is(item, "policy") ? "POLICY" : "RULE",
							 quote_identifier(pgm_attribute_text(s, "name")), pgm_relation_name(diff, item, true));
	else if (pgm_is_base_type(item, true))
		statement = psprintf("DROP TYPE %s CASCADE;", pgm_sql_name(diff, item, true));	/* and its I/O functions */
	else if (pgm_sql_kind(item) != NULL)
		statement = psprintf("DROP %s %s;", pgm_sql_kind(item), pgm_sql_name(diff, item, true));
	else
		pgm_refuse(item, "drop", NULL);
	if (pgm_kind_is(item, "table"))
		pgm_emit_detach_referenced(diff, i);
	pgm_emit(diff, i, PGM_NODE_DROP, statement);
}

/*
 * derive.c — down SQL derived from up SQL.
 *
 * A revision registered without down SQL gets one when every statement of
 * its up has an exact inverse: CREATE of a table, view, materialized view,
 * sequence, index, type, domain, function, procedure, schema, trigger,
 * policy or extension; ALTER TABLE ... ADD COLUMN (but one with a CHECK that
 * does not name the column, which outlives it) / ADD CONSTRAINT (named) /
 * ALTER CONSTRAINT ... [NOT] ENFORCED; RENAME of a relation, column,
 * constraint or schema.  The inverses run in
 * reverse order, after the up's SET statements (lock_timeout and the like),
 * which the down repeats.  One statement without an exact inverse (a CREATE OR
 * REPLACE, IF NOT EXISTS, an unnamed index or constraint, anything that
 * changes data) leaves the revision irreversible: guessing is worse than
 * saying so.
 *
 * Names are written as the up SQL wrote them, quoted where needed, so the
 * down resolves them the same way under the same search_path.
 *
 * What the parse tree cannot know, the catalogs tell at apply time:
 * pgm_inverse_fails_here() is asked before each statement of such an up
 * runs, and names the reason when the statement would adopt something
 * that already exists (a partition's constraint or index) or act on a
 * temporary object; the engine then withdraws the derived down.
 *
 * Calls no other file of pgmigrate.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "pgmigrate.h"

static const char *
pgm_rv(const RangeVar *rv)
{
	return quote_qualified_identifier(rv->schemaname, rv->relname);
}

/*
 * A type as written, every part of its name quoted where needed, so that
 * it names the same type when parsed again: "char" stays "char" (not char,
 * which is bpchar), "My T" stays one name.  Type modifiers do not matter
 * where this is used (an argument list); array bounds do.  NULL for %TYPE,
 * which is resolved only at creation.
 */
static char *
pgm_type_name(const TypeName *type)
{
	StringInfoData buf;
	ListCell   *lc;

	if (type->pct_type || type->names == NIL)
		return NULL;
	initStringInfo(&buf);
	if (type->setof)
		appendStringInfoString(&buf, "SETOF ");
	foreach(lc, type->names)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) > 0 ? "." : "",
						 quote_identifier(strVal(lfirst(lc))));
	foreach(lc, type->arrayBounds)
		appendStringInfoString(&buf, "[]");
	return buf.data;
}

/*
 * DROP FUNCTION's argument list: the types of the IN, INOUT and VARIADIC
 * parameters.  A procedure's OUT parameters are part of its identity too
 * (PostgreSQL 14 on), so a procedure's list has every parameter with its
 * mode: without them, DROP PROCEDURE is ambiguous beside an overload that
 * differs in OUT parameters.
 */
static char *
pgm_function_signature(const CreateFunctionStmt *stmt)
{
	StringInfoData buf;
	ListCell   *lc;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s(", NameListToQuotedString(stmt->funcname));
	foreach(lc, stmt->parameters)
	{
		FunctionParameter *p = (FunctionParameter *) lfirst(lc);
		const char *mode = "";
		char	   *type;

		if (p->mode == FUNC_PARAM_TABLE || (p->mode == FUNC_PARAM_OUT && !stmt->is_procedure))
			continue;
		if ((type = pgm_type_name(p->argType)) == NULL)
			return NULL;
		if (stmt->is_procedure)
			mode = p->mode == FUNC_PARAM_OUT ? "OUT " : p->mode == FUNC_PARAM_INOUT ? "INOUT " :
				p->mode == FUNC_PARAM_VARIADIC ? "VARIADIC " : "IN ";
		appendStringInfo(&buf, "%s%s%s", first ? "" : ", ", mode, type);
		first = false;
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/*
 * Is DROP CONSTRAINT the exact inverse of adding `con`?  Not without a
 * name; not for a primary key, which also makes its columns NOT NULL and
 * DROP CONSTRAINT leaves them so; not for a constraint USING INDEX, whose
 * index existed before and DROP CONSTRAINT drops.
 */
static bool
pgm_constraint_has_inverse(const Constraint *con)
{
	return con->conname != NULL && con->contype != CONSTR_PRIMARY && con->indexname == NULL;
}

/* Does the raw expression name column `context` (a char *), however qualified? */
static bool
pgm_names_column_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, ColumnRef))
	{
		Node	   *last = llast(((ColumnRef *) node)->fields);

		return IsA(last, String) && strcmp(strVal(last), (const char *) context) == 0;
	}
	return raw_expression_tree_walker(node, pgm_names_column_walker, context);
}

/*
 * Is DROP COLUMN the exact inverse of ADD COLUMN `col`?  Not when one of its
 * CHECK constraints does not name the column (CHECK (b < 61) written on a
 * new column c): the constraint does not depend on the column and outlives
 * it.  What else a column definition adds (a default, an index, a foreign
 * key, a constraint on the column itself) goes with the column.
 */
static bool
pgm_column_has_inverse(const ColumnDef *col)
{
	ListCell   *lc;

	foreach(lc, col->constraints)
	{
		Constraint *con = (Constraint *) lfirst(lc);

		if (con->contype == CONSTR_CHECK &&
			!pgm_names_column_walker(con->raw_expr, (void *) col->colname))
			return false;
	}
	return true;
}

/*
 * ALTER TABLE with only ADD COLUMN and ADD CONSTRAINT subcommands that have
 * inverses, and ALTER CONSTRAINT ... [NOT] ENFORCED (18), whose inverse is
 * the other one when the constraint was the other way before (checked at
 * apply: pgm_inverse_fails_here()).
 */
static char *
pgm_invert_alter_table(const AlterTableStmt *stmt)
{
	StringInfoData buf;
	List	   *undo = NIL;
	const char *name = NULL;
	bool		enforced = false;
	ListCell   *lc;

	if (stmt->objtype != OBJECT_TABLE || stmt->missing_ok)
		return NULL;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);

		if (cmd->subtype == AT_AddColumn && !cmd->missing_ok &&
			pgm_column_has_inverse((ColumnDef *) cmd->def))
			undo = lcons(psprintf("DROP COLUMN %s",
								  quote_identifier(((ColumnDef *) cmd->def)->colname)), undo);
		else if (cmd->subtype == AT_AddConstraint && pgm_constraint_has_inverse((Constraint *) cmd->def))
			undo = lcons(psprintf("DROP CONSTRAINT %s",
								  quote_identifier(((Constraint *) cmd->def)->conname)), undo);
		else if (stmt->relation->inh && pgm_alter_constraint_enforcement(cmd, &name, &enforced))
			undo = lcons(psprintf("ALTER CONSTRAINT %s %s", quote_identifier(name),
								  enforced ? "NOT ENFORCED" : "ENFORCED"), undo);
		else
			return NULL;
	}
	initStringInfo(&buf);
	appendStringInfo(&buf, "ALTER TABLE %s ", pgm_rv(stmt->relation));
	foreach(lc, undo)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) > 0 ? ", " : "", (char *) lfirst(lc));
	return buf.data;
}

static const char *
pgm_relation_keyword(ObjectType type)
{
	switch (type)
	{
		case OBJECT_TABLE:
			return "TABLE";
		case OBJECT_VIEW:
			return "VIEW";
		case OBJECT_MATVIEW:
			return "MATERIALIZED VIEW";
		case OBJECT_SEQUENCE:
			return "SEQUENCE";
		case OBJECT_INDEX:
			return "INDEX";
		default:
			return NULL;
	}
}

static char *
pgm_invert_rename(const RenameStmt *stmt)
{
	const char *keyword;

	/* with IF EXISTS, the up may have renamed nothing: the down cannot know */
	if (stmt->missing_ok)
		return NULL;
	switch (stmt->renameType)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_SEQUENCE:
		case OBJECT_INDEX:
			keyword = pgm_relation_keyword(stmt->renameType);
			return psprintf("ALTER %s %s RENAME TO %s", keyword,
							quote_qualified_identifier(stmt->relation->schemaname, stmt->newname),
							quote_identifier(stmt->relation->relname));
		case OBJECT_COLUMN:
		case OBJECT_TABCONSTRAINT:
			/* the grammar sets relationType for columns only */
			keyword = stmt->renameType == OBJECT_TABCONSTRAINT ? "TABLE" :
				pgm_relation_keyword(stmt->relationType);
			if (keyword == NULL)
				return NULL;
			return psprintf("ALTER %s %s RENAME %s %s TO %s", keyword, pgm_rv(stmt->relation),
							stmt->renameType == OBJECT_COLUMN ? "COLUMN" : "CONSTRAINT",
							quote_identifier(stmt->newname), quote_identifier(stmt->subname));
		case OBJECT_SCHEMA:
			return psprintf("ALTER SCHEMA %s RENAME TO %s",
							quote_identifier(stmt->newname), quote_identifier(stmt->subname));
		default:
			return NULL;
	}
}

/*
 * Would a DROP of `name`, unqualified, find pg_catalog's object instead of
 * the one the up created?  pg_catalog is searched first (unless the
 * search_path names it later), while CREATE puts the object in the first
 * schema of the search_path: CREATE TABLE pg_attrdef (...) is fine, DROP
 * TABLE pg_attrdef is the catalog.  Relations, types and functions.
 */
static bool
pgm_catalog_shadows(const char *name)
{
	CatCList   *procs;
	bool		found;
	int			i;

	if (OidIsValid(get_relname_relid(name, PG_CATALOG_NAMESPACE)) ||
		OidIsValid(GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum(name),
								   ObjectIdGetDatum(PG_CATALOG_NAMESPACE))))
		return true;
	procs = SearchSysCacheList1(PROCNAMEARGSNSP, CStringGetDatum(name));
	found = false;
	for (i = 0; i < procs->n_members && !found; i++)
		found = ((Form_pg_proc) GETSTRUCT(&procs->members[i]->tuple))->pronamespace == PG_CATALOG_NAMESPACE;
	ReleaseSysCacheList(procs);
	return found;
}

/* The relation (or composite type) a CREATE statement creates; NULL for others. */
static RangeVar *
pgm_created_relation(Node *tree)
{
	switch (nodeTag(tree))
	{
		case T_CreateStmt:
			return ((CreateStmt *) tree)->relation;
		case T_CreateTableAsStmt:
			return ((CreateTableAsStmt *) tree)->into->rel;
		case T_ViewStmt:
			return ((ViewStmt *) tree)->view;
		case T_CreateSeqStmt:
			return ((CreateSeqStmt *) tree)->sequence;
		case T_CompositeTypeStmt:
			return ((CompositeTypeStmt *) tree)->typevar;
		default:
			return NULL;
	}
}

/* Does a schema name, as written, name the session's temporary schema? */
static bool
pgm_is_temp_schema_name(const char *schema)
{
	return schema != NULL && strncmp(schema, "pg_temp", 7) == 0;
}

/*
 * Does the statement create a temporary object?  Its inverse has no meaning:
 * the object is gone when the session ends, and a DROP of its name in
 * another session finds another object or none.
 */
static bool
pgm_creates_temporary_object(Node *tree)
{
	RangeVar   *rv = pgm_created_relation(tree);

	if (rv)
		return rv->relpersistence == RELPERSISTENCE_TEMP || pgm_is_temp_schema_name(rv->schemaname);
	if (IsA(tree, CreateFunctionStmt))
	{
		List	   *names = ((CreateFunctionStmt *) tree)->funcname;

		return list_length(names) == 2 && pgm_is_temp_schema_name(strVal(linitial(names)));
	}
	return false;
}

/* The name a statement creates, when the down would name it without a schema. */
static const char *
pgm_unqualified_target(Node *tree)
{
	const RangeVar *rv = pgm_created_relation(tree);
	List	   *names = NIL;

	if (rv)
		return rv->schemaname == NULL ? rv->relname : NULL;
	switch (nodeTag(tree))
	{
		case T_IndexStmt:
			if (((IndexStmt *) tree)->relation->schemaname == NULL)
				return ((IndexStmt *) tree)->idxname;
			return NULL;
		case T_CreateEnumStmt:
			names = ((CreateEnumStmt *) tree)->typeName;
			break;
		case T_CreateRangeStmt:
			names = ((CreateRangeStmt *) tree)->typeName;
			break;
		case T_CreateDomainStmt:
			names = ((CreateDomainStmt *) tree)->domainname;
			break;
		case T_CreateFunctionStmt:
			names = ((CreateFunctionStmt *) tree)->funcname;
			break;
		default:
			return NULL;
	}
	return list_length(names) == 1 ? strVal(linitial(names)) : NULL;
}

/* The exact inverse of one statement, or NULL when it has none. */
static char *
pgm_invert(Node *tree)
{
	const char *unqualified = pgm_unqualified_target(tree);

	if ((unqualified && pgm_catalog_shadows(unqualified)) || pgm_creates_temporary_object(tree))
		return NULL;
	switch (nodeTag(tree))
	{
		case T_CreateStmt:
			{
				CreateStmt *stmt = (CreateStmt *) tree;

				if (stmt->if_not_exists)
					return NULL;
				/*
				 * A partition: detached first, so that what attaching it
				 * added elsewhere (the clones of foreign keys that reference
				 * the partitioned table) goes before the table does.
				 */
				if (stmt->partbound != NULL && list_length(stmt->inhRelations) == 1)
					return psprintf("ALTER TABLE %s DETACH PARTITION %s;\nDROP TABLE %s",
									pgm_rv(linitial_node(RangeVar, stmt->inhRelations)),
									pgm_rv(stmt->relation), pgm_rv(stmt->relation));
				return psprintf("DROP TABLE %s", pgm_rv(stmt->relation));
			}
		case T_CreateTableAsStmt:
			{
				CreateTableAsStmt *stmt = (CreateTableAsStmt *) tree;

				if (stmt->if_not_exists)
					return NULL;
				return psprintf("DROP %s %s", stmt->objtype == OBJECT_MATVIEW ? "MATERIALIZED VIEW" : "TABLE",
								pgm_rv(stmt->into->rel));
			}
		case T_ViewStmt:
			{
				ViewStmt   *stmt = (ViewStmt *) tree;

				return stmt->replace ? NULL : psprintf("DROP VIEW %s", pgm_rv(stmt->view));
			}
		case T_CreateSeqStmt:
			{
				CreateSeqStmt *stmt = (CreateSeqStmt *) tree;

				return stmt->if_not_exists ? NULL : psprintf("DROP SEQUENCE %s", pgm_rv(stmt->sequence));
			}
		case T_IndexStmt:
			{
				IndexStmt  *stmt = (IndexStmt *) tree;

				if (stmt->idxname == NULL || stmt->if_not_exists || stmt->concurrent)
					return NULL;
				/* an index lives in its table's schema */
				return psprintf("DROP INDEX %s",
								quote_qualified_identifier(stmt->relation->schemaname, stmt->idxname));
			}
		case T_CompositeTypeStmt:
			return psprintf("DROP TYPE %s", pgm_rv(((CompositeTypeStmt *) tree)->typevar));
		case T_CreateEnumStmt:
			return psprintf("DROP TYPE %s", NameListToQuotedString(((CreateEnumStmt *) tree)->typeName));
		case T_CreateRangeStmt:
			return psprintf("DROP TYPE %s", NameListToQuotedString(((CreateRangeStmt *) tree)->typeName));
		case T_CreateDomainStmt:
			return psprintf("DROP DOMAIN %s", NameListToQuotedString(((CreateDomainStmt *) tree)->domainname));
		case T_CreateFunctionStmt:
			{
				CreateFunctionStmt *stmt = (CreateFunctionStmt *) tree;
				char	   *signature;

				if (stmt->replace || (signature = pgm_function_signature(stmt)) == NULL)
					return NULL;
				return psprintf("DROP %s %s", stmt->is_procedure ? "PROCEDURE" : "FUNCTION", signature);
			}
		case T_CreateSchemaStmt:
			{
				CreateSchemaStmt *stmt = (CreateSchemaStmt *) tree;

				if (stmt->if_not_exists || stmt->schemaElts != NIL || stmt->schemaname == NULL)
					return NULL;
				return psprintf("DROP SCHEMA %s", quote_identifier(stmt->schemaname));
			}
		case T_CreateTrigStmt:
			{
				CreateTrigStmt *stmt = (CreateTrigStmt *) tree;

				if (stmt->replace)
					return NULL;
				return psprintf("DROP TRIGGER %s ON %s", quote_identifier(stmt->trigname),
								pgm_rv(stmt->relation));
			}
		case T_CreatePolicyStmt:
			{
				CreatePolicyStmt *stmt = (CreatePolicyStmt *) tree;

				return psprintf("DROP POLICY %s ON %s", quote_identifier(stmt->policy_name),
								pgm_rv(stmt->table));
			}
		case T_CreateExtensionStmt:
			{
				CreateExtensionStmt *stmt = (CreateExtensionStmt *) tree;

				return stmt->if_not_exists ? NULL :
					psprintf("DROP EXTENSION %s", quote_identifier(stmt->extname));
			}
		case T_AlterTableStmt:
			return pgm_invert_alter_table((AlterTableStmt *) tree);
		case T_RenameStmt:
			return pgm_invert_rename((RenameStmt *) tree);
		default:
			return NULL;
	}
}

/*
 * Does `sql` parse?  A derived down that would not is not offered (the
 * revision stays irreversible): it must never be worse than none.
 */
static bool
pgm_parses(const char *sql)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile bool ok = true;

	PG_TRY();
	{
		(void) pgm_raw_parser(sql);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		/* anything but a syntax error (out of memory, say) is not ours to keep */
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION)
			PG_RE_THROW();
		FlushErrorState();
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/*
 * A SET of the up, as the down repeats it.  A search_path gets pg_temp at
 * its end unless it names pg_temp itself: the session's temporary tables
 * must not shadow the permanent objects the down drops (the engine does the
 * same for the search_path a derived down starts with).  A search_path set
 * to its default is not known here: no down.
 */
static char *
pgm_down_setting(const VariableSetStmt *stmt, const char *text)
{
	StringInfoData buf;
	ListCell   *lc;
	bool		names_temp = false;

	if (stmt->name == NULL || strcmp(stmt->name, "search_path") != 0)
		return pstrdup(text);
	if (stmt->kind != VAR_SET_VALUE)
		return NULL;
	initStringInfo(&buf);
	appendStringInfo(&buf, "SET %ssearch_path = ", stmt->is_local ? "LOCAL " : "");
	foreach(lc, stmt->args)
	{
		A_Const    *arg = lfirst_node(A_Const, lc);

		if (!IsA(&arg->val, String))
			return NULL;
		names_temp |= pgm_is_temp_schema_name(strVal(&arg->val));
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) > 0 ? ", " : "",
						 quote_identifier(strVal(&arg->val)));
	}
	if (!names_temp)
		appendStringInfoString(&buf, ", pg_temp");
	return buf.data;
}

/*
 * Down SQL for the statements of an up, or NULL when one of them has no
 * exact inverse.  One statement per line, last statement's inverse first.
 */
char *
pgm_derive_down(List *statements)
{
	StringInfoData buf;
	List	   *inverses = NIL;
	ListCell   *lc;

	initStringInfo(&buf);		/* an empty up (a merge) has an empty down */
	foreach(lc, statements)
	{
		PgmStatement *stmt = (PgmStatement *) lfirst(lc);
		char	   *inverse;

		/* settings (lock_timeout, search_path, ...) apply to the down too */
		if (IsA(stmt->tree, VariableSetStmt))
		{
			char	   *setting = pgm_down_setting((VariableSetStmt *) stmt->tree, stmt->text);

			if (setting == NULL)
				return NULL;
			appendStringInfo(&buf, "%s;\n", setting);
			continue;
		}
		if ((inverse = pgm_invert(stmt->tree)) == NULL)
			return NULL;
		inverses = lcons(inverse, inverses);
	}
	foreach(lc, inverses)
		appendStringInfo(&buf, "%s;\n", (char *) lfirst(lc));
	if (!pgm_parses(buf.data))
		return NULL;
	return buf.data;
}

/*
 * ---- Does a derived inverse hold here? ----
 *
 * The parse tree says what a statement names, not what it will find.  A few
 * statements adopt what already exists instead of creating it, and then
 * their inverse removes more than the statement added, or cannot run:
 * - ADD CONSTRAINT n CHECK on a table whose partition already has a
 *   constraint n: the partition's own constraint becomes inherited, and
 *   DROP CONSTRAINT on the parent drops it too.  (An inheritance child
 *   keeps its own constraint as local: that merge is undone exactly.)
 * - ADD CONSTRAINT n CHECK on a table that inherits n: the constraint is
 *   merged into the inherited one, which DROP CONSTRAINT cannot drop.
 * - ADD COLUMN c NOT NULL on a table whose inheritance child already has a
 *   column c: the child's column is merged and, on PostgreSQL 18, made NOT
 *   NULL, and DROP COLUMN on the parent leaves it so.
 * - A UNIQUE or EXCLUDE constraint or an index on a partitioned table
 *   attaches a partition's matching index of its own instead of building
 *   one; a foreign key on a partitioned table likewise adopts a matching
 *   foreign key of a partition.  The inverse drops the adopted ones.
 * - An unqualified CREATE that lands in the session's temporary schema
 *   (pg_temp first in the search_path): the down, run later in another
 *   session, would not find it, or would find a permanent namesake.
 * The engine asks, right before each statement of an up whose down was
 * derived, and withdraws the derived down when the answer is a reason.
 */

/* Does relation `relid` have a constraint named `name`? */
static bool
pgm_has_constraint(Oid relid, const char *name)
{
	return OidIsValid(get_relation_constraint_oid(relid, name, true));
}

/*
 * What a partitioned table's new index or constraint could adopt from a
 * partition: an index of the same kind (PostgreSQL attaches only an index
 * whose uniqueness and exclusion match, among other things), or a foreign key.
 */
typedef enum PgmAdoptable
{
	PGM_ADOPT_INDEX,
	PGM_ADOPT_UNIQUE_INDEX,
	PGM_ADOPT_EXCLUSION_INDEX,
	PGM_ADOPT_TEMPORAL_INDEX,	/* a key WITHOUT OVERLAPS: unique and exclusion */
	PGM_ADOPT_FOREIGN_KEY
} PgmAdoptable;

/* Has relation `relid` one of those of its own (not attached to a parent's)? */
static bool
pgm_has_own(Oid relid, PgmAdoptable kind)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	bool		found = false;

	if (kind == PGM_ADOPT_FOREIGN_KEY)
	{
		rel = table_open(ConstraintRelationId, AccessShareLock);
		ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(relid));
		scan = systable_beginscan(rel, ConstraintRelidTypidNameIndexId, true, NULL, 1, &key);
		while (!found && HeapTupleIsValid(tuple = systable_getnext(scan)))
		{
			Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tuple);

			found = con->contype == CONSTRAINT_FOREIGN && !OidIsValid(con->conparentid);
		}
	}
	else
	{
		rel = table_open(IndexRelationId, AccessShareLock);
		ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(relid));
		scan = systable_beginscan(rel, IndexIndrelidIndexId, true, NULL, 1, &key);
		while (!found && HeapTupleIsValid(tuple = systable_getnext(scan)))
		{
			Form_pg_index index = (Form_pg_index) GETSTRUCT(tuple);

			found = !get_rel_relispartition(index->indexrelid) &&
				index->indisunique == (kind == PGM_ADOPT_UNIQUE_INDEX || kind == PGM_ADOPT_TEMPORAL_INDEX) &&
				index->indisexclusion == (kind == PGM_ADOPT_EXCLUSION_INDEX || kind == PGM_ADOPT_TEMPORAL_INDEX);
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * The partitions of `relid` at every level (none when it is not
 * partitioned).  No locks: the statement about to run takes its own.
 */
static List *
pgm_partitions(Oid relid)
{
	if (get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		return NIL;
	return list_delete_first(find_all_inheritors(relid, NoLock, NULL));
}

/*
 * Is column `name` of `relid` NOT NULL already?  Then ADD CONSTRAINT ...
 * NOT NULL (PostgreSQL 18) of the name its constraint has does nothing,
 * and DROP CONSTRAINT would drop what was there before.
 */
static bool
pgm_column_is_not_null(Oid relid, const char *name)
{
	HeapTuple	tuple = SearchSysCacheAttName(relid, name);
	bool		not_null;

	if (!HeapTupleIsValid(tuple))
		return false;
	not_null = ((Form_pg_attribute) GETSTRUCT(tuple))->attnotnull;
	ReleaseSysCache(tuple);
	return not_null;
}

/* Why adding constraint `con` to `relid` would adopt something; NULL when not. */
static char *
pgm_constraint_adopts(Oid relid, bool recurse, const Constraint *con)
{
	List	   *partitions = recurse ? pgm_partitions(relid) : NIL;
	ListCell   *lc;

	if (con->conname == NULL)
		return NULL;
	if (con->contype == CONSTR_CHECK && pgm_has_constraint(relid, con->conname))
		return psprintf("constraint \"%s\" merges with the constraint \"%s\" already has",
						con->conname, get_rel_name(relid));
	if (con->contype == CONSTR_NOTNULL && list_length(con->keys) == 1 &&
		pgm_column_is_not_null(relid, strVal(linitial(con->keys))))
		return psprintf("constraint \"%s\" merges with the NOT NULL column \"%s\" of \"%s\" already has",
						con->conname, strVal(linitial(con->keys)), get_rel_name(relid));
	foreach(lc, partitions)
	{
		Oid			partition = lfirst_oid(lc);

		if ((con->contype == CONSTR_CHECK && pgm_has_constraint(partition, con->conname)) ||
			((con->contype == CONSTR_UNIQUE || con->contype == CONSTR_PRIMARY) &&
			 pgm_has_own(partition, pgm_constraint_without_overlaps(con) ?
						 PGM_ADOPT_TEMPORAL_INDEX : PGM_ADOPT_UNIQUE_INDEX)) ||
			(con->contype == CONSTR_EXCLUSION && pgm_has_own(partition, PGM_ADOPT_EXCLUSION_INDEX)) ||
			(con->contype == CONSTR_FOREIGN && pgm_has_own(partition, PGM_ADOPT_FOREIGN_KEY)))
			return psprintf("constraint \"%s\" of \"%s\" may adopt what its partition \"%s\" already has",
							con->conname, get_rel_name(relid), get_rel_name(partition));
	}
	return NULL;
}

/*
 * Why ALTER CONSTRAINT `name` ... [NOT] ENFORCED on `relid` would not be
 * undone by the other one; NULL when it would.  Already so, it changes
 * nothing, and its inverse would; made NOT ENFORCED from NOT VALID, its
 * inverse would validate it (ENFORCED always does).
 */
static char *
pgm_enforcement_not_undone(Oid relid, const char *name, bool enforced)
{
	Oid			oid = get_relation_constraint_oid(relid, name, true);
	HeapTuple	tuple;
	Form_pg_constraint con;
	char	   *why = NULL;

	if (!OidIsValid(oid) || !HeapTupleIsValid(tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(oid))))
		return NULL;			/* the statement fails */
	con = (Form_pg_constraint) GETSTRUCT(tuple);
	if (pgm_catalog_constraint_is_enforced(con) == enforced)
		why = psprintf("constraint \"%s\" of \"%s\" is %s already: the statement changes nothing, and its inverse would",
					   name, get_rel_name(relid), enforced ? "ENFORCED" : "NOT ENFORCED");
	else if (!enforced && !con->convalidated)
		why = psprintf("constraint \"%s\" of \"%s\" is NOT VALID: made ENFORCED again, it would be validated",
					   name, get_rel_name(relid));
	ReleaseSysCache(tuple);
	return why;
}

/* Does column definition `col` make its column NOT NULL (a primary key does)? */
static bool
pgm_column_not_null(const ColumnDef *col)
{
	ListCell   *lc;

	if (col->is_not_null)
		return true;
	foreach(lc, col->constraints)
	{
		ConstrType	type = ((Constraint *) lfirst(lc))->contype;

		if (type == CONSTR_NOTNULL || type == CONSTR_PRIMARY)
			return true;
	}
	return false;
}

/*
 * Why adding column `col` to `relid` would merge it into a column an
 * inheritance child already has and leave that column changed; NULL when
 * not.  From PostgreSQL 18 on, the child's column gains the new column's
 * not-null constraint, which DROP COLUMN on the parent leaves there (an
 * inherited constraint that no parent gives any more).  Asked on every
 * version: a revision's down is not kept only where it happens to hold.
 */
static char *
pgm_column_merges(Oid relid, bool recurse, const ColumnDef *col)
{
	ListCell   *lc;

	if (!recurse || !pgm_column_not_null(col))
		return NULL;
	foreach(lc, list_delete_first(find_all_inheritors(relid, NoLock, NULL)))
	{
		Oid			child = lfirst_oid(lc);

		if (get_attnum(child, col->colname) != InvalidAttrNumber)
			return psprintf("NOT NULL column \"%s\" of \"%s\" merges with the column \"%s\" already has",
							col->colname, get_rel_name(relid), get_rel_name(child));
	}
	return NULL;
}

/* Would `rv`, about to be created, land in the session's temporary schema? */
static bool
pgm_creates_temporary(RangeVar *rv)
{
	if (rv->schemaname != NULL || rv->relpersistence == RELPERSISTENCE_TEMP)
		return false;			/* named explicitly; TEMP has no inverse at all */
	return isTempNamespace(RangeVarGetCreationNamespace(rv));
}

/* The existing relation a statement changes (ALTER, index, trigger, ...); NULL for others. */
static RangeVar *
pgm_changed_relation(Node *tree)
{
	switch (nodeTag(tree))
	{
		case T_AlterTableStmt:
			return ((AlterTableStmt *) tree)->relation;
		case T_IndexStmt:
			return ((IndexStmt *) tree)->relation;
		case T_CreateTrigStmt:
			return ((CreateTrigStmt *) tree)->relation;
		case T_CreatePolicyStmt:
			return ((CreatePolicyStmt *) tree)->table;
		case T_RenameStmt:
			return ((RenameStmt *) tree)->relation;
		default:
			return NULL;
	}
}

/*
 * Why the derived inverse of `tree`, about to run, would not undo it exactly;
 * NULL when it would.
 */
char *
pgm_inverse_fails_here(Node *tree)
{
	RangeVar   *created = NULL;
	RangeVar   *changed = pgm_changed_relation(tree);

	/*
	 * What a temporary table gains goes with it at the end of the session;
	 * a down run later resolves the names elsewhere (an index named like
	 * the temporary table's, in a permanent schema).
	 */
	if (changed)
	{
		Oid			relid = RangeVarGetRelid(changed, NoLock, true);

		if (OidIsValid(relid) && get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
			return psprintf("\"%s\" is a temporary table, gone when the session ends", changed->relname);
	}
	switch (nodeTag(tree))
	{
		case T_AlterTableStmt:
			{
				AlterTableStmt *stmt = (AlterTableStmt *) tree;
				Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
				ListCell   *lc;

				if (!OidIsValid(relid))
					return NULL;	/* the statement fails */
				foreach(lc, stmt->cmds)
				{
					AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);
					const char *name = NULL;
					bool		enforced = false;
					char	   *why;

					if (cmd->subtype == AT_AddConstraint &&
						(why = pgm_constraint_adopts(relid, stmt->relation->inh,
													 (Constraint *) cmd->def)) != NULL)
						return why;
					if (pgm_alter_constraint_enforcement(cmd, &name, &enforced) &&
						(why = pgm_enforcement_not_undone(relid, name, enforced)) != NULL)
						return why;
					if (cmd->subtype == AT_AddColumn &&
						(why = pgm_column_merges(relid, stmt->relation->inh,
												 (ColumnDef *) cmd->def)) != NULL)
						return why;
				}
				return NULL;
			}
		case T_IndexStmt:
			{
				IndexStmt  *stmt = (IndexStmt *) tree;
				Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
				ListCell   *lc;

				if (!OidIsValid(relid) || !stmt->relation->inh)
					return NULL;
				foreach(lc, pgm_partitions(relid))
					if (pgm_has_own(lfirst_oid(lc), stmt->unique ? PGM_ADOPT_UNIQUE_INDEX : PGM_ADOPT_INDEX))
						return psprintf("index \"%s\" of \"%s\" may adopt an index its partition \"%s\" already has",
										stmt->idxname, get_rel_name(relid),
										get_rel_name(lfirst_oid(lc)));
				return NULL;
			}
		default:
			created = pgm_created_relation(tree);
			break;
	}
	if (created && pgm_creates_temporary(created))
		return psprintf("\"%s\" is created in the session's temporary schema, which the search_path names first",
						created->relname);
	return NULL;
}

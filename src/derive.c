/*
 * derive.c — down SQL derived from up SQL.
 *
 * A revision registered without down SQL gets one when every statement of
 * its up has an exact inverse: CREATE of a table, view, materialized view,
 * sequence, index, type, domain, function, procedure, schema, trigger,
 * policy or extension; ALTER TABLE ... ADD COLUMN / ADD CONSTRAINT (named);
 * RENAME of a relation, column, constraint or schema.  The inverses run in
 * reverse order, after the up's SET statements (lock_timeout and the like),
 * which the down repeats.  One statement without an exact inverse (a CREATE OR
 * REPLACE, IF NOT EXISTS, an unnamed index or constraint, anything that
 * changes data) leaves the revision irreversible: guessing is worse than
 * saying so.
 *
 * Names are written as the up SQL wrote them, quoted where needed, so the
 * down resolves them the same way under the same search_path.
 *
 * Calls no other file of pgmigrate.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
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

/* ALTER TABLE with only ADD COLUMN and ADD CONSTRAINT subcommands that have inverses. */
static char *
pgm_invert_alter_table(const AlterTableStmt *stmt)
{
	StringInfoData buf;
	List	   *undo = NIL;
	ListCell   *lc;

	if (stmt->objtype != OBJECT_TABLE || stmt->missing_ok)
		return NULL;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);

		if (cmd->subtype == AT_AddColumn && !cmd->missing_ok)
			undo = lcons(psprintf("DROP COLUMN %s",
								  quote_identifier(((ColumnDef *) cmd->def)->colname)), undo);
		else if (cmd->subtype == AT_AddConstraint && pgm_constraint_has_inverse((Constraint *) cmd->def))
			undo = lcons(psprintf("DROP CONSTRAINT %s",
								  quote_identifier(((Constraint *) cmd->def)->conname)), undo);
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

/* The name a statement creates, when the down would name it without a schema. */
static const char *
pgm_unqualified_target(Node *tree)
{
	const RangeVar *rv = NULL;
	List	   *names = NIL;

	switch (nodeTag(tree))
	{
		case T_CreateStmt:
			rv = ((CreateStmt *) tree)->relation;
			break;
		case T_CreateTableAsStmt:
			rv = ((CreateTableAsStmt *) tree)->into->rel;
			break;
		case T_ViewStmt:
			rv = ((ViewStmt *) tree)->view;
			break;
		case T_CreateSeqStmt:
			rv = ((CreateSeqStmt *) tree)->sequence;
			break;
		case T_CompositeTypeStmt:
			rv = ((CompositeTypeStmt *) tree)->typevar;
			break;
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
	if (rv)
		return rv->schemaname == NULL ? rv->relname : NULL;
	return list_length(names) == 1 ? strVal(linitial(names)) : NULL;
}

/* The exact inverse of one statement, or NULL when it has none. */
static char *
pgm_invert(Node *tree)
{
	const char *unqualified = pgm_unqualified_target(tree);

	if (unqualified && pgm_catalog_shadows(unqualified))
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
			appendStringInfo(&buf, "%s;\n", stmt->text);
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

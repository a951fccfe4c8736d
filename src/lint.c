/*
 * lint.c — what the server's parser can tell about migration SQL before it
 * runs: migrate.lint(), and the checks migrate.add() makes.
 *
 * Rules look at raw parse trees (RawStmt), statement by statement, and
 * remember what earlier statements of the same SQL created: an index on a
 * table created two statements before is not a hazard, nor is dropping it.
 *
 * Severities:
 *   error    migrate.add() refuses the revision: transaction control, a role
 *            change, a secret PostgreSQL keeps from other roles, statements
 *            that cannot run inside a transaction block (unless
 *            transactional => false), destructive statements in up (unless
 *            allow_destructive => true);
 *   warning  hazards at run time: long locks, table rewrites, statements
 *            that fail on a table with rows;
 *   info     choices that are usually regretted later (int keys, serial,
 *            timestamp without time zone, char(n), varchar(n)).
 *
 * Names in messages come from the SQL as written.  Nothing here needs the
 * objects to exist; where the catalogs know them, they answer what the SQL
 * cannot: the volatility of functions in a column default, whether a
 * column type change rewrites the table (PostgreSQL's binary coercion and
 * implicit casts), whether SET NOT NULL can use a validated CHECK, whether
 * DROP ... IF EXISTS finds anything.  They are read when the SQL is
 * linted (registration), so they describe the database then.
 *
 * Calls rows.c, secrets.c and sqltext.c.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "parser/parse_coerce.h"
#include "parser/scanner.h"
#include "parser/parse_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "storage/lockdefs.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "pgmigrate.h"

PG_FUNCTION_INFO_V1(pgmigrate_lint);

typedef struct PgmLint
{
	List	   *findings;		/* PgmFinding * */
	HTAB	   *created;		/* "kind:name" of objects created so far */
	HTAB	   *created_at;		/* "kind:name" -> the last statement creating it */
	bool		lock_timeout_set;
	bool		lock_timeout_reported;
	PgmStatement *stmt;			/* the statement being looked at */
	List	   *statements;		/* all of them, for what comes later */
	int			position;		/* of stmt in statements */
	bool		at_apply;		/* judged right before the SQL runs */
	List	   *renames;		/* PgmLintRename *, in statement order */
	List	   *search_path;	/* the schemas a SET search_path named, or NIL */
	bool		search_path_set;	/* ... set by the SQL (NIL then: unknown) */
} PgmLint;

/* A table or column the SQL renamed: where to find it in the catalogs. */
typedef struct PgmLintRename
{
	bool		column;
	char	   *relname;		/* a column's table, as named then */
	char	   *oldname;
	char	   *newname;
} PgmLintRename;

static const char *const pgm_severity_names[] = {
	[PGM_SEVERITY_ERROR] = "error",
	[PGM_SEVERITY_WARNING] = "warning",
	[PGM_SEVERITY_INFO] = "info",
};

const char *
pgm_severity_name(PgmSeverity severity)
{
	return pgm_severity_names[severity];
}

static PgmFinding *
pgm_add_finding(PgmLint *lint, const char *rule, PgmSeverity severity,
				char *message, const char *hint)
{
	PgmFinding *f = palloc0(sizeof(PgmFinding));

	f->rule = rule;
	f->severity = severity;
	f->statement = lint->stmt;
	f->message = message;
	f->hint = hint;
	lint->findings = lappend(lint->findings, f);
	return f;
}

/* A statement PostgreSQL refuses to run inside a transaction block. */
static void
pgm_non_transactional(PgmLint *lint, const char *command)
{
	PgmFinding *f = pgm_add_finding(lint, "non-transactional", PGM_SEVERITY_ERROR,
									psprintf("%s cannot run inside a transaction block", command),
									"Register the revision with transactional => false: the pgmigrate client runs such revisions statement by statement, outside a transaction.");

	f->sqlstate = ERRCODE_ACTIVE_SQL_TRANSACTION;
	f->non_transactional = true;
}

/* A statement that destroys data or definitions that existed before. */
static void
pgm_destructive(PgmLint *lint, const char *rule, char *message)
{
	PgmFinding *f = pgm_add_finding(lint, rule, PGM_SEVERITY_ERROR, message,
									"If this is intended, register the revision with allow_destructive => true; it is then marked destructive.");

	f->sqlstate = ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
	f->destructive = true;
}

/* ---- what earlier statements created ---- */

/*
 * Names are kept in hash tables, so that a script of many statements (the
 * diff engine writes tens of thousands) is linted in linear time.  A key
 * longer than PGM_LINT_KEYLEN is cut there: two such names that begin
 * alike are taken for one, which only makes a finding less likely.
 */
#define PGM_LINT_KEYLEN 256

typedef struct PgmLintEntry
{
	char		key[PGM_LINT_KEYLEN];
	int			position;
} PgmLintEntry;

static HTAB *
pgm_lint_table(const char *name)
{
	HASHCTL		ctl;

	ctl.keysize = PGM_LINT_KEYLEN;
	ctl.entrysize = sizeof(PgmLintEntry);
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, 256, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

/* The entry of "kind:name" in `table`, made when `enter` and not there. */
static PgmLintEntry *
pgm_lint_entry(HTAB *table, const char *kind, const char *name, bool enter)
{
	char		key[PGM_LINT_KEYLEN];

	snprintf(key, sizeof(key), "%s:%s", kind, name);
	return hash_search(table, key, enter ? HASH_ENTER : HASH_FIND, NULL);
}

static void
pgm_remember(PgmLint *lint, const char *kind, const char *name)
{
	pgm_lint_entry(lint->created, kind, name, true);
}

static bool
pgm_created_here(PgmLint *lint, const char *kind, const char *name)
{
	return pgm_lint_entry(lint->created, kind, name, false) != NULL;
}

/* Relations are remembered by bare name: s.t and t are the same here. */
static void
pgm_remember_relation(PgmLint *lint, const RangeVar *rv)
{
	if (rv)
		pgm_remember(lint, "relation", rv->relname);
}

static bool
pgm_relation_is_new(PgmLint *lint, const RangeVar *rv)
{
	return rv != NULL && pgm_created_here(lint, "relation", rv->relname);
}

static const char *
pgm_rv_name(const RangeVar *rv)
{
	return quote_qualified_identifier(rv->schemaname, rv->relname);
}

static const char *
pgm_last_name(List *names)
{
	return strVal(llast(names));
}

/*
 * Statements that take an ACCESS EXCLUSIVE (or SHARE) lock on a table that
 * exists already should come after a lock_timeout: reported once per SQL.
 */
static void
pgm_strong_lock(PgmLint *lint, const RangeVar *rv)
{
	if (lint->lock_timeout_set || lint->lock_timeout_reported || pgm_relation_is_new(lint, rv))
		return;
	lint->lock_timeout_reported = true;
	pgm_add_finding(lint, "missing-lock-timeout", PGM_SEVERITY_WARNING,
					psprintf("statement locks table %s without a lock_timeout", pgm_rv_name(rv)),
					"Begin the revision with SET lock_timeout = '5s', so that it fails fast instead of queueing behind a long transaction and blocking every query on the table.");
}

/*
 * Where the SQL last creates what dropping first would only replace: a
 * view or materialized view, a routine (for pgm_created_later()).
 */
static void
pgm_note_creation(PgmLint *lint, Node *tree, int position)
{
	const char *kind = NULL;
	const char *name = NULL;

	if (IsA(tree, ViewStmt))
	{
		kind = "view";
		name = ((ViewStmt *) tree)->view->relname;
	}
	else if (IsA(tree, CreateTableAsStmt) && ((CreateTableAsStmt *) tree)->objtype == OBJECT_MATVIEW)
	{
		kind = "matview";
		name = ((CreateTableAsStmt *) tree)->into->rel->relname;
	}
	else if (IsA(tree, CreateFunctionStmt))
	{
		kind = "routine";
		name = pgm_last_name(((CreateFunctionStmt *) tree)->funcname);
	}
	if (kind != NULL)
		pgm_lint_entry(lint->created_at, kind, name, true)->position = position;
}

/*
 * Is a view or routine named `name` created again later in the same SQL?
 * Then dropping it first only replaces a definition (the usual way to
 * change a view's columns or a function's result type), and destroys
 * nothing.  (A materialized view is replaced by CREATE MATERIALIZED VIEW
 * or by a plain view of its name.)
 */
static bool
pgm_created_later(PgmLint *lint, ObjectType type, const char *name)
{
	PgmLintEntry *e = NULL;
	PgmLintEntry *m = NULL;

	if (type == OBJECT_VIEW || type == OBJECT_MATVIEW)
		e = pgm_lint_entry(lint->created_at, "view", name, false);
	if (type == OBJECT_MATVIEW)
		m = pgm_lint_entry(lint->created_at, "matview", name, false);
	if (type == OBJECT_FUNCTION || type == OBJECT_PROCEDURE || type == OBJECT_ROUTINE)
		e = pgm_lint_entry(lint->created_at, "routine", name, false);
	return (e != NULL && e->position > lint->position) || (m != NULL && m->position > lint->position);
}

/*
 * Does a relation named as written exist now?  (For DROP ... IF EXISTS:
 * when it does not, the statement drops nothing in this database.)
 */
static bool
pgm_relation_exists(const RangeVar *rv)
{
	return OidIsValid(RangeVarGetRelid(rv, NoLock, true));
}

/*
 * SET lock_timeout to something other than 0, the value read as the server
 * reads it (units, fractions rounded to milliseconds); RESET and DEFAULT
 * are 0, and a value the server would refuse sets nothing.
 */
static bool
pgm_sets_a_timeout(const VariableSetStmt *set)
{
	A_Const    *value;
	const char *text;
	int			ms;

	if (set->kind != VAR_SET_VALUE || set->args == NIL || !IsA(linitial(set->args), A_Const))
		return false;
	value = (A_Const *) linitial(set->args);
	if (pgm_a_const_isnull(value))
		return false;
	if (IsA(&value->val, Integer))
		return intVal(&value->val) > 0;
	if (IsA(&value->val, Float))
		text = castNode(Float, &value->val)->fval;
	else if (IsA(&value->val, String))
		text = strVal(&value->val);
	else
		return false;
	return parse_int(text, &ms, GUC_UNIT_MS, NULL) && ms > 0;
}

/*
 * SET search_path in the SQL: the schemas it names, where they are plain
 * names (anything else, RESET or DEFAULT: not known, search_path_set with
 * NIL).
 */
static void
pgm_note_search_path(PgmLint *lint, const VariableSetStmt *set)
{
	ListCell   *lc;

	lint->search_path_set = true;
	lint->search_path = NIL;
	if (set->kind != VAR_SET_VALUE)
		return;
	foreach(lc, set->args)
	{
		A_Const    *value = lfirst(lc);

		if (!IsA(value, A_Const) || !IsA(&value->val, String))
		{
			lint->search_path = NIL;
			return;
		}
		lint->search_path = lappend(lint->search_path, strVal(&value->val));
	}
}

/*
 * The relation a statement of the SQL names, as the catalogs know it
 * before the SQL runs: through the renames of the statements before it,
 * and under the search_path the SQL set; InvalidOid when not there.
 * *column is set to the column's name before those renames.
 */
static Oid
pgm_lint_relid_before(PgmLint *lint, const RangeVar *table, const char **column)
{
	const char *relname = table->relname;
	ListCell   *lc;
	int			i;

	/* latest first: a column renamed on a table renamed before */
	for (i = list_length(lint->renames) - 1; i >= 0; i--)
	{
		PgmLintRename *r = list_nth(lint->renames, i);

		if (r->column && column && strcmp(r->relname, relname) == 0 && strcmp(r->newname, *column) == 0)
			*column = r->oldname;
		else if (!r->column && strcmp(r->newname, relname) == 0)
			relname = r->oldname;
	}
	if (table->schemaname == NULL && lint->search_path_set)
	{
		foreach(lc, lint->search_path)
		{
			Oid			nsp = get_namespace_oid((char *) lfirst(lc), true);
			Oid			relid = OidIsValid(nsp) ? get_relname_relid(relname, nsp) : InvalidOid;

			if (OidIsValid(relid))
				return relid;
		}
		return InvalidOid;
	}
	return RangeVarGetRelid(makeRangeVar(table->schemaname, (char *) relname, -1), NoLock, true);
}

/* ---- column types ---- */

static const char *
pgm_type_name(const TypeName *type)
{
	return type && type->names ? pgm_last_name(type->names) : "";
}

/* The built-in type `name`, as the grammar spells it or as written (int4). */
static bool
pgm_is_system_type(const TypeName *type, const char *name)
{
	if (type == NULL || strcmp(pgm_type_name(type), name) != 0)
		return false;
	return list_length(type->names) == 1 ||
		(list_length(type->names) == 2 && strcmp(strVal(linitial(type->names)), "pg_catalog") == 0);
}

static bool
pgm_has_constraint(List *constraints, ConstrType contype)
{
	ListCell   *lc;

	foreach(lc, constraints)
		if (IsA(lfirst(lc), Constraint) && ((Constraint *) lfirst(lc))->contype == contype)
			return true;
	return false;
}

/* Type choices for one column; `is_key` when a table constraint makes it a key. */
static void
pgm_lint_column_type(PgmLint *lint, const ColumnDef *col, bool is_key)
{
	const char *type = pgm_type_name(col->typeName);
	bool		serial = strcmp(type, "serial") == 0 || strcmp(type, "serial4") == 0 ||
		strcmp(type, "smallserial") == 0 || strcmp(type, "serial2") == 0;
	bool		bigserial = strcmp(type, "bigserial") == 0 || strcmp(type, "serial8") == 0;

	is_key = is_key || pgm_has_constraint(col->constraints, CONSTR_PRIMARY) ||
		pgm_has_constraint(col->constraints, CONSTR_IDENTITY) ||
		pgm_has_constraint(col->constraints, CONSTR_FOREIGN);

	if (serial || bigserial)
		pgm_add_finding(lint, "prefer-identity", PGM_SEVERITY_INFO,
						psprintf("column %s uses %s", quote_identifier(col->colname), type),
						"Use bigint GENERATED ALWAYS AS IDENTITY: an identity column owns its sequence and cannot be written by accident.");
	if (serial || ((pgm_is_system_type(col->typeName, "int4") ||
					pgm_is_system_type(col->typeName, "int2")) && is_key))
		pgm_add_finding(lint, "prefer-bigint", PGM_SEVERITY_INFO,
						psprintf("key column %s is a 16- or 32-bit integer", quote_identifier(col->colname)),
						"Use bigint for keys: an integer key runs out at 2147483647, and widening it later rewrites the table and every table that references it.");
	if (pgm_is_system_type(col->typeName, "timestamp"))
		pgm_add_finding(lint, "prefer-timestamptz", PGM_SEVERITY_INFO,
						psprintf("column %s is timestamp without time zone", quote_identifier(col->colname)),
						"Use timestamptz: it stores an instant, whatever the time zone of the session that writes or reads it.");
	if (pgm_is_system_type(col->typeName, "bpchar"))
		pgm_add_finding(lint, "char-column", PGM_SEVERITY_INFO,
						psprintf("column %s is char(n)", quote_identifier(col->colname)),
						"Use text (with a CHECK constraint on the length if one is needed): char(n) pads values with spaces.");
	if (pgm_is_system_type(col->typeName, "varchar") && col->typeName->typmods != NIL)
		pgm_add_finding(lint, "varchar-length", PGM_SEVERITY_INFO,
						psprintf("column %s is varchar(n)", quote_identifier(col->colname)),
						"Use text with a CHECK constraint on the length: changing a CHECK is cheap, while shortening varchar(n) rewrites the table.");
}

/* ---- volatile defaults ---- */

static bool
pgm_volatile_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncCall))
	{
		FuncCall   *call = (FuncCall *) node;
		FuncCandidateList c = pgm_function_candidates(call->funcname, list_length(call->args));

		for (; c; c = c->next)
			if (func_volatile(c->oid) == PROVOLATILE_VOLATILE)
				return true;
	}
	return raw_expression_tree_walker(node, pgm_volatile_walker, context);
}

static Node *
pgm_column_default(const ColumnDef *col)
{
	ListCell   *lc;

	if (col->raw_default)
		return col->raw_default;
	foreach(lc, col->constraints)
	{
		Constraint *c = (Constraint *) lfirst(lc);

		if (IsA(c, Constraint) && c->contype == CONSTR_DEFAULT)
			return c->raw_expr;
	}
	return NULL;
}

/* ---- statements ---- */

static void
pgm_lint_create_table(PgmLint *lint, const CreateStmt *stmt)
{
	List	   *keys = NIL;
	ListCell   *lc;

	foreach(lc, stmt->tableElts)
	{
		Constraint *c = (Constraint *) lfirst(lc);

		if (IsA(c, Constraint) && (c->contype == CONSTR_PRIMARY || c->contype == CONSTR_FOREIGN))
			keys = list_concat(keys, c->contype == CONSTR_PRIMARY ? c->keys : c->fk_attrs);
	}
	foreach(lc, stmt->tableElts)
	{
		ColumnDef  *col = (ColumnDef *) lfirst(lc);
		bool		is_key = false;
		ListCell   *k;

		if (!IsA(col, ColumnDef))
			continue;
		foreach(k, keys)
			if (strcmp(strVal(lfirst(k)), col->colname) == 0)
				is_key = true;
		pgm_lint_column_type(lint, col, is_key);
	}
	if (!stmt->if_not_exists)	/* it may have existed with its data */
		pgm_remember_relation(lint, stmt->relation);
}

static void pgm_lint_add_constraint(PgmLint *lint, const RangeVar *table, const Constraint *c);

static void
pgm_lint_add_column(PgmLint *lint, const RangeVar *table, const ColumnDef *col)
{
	Node	   *def = pgm_column_default(col);
	ListCell   *lc;

	pgm_lint_column_type(lint, col, false);
	pgm_remember(lint, "column", psprintf("%s.%s", table->relname, col->colname));
	if (pgm_relation_is_new(lint, table))
		return;
	/* what an inline constraint does to a table with rows */
	foreach(lc, col->constraints)
	{
		Constraint *c = lfirst_node(Constraint, lc);

		if (c->contype == CONSTR_GENERATED && pgm_generated_is_stored(c))
			pgm_add_finding(lint, "table-rewrite", PGM_SEVERITY_WARNING,
							psprintf("adding the stored generated column %s rewrites table %s under an ACCESS EXCLUSIVE lock",
									 quote_identifier(col->colname), pgm_rv_name(table)),
							"Add a plain column, fill it in batches, and keep it up to date with a trigger.");
		else if (c->contype == CONSTR_FOREIGN || c->contype == CONSTR_UNIQUE ||
				 c->contype == CONSTR_PRIMARY || c->contype == CONSTR_CHECK)
			pgm_lint_add_constraint(lint, table, c);
	}
	if (pgm_relation_is_new(lint, table))
		return;
	if (def && pgm_volatile_walker(def, NULL))
		pgm_add_finding(lint, "add-column-volatile-default", PGM_SEVERITY_WARNING,
						psprintf("adding column %s with a volatile default rewrites table %s",
								 quote_identifier(col->colname), pgm_rv_name(table)),
						"Add the column without a default, then set the default and fill existing rows in batches.");
	else if (pgm_has_constraint(col->constraints, CONSTR_IDENTITY) ||
			 strstr(pgm_type_name(col->typeName), "serial") != NULL)
		pgm_add_finding(lint, "add-column-volatile-default", PGM_SEVERITY_WARNING,
						psprintf("adding column %s filled from a sequence rewrites table %s",
								 quote_identifier(col->colname), pgm_rv_name(table)),
						"Add the column without a default, then attach the sequence and fill existing rows in batches.");
	if ((col->is_not_null || pgm_has_constraint(col->constraints, CONSTR_NOTNULL)) && def == NULL &&
		!pgm_has_constraint(col->constraints, CONSTR_IDENTITY) &&
		!pgm_has_constraint(col->constraints, CONSTR_GENERATED))
		pgm_add_finding(lint, "add-column-not-null-without-default", PGM_SEVERITY_WARNING,
						psprintf("adding NOT NULL column %s without a default fails if table %s has rows",
								 quote_identifier(col->colname), pgm_rv_name(table)),
						"Give the column a default, or add it as nullable, fill it, then SET NOT NULL.");
}

/*
 * How to make a column NOT NULL without a scan under lock: the server's
 * own NOT NULL constraint NOT VALID (18), else a CHECK that SET NOT NULL
 * uses.
 */
static const char *
pgm_not_null_advice(void)
{
	return PGM_HAS_NOT_NULL_CONSTRAINTS ?
		"Add it NOT VALID (ALTER TABLE ... ADD CONSTRAINT name NOT NULL column NOT VALID), then VALIDATE CONSTRAINT in a later revision: validation does not block reads or writes." :
		"Add CHECK (column IS NOT NULL) NOT VALID, VALIDATE it in a later revision, then SET NOT NULL: PostgreSQL uses the valid check and skips the scan.";
}

static bool pgm_has_valid_not_null_check(const RangeVar *table, const char *column);

static void
pgm_lint_add_constraint(PgmLint *lint, const RangeVar *table, const Constraint *c)
{
	if (pgm_relation_is_new(lint, table))
		return;
	switch (c->contype)
	{
		case CONSTR_FOREIGN:
		case CONSTR_CHECK:
			if (!c->skip_validation)
				pgm_add_finding(lint, "constraint-without-not-valid", PGM_SEVERITY_WARNING,
								psprintf("adding a %s constraint to table %s checks every row while holding a lock",
										 c->contype == CONSTR_FOREIGN ? "foreign key" : "check",
										 pgm_rv_name(table)),
								"Add it NOT VALID, then run ALTER TABLE ... VALIDATE CONSTRAINT in a later revision: validation does not block writes.");
			break;
		case CONSTR_UNIQUE:
		case CONSTR_PRIMARY:
			if (pgm_constraint_without_overlaps(c))
				pgm_add_finding(lint, "add-temporal-key", PGM_SEVERITY_WARNING,
								psprintf("adding a %s WITHOUT OVERLAPS to table %s builds its GiST index and checks every row under an ACCESS EXCLUSIVE lock",
										 c->contype == CONSTR_PRIMARY ? "primary key" : "unique constraint",
										 pgm_rv_name(table)),
								"There is no concurrent way to add one (USING INDEX takes no GiST index): plan it for a quiet moment, on a table that is small then.");
			else if (c->contype == CONSTR_PRIMARY && c->indexname == NULL)
				pgm_add_finding(lint, "add-primary-key", PGM_SEVERITY_WARNING,
								psprintf("adding a primary key to table %s builds its index while blocking writes",
										 pgm_rv_name(table)),
								"Build a unique index with CREATE UNIQUE INDEX CONCURRENTLY, then ADD PRIMARY KEY USING INDEX.");
			else if (c->contype == CONSTR_UNIQUE && c->indexname == NULL)
				pgm_add_finding(lint, "unique-without-index", PGM_SEVERITY_WARNING,
								psprintf("adding a unique constraint to table %s builds its index while blocking writes",
										 pgm_rv_name(table)),
								"Build a unique index with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX.");
			break;
		case CONSTR_NOTNULL:
			/* ADD CONSTRAINT name NOT NULL column (18): as SET NOT NULL */
			if (!c->skip_validation && list_length(c->keys) == 1 &&
				!pgm_has_valid_not_null_check(table, strVal(linitial(c->keys))))
				pgm_add_finding(lint, "set-not-null", PGM_SEVERITY_WARNING,
								psprintf("adding a NOT NULL constraint on column %s scans table %s while blocking reads and writes",
										 quote_identifier(strVal(linitial(c->keys))), pgm_rv_name(table)),
								pgm_not_null_advice());
			break;
		case CONSTR_EXCLUSION:
			pgm_add_finding(lint, "add-exclusion-constraint", PGM_SEVERITY_WARNING,
							psprintf("adding an exclusion constraint to table %s builds its index and checks every row while blocking writes",
									 pgm_rv_name(table)),
							"There is no concurrent way to add one: plan it for a quiet moment, on a table that is small then.");
			break;
		default:
			break;
	}
	/* ADD ... NOT VALID, for VALIDATE in the same SQL (NOT ENFORCED is no VALIDATE's) */
	if (c->skip_validation && c->conname && (c->contype == CONSTR_NOTNULL || pgm_constraint_is_enforced(c)))
		pgm_remember(lint, "not-valid", psprintf("%s.%s", table->relname, c->conname));
}

/*
 * Has the table (in the catalogs) a validated CHECK (column IS NOT NULL)?
 * Then SET NOT NULL uses it and skips the scan (PostgreSQL 12 on).
 */
static bool
pgm_has_valid_not_null_check(const RangeVar *table, const char *column)
{
	Oid			relid = RangeVarGetRelid(table, NoLock, true);
	AttrNumber	attnum = OidIsValid(relid) ? get_attnum(relid, column) : InvalidAttrNumber;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	bool		found = false;

	if (attnum == InvalidAttrNumber)
		return false;
	rel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, ConstraintRelidTypidNameIndexId, true, NULL, 1, &key);
	while (!found && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tuple);
		bool		isnull;
		Datum		bin;
		Node	   *expr;

		if (con->contype != CONSTRAINT_CHECK || !con->convalidated)
			continue;
		bin = heap_getattr(tuple, Anum_pg_constraint_conbin, RelationGetDescr(rel), &isnull);
		if (isnull)
			continue;
		expr = stringToNode(TextDatumGetCString(bin));
		found = IsA(expr, NullTest) && ((NullTest *) expr)->nulltesttype == IS_NOT_NULL &&
			IsA(((NullTest *) expr)->arg, Var) && ((Var *) ((NullTest *) expr)->arg)->varattno == attnum;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * ALTER COLUMN ... SET EXPRESSION (17): a stored generated column is
 * computed again for every row, a rewrite; a virtual one (18), computed
 * when read, changes in the catalogs only.
 */
static void
pgm_lint_set_expression(PgmLint *lint, const RangeVar *table, const char *column)
{
	Oid			relid = RangeVarGetRelid(table, NoLock, true);
	AttrNumber	attnum = OidIsValid(relid) ? get_attnum(relid, column) : InvalidAttrNumber;

	if (attnum != InvalidAttrNumber && pgm_attgenerated_is_virtual(get_attgenerated(relid, attnum)))
		return;
	pgm_add_finding(lint, "table-rewrite", PGM_SEVERITY_WARNING,
					psprintf("SET EXPRESSION on the generated column %s rewrites table %s under an ACCESS EXCLUSIVE lock",
							 quote_identifier(column), pgm_rv_name(table)),
					"Plan it for a quiet moment; a virtual generated column (PostgreSQL 18) changes its expression without a rewrite.");
}

/*
 * Does changing a column from (old, oldmod) to (new, newmod) leave the
 * table as it is?  PostgreSQL's rules: a binary-coercible type without a
 * length, or the same type with a limit its support function knows to be
 * a no-op when it widens or goes (varchar, varbit, numeric with the same
 * scale, timestamp and interval precision).  char(n) is padded: rewritten.
 */
static bool
pgm_type_change_keeps_table(Oid old, int32 oldmod, Oid new, int32 newmod)
{
	if (old != new)
		return newmod < 0 && IsBinaryCoercible(old, new);
	if (newmod == oldmod || newmod < 0)
		return newmod == oldmod || old != BPCHAROID;
	if (oldmod < 0)
		return false;			/* a limit where there was none: checked and rewritten */
	switch (old)
	{
		case VARCHAROID:
		case VARBITOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
		case INTERVALOID:
			return newmod >= oldmod;
		case NUMERICOID:
			/* typmod is ((precision << 16) | scale) + VARHDRSZ */
			return ((newmod - VARHDRSZ) & 0xffff) == ((oldmod - VARHDRSZ) & 0xffff) &&
				((newmod - VARHDRSZ) >> 16) >= ((oldmod - VARHDRSZ) >> 16);
		default:
			return false;
	}
}

/*
 * Does changing a column of type `type` from limit oldmod to newmod (not a
 * no-op, pgm_type_change_keeps_table()) refuse a value that does not fit
 * rather than change it?  So PostgreSQL's assignment casts do, which ALTER
 * COLUMN ... TYPE without USING applies: varchar, char (whose padding
 * spaces do not count) and varbit raise an error on a longer value;
 * numeric on a value too large, as long as the scale does not shrink
 * (then it rounds).  An explicit cast, as a USING would write, cuts
 * varchar and char instead.
 */
static bool
pgm_type_change_refuses_not_cuts(Oid type, int32 oldmod, int32 newmod)
{
	switch (type)
	{
		case VARCHAROID:
		case BPCHAROID:
		case VARBITOID:
			return true;
		case NUMERICOID:
			return oldmod >= 0 && newmod >= 0 &&
				((newmod - VARHDRSZ) & 0xffff) >= ((oldmod - VARHDRSZ) & 0xffff);
		default:
			return false;
	}
}

/*
 * ALTER COLUMN ... TYPE, judged with the catalogs where they know the
 * column: no finding when the table is left as it is; a rewrite warning
 * when an implicit cast (one PostgreSQL applies on its own, because it
 * loses nothing) converts the values, or when another limit of the same
 * type, or varchar(n) or char(n) from text, refuses a value that does not
 * fit rather than cut it (without USING); otherwise (a USING expression,
 * an explicit cast) a destructive change: the old values may not convert
 * back.  A USING that is the plain cast of the column to the new type is
 * the same change as none, except where a cast would cut what an
 * assignment refuses.
 */
static void
pgm_lint_column_type_change(PgmLint *lint, const RangeVar *table, const char *column,
							const ColumnDef *def)
{
	const char *known_as = column;
	Oid			relid = pgm_lint_relid_before(lint, table, &known_as);
	AttrNumber	attnum = OidIsValid(relid) ? get_attnum(relid, known_as) : InvalidAttrNumber;

	/*
	 * A column the catalogs do not know yet (found through the renames and
	 * the search_path of the statements before; a parent revision, not
	 * applied, makes it): judged when the revision is applied, when they
	 * do (pgm_judge_at_apply()), not refused unseen.  Not there even then:
	 * one an earlier statement added has no old values; any other cannot
	 * be judged, and is destructive.
	 */
	if (attnum == InvalidAttrNumber)
	{
		if (!lint->at_apply)
		{
			PgmFinding *f = pgm_add_finding(lint, "column-type-change-at-apply", PGM_SEVERITY_WARNING,
											psprintf("changing the type of column %s of table %s is judged when the revision is applied: the column is not there yet",
													 quote_identifier(column), pgm_rv_name(table)),
											"If the old values may not convert back then, the apply stops there; if that is meant, register the revision with allow_destructive => true now.");

			f->at_apply = true;
		}
		else if (!pgm_created_here(lint, "column", psprintf("%s.%s", table->relname, column)))
			pgm_destructive(lint, "column-type-change",
							psprintf("changing the type of column %s of table %s cannot be judged: the column is not found before the revision runs, under the names and search_path its SQL uses",
									 quote_identifier(column), pgm_rv_name(table)));
		return;
	}
	if (def->raw_default == NULL || pgm_using_is_plain_cast(def, column))
	{
		Oid			old;
		int32		oldmod;
		Oid			collation;
		int32		newmod;
		Type		type = LookupTypeName(NULL, def->typeName, &newmod, true);

		get_atttypetypmodcoll(relid, attnum, &old, &oldmod, &collation);
		if (type != NULL)
		{
			Oid			new = typeTypeId(type);
			Oid			funcid;
			bool		cuts;
			const char *tail = NULL;

			ReleaseSysCache(type);
			if (pgm_type_change_keeps_table(old, oldmod, new, newmod))
				return;
			/* a cast, as a USING writes it, cuts a string to its limit: destructive */
			cuts = def->raw_default != NULL && newmod >= 0 &&
				(new == VARCHAROID || new == BPCHAROID || new == VARBITOID);
			/* another limit of the same type, which refuses what does not fit */
			if (!cuts && def->raw_default == NULL &&
				(old == new ? pgm_type_change_refuses_not_cuts(new, oldmod, newmod) :
				 old == TEXTOID && (new == VARCHAROID || new == BPCHAROID) && newmod >= 0))
				tail = ", and fails if a value does not fit";
			/* another type PostgreSQL converts to on its own, losing nothing */
			else if (!cuts && old != new &&
					 find_coercion_pathway(new, old, COERCION_IMPLICIT, &funcid) != COERCION_PATH_NONE)
				tail = "";
			if (tail)
			{
				pgm_strong_lock(lint, table);
				pgm_add_finding(lint, "table-rewrite", PGM_SEVERITY_WARNING,
								psprintf("changing column %s of table %s from %s to %s rewrites the table under an ACCESS EXCLUSIVE lock%s",
										 quote_identifier(column), pgm_rv_name(table),
										 format_type_with_typemod(old, oldmod), format_type_with_typemod(new, newmod), tail),
								*tail ?
								"PostgreSQL checks every value and refuses one that does not fit rather than cutting it: nothing is lost. On a big table, add a CHECK constraint NOT VALID for the limit and validate it first, or add a new column, fill it in batches and switch over." :
								"The values convert without loss (an implicit cast); on a big table, add a new column, fill it in batches and switch over instead.");
				return;
			}
		}
	}
	pgm_destructive(lint, "column-type-change",
					psprintf("changing the type of column %s of table %s rewrites the table under an ACCESS EXCLUSIVE lock, and the old values may not convert back",
							 quote_identifier(column), pgm_rv_name(table)));
}

/*
 * ALTER TYPE ... ADD/DROP/ALTER ATTRIBUTE of a composite type: no rows of
 * its own, no table lock; dropping an attribute drops its values wherever
 * the type is stored.
 */
static void
pgm_lint_alter_composite(PgmLint *lint, const AlterTableStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);

		if (cmd->subtype == AT_DropColumn && !pgm_relation_is_new(lint, stmt->relation))
			pgm_destructive(lint, "drop-column",
							psprintf("dropping attribute %s of type %s destroys its values wherever the type is stored",
									 quote_identifier(cmd->name), pgm_rv_name(stmt->relation)));
	}
}

static void
pgm_lint_alter_table(PgmLint *lint, const AlterTableStmt *stmt)
{
	const RangeVar *table = stmt->relation;
	bool		is_new = pgm_relation_is_new(lint, table);
	const char *constraint = NULL;
	bool		enforced = false;
	ListCell   *lc;

	if (stmt->objtype == OBJECT_TYPE)
	{
		pgm_lint_alter_composite(lint, stmt);
		return;
	}
	pgm_strong_lock(lint, table);
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);

		switch (cmd->subtype)
		{
			case AT_AddColumn:
				pgm_lint_add_column(lint, table, (ColumnDef *) cmd->def);
				break;
			case AT_DropColumn:
				if (!is_new)
					pgm_destructive(lint, "drop-column",
									psprintf("dropping column %s of table %s destroys its data",
											 quote_identifier(cmd->name), pgm_rv_name(table)));
				break;
			case AT_AlterColumnType:
				if (!is_new)
					pgm_lint_column_type_change(lint, table, cmd->name, (ColumnDef *) cmd->def);
				break;
			case AT_ValidateConstraint:
				if (pgm_created_here(lint, "not-valid", psprintf("%s.%s", table->relname, cmd->name)))
					pgm_add_finding(lint, "validate-in-same-transaction", PGM_SEVERITY_WARNING,
									psprintf("constraint %s is added NOT VALID and validated in the same revision: the lock of the ADD is held while VALIDATE scans table %s",
											 quote_identifier(cmd->name), pgm_rv_name(table)),
									"Validate it in a later revision: then VALIDATE takes only a lock that lets reads and writes go on.");
				break;
			case AT_AlterConstraint:
				if (!is_new && pgm_alter_constraint_enforcement(cmd, &constraint, &enforced) && enforced)
					pgm_add_finding(lint, "alter-constraint-enforced", PGM_SEVERITY_WARNING,
									psprintf("making constraint %s of table %s ENFORCED checks every row while holding an ACCESS EXCLUSIVE lock",
											 quote_identifier(constraint), pgm_rv_name(table)),
									"Drop it and add it again NOT VALID in the same revision, then run ALTER TABLE ... VALIDATE CONSTRAINT in a later one: validation does not block writes.");
				break;
			case AT_SetNotNull:
				if (!is_new && !pgm_has_valid_not_null_check(table, cmd->name))
					pgm_add_finding(lint, "set-not-null", PGM_SEVERITY_WARNING,
									psprintf("SET NOT NULL on column %s scans table %s while blocking reads and writes",
											 quote_identifier(cmd->name), pgm_rv_name(table)),
									pgm_not_null_advice());
				break;
			case AT_AddConstraint:
				pgm_lint_add_constraint(lint, table, (Constraint *) cmd->def);
				break;
			case AT_DetachPartition:
				if (pgm_detach_is_concurrent((PartitionCmd *) cmd->def))
					pgm_non_transactional(lint, "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY");
				else if (!is_new)
					pgm_add_finding(lint, "detach-partition-without-concurrently", PGM_SEVERITY_WARNING,
									psprintf("detaching a partition of %s takes an ACCESS EXCLUSIVE lock on it, blocking every query",
											 pgm_rv_name(table)),
									"Use DETACH PARTITION ... CONCURRENTLY in a revision registered with transactional => false.");
				break;
			case AT_SetTableSpace:
			case AT_SetLogged:
			case AT_SetUnLogged:
				if (!is_new)
					pgm_add_finding(lint, "table-rewrite", PGM_SEVERITY_WARNING,
									psprintf("this ALTER TABLE rewrites table %s under an ACCESS EXCLUSIVE lock",
											 pgm_rv_name(table)),
									"Plan it for a quiet moment, or copy the data into a new table in batches.");
				break;
			default:
				if (pgm_cmd_sets_expression(cmd) && !is_new)
					pgm_lint_set_expression(lint, table, cmd->name);
				break;
		}
	}
}

static void
pgm_lint_rename(PgmLint *lint, const RenameStmt *stmt)
{
	if (stmt->renameType == OBJECT_SCHEMA && !pgm_created_here(lint, "schema", stmt->subname))
		pgm_add_finding(lint, "rename-schema", PGM_SEVERITY_WARNING,
						psprintf("renaming schema %s breaks every query and search_path that still uses the old name",
								 quote_identifier(stmt->subname)),
						"Deploy code that works with both names first, then rename.");
	if (stmt->relation == NULL)
		return;
	if (stmt->renameType == OBJECT_COLUMN || stmt->renameType == OBJECT_TABLE)
	{
		PgmLintRename *r = palloc(sizeof(PgmLintRename));

		r->column = stmt->renameType == OBJECT_COLUMN;
		r->relname = stmt->relation->relname;
		r->oldname = r->column ? stmt->subname : stmt->relation->relname;
		r->newname = stmt->newname;
		lint->renames = lappend(lint->renames, r);
	}
	if (pgm_relation_is_new(lint, stmt->relation))
	{
		if (stmt->renameType != OBJECT_COLUMN && stmt->renameType != OBJECT_TABCONSTRAINT &&
			stmt->renameType != OBJECT_TRIGGER && stmt->renameType != OBJECT_POLICY)
			pgm_remember(lint, "relation", stmt->newname);
		return;
	}
	pgm_strong_lock(lint, stmt->relation);
	if (stmt->renameType == OBJECT_TABLE)
		pgm_add_finding(lint, "rename-table", PGM_SEVERITY_WARNING,
						psprintf("renaming table %s breaks every query that still uses the old name",
								 pgm_rv_name(stmt->relation)),
						"Deploy code that works with both names first (for instance through a view with the old name), then rename.");
	else if (stmt->renameType == OBJECT_COLUMN)
		pgm_add_finding(lint, "rename-column", PGM_SEVERITY_WARNING,
						psprintf("renaming column %s of table %s breaks every query that still uses the old name",
								 quote_identifier(stmt->subname), pgm_rv_name(stmt->relation)),
						"Add the new column, write both, backfill, move readers, then drop the old one in a later revision.");
}

static void
pgm_lint_drop(PgmLint *lint, const DropStmt *stmt)
{
	const char *rule;
	const char *what;
	const char *kind = "relation";
	ListCell   *lc;

	switch (stmt->removeType)
	{
		case OBJECT_TABLE:
			rule = "drop-table", what = "table";
			break;
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
			rule = "drop-view", what = "view";
			break;
		case OBJECT_SEQUENCE:
			rule = "drop-sequence", what = "sequence";
			break;
		case OBJECT_SCHEMA:
			rule = "drop-schema", what = "schema", kind = "schema";
			break;
		case OBJECT_TYPE:
		case OBJECT_DOMAIN:
			rule = "drop-type", what = "type", kind = "type";
			break;
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
			rule = "drop-function", what = "function", kind = "function";
			break;
		case OBJECT_TRIGGER:
			foreach(lc, stmt->objects)
			{
				List	   *names = (List *) lfirst(lc);

				if (list_length(names) >= 2)
					pgm_strong_lock(lint, makeRangeVarFromNameList(list_truncate(list_copy(names),
																				 list_length(names) - 1)));
			}
			return;
		case OBJECT_INDEX:
			if (stmt->concurrent)
				pgm_non_transactional(lint, "DROP INDEX CONCURRENTLY");
			else
			{
				foreach(lc, stmt->objects)
				{
					RangeVar   *rv = makeRangeVarFromNameList((List *) lfirst(lc));

					if (!pgm_relation_is_new(lint, rv))
					{
						pgm_strong_lock(lint, rv);
						pgm_add_finding(lint, "drop-index-without-concurrently", PGM_SEVERITY_WARNING,
										psprintf("dropping index %s blocks reads and writes of its table",
												 pgm_rv_name(rv)),
										"Use DROP INDEX CONCURRENTLY in a revision registered with transactional => false.");
						break;
					}
				}
			}
			return;
		default:
			return;
	}

	foreach(lc, stmt->objects)
	{
		List	   *names;
		const char *name;
		bool		data;

		if (stmt->removeType == OBJECT_FUNCTION || stmt->removeType == OBJECT_PROCEDURE ||
			stmt->removeType == OBJECT_ROUTINE)
			names = ((ObjectWithArgs *) lfirst(lc))->objname;
		else if (stmt->removeType == OBJECT_SCHEMA)
			names = list_make1(lfirst(lc));
		else if (stmt->removeType == OBJECT_TYPE || stmt->removeType == OBJECT_DOMAIN)
			names = ((TypeName *) lfirst(lc))->names;
		else
			names = (List *) lfirst(lc);
		name = pgm_last_name(names);
		if (pgm_created_here(lint, kind, name) || pgm_created_later(lint, stmt->removeType, name))
			continue;
		if (strcmp(kind, "relation") == 0)
		{
			RangeVar   *rv = makeRangeVarFromNameList(names);

			/* IF EXISTS of a relation that is not there drops nothing here */
			if (stmt->missing_ok && !pgm_relation_exists(rv))
			{
				pgm_add_finding(lint, "drop-if-exists", PGM_SEVERITY_INFO,
								psprintf("%s %s does not exist in this database: DROP ... IF EXISTS drops nothing here",
										 what, NameListToQuotedString(names)),
								"Where it does exist, the statement drops it with whatever it holds.");
				continue;
			}
			pgm_strong_lock(lint, rv);
		}

		/*
		 * Only what holds data is destroyed by a drop: a table, a sequence's
		 * position, and whatever CASCADE takes along with a schema, a type or
		 * a domain.  A view or a routine is a definition: a warning.
		 */
		data = stmt->removeType == OBJECT_TABLE || stmt->removeType == OBJECT_SEQUENCE ||
			((stmt->removeType == OBJECT_SCHEMA || stmt->removeType == OBJECT_TYPE ||
			  stmt->removeType == OBJECT_DOMAIN) && stmt->behavior == DROP_CASCADE);
		if (data)
			pgm_destructive(lint, stmt->behavior == DROP_CASCADE && stmt->removeType != OBJECT_TABLE &&
							stmt->removeType != OBJECT_SEQUENCE ? "drop-cascade" : rule,
							psprintf("dropping %s %s destroys it%s", what, NameListToQuotedString(names),
									 stmt->removeType == OBJECT_TABLE ? " and its data" :
									 stmt->behavior == DROP_CASCADE ? " and, through CASCADE, every column and object that uses it" : ""));
		else
			pgm_add_finding(lint, rule, PGM_SEVERITY_WARNING,
							psprintf("dropping %s %s breaks everything that still uses it", what,
									 NameListToQuotedString(names)),
							"Drop it after the code that uses it is gone, in a revision of its own; to change it, replace it (CREATE OR REPLACE) or re-create it in the same revision.");
	}
}

static void
pgm_lint_truncate(PgmLint *lint, const TruncateStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->relations)
	{
		RangeVar   *rv = (RangeVar *) lfirst(lc);

		pgm_strong_lock(lint, rv);
		if (!pgm_relation_is_new(lint, rv))
			pgm_destructive(lint, "truncate",
							psprintf("TRUNCATE destroys every row of table %s", pgm_rv_name(rv)));
	}
	if (stmt->behavior == DROP_CASCADE)
		pgm_add_finding(lint, "truncate-cascade", PGM_SEVERITY_WARNING,
						pstrdup("TRUNCATE ... CASCADE also empties every table that references these, recursively"),
						"Name every table to empty explicitly.");
}

/* Does an UPDATE set only columns added earlier in the same SQL (so empty before it)? */
static bool
pgm_sets_only_new_columns(PgmLint *lint, const RangeVar *table, List *targets)
{
	ListCell   *lc;

	if (targets == NIL)
		return false;
	foreach(lc, targets)
		if (!pgm_created_here(lint, "column", psprintf("%s.%s", table->relname,
													   lfirst_node(ResTarget, lc)->name)))
			return false;
	return true;
}

static void
pgm_lint_whole_table_dml(PgmLint *lint, const RangeVar *table, Node *where, bool is_delete,
						 List *targets)
{
	if (where != NULL || pgm_relation_is_new(lint, table))
		return;
	/* filling a column the same revision added destroys nothing */
	if (!is_delete && pgm_sets_only_new_columns(lint, table, targets))
		return;
	pgm_destructive(lint, is_delete ? "delete-without-where" : "update-without-where",
					psprintf("%s without WHERE changes every row of table %s",
							 is_delete ? "DELETE" : "UPDATE", pgm_rv_name(table)));
}

static bool
pgm_option_present(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
		if (strcmp(((DefElem *) lfirst(lc))->defname, name) == 0)
			return true;
	return false;
}

/* ---- pgmigrate's own objects ---- */

static bool
pgm_is_catalog_schema(const char *schema)
{
	return schema != NULL && strcmp(schema, PGM_SCHEMA) == 0;
}

/* A relation named in schema migrate, as written. */
static bool
pgm_rv_in_catalog(const RangeVar *rv)
{
	return rv != NULL && pgm_is_catalog_schema(rv->schemaname);
}

/*
 * An object of `type` named as written (a name list, a function with its
 * arguments, a type name, a bare schema or extension name) that is one of
 * pgmigrate's: in schema migrate, the schema itself, or the extension.
 */
static bool
pgm_object_in_catalog(ObjectType type, Node *object)
{
	List	   *names = NIL;

	if (object == NULL)
		return false;
	if (IsA(object, String))
		return (type == OBJECT_SCHEMA && pgm_is_catalog_schema(strVal(object))) ||
			(type == OBJECT_EXTENSION && strcmp(strVal(object), "pgmigrate") == 0);
	if (IsA(object, List))
		names = (List *) object;
	else if (IsA(object, ObjectWithArgs))
		names = ((ObjectWithArgs *) object)->objname;
	else if (IsA(object, TypeName))
		names = ((TypeName *) object)->names;
	else if (IsA(object, RangeVar))
		return pgm_rv_in_catalog((RangeVar *) object);
	/*
	 * [database.]schema.name, or for what belongs to a table (a column, a
	 * trigger, a rule, a policy, a constraint) [database.]schema.table.name
	 */
	{
		int			from_end = (type == OBJECT_COLUMN || type == OBJECT_TRIGGER ||
								type == OBJECT_RULE || type == OBJECT_POLICY ||
								type == OBJECT_TABCONSTRAINT) ? 3 : 2;
		int			at = list_length(names) - from_end;

		return at >= 0 && IsA(list_nth(names, at), String) &&
			pgm_is_catalog_schema(strVal(list_nth(names, at)));
	}
}

static bool
pgm_any_in_catalog(ObjectType type, List *objects)
{
	ListCell   *lc;

	foreach(lc, objects)
		if (pgm_object_in_catalog(type, (Node *) lfirst(lc)))
			return true;
	return false;
}

/*
 * Does the statement, as written, change one of pgmigrate's own objects?
 * Only names written with schema migrate are seen here; apply refuses the
 * rest when it runs (guard.c), whatever SQL reaches them.
 */
bool
pgm_changes_catalog(Node *tree)
{
	switch (nodeTag(tree))
	{
		case T_CreateStmt:
			return pgm_rv_in_catalog(((CreateStmt *) tree)->relation);
		case T_CreateTableAsStmt:
			return pgm_rv_in_catalog(((CreateTableAsStmt *) tree)->into->rel);
		case T_ViewStmt:
			return pgm_rv_in_catalog(((ViewStmt *) tree)->view);
		case T_CreateSeqStmt:
			return pgm_rv_in_catalog(((CreateSeqStmt *) tree)->sequence);
		case T_AlterSeqStmt:
			return pgm_rv_in_catalog(((AlterSeqStmt *) tree)->sequence);
		case T_AlterTableStmt:
			return pgm_rv_in_catalog(((AlterTableStmt *) tree)->relation);
		case T_IndexStmt:
			return pgm_rv_in_catalog(((IndexStmt *) tree)->relation);
		case T_CreateTrigStmt:
			return pgm_rv_in_catalog(((CreateTrigStmt *) tree)->relation);
		case T_RuleStmt:
			return pgm_rv_in_catalog(((RuleStmt *) tree)->relation);
		case T_CreatePolicyStmt:
			return pgm_rv_in_catalog(((CreatePolicyStmt *) tree)->table);
		case T_AlterPolicyStmt:
			return pgm_rv_in_catalog(((AlterPolicyStmt *) tree)->table);
		case T_CompositeTypeStmt:
			return pgm_rv_in_catalog(((CompositeTypeStmt *) tree)->typevar);
		case T_InsertStmt:
			return pgm_rv_in_catalog(((InsertStmt *) tree)->relation);
		case T_UpdateStmt:
			return pgm_rv_in_catalog(((UpdateStmt *) tree)->relation);
		case T_DeleteStmt:
			return pgm_rv_in_catalog(((DeleteStmt *) tree)->relation);
		case T_CopyStmt:
			return ((CopyStmt *) tree)->is_from && pgm_rv_in_catalog(((CopyStmt *) tree)->relation);
		case T_TruncateStmt:
			return pgm_any_in_catalog(OBJECT_TABLE, ((TruncateStmt *) tree)->relations);
		case T_CreateFunctionStmt:
			return pgm_object_in_catalog(OBJECT_FUNCTION, (Node *) ((CreateFunctionStmt *) tree)->funcname);
		case T_AlterFunctionStmt:
			return pgm_object_in_catalog(OBJECT_FUNCTION, (Node *) ((AlterFunctionStmt *) tree)->func);
		case T_DefineStmt:
			return pgm_object_in_catalog(OBJECT_TYPE, (Node *) ((DefineStmt *) tree)->defnames);
		case T_CreateEnumStmt:
			return pgm_object_in_catalog(OBJECT_TYPE, (Node *) ((CreateEnumStmt *) tree)->typeName);
		case T_CreateDomainStmt:
			return pgm_object_in_catalog(OBJECT_DOMAIN, (Node *) ((CreateDomainStmt *) tree)->domainname);
		case T_DropStmt:
			return pgm_any_in_catalog(((DropStmt *) tree)->removeType, ((DropStmt *) tree)->objects);
		case T_RenameStmt:
			{
				RenameStmt *stmt = (RenameStmt *) tree;

				return pgm_rv_in_catalog(stmt->relation) ||
					pgm_object_in_catalog(stmt->renameType, stmt->object) ||
					(stmt->renameType == OBJECT_SCHEMA && pgm_is_catalog_schema(stmt->subname));
			}
		case T_AlterObjectSchemaStmt:
			{
				AlterObjectSchemaStmt *stmt = (AlterObjectSchemaStmt *) tree;

				return pgm_rv_in_catalog(stmt->relation) ||
					pgm_object_in_catalog(stmt->objectType, stmt->object) ||
					pgm_is_catalog_schema(stmt->newschema);
			}
		case T_AlterOwnerStmt:
			{
				AlterOwnerStmt *stmt = (AlterOwnerStmt *) tree;

				return pgm_rv_in_catalog(stmt->relation) ||
					pgm_object_in_catalog(stmt->objectType, stmt->object);
			}
		case T_CommentStmt:
			return pgm_object_in_catalog(((CommentStmt *) tree)->objtype, ((CommentStmt *) tree)->object);
		case T_GrantStmt:
			{
				GrantStmt  *stmt = (GrantStmt *) tree;

				/* ALL TABLES (FUNCTIONS, ...) IN SCHEMA lists schema names */
				return pgm_any_in_catalog(stmt->targtype == ACL_TARGET_ALL_IN_SCHEMA ? OBJECT_SCHEMA : stmt->objtype,
										  stmt->objects);
			}
		case T_AlterDefaultPrivilegesStmt:
			{
				ListCell   *lc;

				foreach(lc, ((AlterDefaultPrivilegesStmt *) tree)->options)
				{
					DefElem    *opt = (DefElem *) lfirst(lc);

					if (strcmp(opt->defname, "schemas") == 0 &&
						pgm_any_in_catalog(OBJECT_SCHEMA, (List *) opt->arg))
						return true;
				}
				return false;
			}
		case T_CreateSchemaStmt:
			return pgm_is_catalog_schema(((CreateSchemaStmt *) tree)->schemaname);
		case T_AlterExtensionStmt:
			return strcmp(((AlterExtensionStmt *) tree)->extname, "pgmigrate") == 0;
		case T_AlterExtensionContentsStmt:
			return strcmp(((AlterExtensionContentsStmt *) tree)->extname, "pgmigrate") == 0;
		default:
			return false;
	}
}

/*
 * A revision's SQL is readable by every role (migrate.revisions, and its
 * files): a statement that writes what PostgreSQL keeps from other roles
 * (secrets.c) has no place in one.
 */
static void
pgm_lint_secret(PgmLint *lint, Node *tree)
{
	const char *secret = pgm_secret_written(tree);
	PgmFinding *f;

	if (secret == NULL)
		return;
	f = pgm_add_finding(lint, "secret", PGM_SEVERITY_ERROR,
						psprintf("a revision must not hold %s", secret),
						"Every role can read a revision's SQL in migrate.revisions, and PostgreSQL shows this only to privileged roles: run the statement in each database outside revisions, or keep the secret in a password file the server reads.");
	f->sqlstate = ERRCODE_INSUFFICIENT_PRIVILEGE;
}

static void
pgm_lint_statement(PgmLint *lint, Node *tree)
{
	if (pgm_changes_catalog(tree))
	{
		PgmFinding *f = pgm_add_finding(lint, "catalog-change", PGM_SEVERITY_ERROR,
										pstrdup("a revision must not change pgmigrate's own objects"),
										"pgmigrate's catalog changes only through its own functions: remove this statement from the revision.");

		f->sqlstate = ERRCODE_INSUFFICIENT_PRIVILEGE;
	}
	pgm_lint_secret(lint, tree);
	switch (nodeTag(tree))
	{
		case T_TransactionStmt:
			{
				PgmFinding *f = pgm_add_finding(lint, "transaction-control", PGM_SEVERITY_ERROR,
												pstrdup("transaction control statements cannot be part of a revision"),
												"A revision runs in one transaction that pgmigrate manages: remove BEGIN, COMMIT, ROLLBACK, SAVEPOINT and the like.");

				f->sqlstate = ERRCODE_INVALID_TRANSACTION_TERMINATION;
				break;
			}
		case T_VariableSetStmt:
			{
				VariableSetStmt *set = (VariableSetStmt *) tree;

				if (set->name && strcmp(set->name, "lock_timeout") == 0)
					lint->lock_timeout_set = pgm_sets_a_timeout(set);
				else if (set->name && strcmp(set->name, "search_path") == 0)
					pgm_note_search_path(lint, set);
				else if (set->kind == VAR_RESET_ALL)
					lint->lock_timeout_set = false;
				else if (set->name && (strcmp(set->name, "role") == 0 ||
									   strcmp(set->name, "session_authorization") == 0))
				{
					PgmFinding *f = pgm_add_finding(lint, "role-change", PGM_SEVERITY_ERROR,
													pstrdup("a revision must not change the current role"),
													"A revision runs as the role that applies it: grant that role what the revision needs.");

					f->sqlstate = ERRCODE_INSUFFICIENT_PRIVILEGE;
				}
				break;
			}
		case T_CreateStmt:
			pgm_lint_create_table(lint, (CreateStmt *) tree);
			break;
		case T_CreateTableAsStmt:
			if (!((CreateTableAsStmt *) tree)->if_not_exists)
				pgm_remember_relation(lint, ((CreateTableAsStmt *) tree)->into->rel);
			break;
		case T_SelectStmt:
			if (((SelectStmt *) tree)->intoClause)	/* SELECT ... INTO t */
				pgm_remember_relation(lint, ((SelectStmt *) tree)->intoClause->rel);
			break;
		case T_LockStmt:
			{
				ListCell   *lc;

				/* SHARE and stronger block writes; the weaker modes do not */
				if (((LockStmt *) tree)->mode >= ShareLock)
					foreach(lc, ((LockStmt *) tree)->relations)
						pgm_strong_lock(lint, (RangeVar *) lfirst(lc));
				break;
			}
		case T_ViewStmt:
			pgm_remember_relation(lint, ((ViewStmt *) tree)->view);
			break;
		case T_CreateSeqStmt:
			if (!((CreateSeqStmt *) tree)->if_not_exists)
				pgm_remember_relation(lint, ((CreateSeqStmt *) tree)->sequence);
			break;
		case T_CreateSchemaStmt:
			if (((CreateSchemaStmt *) tree)->schemaname && !((CreateSchemaStmt *) tree)->if_not_exists)
				pgm_remember(lint, "schema", ((CreateSchemaStmt *) tree)->schemaname);
			break;
		case T_CompositeTypeStmt:
			pgm_remember(lint, "type", ((CompositeTypeStmt *) tree)->typevar->relname);
			break;
		case T_CreateEnumStmt:
			pgm_remember(lint, "type", pgm_last_name(((CreateEnumStmt *) tree)->typeName));
			break;
		case T_CreateRangeStmt:
			pgm_remember(lint, "type", pgm_last_name(((CreateRangeStmt *) tree)->typeName));
			break;
		case T_CreateDomainStmt:
			pgm_remember(lint, "type", pgm_last_name(((CreateDomainStmt *) tree)->domainname));
			break;
		case T_CreateFunctionStmt:
			pgm_remember(lint, "function", pgm_last_name(((CreateFunctionStmt *) tree)->funcname));
			break;
		case T_IndexStmt:
			{
				IndexStmt  *stmt = (IndexStmt *) tree;

				if (stmt->concurrent)
					pgm_non_transactional(lint, "CREATE INDEX CONCURRENTLY");
				else if (!pgm_relation_is_new(lint, stmt->relation))
				{
					pgm_strong_lock(lint, stmt->relation);
					pgm_add_finding(lint, "index-without-concurrently", PGM_SEVERITY_WARNING,
									psprintf("building an index on table %s blocks writes to it until the index is built",
											 pgm_rv_name(stmt->relation)),
									"Use CREATE INDEX CONCURRENTLY in a revision registered with transactional => false.");
				}
				if (stmt->idxname && !stmt->if_not_exists)
					pgm_remember(lint, "relation", stmt->idxname);
				break;
			}
		case T_ReindexStmt:
			{
				ReindexStmt *stmt = (ReindexStmt *) tree;

				if (pgm_reindex_is_concurrent(stmt))
					pgm_non_transactional(lint, "REINDEX CONCURRENTLY");
				else if (stmt->kind == REINDEX_OBJECT_SCHEMA || stmt->kind == REINDEX_OBJECT_SYSTEM ||
						 stmt->kind == REINDEX_OBJECT_DATABASE)
					pgm_non_transactional(lint, stmt->kind == REINDEX_OBJECT_SCHEMA ? "REINDEX SCHEMA" :
										  stmt->kind == REINDEX_OBJECT_SYSTEM ? "REINDEX SYSTEM" : "REINDEX DATABASE");
				else if (stmt->relation && !pgm_relation_is_new(lint, stmt->relation))
				{
					pgm_strong_lock(lint, stmt->relation);
					pgm_add_finding(lint, "reindex-without-concurrently", PGM_SEVERITY_WARNING,
									psprintf("REINDEX blocks writes to %s until it is done", pgm_rv_name(stmt->relation)),
									"Use REINDEX CONCURRENTLY in a revision registered with transactional => false.");
				}
				break;
			}
		case T_VacuumStmt:
			if (((VacuumStmt *) tree)->is_vacuumcmd)
				pgm_non_transactional(lint, "VACUUM");
			if (pgm_option_present(((VacuumStmt *) tree)->options, "full"))
				pgm_add_finding(lint, "table-rewrite", PGM_SEVERITY_WARNING,
								pstrdup("VACUUM FULL rewrites each table under an ACCESS EXCLUSIVE lock, blocking every query"),
								"Use plain VACUUM, or rebuild the table online with a tool made for that.");
			break;
		case T_ClusterStmt:
			if (((ClusterStmt *) tree)->relation == NULL)
				pgm_non_transactional(lint, "CLUSTER without a table name");
			else if (!pgm_relation_is_new(lint, ((ClusterStmt *) tree)->relation))
				pgm_strong_lock(lint, ((ClusterStmt *) tree)->relation);
			pgm_add_finding(lint, "table-rewrite", PGM_SEVERITY_WARNING,
							pstrdup("CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock, blocking every query"),
							"Plan it for a quiet moment, or rebuild the table online with a tool made for that.");
			break;
		case T_AlterDomainStmt:
			{
				AlterDomainStmt *stmt = (AlterDomainStmt *) tree;

				if (stmt->subtype == 'C' && stmt->def && IsA(stmt->def, Constraint) &&
					!((Constraint *) stmt->def)->skip_validation &&
					!pgm_created_here(lint, "type", pgm_last_name(stmt->typeName)))
					pgm_add_finding(lint, "constraint-without-not-valid", PGM_SEVERITY_WARNING,
									psprintf("adding a constraint to domain %s checks every column of that type, in every table, while holding locks",
											 NameListToQuotedString(stmt->typeName)),
									"Add it NOT VALID, then ALTER DOMAIN ... VALIDATE CONSTRAINT in a later revision.");
				break;
			}
		case T_CreateTrigStmt:
			pgm_strong_lock(lint, ((CreateTrigStmt *) tree)->relation);
			break;
		case T_RefreshMatViewStmt:
			if (!((RefreshMatViewStmt *) tree)->concurrent)
				pgm_strong_lock(lint, ((RefreshMatViewStmt *) tree)->relation);
			break;
		case T_AlterSystemStmt:
			pgm_non_transactional(lint, "ALTER SYSTEM");
			break;
		case T_CreatedbStmt:
			pgm_non_transactional(lint, "CREATE DATABASE");
			break;
		case T_DropdbStmt:
			pgm_non_transactional(lint, "DROP DATABASE");
			pgm_destructive(lint, "drop-database",
							psprintf("dropping database %s destroys it and all its data",
									 quote_identifier(((DropdbStmt *) tree)->dbname)));
			break;
		case T_AlterDatabaseStmt:
			if (pgm_option_present(((AlterDatabaseStmt *) tree)->options, "tablespace"))
				pgm_non_transactional(lint, "ALTER DATABASE ... SET TABLESPACE");
			break;
		case T_CreateTableSpaceStmt:
			pgm_non_transactional(lint, "CREATE TABLESPACE");
			break;
		case T_DropTableSpaceStmt:
			pgm_non_transactional(lint, "DROP TABLESPACE");
			break;
		case T_DiscardStmt:
			if (((DiscardStmt *) tree)->target == DISCARD_ALL)
				pgm_non_transactional(lint, "DISCARD ALL");
			break;
		case T_AlterTableStmt:
			pgm_lint_alter_table(lint, (AlterTableStmt *) tree);
			break;
		case T_RenameStmt:
			pgm_lint_rename(lint, (RenameStmt *) tree);
			break;
		case T_DropStmt:
			pgm_lint_drop(lint, (DropStmt *) tree);
			break;
		case T_TruncateStmt:
			pgm_lint_truncate(lint, (TruncateStmt *) tree);
			break;
		case T_DeleteStmt:
			pgm_lint_whole_table_dml(lint, ((DeleteStmt *) tree)->relation,
									 ((DeleteStmt *) tree)->whereClause, true, NIL);
			break;
		case T_UpdateStmt:
			pgm_lint_whole_table_dml(lint, ((UpdateStmt *) tree)->relation,
									 ((UpdateStmt *) tree)->whereClause, false,
									 ((UpdateStmt *) tree)->targetList);
			break;
		case T_AlterEnumStmt:
			{
				AlterEnumStmt *stmt = (AlterEnumStmt *) tree;

				/* ADD VALUE (anywhere, BEFORE or AFTER too) rewrites nothing and locks briefly */
				if (stmt->oldVal)
					pgm_add_finding(lint, "enum-value-change", PGM_SEVERITY_WARNING,
									psprintf("renaming value %s of enum %s breaks every query and row of code that uses the old value",
											 quote_literal_cstr(stmt->oldVal), NameListToQuotedString(stmt->typeName)),
									"Consider a lookup table with a foreign key instead of an enum whose values change.");
				break;
			}
		default:
			break;
	}
}

/*
 * Identifiers longer than PostgreSQL keeps (NAMEDATALEN - 1 bytes) are cut
 * short without an error, so two long names can become one.  The scanner
 * gives each identifier token's place in the text; its length is read
 * there, before truncation.
 */
static void
pgm_lint_identifier_lengths(PgmLint *lint)
{
	const char *text = lint->stmt->text;
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	const PgmTokens *tokens = pgm_tokens();
	core_yyscan_t scanner = scanner_init(text, &extra, &ScanKeywords, ScanKeywordTokens);
	int			token;

	while ((token = core_yylex(&yylval, &yylloc, scanner)) != 0)
	{
		const char *start = text + yylloc;
		size_t		len = 0;

		if (token != tokens->ident)
			continue;
		if (*start == '"')
		{
			const char *p = start + 1;

			while (*p && !(p[0] == '"' && p[1] != '"'))
			{
				p += p[0] == '"' ? 2 : 1;
				len++;
			}
			len = p - start - 1;	/* bytes, "" counted twice: good enough for a limit */
		}
		else
			while (start[len] && (isalnum((unsigned char) start[len]) || start[len] == '_' ||
								  start[len] == '$' || IS_HIGHBIT_SET(start[len])))
				len++;
		if (len >= NAMEDATALEN)
		{
			pgm_add_finding(lint, "identifier-too-long", PGM_SEVERITY_WARNING,
							psprintf("identifier %.*s... is %zu bytes long: PostgreSQL keeps only the first %d",
									 20, start, len, NAMEDATALEN - 1),
							"Use a shorter name: names cut to the same first bytes become one.");
			break;
		}
	}
	scanner_finish(scanner);
}

/*
 * All findings for a list of PgmStatement, in statement order.
 */
static List *
pgm_lint_as(List *statements, bool at_apply)
{
	PgmLint		lint = {0};
	ListCell   *lc;

	lint.at_apply = at_apply;
	lint.statements = statements;
	lint.created = pgm_lint_table("what the SQL creates");
	lint.created_at = pgm_lint_table("where the SQL creates it");
	foreach(lc, statements)
		pgm_note_creation(&lint, ((PgmStatement *) lfirst(lc))->tree, foreach_current_index(lc));
	foreach(lc, statements)
	{
		CHECK_FOR_INTERRUPTS();
		lint.stmt = (PgmStatement *) lfirst(lc);
		lint.position = foreach_current_index(lc);
		pgm_lint_statement(&lint, lint.stmt->tree);
		pgm_lint_identifier_lengths(&lint);
	}
	return lint.findings;
}

List *
pgm_lint(List *statements)
{
	return pgm_lint_as(statements, false);
}

/* Does a statement of `stmts` change the type of a column? */
static bool
pgm_changes_column_types(List *stmts)
{
	ListCell   *lc;
	ListCell   *c;

	foreach(lc, stmts)
	{
		Node	   *tree = ((PgmStatement *) lfirst(lc))->tree;

		if (IsA(tree, AlterTableStmt))
			foreach(c, ((AlterTableStmt *) tree)->cmds)
				if (((AlterTableCmd *) lfirst(c))->subtype == AT_AlterColumnType)
					return true;
	}
	return false;
}

/*
 * Right before the up of a revision not registered destructive runs (in a
 * transaction, engine.c; outside one, nontx.c), with the catalogs as its
 * parents left them: its type changes are judged again, and one that may
 * lose the old values stops it.  So a change the registration could not
 * judge (the column was not there yet) is judged now.
 */
void
pgm_judge_at_apply(const char *revision, List *stmts)
{
	ListCell   *lc;

	if (!pgm_changes_column_types(stmts))
		return;
	foreach(lc, pgm_lint_as(stmts, true))
	{
		PgmFinding *f = (PgmFinding *) lfirst(lc);

		if (f->destructive && strcmp(f->rule, "column-type-change") == 0)
			ereport(ERROR,
					(errcode(f->sqlstate),
					 errmsg("%s", f->message),
					 errdetail("Rule %s, statement %d of the up SQL of revision \"%s\", line %d: judged again right before it runs, as the catalogs did not know the column when it was registered (or it changed since).",
							   f->rule, f->statement->number, revision, f->statement->line),
					 errhint("If this is intended, register the revision again with allow_destructive => true (in a file, the header line \"-- migrate:allow-destructive\"); it is then marked destructive.")));
	}
}

/*
 * migrate.lint(sql): the same analysis as migrate.add(), as rows.
 * migrate.lint(sql, allow_destructive, transactional): judged as
 * migrate.add() judges a revision registered with those flags: with
 * transactional => false a statement that cannot run in a transaction block
 * is no finding, and with allow_destructive => true a destructive statement
 * is a warning (the revision is registered, marked destructive).
 */
Datum
pgmigrate_lint(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Tuplestorestate *store;
	char	   *sql;
	List	   *findings;
	ListCell   *lc;
	bool		allow_destructive = false;
	bool		transactional = true;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sql must not be NULL"),
				 errhint("Pass the SQL to check to migrate.lint().")));
	if (PG_NARGS() == 3 && (PG_ARGISNULL(1) || PG_ARGISNULL(2)))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("allow_destructive and transactional must not be NULL"),
				 errhint("Pass the flags the revision would be registered with.")));
	if (PG_NARGS() == 3)
	{
		allow_destructive = PG_GETARG_BOOL(1);
		transactional = PG_GETARG_BOOL(2);
	}
	sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	store = pgm_srf_begin(fcinfo, &desc);
	findings = pgm_lint(pgm_split_statements(sql, pgm_parse_sql(sql, NULL, NULL)));

	foreach(lc, findings)
	{
		PgmFinding *f = (PgmFinding *) lfirst(lc);
		Datum		values[7];
		bool		nulls[7] = {false};

		if (f->non_transactional && !transactional)
			continue;
		if (f->destructive && allow_destructive)
			f->severity = PGM_SEVERITY_WARNING;

		values[0] = CStringGetTextDatum(f->rule);
		values[1] = CStringGetTextDatum(pgm_severity_name(f->severity));
		values[2] = CStringGetTextDatum(f->statement->text);
		values[3] = CStringGetTextDatum(f->message);
		values[4] = CStringGetTextDatum(f->hint);
		values[5] = Int32GetDatum(f->statement->number);
		values[6] = Int32GetDatum(f->statement->line);
		tuplestore_putvalues(store, desc, values, nulls);
	}
	return (Datum) 0;
}

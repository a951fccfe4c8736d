/*
 * online/statements.c — migrate.online_statements(): what no function can
 * run, handed out for the client to run at top level, and let through the
 * guard once: CREATE INDEX CONCURRENTLY of each index the revision builds,
 * then, once backfilled, each foreign key's ADD ... NOT VALID and
 * VALIDATE under the lock timeout.
 *
 * Calls rows.c, sqltext.c, session.c, catalog.c, engine.c,
 * online/revision.c and online/resolve.c.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_sequence.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#include "online/online.h"

PG_FUNCTION_INFO_V1(pgmigrate_online_statements);

/* The CREATE INDEX CONCURRENTLY of an index step. */
static char *
pgm_index_statement(const PgmOnline *on, const PgmOnlineStep *step)
{
	if (step->kind == PGM_ONLINE_ADD_UNIQUE)
		return psprintf("CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s)", quote_identifier(step->index),
						on->table, step->index_columns);
	return step->index_sql;
}

/* Is the index `name` of the table's schema there: 1 valid, 0 invalid (a build that failed), -1 not there. */
int
pgm_index_state_by_name(const PgmOnline *on, const char *name)
{
	Oid			index = get_relname_relid(name, on->nspid);
	HeapTuple	tuple;
	int			state;

	if (!OidIsValid(index))
		return -1;
	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
	if (!HeapTupleIsValid(tuple))
		return -1;
	state = ((Form_pg_index) GETSTRUCT(tuple))->indisvalid ? 1 : 0;
	ReleaseSysCache(tuple);
	return state;
}

int
pgm_index_state(const PgmOnline *on, const PgmOnlineStep *step)
{
	return pgm_index_state_by_name(on, step->index);
}

/* SET LOCAL lock_timeout = ... */
static bool
pgm_is_local_lock_timeout(const Node *tree)
{
	return IsA(tree, VariableSetStmt) && ((const VariableSetStmt *) tree)->kind == VAR_SET_VALUE &&
		((const VariableSetStmt *) tree)->is_local &&
		strcmp(((const VariableSetStmt *) tree)->name, "lock_timeout") == 0;
}

/* ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, or VALIDATE CONSTRAINT */
static bool
pgm_is_foreign_key_step(const Node *tree)
{
	AlterTableCmd *cmd;

	if (!IsA(tree, AlterTableStmt) || list_length(((const AlterTableStmt *) tree)->cmds) != 1)
		return false;
	cmd = linitial_node(AlterTableCmd, ((const AlterTableStmt *) tree)->cmds);
	return cmd->subtype == AT_ValidateConstraint ||
		(cmd->subtype == AT_AddConstraint && ((Constraint *) cmd->def)->contype == CONSTR_FOREIGN &&
		 ((Constraint *) cmd->def)->skip_validation);
}

/*
 * A statement for migrate.online_statements() to hand out, judged by its
 * parse tree: one CREATE INDEX or DROP INDEX, CONCURRENTLY, or a foreign
 * key's step under its lock timeout, since the guard lets it through as it
 * is; never a build or a scan that blocks writes.  Returns the statement
 * the guard is to let through, normalized (of a key's, the ALTER alone: a
 * client that splits the string at semicolons sends it alone).
 */
static char *
pgm_check_concurrent(const PgmOnline *on, const char *sql)
{
	List	   *raw = pgm_parse_sql(sql, NULL, NULL);
	Node	   *tree = list_length(raw) == 1 ? linitial_node(RawStmt, raw)->stmt : NULL;

	if (tree && IsA(tree, IndexStmt) && ((IndexStmt *) tree)->concurrent)
		return pgm_statement_normalize(sql);
	if (tree && IsA(tree, DropStmt) && ((DropStmt *) tree)->removeType == OBJECT_INDEX &&
		((DropStmt *) tree)->concurrent)
		return pgm_statement_normalize(sql);
	/*
	 * a foreign key added NOT VALID, or validated (no scan under a lock that
	 * stops writes), after a SET LOCAL lock_timeout in the same string: one
	 * implicit transaction, which takes the timeout with it, also when the
	 * statement fails
	 */
	if (list_length(raw) == 2 && pgm_is_local_lock_timeout(linitial_node(RawStmt, raw)->stmt) &&
		pgm_is_foreign_key_step(lsecond_node(RawStmt, raw)->stmt))
		return pgm_statement_normalize(((PgmStatement *) lsecond(pgm_split_statements(sql, raw)))->text);
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("online revision \"%s\" would hand out a statement that does not build or drop an index concurrently, or add a foreign key NOT VALID or validate it",
					on->id),
			 errdetail("The statement: %s", sql),
			 errhint("Abort it with migrate.abort('%s') and apply the change as a plain revision.", on->id)));
}

/*
 * A table's indexes not built yet: CREATE INDEX CONCURRENTLY of each, after
 * a DROP INDEX CONCURRENTLY of what a failed build left.
 */
static List *
pgm_online_index_statements(const PgmOnline *on)
{
	List	   *statements = NIL;
	ListCell   *lc;

	foreach(lc, on->indexes)
	{
		PgmOnlineStep *step = lfirst(lc);
		int			built = pgm_index_state(on, step);

		if (built == 0)
			statements = lappend(statements, psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s",
													  pgm_qualified_name(on, step->index)));
		if (built < 1)
			statements = lappend(statements, pgm_index_statement(on, step));
	}
	foreach(lc, on->moved_indexes)
	{
		PgmMovedIndex *moved = lfirst(lc);
		int			built = pgm_index_state_by_name(on, moved->new_name);

		if (built == 0)
			statements = lappend(statements, psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s",
													  pgm_qualified_name(on, moved->new_name)));
		if (built < 1)
			statements = lappend(statements, moved->create_sql);
	}
	return statements;
}

/*
 * A table's foreign keys not made again yet, under the lock timeout:
 * adding one takes a brief SHARE ROW EXCLUSIVE lock on both tables, which
 * must never queue writes behind a long transaction (a failure is run
 * again, as a failed build is).  SET LOCAL in the same string: the
 * session's own timeout is back after it, whether the statement worked or
 * not.
 */
static List *
pgm_online_key_statements(const PgmOnline *on)
{
	char	   *timeout = psprintf("SET LOCAL lock_timeout = %d; ", pgm_lock_timeout_or(PGM_ONLINE_LOCK_TIMEOUT_MS));
	List	   *statements = NIL;
	ListCell   *lc;

	foreach(lc, on->moved_fks)
	{
		PgmMovedForeignKey *fk = lfirst(lc);
		int			fk_state = pgm_constraint_state(fk->relid, fk->new_name);

		if (fk_state < 0)
			statements = lappend(statements, psprintf("%sALTER TABLE %s ADD CONSTRAINT %s %s NOT VALID", timeout,
													  fk->table, quote_identifier(fk->new_name), fk->definition));
		if (fk_state < 1)
			statements = lappend(statements, psprintf("%sALTER TABLE %s VALIDATE CONSTRAINT %s", timeout,
													  fk->table, quote_identifier(fk->new_name)));
	}
	return statements;
}

/*
 * migrate.online_statements(id): the statements of a started online
 * revision that no function can run, to run at top level, in this order:
 * CREATE INDEX CONCURRENTLY of each index not built yet, after a DROP
 * INDEX CONCURRENTLY of what a failed build left; then, once backfilled,
 * each foreign key's ADD ... NOT VALID and VALIDATE, each after a SET
 * LOCAL lock_timeout in the same string.  The guard lets exactly these
 * through, in this session, once.
 */
Datum
pgmigrate_online_statements(PG_FUNCTION_ARGS)
{
	char	   *id = pgm_text_arg(fcinfo, 0, "id", "migrate.online_statements()");
	TupleDesc	desc;
	Tuplestorestate *store = pgm_srf_begin(fcinfo, &desc);
	PgmOnlineState state;
	PgmOnline  *on;
	List	   *statements = NIL;
	List	   *expected = NIL;
	ListCell   *lc;

	pgm_check_may_change("migrate.online_statements()");
	pgm_spi_connect();
	pgm_lock_catalog();
	on = pgm_online_load(id, "migrate.online_statements()");
	pgm_require_started(id, &state);
	pgm_online_reload(on, &state);
	foreach(lc, on->parts)
		statements = list_concat(statements, pgm_online_index_statements(lfirst(lc)));
	/*
	 * After the indexes (a key references a unique index, which may be one
	 * of them, of another of the revision's tables), and only once the
	 * backfill is done: until then the new columns are not all filled, and
	 * a key validated on them would prove nothing (the backfill's own
	 * writes are not checked by the keys).
	 */
	if (strcmp(state.phase, "backfilled") == 0)
		foreach(lc, on->parts)
			statements = list_concat(statements, pgm_online_key_statements(lfirst(lc)));
	foreach(lc, statements)
	{
		Datum		value = CStringGetTextDatum((char *) lfirst(lc));
		bool		null = false;

		expected = lappend(expected, pgm_check_concurrent(on, lfirst(lc)));
		tuplestore_putvalues(store, desc, &value, &null);
	}
	pgm_session_expect(id, expected);
	SPI_finish();
	return (Datum) 0;
}

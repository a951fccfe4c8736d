/*
 * nontx.c — revisions whose statements cannot run inside a transaction
 * block (CREATE INDEX CONCURRENTLY and the like), run by the client.
 *
 * Such a revision is registered with transactional => false; apply and
 * rollback stop before it.  The pgmigrate client runs it instead:
 *
 *   1. migrate.begin_outside_transaction(id, direction) checks the revision
 *      is next in line, and returns the statements to run, in order.  When
 *      an earlier attempt left an INVALID index behind (a failed CREATE
 *      INDEX CONCURRENTLY), a DROP INDEX CONCURRENTLY of it comes first, so
 *      a re-run is safe.
 *   2. The client sends each statement on its own, at top level.  The guard
 *      lets through exactly these statements, in this order, in this
 *      session, and nothing else: the backend-local "expected statements"
 *      below.  A statement that does not match is judged like any other.
 *   3. migrate.finish_outside_transaction(id, direction) records the
 *      revision as applied (or rolled back) and logs it, under the catalog
 *      lock; migrate.abandon_outside_transaction() forgets the expected
 *      statements after a failure, leaving the revision as it was.
 *
 * The expected statements are session state (session.c).  Calls catalog.c,
 * changes.c, engine.c, graph.c, lint.c, records.c, rows.c, session.c and
 * sqltext.c.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_index.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "pgmigrate.h"

PG_FUNCTION_INFO_V1(pgmigrate_begin_outside_transaction);
PG_FUNCTION_INFO_V1(pgmigrate_finish_outside_transaction);
PG_FUNCTION_INFO_V1(pgmigrate_abandon_outside_transaction);

/*
 * The arguments of begin and finish: an id and a direction.  Returns the id;
 * *up says which way.
 */
static char *
pgm_outside_args(FunctionCallInfo fcinfo, const char *function, bool *up)
{
	char	   *direction;

	pgm_check_may_change(function);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", PG_ARGISNULL(0) ? "id" : "direction"),
				 errhint("%s takes a revision id and a direction, \"up\" or \"down\".", function)));
	direction = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (strcmp(direction, "up") != 0 && strcmp(direction, "down") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid direction \"%s\"", direction),
				 errhint("The direction is \"up\" or \"down\".")));
	*up = direction[0] == 'u';
	return text_to_cstring(PG_GETARG_TEXT_PP(0));
}

/*
 * Find the revision `id` and check that it runs outside a transaction and
 * is the next one to apply (all parents applied) or to roll back (no child
 * applied).  Connected to SPI, holding the catalog lock.
 */
static PgmNode *
pgm_next_outside_revision(PgmGraph *graph, const char *id, bool up)
{
	int			n;
	PgmNode    *node;
	int			i;

	pgm_check_id(id, "revision id");
	if ((n = pgm_graph_find(graph, id)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", id)));
	node = &graph->nodes[n];
	if (node->transactional)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" runs inside a transaction", id),
				 errhint("Use migrate.apply() or migrate.rollback() for it.")));
	if (node->applied == up)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is %s applied", id, up ? "already" : "not")));
	if (!up && node->irreversible)
		pgm_check_reversible(graph, &(PgmPlan) {1, &n});
	for (i = 0; i < (up ? node->nparents : node->nchildren); i++)
	{
		PgmNode    *other = &graph->nodes[up ? node->parents[i] : node->children[i]];

		if (other->applied != up)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" is not next: %s \"%s\" is %s", id,
							up ? "its parent" : "its child", other->id,
							up ? "not applied" : "applied"),
					 errhint("%s it first.", up ? "Apply" : "Roll back")));
	}
	return node;
}

/*
 * An INVALID index with the name a CREATE INDEX CONCURRENTLY is about to
 * use: left by an earlier attempt that failed.  Returns its qualified name.
 */
static char *
pgm_invalid_leftover(Node *tree)
{
	IndexStmt  *stmt = (IndexStmt *) tree;
	Oid			relid;
	Oid			indexid;
	HeapTuple	tuple;
	bool		invalid;

	if (!IsA(tree, IndexStmt) || !stmt->concurrent || stmt->idxname == NULL)
		return NULL;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid))
		return NULL;
	indexid = get_relname_relid(stmt->idxname, get_rel_namespace(relid));
	if (!OidIsValid(indexid))
		return NULL;
	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexid));
	if (!HeapTupleIsValid(tuple))
		return NULL;
	invalid = !((Form_pg_index) GETSTRUCT(tuple))->indisvalid;
	ReleaseSysCache(tuple);
	if (!invalid)
		return NULL;
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(indexid)),
									  stmt->idxname);
}

Datum
pgmigrate_begin_outside_transaction(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Tuplestorestate *store;
	PgmGraph   *graph;
	PgmNode    *node;
	char	   *id;
	bool		up;
	char	   *sql;
	List	   *stmts;
	List	   *expected = NIL;
	ListCell   *lc;

	id = pgm_outside_args(fcinfo, "migrate.begin_outside_transaction()", &up);
	store = pgm_srf_begin(fcinfo, &desc);

	pgm_spi_connect();
	pgm_lock_catalog();
	graph = pgm_graph_load(false);
	node = pgm_next_outside_revision(graph, id, up);
	sql = pgm_catalog_fetch_sql(node->id, up, false);

	stmts = pgm_split_statements(sql, pgm_parse_sql(sql, node->id, up ? "up" : "down"));
	if (up && !node->destructive)
		pgm_judge_at_apply(node->id, stmts);
	foreach(lc, stmts)
	{
		PgmStatement *stmt = (PgmStatement *) lfirst(lc);
		char	   *leftover = pgm_invalid_leftover(stmt->tree);

		if (leftover)
			expected = lappend(expected, psprintf("DROP INDEX CONCURRENTLY %s", leftover));
		expected = lappend(expected, pgm_statement_normalize(stmt->text));
	}
	pgm_session_expect(node->id, expected);
	/* what the statements change is recorded when they are done */
	pgm_record_prepare();

	foreach(lc, expected)
	{
		Datum		value = CStringGetTextDatum((char *) lfirst(lc));
		bool		null = false;

		tuplestore_putvalues(store, desc, &value, &null);
	}
	SPI_finish();
	return (Datum) 0;
}

Datum
pgmigrate_finish_outside_transaction(PG_FUNCTION_ARGS)
{
	PgmGraph   *graph;
	PgmNode    *node;
	char	   *id;
	bool		up;

	id = pgm_outside_args(fcinfo, "migrate.finish_outside_transaction()", &up);
	if (strcmp(id, pgm_session_expected_revision()) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" has not been run in this session", id),
				 errdetail("Call migrate.begin_outside_transaction() and run every statement it returns first."),
				 errhint("The pgmigrate client does this for you: pgmigrate apply.")));

	pgm_spi_connect();
	pgm_lock_catalog();
	graph = pgm_graph_load(false);
	node = pgm_next_outside_revision(graph, id, up);
	pgm_run_revision(graph, (int) (node - graph->nodes),
					 up ? PGM_RECORD_APPLIED : PGM_RECORD_ROLLED_BACK, 1, 1);
	pgm_record_changes(up ? "apply" : "rollback");
	SPI_finish();
	pgm_session_forget_expected();
	PG_RETURN_VOID();
}

Datum
pgmigrate_abandon_outside_transaction(PG_FUNCTION_ARGS)
{
	pgm_session_forget_expected();
	pgm_changes_end();
	PG_RETURN_VOID();
}

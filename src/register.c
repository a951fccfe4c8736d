/*
 * register.c — migrate.add(): registering a revision.
 *
 * Everything about the revision is checked before the catalog is touched:
 * the id, the parents, and the up and down SQL, parsed by the server's own
 * parser and looked at by the rules of lint.c: errors refuse the revision,
 * other findings become WARNINGs.  Without down SQL, a down is derived when
 * every statement of the up has an exact inverse (derive.c).  The catalog
 * write itself is one INSERT or UPDATE under the catalog lock, so a failed
 * registration leaves the catalog as it was.
 *
 * Registering the same revision again is a no-op, so pushing the same files
 * twice is safe.  A revision that is not applied yet may be replaced; an
 * applied one may not change its SQL, parents or flags: only its
 * description, which is not part of what ran.
 *
 * Calls catalog.c, derive.c, graph.c, lint.c, rows.c, session.c and
 * sqltext.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "utils/guc.h"

#include "pgmigrate.h"

PG_FUNCTION_INFO_V1(pgmigrate_add);
PG_FUNCTION_INFO_V1(pgmigrate_repair);

/* The arguments of migrate.add(), checked. */
typedef struct PgmRevisionArgs
{
	char	   *id;
	text	   *up;
	text	   *down;			/* NULL: irreversible */
	ArrayType  *parents;		/* NULL: the single current head */
	text	   *description;
	bool		allow_destructive;
	bool		transactional;
	bool		up_is_empty;	/* up has no statement */
	bool		destructive;	/* up has destructive statements */
	bool		down_derived;	/* down was derived from up */
	List	   *warnings;		/* findings of the up to warn about, once registered */
	bool		approved;		/* allowed destructive by pgmigrate.approve_destructive */
	List	   *approved_rules; /* the destructive rules that approval let through */
	char	   *up_sha256;
	char	   *down_sha256;
	bool		online;			/* runs online: migrate.start() and so on */
	bool		stored_online;	/* the stored revision's flag, when it exists */
} PgmRevisionArgs;

static void
pgm_require_arg(FunctionCallInfo fcinfo, int argno, const char *name, const char *function)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name),
				 errhint("Pass a value for %s to %s.", name, function)));
}

/*
 * Check the explicit parents: a one-dimensional array of distinct, valid
 * ids without NULLs, not naming the revision itself.
 */
static void
pgm_check_parents(ArrayType *parents, const char *id)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	int			j;

	if (ARR_NDIM(parents) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("parents must be a one-dimensional array")));
	deconstruct_array(parents, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		char	   *p;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("parents must not contain NULL"),
					 errhint("Pass '{}' for a new root, or NULL for the current head.")));
		p = TextDatumGetCString(elems[i]);
		pgm_check_id(p, "parent revision id");
		if (strcmp(p, id) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("revision \"%s\" cannot be its own parent", id)));
		for (j = 0; j < i; j++)
			if (!nulls[j] && strcmp(p, TextDatumGetCString(elems[j])) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						 errmsg("parent revision \"%s\" is listed twice", p)));
	}
}

static int
pgm_array_length(ArrayType *a)
{
	return ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
}

/* Same ids in the same order? */
static bool
pgm_parents_equal(ArrayType *a, ArrayType *b)
{
	Datum	   *ea;
	Datum	   *eb;
	int			na;
	int			nb;
	int			i;

	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &ea, NULL, &na);
	deconstruct_array(b, TEXTOID, -1, false, TYPALIGN_INT, &eb, NULL, &nb);
	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(TextDatumGetCString(ea[i]), TextDatumGetCString(eb[i])) != 0)
			return false;
	return true;
}

/* Only a merge may have nothing to do. */
static void
pgm_check_up_not_empty(const PgmRevisionArgs *args, ArrayType *parents)
{
	if (args->up_is_empty && pgm_array_length(parents) < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("up SQL of revision \"%s\" contains no statement", args->id),
				 errhint("Only a merge revision, with two or more parents, may have an empty up.")));
}

/*
 * The parents to store when none were given: the single current head of the
 * graph, or none for the first revision.
 */
static ArrayType *
pgm_default_parents(const char *id)
{
	int			nheads = pgm_catalog_exec(PGM_Q_HEADS, NULL, NULL, false);
	Datum	   *heads = palloc(sizeof(Datum) * Max(nheads, 1));
	int			i;

	if (nheads > 1)
	{
		StringInfoData list;

		initStringInfo(&list);
		for (i = 0; i < nheads; i++)
			appendStringInfo(&list, "%s\"%s\"", i > 0 ? ", " : "", pgm_result_text(i, 1));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot choose a parent for revision \"%s\": there are %d heads",
						id, nheads),
				 errdetail("The heads are %s.", list.data),
				 errhint("Pass parents explicitly, for instance all of the heads to register a merge revision.")));
	}
	for (i = 0; i < nheads; i++)
		heads[i] = CStringGetTextDatum(pgm_result_text(i, 1));
	SPI_freetuptable(SPI_tuptable);
	return construct_array(heads, nheads, TEXTOID, -1, false, TYPALIGN_INT);
}

static void
pgm_check_parents_exist(ArrayType *parents)
{
	Datum		arg = PointerGetDatum(parents);

	if (pgm_catalog_exec(PGM_Q_MISSING_PARENTS, &arg, NULL, false) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("parent revision \"%s\" does not exist", pgm_result_text(0, 1)),
				 errhint("Register the parent first; migrate.status() lists the registered revisions.")));
	SPI_freetuptable(SPI_tuptable);
}

/*
 * Replacing a revision's parents must not close a cycle: no new parent may
 * descend from the revision.
 */
static void
pgm_check_no_cycle(const char *id, ArrayType *parents)
{
	PgmGraph   *graph = pgm_graph_load(false);
	int			self = pgm_graph_find(graph, id);
	Datum	   *elems;
	int			n;
	int			i;

	deconstruct_array(parents, TEXTOID, -1, false, TYPALIGN_INT, &elems, NULL, &n);
	for (i = 0; i < n; i++)
	{
		char	   *p = TextDatumGetCString(elems[i]);

		if (pgm_graph_reaches(graph, self, pgm_graph_find(graph, p)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("parent revision \"%s\" would make a cycle", p),
					 errdetail("\"%s\" descends from \"%s\".", p, id),
					 errhint("A revision's parents must come before it in the graph.")));
	}
}

static bool
pgm_text_equal(text *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == NULL && b == NULL;
	return strcmp(text_to_cstring(a), b) == 0;
}

static bool
pgm_sha_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == NULL && b == NULL;
	return strcmp(a, b) == 0;
}

/* Is the stored row (SPI_tuptable row 0) the same revision as `args`? */
static bool
pgm_same_content(const PgmRevisionArgs *args, ArrayType *parents)
{
	bool		isnull;
	Datum		stored = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
									   PGM_REV_PARENTS, &isnull);

	/*
	 * Without down SQL in the file, an applied revision keeps the down it
	 * was applied with: the one derived then, or none when the engine
	 * withdrew it (engine.c).
	 */
	bool		same_down = pgm_sha_equal(args->down_sha256, pgm_result_text(0, PGM_REV_DOWN_SHA)) ||
		(args->down_derived && pgm_result_bool(0, PGM_REV_DOWN_DERIVED) &&
		 pgm_result_bool(0, PGM_REV_APPLIED));

	return pgm_sha_equal(args->up_sha256, pgm_result_text(0, PGM_REV_UP_SHA)) && same_down &&
		!isnull && pgm_parents_equal(DatumGetArrayTypeP(stored), parents) &&
		args->transactional == pgm_result_bool(0, PGM_REV_TRANSACTIONAL) &&
		args->online == args->stored_online &&
	/* a pending revision approved now (or no longer) is registered again */
		(pgm_result_bool(0, PGM_REV_APPLIED) || args->destructive == pgm_result_bool(0, PGM_REV_DESTRUCTIVE));
}

static void
pgm_refuse_change(const PgmRevisionArgs *args, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("revision \"%s\" is applied and cannot be changed", args->id),
			 errdetail("Its %s differs from what was applied.", what),
			 errhint("Register the change as a new revision whose parent is \"%s\".", args->id)));
}

static void
pgm_write_revision(PgmQuery query, const PgmRevisionArgs *args, ArrayType *parents)
{
	Datum		values[11];
	char		nulls[11];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(args->id);
	values[1] = PointerGetDatum(parents);
	values[2] = PointerGetDatum(args->description);
	nulls[2] = args->description ? ' ' : 'n';
	values[3] = PointerGetDatum(args->up);
	values[4] = PointerGetDatum(args->down);
	nulls[4] = args->down ? ' ' : 'n';
	values[5] = CStringGetTextDatum(args->up_sha256);
	values[6] = args->down_sha256 ? CStringGetTextDatum(args->down_sha256) : (Datum) 0;
	nulls[6] = args->down_sha256 ? ' ' : 'n';
	values[7] = BoolGetDatum(args->destructive);
	values[8] = BoolGetDatum(args->transactional);
	values[9] = DirectFunctionCall1(namein, CStringGetDatum(pgm_caller_name()));
	values[10] = BoolGetDatum(args->down_derived);
	if (pgm_catalog_exec(query, values, nulls, false) != 1)
		elog(ERROR, "revision \"%s\" was not written", args->id);
}

/*
 * Register or re-register; returns 'added', 'updated' or 'unchanged'.
 * Connected to SPI and holding the catalog lock; when the revision
 * `exists`, SPI_tuptable holds its stored row (PGM_Q_GET_REVISION).
 */
typedef enum PgmRegistered
{
	PGM_ADDED,
	PGM_UPDATED,
	PGM_UNCHANGED
} PgmRegistered;

static const char *const pgm_registered_names[] = {
	[PGM_ADDED] = "added",
	[PGM_UPDATED] = "updated",
	[PGM_UNCHANGED] = "unchanged",
};

static PgmRegistered
pgm_register(PgmRevisionArgs *args, bool exists)
{
	Datum		idarg = CStringGetTextDatum(args->id);
	ArrayType  *parents = args->parents;

	if (exists && parents == NULL)
	{
		bool		isnull;

		/* re-registration without parents keeps the stored ones */
		parents = DatumGetArrayTypePCopy(SPI_getbinval(SPI_tuptable->vals[0],
													   SPI_tuptable->tupdesc,
													   PGM_REV_PARENTS, &isnull));
	}

	if (exists)
	{
		bool		applied = pgm_result_bool(0, PGM_REV_APPLIED);
		bool		same_description = pgm_text_equal(args->description,
													  pgm_result_text(0, PGM_REV_DESCRIPTION));

		if (pgm_same_content(args, parents))
		{
			SPI_freetuptable(SPI_tuptable);
			if (same_description)
				return PGM_UNCHANGED;
			{
				Datum		values[2] = {idarg, PointerGetDatum(args->description)};
				char		nulls[2] = {' ', args->description ? ' ' : 'n'};

				pgm_catalog_exec(PGM_Q_UPDATE_DESCRIPTION, values, nulls, false);
			}
			return PGM_UPDATED;
		}
		if (applied)
		{
			if (!pgm_sha_equal(args->up_sha256, pgm_result_text(0, PGM_REV_UP_SHA)))
				pgm_refuse_change(args, "up SQL");
			if (!pgm_sha_equal(args->down_sha256, pgm_result_text(0, PGM_REV_DOWN_SHA)))
				pgm_refuse_change(args, "down SQL");
			if (args->transactional != pgm_result_bool(0, PGM_REV_TRANSACTIONAL))
				pgm_refuse_change(args, "transactional flag");
			if (args->online != args->stored_online)
				pgm_refuse_change(args, "online flag");
			pgm_refuse_change(args, "list of parents");
		}
		SPI_freetuptable(SPI_tuptable);
		pgm_check_up_not_empty(args, parents);
		pgm_check_parents_exist(parents);
		pgm_check_no_cycle(args->id, parents);
		pgm_write_revision(PGM_Q_UPDATE_REVISION, args, parents);
		return PGM_UPDATED;
	}

	SPI_freetuptable(SPI_tuptable);
	if (parents == NULL)
		parents = pgm_default_parents(args->id);
	else
		pgm_check_parents_exist(parents);
	pgm_check_up_not_empty(args, parents);
	pgm_write_revision(PGM_Q_INSERT_REVISION, args, parents);
	return PGM_ADDED;
}

/*
 * Raise the first finding that refuses the revision; with `warn`, report the
 * others as WARNINGs.  Returns whether a destructive statement was let
 * through (allow_destructive).
 */
static bool
pgm_report_findings(PgmRevisionArgs *args, const char *side, List *findings, bool warn)
{
	bool		destructive = false;
	ListCell   *lc;

	foreach(lc, findings)
	{
		PgmFinding *f = (PgmFinding *) lfirst(lc);

		/* approved in advance: the apply will not stop at it */
		if (f->at_apply && args->allow_destructive && warn)
		{
			destructive = true;
			if (args->approved)
				args->approved_rules = list_append_unique_ptr(args->approved_rules, (void *) f->rule);
		}
		if (f->severity != PGM_SEVERITY_ERROR ||
			(f->non_transactional && !args->transactional))
			continue;
		if (f->destructive && (args->allow_destructive || !warn))
		{
			destructive = true;
			if (warn && args->approved)
				args->approved_rules = list_append_unique_ptr(args->approved_rules, (void *) f->rule);
			continue;
		}
		ereport(ERROR,
				(errcode(f->sqlstate),
				 errmsg("%s", f->message),
				 errdetail("Rule %s, statement %d of the %s SQL of revision \"%s\", line %d.",
						   f->rule, f->statement->number, side, args->id, f->statement->line),
				 errhint("%s", f->hint)));
	}
	if (!warn)
		return false;
	foreach(lc, findings)
	{
		PgmFinding *f = (PgmFinding *) lfirst(lc);

		if (f->severity != PGM_SEVERITY_ERROR || f->destructive)
			args->warnings = lappend(args->warnings, f);
	}
	return destructive;
}

/*
 * The WARNINGs of the up's findings, once the revision is registered:
 * not for a revision pushed again unchanged (it was warned about when it
 * was added), nor for one refused.
 */
static void
pgm_warn(const PgmRevisionArgs *args)
{
	ListCell   *lc;

	foreach(lc, args->warnings)
	{
		PgmFinding *f = (PgmFinding *) lfirst(lc);

		ereport(WARNING,
				(errmsg("%s", f->message),
				 errdetail("Rule %s, statement %d of the up SQL of revision \"%s\", line %d.",
						   f->rule, f->statement->number, args->id, f->statement->line),
				 f->at_apply && args->approved ?
				 errhint("Approved in advance by pgmigrate.approve_destructive (logged in migrate.log): the apply will not stop at it.") :
				 f->at_apply && args->allow_destructive ?
				 errhint("Approved in advance with allow_destructive => true: the apply will not stop at it.") :
				 !f->destructive ? errhint("%s", f->hint) :
				 args->approved ?
				 errhint("Registered because pgmigrate.approve_destructive approved it (logged in migrate.log); the revision is marked destructive.") :
				 errhint("Registered because of allow_destructive => true; the revision is marked destructive.")));
	}
}

/*
 * Parse and check both sides.  The up gets every rule; the down, which
 * undoes and so naturally drops, only the rules about what cannot run in a
 * revision at all.  A missing down is derived when it can be.
 */
static void
pgm_check_sql(PgmRevisionArgs *args)
{
	char	   *up = text_to_cstring(args->up);
	List	   *up_stmts = pgm_split_statements(up, pgm_parse_sql(up, args->id, "up"));
	List	   *findings;

	args->up_is_empty = up_stmts == NIL;
	if (args->online)
	{
		if (!args->transactional)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("online revision \"%s\" cannot be registered with transactional => false", args->id),
					 errdetail("pgmigrate runs each phase of an online revision in transactions of its own."),
					 errhint("Leave transactional at its default.")));
		if (args->parents != NULL && pgm_array_length(args->parents) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("online revision \"%s\" cannot have %d parents", args->id, pgm_array_length(args->parents)),
					 errdetail("The old version of the application is the schema as the revision's parent left it: an online revision has one parent, or none when it is the first revision."),
					 errhint("Register a plain revision that merges the branches, and make it the online revision's parent.")));
		(void) pgm_online_plan(up, up_stmts, args->id);
	}
	findings = pgm_lint(up_stmts);
	if (args->online)
	{
		List	   *kept = NIL;
		ListCell   *lc;

		foreach(lc, findings)
		{
			PgmFinding *f = lfirst(lc);
			char	   *message;

			/* an ADD COLUMN that rewrites the table has no online form */
			if (strcmp(f->rule, "add-column-volatile-default") == 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("statement %d of online revision \"%s\" cannot run online", f->statement->number, args->id),
						 errdetail("Its ADD COLUMN would rewrite the table: %s.", f->message),
						 errhint("%s", f->hint)));
			if (pgm_online_avoids_rule(f->rule))
				continue;
			message = pgm_online_finding_message(f->rule, f->statement);
			if (message)
				f->message = message;
			kept = lappend(kept, f);
		}
		findings = kept;
	}
	args->destructive = pgm_report_findings(args, "up", findings, true);
	if (args->down)
	{
		char	   *down = text_to_cstring(args->down);

		(void) pgm_report_findings(args, "down",
								   pgm_lint(pgm_split_statements(down, pgm_parse_sql(down, args->id, "down"))),
								   false);
	}
	else
	{
		char	   *derived = pgm_derive_down(up_stmts);

		if (derived)
		{
			args->down = cstring_to_text(derived);
			args->down_derived = true;
		}
	}
}

/*
 * pgmigrate.approve_destructive: destructive statements are let through
 * for every revision registered while it is on (the client's push
 * --allow-destructive), and each revision it let through gets an "approve"
 * row in migrate.log, with the rules it covered and who approved.  Only
 * what migrate.add(..., allow_destructive => true) could do anyway.
 */
static bool pgm_approve_destructive = false;

void
pgm_register_define_settings(void)
{
	DefineCustomBoolVariable("pgmigrate.approve_destructive",
							 "Register revisions with destructive statements as if each had allow_destructive => true.",
							 "One approval for a push of many revisions; every revision it lets through is "
							 "logged in migrate.log with the rules it covered.",
							 &pgm_approve_destructive,
							 false,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
}

static void
pgm_log_approval(const PgmRevisionArgs *args)
{
	StringInfoData rules;
	ListCell   *lc;

	initStringInfo(&rules);
	foreach(lc, args->approved_rules)
		appendStringInfo(&rules, "%s%s", foreach_current_index(lc) > 0 ? ", " : "", (const char *) lfirst(lc));
	pgm_catalog_log("approve", args->id, -1, NULL, "ok",
					psprintf("destructive statements approved with pgmigrate.approve_destructive: %s",
							 rules.data));
}

Datum
pgmigrate_add(PG_FUNCTION_ARGS)
{
	PgmRevisionArgs args = {0};
	PgmRegistered result;
	Datum		id;
	bool		exists;

	pgm_check_may_change("migrate.add()");
	pgm_require_arg(fcinfo, 0, "id", "migrate.add()");
	pgm_require_arg(fcinfo, 1, "up", "migrate.add()");
	pgm_require_arg(fcinfo, 5, "allow_destructive", "migrate.add()");
	pgm_require_arg(fcinfo, 6, "transactional", "migrate.add()");

	args.id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	pgm_check_id(args.id, "revision id");
	args.up = PG_GETARG_TEXT_P(1);
	args.down = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_P(2);
	args.parents = PG_ARGISNULL(3) ? NULL : PG_GETARG_ARRAYTYPE_P(3);
	args.description = PG_ARGISNULL(4) ? NULL : PG_GETARG_TEXT_P(4);
	args.allow_destructive = PG_GETARG_BOOL(5);
	/* one approval for a whole push, instead of a flag in every file */
	args.approved = !args.allow_destructive && pgm_approve_destructive;
	args.allow_destructive |= pgm_approve_destructive;
	args.transactional = PG_GETARG_BOOL(6);
	/* (0.4's migrate.add() has no online argument) */
	if (PG_NARGS() > 7)
	{
		pgm_require_arg(fcinfo, 7, "online", "migrate.add()");
		args.online = PG_GETARG_BOOL(7);
	}

	if (args.parents)
		pgm_check_parents(args.parents, args.id);

	args.up_sha256 = pgm_sha256_hex(args.up);
	pgm_spi_connect();
	pgm_lock_catalog();
	/* the stored revision, if any: SPI_tuptable row 0 until pgm_register() reads it */
	id = CStringGetTextDatum(args.id);
	if (PG_NARGS() > 7 && pgm_catalog_exec(PGM_Q_GET_ONLINE, &id, NULL, false) > 0)
		args.stored_online = pgm_result_bool(0, 1);
	exists = pgm_catalog_exec(PGM_Q_GET_REVISION, &id, NULL, false) > 0;
	/* a started online revision runs the SQL it was started with: the same again is fine */
	if (exists && !pgm_sha_equal(args.up_sha256, pgm_result_text(0, PGM_REV_UP_SHA)))
	{
		char	   *busy = pgm_online_in_progress();

		if (busy && strcmp(busy, args.id) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("online revision \"%s\" is started", args.id),
					 errdetail("Its phases run the SQL it was started with; this is other SQL."),
					 errhint("Complete it with migrate.complete('%s'), or abort it with migrate.abort('%s') first.",
							 args.id, args.id)));
		/* (the lookup above is SPI's last result, which pgm_register() reads) */
		(void) pgm_catalog_exec(PGM_Q_GET_REVISION, &id, NULL, false);
	}

	/*
	 * The same up, registered destructive before: its approval stands, and
	 * pushing the same files again (or adopting them) needs no other.
	 */
	if (exists && !args.allow_destructive && pgm_result_bool(0, PGM_REV_DESTRUCTIVE) &&
		pgm_sha_equal(args.up_sha256, pgm_result_text(0, PGM_REV_UP_SHA)))
		args.allow_destructive = true;

	/* parse, lint and derive: no SPI, so the stored row stays where it is */
	pgm_check_sql(&args);
	args.down_sha256 = args.down ? pgm_sha256_hex(args.down) : NULL;

	result = pgm_register(&args, exists);
	if (PG_NARGS() > 7 && result != PGM_UNCHANGED)
	{
		Datum		values[2] = {id, BoolGetDatum(args.online)};

		pgm_catalog_exec(PGM_Q_SET_ONLINE, values, NULL, false);
		/* what start would refuse, where the table tells now */
		if (args.online)
			pgm_online_check_at_registration(args.id);
	}
	if (result != PGM_UNCHANGED && args.approved_rules != NIL)
		pgm_log_approval(&args);
	if (result != PGM_UNCHANGED)
		pgm_warn(&args);
	SPI_finish();

	PG_RETURN_TEXT_P(cstring_to_text(pgm_registered_names[result]));
}

/*
 * migrate.repair(id, down): replace the down SQL of an applied revision
 * (a down that fails, or does not undo what the up did), which no new
 * revision can fix.  The new down is parsed and checked like any down;
 * the up stays as it was applied.  A "repair" row in migrate.log keeps the
 * old and new checksums and who repaired.  NULL leaves the revision
 * without a down (irreversible); '' is a down that does nothing.
 */
Datum
pgmigrate_repair(PG_FUNCTION_ARGS)
{
	PgmRevisionArgs args = {0};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	char	   *old_sha;
	bool		old_derived;

	pgm_check_may_change("migrate.repair()");
	pgm_require_arg(fcinfo, 0, "id", "migrate.repair()");
	args.id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	pgm_check_id(args.id, "revision id");
	args.down = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_P(1);
	if (args.down)
	{
		char	   *down = text_to_cstring(args.down);

		(void) pgm_report_findings(&args, "down",
								   pgm_lint(pgm_split_statements(down, pgm_parse_sql(down, args.id, "down"))),
								   false);
	}
	args.down_sha256 = args.down ? pgm_sha256_hex(args.down) : NULL;

	pgm_spi_connect();
	pgm_lock_catalog();
	values[0] = CStringGetTextDatum(args.id);
	if (pgm_catalog_exec(PGM_Q_GET_REVISION, values, NULL, false) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", args.id),
				 errhint("migrate.status() lists the registered revisions.")));
	if (!pgm_result_bool(0, PGM_REV_APPLIED))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is not applied", args.id),
				 errdetail("migrate.repair() replaces the down SQL of an applied revision, which cannot be registered again."),
				 errhint("Register the pending revision again with migrate.add(), with the down SQL it should have.")));
	old_sha = pgm_result_text(0, PGM_REV_DOWN_SHA);
	old_derived = pgm_result_bool(0, PGM_REV_DOWN_DERIVED);
	SPI_freetuptable(SPI_tuptable);

	values[1] = args.down ? PointerGetDatum(args.down) : (Datum) 0;
	nulls[1] = args.down ? ' ' : 'n';
	values[2] = args.down_sha256 ? CStringGetTextDatum(args.down_sha256) : (Datum) 0;
	nulls[2] = args.down_sha256 ? ' ' : 'n';
	if (pgm_catalog_exec(PGM_Q_REPAIR_DOWN, values, nulls, false) != 1)
		elog(ERROR, "revision \"%s\" was not repaired", args.id);
	pgm_catalog_log("repair", args.id, -1, NULL, "ok",
					psprintf("down SQL replaced: sha256 %s%s -> %s",
							 old_sha ? old_sha : "(none)", old_derived ? " (derived)" : "",
							 args.down_sha256 ? args.down_sha256 : "(none)"));
	SPI_finish();
	PG_RETURN_VOID();
}

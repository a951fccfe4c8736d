/*
 * compat.h — the one place where PostgreSQL major versions differ.
 *
 * pgmigrate is tested on PostgreSQL 15 and 18, and built from the same
 * source for 16 and 17; it refuses to build against any other major version
 * rather than claim what nobody builds.  Every construct whose API differs
 * between these versions is wrapped here, with the version where it
 * changed, so that supporting another version means a branch here and a
 * run in CI, and no PG_VERSION_NUM guard anywhere else.
 */
#ifndef PGMIGRATE_COMPAT_H
#define PGMIGRATE_COMPAT_H

#include "postgres.h"
#include "versions.h"		/* the versions, PGM_NORETURN */
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_constraint.h"
#include "commands/defrem.h"
#include "nodes/parsenodes.h"
#include "parser/parse_type.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "miscadmin.h"
#include "storage/smgr.h"
#include "utils/guc.h"
#include "utils/syscache.h"
#if PG_VERSION_NUM >= 160000
#include "nodes/miscnodes.h"
#endif


/*
 * The extra data of a GUC check hook is freed by guc.c with guc_free()
 * since 16, which wants it from guc_malloc() (exported since 16); before,
 * guc.c freed it with free().  NULL when out of memory, as malloc().
 */
#if PG_VERSION_NUM >= 160000
#define pgm_guc_extra_alloc(size) guc_malloc(LOG, (size))
#else
#define pgm_guc_extra_alloc(size) malloc(size)
#endif

/*
 * parseTypeString() of a type name that may name no type (yet): its type,
 * or InvalidOid.  A string that is no type name, or names a shell type, is
 * an error.  The fourth argument was bool missing_ok up to 15 and is a soft
 * error context since 16, where a type that does not exist is a soft error
 * (and so is a shell type, which the lookup tells apart again).
 */
static inline Oid
pgm_parse_type_string(const char *name, int32 *typmod)
{
	Oid			type = InvalidOid;
#if PG_VERSION_NUM >= 160000
	ErrorSaveContext escontext = {T_ErrorSaveContext};

	if (!parseTypeString(name, &type, typmod, (Node *) &escontext))
	{
		Type		shell = LookupTypeName(NULL, typeStringToTypeName(name, NULL), typmod, true);

		if (shell != NULL)
		{
			ReleaseSysCache(shell);
			parseTypeString(name, &type, typmod, NULL);		/* its error */
		}
		type = InvalidOid;
	}
#else
	parseTypeString(name, &type, typmod, true);
#endif
	return type;
}

/*
 * The number of a token of the core scanner: gram.h, which numbers them,
 * is not installed since 16 (nor parser/gramparse.h, which included it),
 * and the numbers change from one version to the next.  The scanner itself
 * says: it is the token it reads first from a sample of the kind.  Learnt
 * once per file, on first use.
 */
static inline int
pgm_token_of(const char *sample)
{
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		location;
	core_yyscan_t scanner = scanner_init(sample, &extra, &ScanKeywords, ScanKeywordTokens);
	int			token;

	/* a U& string is an error without it, whatever the setting says */
	extra.standard_conforming_strings = true;
	extra.escape_string_warning = false;
	token = core_yylex(&yylval, &location, scanner);
	scanner_finish(scanner);
	return token;
}

typedef struct PgmTokens
{
	int			ident;			/* IDENT: a name, quoted or not */
	int			sconst;			/* SCONST: a string constant, '...', E'...' or $$...$$ */
	int			usconst;		/* USCONST: U&'...', undecoded */
	int			bconst;			/* BCONST: B'...' */
	int			xconst;			/* XCONST: X'...' */
} PgmTokens;

static inline const PgmTokens *
pgm_tokens(void)
{
	static PgmTokens tokens;

	if (tokens.ident == 0)
	{
		tokens.sconst = pgm_token_of("'s'");
		tokens.usconst = pgm_token_of("U&'s'");
		tokens.bconst = pgm_token_of("B'1'");
		tokens.xconst = pgm_token_of("X'1F'");
		tokens.ident = pgm_token_of("pgm_ident");
	}
	return &tokens;
}

/*
 * MAINTAIN, a privilege on relations that their owner holds by default
 * (VACUUM, ANALYZE, CLUSTER, REFRESH MATERIALIZED VIEW, REINDEX, LOCK
 * TABLE), arrived in 17.
 */
#define PGM_HAS_MAINTAIN (PG_VERSION_NUM >= 170000)

/*
 * Do event triggers fire in this session?  The setting event_triggers,
 * which a superuser may turn off, arrived in 17; before, they always do.
 */
#if PG_VERSION_NUM >= 170000
#define PGM_EVENT_TRIGGERS_ON (event_triggers)
#else
#define PGM_EVENT_TRIGGERS_ON (true)
#endif

/*
 * Does an ALTER TABLE subcommand change a generated column's expression?
 * ALTER COLUMN ... SET EXPRESSION arrived in 17 (AT_SetExpression).
 */
static inline bool
pgm_cmd_sets_expression(const AlterTableCmd *cmd)
{
#if PG_VERSION_NUM >= 170000
	return cmd->subtype == AT_SetExpression;
#else
	return false;
#endif
}

/*
 * Is a column of the catalogs (its pg_attribute.attgenerated) a virtual
 * generated one, computed when read (18)?
 */
static inline bool
pgm_attgenerated_is_virtual(char attgenerated)
{
#if PG_VERSION_NUM >= 180000
	return attgenerated == ATTRIBUTE_GENERATED_VIRTUAL;
#else
	return false;
#endif
}

/*
 * A generated column of a statement (its Constraint): stored, or virtual,
 * computed when read, which arrived in 18 with Constraint.generated_kind.
 */
static inline bool
pgm_generated_is_stored(const Constraint *c)
{
#if PG_VERSION_NUM >= 180000
	return c->generated_kind == ATTRIBUTE_GENERATED_STORED;
#else
	return true;
#endif
}

/*
 * NOT ENFORCED constraints (CHECK and FOREIGN KEY) arrived in 18, with
 * Constraint.is_enforced and pg_constraint.conenforced; before, every
 * constraint is enforced.
 */
static inline bool
pgm_constraint_is_enforced(const Constraint *c)
{
#if PG_VERSION_NUM >= 180000
	return c->is_enforced;
#else
	return true;
#endif
}

static inline bool
pgm_catalog_constraint_is_enforced(Form_pg_constraint con)
{
#if PG_VERSION_NUM >= 180000
	return con->conenforced;
#else
	return true;
#endif
}

/*
 * ALTER TABLE ... ALTER CONSTRAINT ... [NOT] ENFORCED (18, whose
 * ATAlterConstraint also says what else the command changes): true when
 * the command changes the enforcement and nothing else, *name and
 * *enforced then saying of which constraint and to what.  Before 18 ALTER
 * CONSTRAINT changes deferrability only.
 */
static inline bool
pgm_alter_constraint_enforcement(const AlterTableCmd *cmd, const char **name, bool *enforced)
{
#if PG_VERSION_NUM >= 180000
	const ATAlterConstraint *alter = (const ATAlterConstraint *) cmd->def;

	if (cmd->subtype != AT_AlterConstraint || alter == NULL || !IsA(alter, ATAlterConstraint) ||
		!alter->alterEnforceability || alter->alterDeferrability || alter->alterInheritability)
		return false;
	*name = alter->conname;
	*enforced = alter->is_enforced;
	return true;
#else
	return false;
#endif
}

/*
 * A PRIMARY KEY or UNIQUE constraint whose last column is WITHOUT
 * OVERLAPS (a temporal key, 18): its index is a GiST one.
 */
static inline bool
pgm_constraint_without_overlaps(const Constraint *c)
{
#if PG_VERSION_NUM >= 180000
	return c->without_overlaps;
#else
	return false;
#endif
}

/*
 * A column's NOT NULL became a constraint of its own in 18 (pg_constraint,
 * contype 'n'): with a name, NOT VALID, NO INHERIT, RENAME CONSTRAINT and
 * ALTER CONSTRAINT ... [NO] INHERIT.
 */
#define PGM_HAS_NOT_NULL_CONSTRAINTS (PG_VERSION_NUM >= 180000)

/* A domain's NOT NULL became a named constraint (pg_constraint) in 17. */
#define PGM_HAS_DOMAIN_NOT_NULL_CONSTRAINTS (PG_VERSION_NUM >= 170000)

/* raw_parser() gained its mode argument in 14. */
#define pgm_raw_parser(str) raw_parser((str), RAW_PARSE_DEFAULT)

/* MarkGUCPrefixReserved() replaced EmitWarningsOnPlaceholders() in 15. */
#define pgm_reserve_guc_prefix(prefix) MarkGUCPrefixReserved(prefix)

/* REINDEX options became a DefElem list in 14. */
static inline bool
pgm_reindex_is_concurrent(const ReindexStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->params)
	{
		DefElem    *opt = (DefElem *) lfirst(lc);

		if (strcmp(opt->defname, "concurrently") == 0)
			return opt->arg == NULL || defGetBoolean(opt);
	}
	return false;
}

/* DETACH PARTITION ... CONCURRENTLY arrived in 14. */
static inline bool
pgm_detach_is_concurrent(const PartitionCmd *cmd)
{
	return cmd->concurrent;
}

/* FuncnameGetCandidates() gained include_out_arguments in 14. */
#define pgm_function_candidates(names, nargs) \
	FuncnameGetCandidates((names), (nargs), NIL, false, false, false, true)

/* A_Const gained isnull (and a union for its value) in 15. */
#define pgm_a_const_isnull(c) ((c)->isnull)

/*
 * The number of blocks in the main fork of a permanent relation's file,
 * found through the storage manager without opening the relation; -1 when
 * there is no such file.  smgropen() takes a RelFileNode up to 15 and a
 * RelFileLocator since 16; a permanent relation's backend is
 * InvalidBackendId up to 16 and INVALID_PROC_NUMBER since 17.
 */
static inline int64
pgm_permanent_main_fork_blocks(Oid tablespace, Oid filenumber)
{
	SMgrRelation reln;
#if PG_VERSION_NUM >= 160000
	RelFileLocator locator;

	locator.spcOid = OidIsValid(tablespace) ? tablespace : MyDatabaseTableSpace;
	locator.dbOid = MyDatabaseId;
	locator.relNumber = filenumber;
#if PG_VERSION_NUM >= 170000
	reln = smgropen(locator, INVALID_PROC_NUMBER);
#else
	reln = smgropen(locator, InvalidBackendId);
#endif
#else
	RelFileNode node;

	node.spcNode = OidIsValid(tablespace) ? tablespace : MyDatabaseTableSpace;
	node.dbNode = MyDatabaseId;
	node.relNode = filenumber;
	reln = smgropen(node, InvalidBackendId);
#endif
	if (!smgrexists(reln, MAIN_FORKNUM))
		return -1;
	return (int64) smgrnblocks(reln, MAIN_FORKNUM);
}

/*
 * index_beginscan() takes the instrumentation to fill since 18 (NULL:
 * none).
 */
#if PG_VERSION_NUM >= 180000
#define pgm_index_beginscan(heap, index, snapshot, nkeys) \
	index_beginscan((heap), (index), (snapshot), NULL, (nkeys), 0)
#else
#define pgm_index_beginscan(heap, index, snapshot, nkeys) \
	index_beginscan((heap), (index), (snapshot), (nkeys), 0)
#endif

/*
 * Is a CHECK constraint enforced?  Every one is up to 17; 18 has NOT
 * ENFORCED ones, which new rows need not satisfy.
 */
#if PG_VERSION_NUM >= 180000
#define pgm_check_enforced(check) ((check)->ccenforced)
#else
#define pgm_check_enforced(check) true
#endif

#endif							/* PGMIGRATE_COMPAT_H */

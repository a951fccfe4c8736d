/*
 * compat.h — the one place where PostgreSQL major versions differ.
 *
 * pgmigrate is built and tested on PostgreSQL 15, and only there: it
 * refuses to build against another major version rather than claim what
 * nobody tests.  Every construct whose API differs between the major
 * versions around 15 is wrapped here, with the version where it changed, so
 * that supporting another version means a branch here and a run in CI, and
 * no PG_VERSION_NUM guard anywhere else.
 */
#ifndef PGMIGRATE_COMPAT_H
#define PGMIGRATE_COMPAT_H

#include "postgres.h"
#include "catalog/namespace.h"
#include "commands/defrem.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/guc.h"

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 160000
#error "pgmigrate is built and tested on PostgreSQL 15 only"
#endif

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

#endif							/* PGMIGRATE_COMPAT_H */

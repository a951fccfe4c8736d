/*
 * compat.h — the one place where PostgreSQL major versions differ.
 *
 * pgmigrate is tested on PostgreSQL 15 and builds against 13 to 17.  Every
 * API that changed between those versions is wrapped here, so that the rest
 * of the code never carries a PG_VERSION_NUM guard of its own.
 */
#ifndef PGMIGRATE_COMPAT_H
#define PGMIGRATE_COMPAT_H

#include "postgres.h"
#include "catalog/namespace.h"
#include "commands/defrem.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/guc.h"

#if PG_VERSION_NUM < 130000
#error "pgmigrate needs PostgreSQL 13 or later"
#endif

/* raw_parser() gained a mode argument in PostgreSQL 14. */
#if PG_VERSION_NUM >= 140000
#define pgm_raw_parser(str) raw_parser((str), RAW_PARSE_DEFAULT)
#else
#define pgm_raw_parser(str) raw_parser(str)
#endif

/* MarkGUCPrefixReserved() replaced EmitWarningsOnPlaceholders() in 15. */
#if PG_VERSION_NUM >= 150000
#define pgm_reserve_guc_prefix(prefix) MarkGUCPrefixReserved(prefix)
#else
#define pgm_reserve_guc_prefix(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

/* REINDEX options became a DefElem list in 14. */
static inline bool
pgm_reindex_is_concurrent(const ReindexStmt *stmt)
{
#if PG_VERSION_NUM >= 140000
	ListCell   *lc;

	foreach(lc, stmt->params)
	{
		DefElem    *opt = (DefElem *) lfirst(lc);

		if (strcmp(opt->defname, "concurrently") == 0)
			return opt->arg == NULL || defGetBoolean(opt);
	}
	return false;
#else
	return stmt->concurrent;
#endif
}

/* DETACH PARTITION ... CONCURRENTLY arrived in 14. */
static inline bool
pgm_detach_is_concurrent(const PartitionCmd *cmd)
{
#if PG_VERSION_NUM >= 140000
	return cmd->concurrent;
#else
	return false;
#endif
}

/* FuncnameGetCandidates() gained include_out_arguments in 14. */
#if PG_VERSION_NUM >= 140000
#define pgm_function_candidates(names, nargs) \
	FuncnameGetCandidates((names), (nargs), NIL, false, false, false, true)
#else
#define pgm_function_candidates(names, nargs) \
	FuncnameGetCandidates((names), (nargs), NIL, false, false, true)
#endif

/* A_Const gained isnull (and a union for its value) in 15. */
#if PG_VERSION_NUM >= 150000
#define pgm_a_const_isnull(c) ((c)->isnull)
#else
#define pgm_a_const_isnull(c) IsA(&(c)->val, Null)
#endif

#endif							/* PGMIGRATE_COMPAT_H */

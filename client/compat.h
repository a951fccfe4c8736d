/*
 * compat.h — the one place where the client sees PostgreSQL major versions
 * differ (the frontend counterpart of src/compat.h, with the same versions:
 * tested on 15 and 18, built from the same source for 16 and 17).  Each
 * difference is named by the version where it changed; no PG_VERSION_NUM
 * guard anywhere else in the client.
 */
#ifndef PGMIGRATE_CLIENT_COMPAT_H
#define PGMIGRATE_CLIENT_COMPAT_H

#include "postgres_fe.h"

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 190000
#error "pgmigrate builds on PostgreSQL 15, 16, 17 and 18 only (tested on 15 and 18)"
#endif

/*
 * A function that never returns: pg_noreturn, a specifier written before
 * the declaration, replaced pg_attribute_noreturn(), an attribute written
 * after it, in 18.  PGM_NORETURN goes after extern, before the return type.
 */
#if PG_VERSION_NUM >= 180000
#define PGM_NORETURN pg_noreturn
#else
#define PGM_NORETURN pg_attribute_noreturn()
#endif

#endif							/* PGMIGRATE_CLIENT_COMPAT_H */

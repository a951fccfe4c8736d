/*
 * versions.h — the PostgreSQL major versions pgmigrate builds on, and what
 * differs between them for the extension and the client alike.
 *
 * Shared by src/compat.h and client/compat.h (after postgres.h or
 * postgres_fe.h, which give PG_VERSION_NUM and c.h's attributes).
 */
#ifndef PGMIGRATE_VERSIONS_H
#define PGMIGRATE_VERSIONS_H

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 190000
#error "pgmigrate builds on PostgreSQL 15, 16, 17 and 18 only (tested on 15 and 18)"
#endif

/*
 * A function that never returns: pg_noreturn, a specifier written before
 * the declaration, replaced pg_attribute_noreturn(), an attribute written
 * after it, in 18.  PGM_NORETURN goes among the specifiers, after static or
 * extern and before the return type, where both _Noreturn and GCC's
 * attribute are valid.
 */
#if PG_VERSION_NUM >= 180000
#define PGM_NORETURN pg_noreturn
#else
#define PGM_NORETURN pg_attribute_noreturn()
#endif

#endif							/* PGMIGRATE_VERSIONS_H */

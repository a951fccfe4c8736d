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

#include "versions.h"		/* the versions, PGM_NORETURN */

#endif							/* PGMIGRATE_CLIENT_COMPAT_H */

/*
 * module.c — the loadable module: its magic block and its start-up.
 *
 * The SQL-callable functions live with their concern (register.c, engine.c,
 * inspect.c, catalog.c); this file only ties the module together.
 */
#include "postgres.h"

#include "fmgr.h"

#include "pgmigrate.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	pgm_guard_define_settings();
	pgm_engine_define_settings();
	pgm_reserve_guc_prefix("pgmigrate");
	pgm_engine_init();
}

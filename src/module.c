/*
 * module.c — the loadable module: its magic block and its start-up.
 *
 * The SQL-callable functions live with their concern (register.c, engine.c,
 * inspect.c, nontx.c, verify.c, lint.c, guard.c, online/phases.c); this file only
 * ties the module together, at the top: it calls engine.c, guard.c,
 * register.c, online/phases.c and session.c.
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
	pgm_register_define_settings();
	pgm_online_define_settings();
	pgm_reserve_guc_prefix("pgmigrate");
	pgm_session_init();
	pgm_guard_install_hook();
}

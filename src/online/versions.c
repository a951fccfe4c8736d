/*
 * online/versions.c — the schemas of views each version of the application
 * reads while an online revision runs: a view of each changed table (the
 * old version's names and types, or the new version's), the new one's
 * written through an INSTEAD OF trigger; and who still uses the old one.
 *
 * Calls rows.c, online/sql.c, online/revision.c and online/resolve.c.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_sequence.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#include "online/online.h"

/*
 * The columns of the changed table's view for one version, in the table's
 * order: the old version sees the old columns and the new version the new
 * shape (renamed, retyped, added, not dropped).
 */
static List *
pgm_view_columns(const PgmOnline *on, bool new_version)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(on->relid)};
	List	   *rows = pgm_spi_rows("SELECT a.attname, a.attgenerated OPERATOR(pg_catalog.<>) '', a.attidentity,"
										  " CASE WHEN a.attidentity OPERATOR(pg_catalog.<>) '' THEN pg_catalog.format('pg_catalog.nextval(%L::pg_catalog.regclass)',"
										  "   pg_catalog.pg_get_serial_sequence(pg_catalog.format('%I.%I', n.nspname, c.relname), a.attname))"
										  " WHEN a.attgenerated OPERATOR(pg_catalog.=) '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END"
										  " FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) a.attrelid"
										  " JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
										  " LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid OPERATOR(pg_catalog.=) a.attrelid"
										  "  AND d.adnum OPERATOR(pg_catalog.=) a.attnum"
										  " WHERE a.attrelid OPERATOR(pg_catalog.=) $1 AND a.attnum OPERATOR(pg_catalog.>) 0"
										  " AND NOT a.attisdropped ORDER BY a.attnum",
										  1, types, values);
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, rows)
	{
		char	  **fields = lfirst(lc);
		PgmViewColumn *col = palloc0(sizeof(PgmViewColumn));
		ListCell   *sc;

		col->name = col->base = fields[0];
		col->generated = strcmp(fields[1], "t") == 0;
		col->identity = fields[2][0] != '\0';
		col->identity_always = strcmp(fields[2], "a") == 0;
		col->default_sql = fields[3];
		/* the new columns show under the old names, in the new version only */
		if (pgm_is_new_column(on, col->name))
			continue;
		if (!new_version && pgm_step_is(on, PGM_ONLINE_ADD_COLUMN, col->name))
			continue;
		if (new_version && pgm_step_is(on, PGM_ONLINE_DROP_COLUMN, col->name))
			continue;
		foreach(sc, on->plan->steps)
		{
			PgmOnlineStep *step = lfirst(sc);

			if (new_version && step->kind == PGM_ONLINE_RENAME_COLUMN && strcmp(step->column, col->base) == 0)
				col->name = step->new_name;
		}
		if (new_version && (col->change = pgm_type_change_of(on, col->base)) != NULL)
		{
			col->base = col->change->new_column;
			/* an identity's next value, which the old column gets from the new one */
			col->default_sql = col->identity ?
				psprintf("(%s)::%s", col->default_sql, col->change->new_type) : col->change->new_default;
		}
		out = lappend(out, col);
	}
	return out;
}

/*
 * The new version's view of a table whose column types change reads new
 * columns through COALESCE, which no view can write through: its writes go
 * to the table by an INSTEAD OF trigger (online/sql.c says how).
 */
static void
pgm_create_view_writer(const PgmOnline *on, const char *view, List *columns)
{
	char	   *function = pgm_qualified_name(on, pgm_online_name(on, "", on->view_writer, "view trigger"));
	const char *key_name = NULL;
	ListCell   *lc;

	foreach(lc, columns)
	{
		PgmViewColumn *col = lfirst(lc);

		/* (a retyped key reads the new column, and is found by the old one) */
		if (strcmp(col->change ? col->change->step->column : col->base, on->key_column) == 0)
			key_name = col->name;
	}
	if (key_name == NULL)
		pgm_online_refused(on, psprintf("it drops the key column %s of table %s", quote_identifier(on->key_column),
										on->table),
						   "Drop the key column in a revision of its own.");
	pgm_spi_run(pgm_online_view_writer(function, on->id, on->nspname, on->relname, columns,
										   on->key_column, key_name));
	pgm_spi_run(psprintf("CREATE TRIGGER %s INSTEAD OF INSERT OR UPDATE OR DELETE ON %s"
							 " FOR EACH ROW EXECUTE FUNCTION %s()",
							 quote_identifier(PGM_VIEW_PREFIX "write"), view, function));
	/*
	 * what an INSERT leaves out gets the table's default, as through a plain
	 * view; a GENERATED ALWAYS identity's, from the trigger (which so tells a
	 * value given from none)
	 */
	foreach(lc, columns)
	{
		PgmViewColumn *col = lfirst(lc);

		if (col->default_sql && !col->identity_always)
			pgm_spi_run(psprintf("ALTER VIEW %s ALTER COLUMN %s SET DEFAULT %s", view,
									 quote_identifier(col->name), col->default_sql));
	}
}

/*
 * A schema of views for one version: the changed table's view (each
 * changed table's, when the revision changes several), with the
 * caller's privileges checked on the table (security_invoker), so that
 * granting it to PUBLIC widens nothing.  Every other table is found in the
 * schema itself, next in the version's search_path, as functions and
 * sequences are: what start and complete do does not grow with the schema.
 */
void
pgm_create_version_schema(const PgmOnline *on, const char *schema, bool new_version)
{
	char	   *view = quote_qualified_identifier(schema, new_version && on->rename_table ?
												  on->rename_table->new_name : on->relname);
	List	   *columns = pgm_view_columns(on, new_version);

	/* the revision's other tables have their views in the first one's */
	if (on->part <= 1)
	{
		pgm_online_check_schema_free(on, schema);
		pgm_spi_run(psprintf("CREATE SCHEMA %s", quote_identifier(schema)));
		pgm_spi_run(psprintf("COMMENT ON SCHEMA %s IS %s", quote_identifier(schema),
							 quote_literal_cstr(psprintf("pgmigrate: the %s version's views while online revision %s runs",
														 new_version ? "new" : "old", on->id))));
		pgm_spi_run(psprintf("GRANT USAGE ON SCHEMA %s TO PUBLIC", quote_identifier(schema)));
	}
	pgm_spi_run(psprintf("CREATE VIEW %s WITH (security_invoker = true) AS SELECT %s FROM %s AS %s",
							 view, pgm_online_view_select_list(columns), on->table, PGM_ONLINE_TABLE_ALIAS));
	pgm_spi_run(psprintf("GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO PUBLIC", view));
	if (new_version && on->type_changes != NIL)
		pgm_create_view_writer(on, view, columns);
}

/* Drop a version schema's views, then the schema (anything else in it stops the drop). */
void
pgm_drop_version_schema(const char *schema)
{
	Oid			nspid = get_namespace_oid(schema, true);
	Oid			types[1] = {OIDOID};
	Datum		values[1];
	ListCell   *lc;

	if (!OidIsValid(nspid))
		return;
	values[0] = ObjectIdGetDatum(nspid);
	foreach(lc, pgm_spi_strings("SELECT pg_catalog.quote_ident(relname) FROM pg_catalog.pg_class"
								   " WHERE relnamespace OPERATOR(pg_catalog.=) $1 AND relkind OPERATOR(pg_catalog.=) 'v'",
								   1, types, values))
		pgm_spi_run(psprintf("DROP VIEW %s.%s", quote_identifier(schema), (char *) lfirst(lc)));
	pgm_spi_run(psprintf("DROP SCHEMA %s", quote_identifier(schema)));
}

/*
 * Sessions of the old version, in words; NIL when none: those that said
 * so with migrate.use_version() (idle or not), and those with a lock on
 * its views now (a transaction using them).
 */
List *
pgm_old_version_users(const PgmOnline *on)
{
	Oid			types[3] = {OIDOID, TEXTOID, OIDOID};
	Datum		values[3] = {ObjectIdGetDatum(get_namespace_oid(on->old_schema, true)),
		CStringGetTextDatum(on->old_schema), ObjectIdGetDatum(PGM_VERSION_LOCK_KEY)};

	return pgm_spi_strings("SELECT pg_catalog.format('pid %s (%s)', a.pid,"
							  " COALESCE(NULLIF(a.application_name, ''), a.usename::pg_catalog.text))"
							  " FROM pg_catalog.pg_stat_activity a"
							  " WHERE a.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid() AND a.pid IN ("
							  "  SELECT l.pid FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_class c"
							  "    ON c.oid OPERATOR(pg_catalog.=) l.relation"
							  "  WHERE c.relnamespace OPERATOR(pg_catalog.=) $1"
							  "  UNION"
							  "  SELECT l.pid FROM pg_catalog.pg_locks l"
							  "  WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory'"
							  "    AND l.database OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d"
							  "       WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())"
							  "    AND l.classid OPERATOR(pg_catalog.=) $3"
							  "    AND l.objid OPERATOR(pg_catalog.=) pg_catalog.hashtext($2)::pg_catalog.oid"
							  "    AND l.objsubid OPERATOR(pg_catalog.=) 2)"
							  " ORDER BY a.pid",
							  3, types, values);
}

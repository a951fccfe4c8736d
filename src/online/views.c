/*
 * online/views.c — the views that read a retyped column, made again on the
 * new column at complete.
 *
 * PostgreSQL's ALTER COLUMN TYPE refuses a column a view reads.  An online
 * revision's complete drops the old column, so each view that reads it, and
 * each view that reads those, is dropped and made again on the new column:
 * the same definition (deparsed with every name qualified, and parsed back
 * with the same search_path; constants written so that they read back the
 * same, rows.c), options, owner, grants and comments.  A view's
 * column that shows the retyped column takes the new type, as it would had
 * the view been written after the change.
 *
 * What a view could not be made again with is a reason to refuse the
 * revision, given at registration and at start: a materialized view (its
 * rows would be read again under complete's locks), a trigger, rule or
 * default of the view's own, privileges on its columns, grants given by a
 * role other than its owner, a security label, membership of an extension,
 * or anything else that depends on the view or its row type.
 *
 * Calls rows.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "pgmigrate.h"

/*
 * The views of the closure, each with the views of it that it reads:
 * (view oid, view name, the oids of the views of it that it reads, or NULL).
 */
static const char *const pgm_views_closure_sql =
"WITH RECURSIVE v(oid) AS ("
"  SELECT r.ev_class FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid"
"   WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass"
"     AND d.refobjid = $1 AND d.refobjsubid = ANY ($2) AND r.ev_class <> $1"
"  UNION"
"  SELECT r.ev_class FROM v JOIN pg_depend d ON d.refobjid = v.oid"
"    JOIN pg_rewrite r ON r.oid = d.objid"
"   WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass"
"     AND r.ev_class <> v.oid)"
" SELECT v.oid, v.oid::regclass::text,"
"  (SELECT string_agg(DISTINCT d.refobjid::text, ' ') FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid"
"    WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass"
"      AND r.ev_class = v.oid AND d.refobjid <> v.oid AND d.refobjid IN (SELECT oid FROM v))"
" FROM v ORDER BY v.oid";

/* What stops a view ($1) of the closure ($2) from being made again, in words. */
static const char *const pgm_views_problems_sql =
"SELECT CASE c.relkind WHEN 'm' THEN 'it is a materialized view' ELSE 'it is not a view' END"
"  FROM pg_class c WHERE c.oid = $1 AND c.relkind <> 'v'"
" UNION ALL"
" SELECT 'it is a temporary view, of a session''s own'"
"  FROM pg_class c WHERE c.oid = $1 AND c.relpersistence = 't'"
" UNION ALL"
" SELECT pg_describe_object(d.classid, d.objid, d.objsubid) || ' depends on it'"
"  FROM pg_class c, pg_depend d"
"  WHERE c.oid = $1"
"    AND (d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid"
"         OR d.refclassid = 'pg_type'::regclass"
"            AND d.refobjid IN (c.reltype, (SELECT t.typarray FROM pg_type t WHERE t.oid = c.reltype)))"
"    AND NOT (d.classid = 'pg_type'::regclass"
"             AND d.objid IN (c.reltype, (SELECT t.typarray FROM pg_type t WHERE t.oid = c.reltype)))"
"    AND NOT (d.classid = 'pg_rewrite'::regclass"
"             AND EXISTS (SELECT FROM pg_rewrite r WHERE r.oid = d.objid"
"                          AND r.rulename = '_RETURN' AND r.ev_class = ANY ($2)))"
" UNION ALL"
" SELECT 'it belongs to ' || pg_describe_object(d.refclassid, d.refobjid, 0)"
"  FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = $1 AND d.deptype = 'e'"
" UNION ALL"
" SELECT 'its column ' || quote_ident(a.attname) || ' has privileges of its own'"
"  FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND a.attacl IS NOT NULL"
" UNION ALL"
" SELECT DISTINCT 'role ' || quote_ident(pg_get_userbyid(a.grantor)) || ', not its owner, granted privileges on it'"
"  FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = $1 AND a.grantor <> c.relowner"
" UNION ALL"
" SELECT 'role ' || quote_ident(current_user) || ', which runs this, is not its owner, nor a member of its owner''s role'"
"  FROM pg_class c WHERE c.oid = $1 AND NOT pg_has_role(c.relowner, 'USAGE')"
" UNION ALL"
" SELECT 'it has a security label'"
"  FROM pg_seclabel s WHERE s.classoid = 'pg_class'::regclass AND s.objoid = $1";

/* How the view ($1) is made again: CREATE VIEW, then its owner and comments. */
static const char *const pgm_views_define_sql =
"SELECT 1, format('CREATE VIEW %s%s AS %s', c.oid::regclass,"
"        (SELECT ' WITH (' || string_agg(quote_ident(split_part(o, '=', 1)) || ' = '"
"                || quote_literal(substr(o, strpos(o, '=') + 1)), ', ') || ')'"
"           FROM unnest(c.reloptions) o),"
"        pg_get_viewdef(c.oid))"
"  FROM pg_class c WHERE c.oid = $1"
" UNION ALL"
" SELECT 2, format('ALTER VIEW %s OWNER TO %I', c.oid::regclass, pg_get_userbyid(c.relowner))"
"  FROM pg_class c WHERE c.oid = $1"
" UNION ALL"
" SELECT 3, format('COMMENT ON VIEW %s IS %L', c.oid::regclass, d.description)"
"  FROM pg_class c JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass"
"   AND d.objsubid = 0 WHERE c.oid = $1"
" UNION ALL"
" SELECT 4, format('COMMENT ON COLUMN %s.%I IS %L', c.oid::regclass, a.attname, d.description)"
"  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
"  JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass"
"   AND d.objsubid = a.attnum WHERE c.oid = $1"
" ORDER BY 1, 2";

/*
 * The view's grants ($1, its oid), one GRANT each; with none written down
 * (relacl NULL), the owner's default ones.  The first row says which.
 */
static const char *const pgm_views_grants_sql =
"SELECT 0, CASE WHEN c.relacl IS NULL THEN 'default' END FROM pg_class c WHERE c.oid = $1"
" UNION ALL"
" SELECT 1, format('GRANT %s ON %s TO %s%s', a.privilege_type, c.oid::regclass,"
"        CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,"
"        CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)"
"  FROM pg_class c, aclexplode(COALESCE(c.relacl, acldefault('r', c.relowner))) a WHERE c.oid = $1"
" ORDER BY 1, 2";

/*
 * The view made again ($1, its name): a REVOKE ALL from each role it has
 * given privileges to, its owner and PUBLIC, before the old grants come
 * back; no row when it has the default privileges and had them ($2).
 */
static const char *const pgm_views_revokes_sql =
"SELECT DISTINCT format('REVOKE ALL ON %s FROM %s', c.oid::regclass,"
"        CASE WHEN s.g = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(s.g)) END)"
"  FROM pg_class c, LATERAL (SELECT a.grantee FROM aclexplode(c.relacl) a"
"                            UNION SELECT c.relowner UNION SELECT 0) s(g)"
"  WHERE c.oid = $1::regclass AND (c.relacl IS NOT NULL OR NOT $2) ORDER BY 1";

/* A view of the closure, as it is found. */
typedef struct PgmClosureView
{
	Oid			oid;
	char	   *name;
	List	   *reads;			/* the views of the closure it reads (Oid) */
	bool		placed;
} PgmClosureView;

/* The view `oid` of the closure `all`, or NULL. */
static PgmClosureView *
pgm_views_find(List *all, Oid oid)
{
	ListCell   *lc;

	foreach(lc, all)
		if (((PgmClosureView *) lfirst(lc))->oid == oid)
			return lfirst(lc);
	return NULL;
}

/* Put `v` in `order` after the views it reads (its closure: `all`). */
static List *
pgm_views_place(PgmClosureView *v, List *all, List *order)
{
	ListCell   *lc;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	/* placed before what it reads: a loop ends here */
	if (v->placed)
		return order;
	v->placed = true;
	foreach(lc, v->reads)
	{
		PgmClosureView *read = pgm_views_find(all, lfirst_oid(lc));

		if (read != NULL)
			order = pgm_views_place(read, all, order);
	}
	return lappend(order, v);
}

/* The closure of views that read the columns, each after the views it reads. */
static List *
pgm_views_closure(Oid relid, int ncolumns, const AttrNumber *attnums)
{
	Oid			types[2] = {OIDOID, INT2ARRAYOID};
	Datum		values[2] = {ObjectIdGetDatum(relid), pgm_int2_array_datum(attnums, ncolumns)};
	List	   *all = NIL;
	List	   *order = NIL;
	ListCell   *lc;

	foreach(lc, pgm_spi_rows(pgm_views_closure_sql, 2, types, values))
	{
		char	  **row = lfirst(lc);
		PgmClosureView *v = palloc0(sizeof(PgmClosureView));
		char	   *p = row[2];

		v->oid = (Oid) strtoul(row[0], NULL, 10);
		v->name = row[1];
		while (p != NULL && *p != '\0')
		{
			char	   *end;

			Oid			read = (Oid) strtoul(p, &end, 10);

			if (end == p)
				break;
			v->reads = lappend_oid(v->reads, read);
			p = *end == ' ' ? end + 1 : end;
		}
		all = lappend(all, v);
	}
	foreach(lc, all)
		order = pgm_views_place(lfirst(lc), all, order);
	return order;
}

/* The oids of the views in `closure`, as an oid[] datum. */
static Datum
pgm_views_oids(List *closure)
{
	Datum	   *oids = palloc(sizeof(Datum) * Max(list_length(closure), 1));
	ListCell   *lc;

	foreach(lc, closure)
		oids[foreach_current_index(lc)] = ObjectIdGetDatum(((PgmClosureView *) lfirst(lc))->oid);
	return PointerGetDatum(construct_array(oids, list_length(closure), OIDOID, sizeof(Oid), true, TYPALIGN_INT));
}

/*
 * The views that read the table's columns `attnums` (directly or through
 * other views), each after those it reads, as they are now: how each is
 * made again.  What stops one from being made again is appended to
 * *problems, in words; when there is any, nothing else is read.
 */
List *
pgm_online_find_views(Oid relid, int ncolumns, const AttrNumber *attnums, List **problems)
{
	int			level = pgm_spi_fix_settings(true);
	List	   *closure = pgm_views_closure(relid, ncolumns, attnums);
	List	   *views = NIL;
	Datum		all = pgm_views_oids(closure);
	ListCell   *lc;

	foreach(lc, closure)
	{
		PgmClosureView *v = lfirst(lc);
		Oid			types[2] = {OIDOID, OIDARRAYOID};
		Datum		values[2] = {ObjectIdGetDatum(v->oid), all};
		ListCell   *pc;

		foreach(pc, pgm_spi_strings(pgm_views_problems_sql, 2, types, values))
			*problems = lappend(*problems, psprintf("view %s: %s", v->name, (char *) lfirst(pc)));
	}
	if (*problems == NIL)
		foreach(lc, closure)
		{
			PgmClosureView *v = lfirst(lc);
			PgmFollowedView *f = palloc0(sizeof(PgmFollowedView));
			Oid			types[1] = {OIDOID};
			Datum		values[1] = {ObjectIdGetDatum(v->oid)};
			ListCell   *rc;

			f->name = v->name;
			foreach(rc, v->reads)
			{
				PgmClosureView *read = pgm_views_find(closure, lfirst_oid(rc));

				if (read != NULL)
					f->reads = lappend(f->reads, read->name);
			}
			foreach(rc, pgm_spi_rows(pgm_views_define_sql, 1, types, values))
				f->statements = lappend(f->statements, ((char **) lfirst(rc))[1]);
			foreach(rc, pgm_spi_rows(pgm_views_grants_sql, 1, types, values))
			{
				char	  **row = lfirst(rc);

				if (strcmp(row[0], "0") == 0)
					f->default_grants = row[1] != NULL;
				else
					f->grants = lappend(f->grants, row[1]);
			}
			views = lappend(views, f);
		}
	pgm_spi_restore_settings(level);
	return views;
}

/* Drop the views, the last made first (none depends on another any more then). */
void
pgm_online_drop_views(List *views)
{
	int			i;

	for (i = list_length(views) - 1; i >= 0; i--)
		pgm_spi_run(psprintf("DROP VIEW %s", ((PgmFollowedView *) list_nth(views, i))->name));
}

/*
 * Make one view (a PgmFollowedView) again as it was found, with the
 * settings its definition was read with; then its grants as they were.
 */
void
pgm_online_make_view(void *view)
{
	PgmFollowedView *f = view;
	int			level = pgm_spi_fix_settings(true);
	Oid			types[2] = {TEXTOID, BOOLOID};
	Datum		values[2] = {CStringGetTextDatum(f->name), BoolGetDatum(f->default_grants)};
	List	   *revokes;
	ListCell   *sc;

	foreach(sc, f->statements)
		pgm_spi_run(lfirst(sc));
	/* default privileges may have given some: none but the old ones stay */
	revokes = pgm_spi_strings(pgm_views_revokes_sql, 2, types, values);
	foreach(sc, revokes)
		pgm_spi_run(lfirst(sc));
	if (revokes != NIL)
		foreach(sc, f->grants)
			pgm_spi_run(lfirst(sc));
	pgm_spi_restore_settings(level);
}

/* Make the views again as they were found, each after those it reads. */
void
pgm_online_make_views(List *views)
{
	ListCell   *lc;

	foreach(lc, views)
		pgm_online_make_view(lfirst(lc));
}

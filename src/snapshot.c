/*
 * snapshot.c — a canonical picture of the user schemas, and what differs
 * between two of them.
 *
 * A snapshot is a sorted list of objects ("table app.users", "column
 * app.users.email", "index app.users_email", ...), each with a definition
 * made of attributes ("type=text", "not null=true", ...).  It covers schemas,
 * tables and other relations, columns with types and defaults, constraints,
 * indexes, views, functions, sequences, types, triggers, policies, grants
 * and extensions; it leaves out pg_catalog, information_schema, migrate,
 * temporary and toast schemas, and objects that belong to an extension.
 *
 * It is read from the catalogs with one query under fixed settings (a
 * search_path of pg_catalog then pg_temp, no JIT, default planner flags),
 * so every name in it is schema-qualified and it does not depend on the
 * session that takes it.  Rows are sorted in byte order, so
 * two snapshots compare with one merge pass.
 *
 * Stored form (migrate.snapshots.snapshot): one line per object,
 * "object TAB definition", attributes separated by US (0x1f), with
 * backslash, tab, newline and US escaped.  Recording a snapshot and reading
 * the last one back happen here too, through catalog.c.
 *
 * Calls catalog.c and rows.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "pgmigrate.h"

#define PGM_ATTR_SEP '\x1f'

/*
 * One row per object: (object, definition).  Attributes inside a definition
 * are separated by chr(31).
 */
static const char *const pgm_snapshot_sql =
"WITH ext AS ("
"  SELECT classid, objid FROM pg_depend WHERE deptype = 'e'),"
" nsp AS ("
"  SELECT n.oid, n.nspname, n.nspowner, n.nspacl FROM pg_namespace n"
"  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'migrate', 'pg_toast')"
"    AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'"
"    AND NOT EXISTS (SELECT FROM ext WHERE ext.classid = 'pg_namespace'::regclass AND ext.objid = n.oid)),"
" rel AS ("
"  SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.relacl, c.relowner, c.reloptions,"
"         c.relrowsecurity, c.relforcerowsecurity, n.nspname,"
"         quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qname"
"  FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace"
"  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c', 'i', 'I')"
"    AND NOT EXISTS (SELECT FROM ext WHERE ext.classid = 'pg_class'::regclass AND ext.objid = c.oid))"
" SELECT object, definition FROM ("
/* schemas */
"  SELECT 'schema ' || quote_ident(nspname) AS object,"
"         concat_ws(chr(31), 'owner=' || pg_get_userbyid(nspowner), 'grants=' || coalesce(nspacl::text, 'default')) AS definition"
"  FROM nsp"
/* relations other than indexes and composite types */
" UNION ALL"
"  SELECT CASE relkind WHEN 'r' THEN 'table ' WHEN 'p' THEN 'table ' WHEN 'v' THEN 'view '"
"         WHEN 'm' THEN 'materialized view ' WHEN 'S' THEN 'sequence ' ELSE 'foreign table ' END || qname,"
"         concat_ws(chr(31), 'kind=' || relkind::text, 'persistence=' || relpersistence::text,"
"                   'owner=' || pg_get_userbyid(relowner), 'grants=' || coalesce(relacl::text, 'default'),"
"                   'options=' || coalesce(reloptions::text, ''),"
"                   'row security=' || relrowsecurity || '/' || relforcerowsecurity,"
"                   CASE WHEN relkind IN ('v', 'm') THEN 'query=' || pg_get_viewdef(oid) END,"
"                   CASE WHEN relkind = 'p' THEN 'partition key=' || pg_get_partkeydef(oid) END,"
"                   (SELECT concat_ws(chr(31), 'type=' || format_type(s.seqtypid, NULL), 'start=' || s.seqstart,"
"                                     'increment=' || s.seqincrement, 'min=' || s.seqmin, 'max=' || s.seqmax,"
"                                     'cache=' || s.seqcache, 'cycle=' || s.seqcycle)"
"                    FROM pg_sequence s WHERE s.seqrelid = rel.oid))"
"  FROM rel WHERE relkind NOT IN ('i', 'I', 'c')"
/* columns of tables, views, foreign tables and composite types */
" UNION ALL"
"  SELECT 'column ' || r.qname || '.' || quote_ident(a.attname),"
"         concat_ws(chr(31), 'type=' || format_type(a.atttypid, a.atttypmod),"
"                   'not null=' || a.attnotnull,"
"                   'default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '(none)'),"
"                   CASE WHEN a.attidentity <> '' THEN 'identity=' || a.attidentity::text END,"
"                   CASE WHEN a.attgenerated <> '' THEN 'generated=' || a.attgenerated::text END,"
"                   CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation"
"                        THEN 'collation=' || a.attcollation::regcollation::text END,"
"                   CASE WHEN a.attacl IS NOT NULL THEN 'grants=' || a.attacl::text END,"
"                   'position=' || a.attnum)"
"  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid"
"  JOIN pg_type t ON t.oid = a.atttypid"
"  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
"  WHERE r.relkind IN ('r', 'p', 'v', 'm', 'f', 'c') AND a.attnum > 0 AND NOT a.attisdropped"
/* indexes */
" UNION ALL"
"  SELECT 'index ' || r.qname, 'definition=' || pg_get_indexdef(r.oid)"
"  FROM rel r WHERE r.relkind IN ('i', 'I')"
/* table and domain constraints */
" UNION ALL"
"  SELECT 'constraint ' || coalesce(r.qname, c.contypid::regtype::text) || '.' || quote_ident(c.conname),"
"         concat_ws(chr(31), 'definition=' || pg_get_constraintdef(c.oid), 'valid=' || c.convalidated)"
"  FROM pg_constraint c JOIN nsp n ON n.oid = c.connamespace LEFT JOIN rel r ON r.oid = c.conrelid"
"  WHERE r.oid IS NOT NULL OR (c.contypid <> 0 AND c.conrelid = 0)"
/* functions and procedures */
" UNION ALL"
"  SELECT CASE p.prokind WHEN 'p' THEN 'procedure ' WHEN 'a' THEN 'aggregate ' ELSE 'function ' END"
"         || quote_ident(n.nspname) || '.' || quote_ident(p.proname)"
"         || '(' || pg_get_function_identity_arguments(p.oid) || ')',"
"         concat_ws(chr(31), 'returns=' || coalesce(pg_get_function_result(p.oid), ''),"
"                   'language=' || l.lanname, 'volatility=' || p.provolatile::text,"
"                   'security definer=' || p.prosecdef, 'strict=' || p.proisstrict,"
"                   'settings=' || coalesce(p.proconfig::text, ''),"
"                   'owner=' || pg_get_userbyid(p.proowner), 'grants=' || coalesce(p.proacl::text, 'default'),"
"                   'body md5=' || md5(coalesce(p.prosrc, '') || coalesce(pg_get_function_sqlbody(p.oid), '')))"
"  FROM pg_proc p JOIN nsp n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang"
"  WHERE NOT EXISTS (SELECT FROM ext WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid)"
/* types: enums, domains, ranges, composite types, base types */
" UNION ALL"
"  SELECT 'type ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname),"
"         concat_ws(chr(31), 'kind=' || t.typtype::text,"
"                   'owner=' || pg_get_userbyid(t.typowner), 'grants=' || coalesce(t.typacl::text, 'default'),"
"                   CASE t.typtype WHEN 'e' THEN 'labels=' || (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)"
"                                                             FROM pg_enum e WHERE e.enumtypid = t.oid)"
"                                  WHEN 'd' THEN 'base type=' || format_type(t.typbasetype, t.typtypmod)"
"                                  WHEN 'r' THEN 'subtype=' || (SELECT format_type(rngsubtype, NULL) FROM pg_range WHERE rngtypid = t.oid)"
"                   END,"
"                   CASE WHEN t.typtype = 'd' THEN 'not null=' || t.typnotnull END,"
"                   CASE WHEN t.typtype = 'd' THEN 'default=' || coalesce(t.typdefault, '(none)') END)"
"  FROM pg_type t JOIN nsp n ON n.oid = t.typnamespace LEFT JOIN rel r ON r.oid = t.typrelid"
"  WHERE t.typtype IN ('e', 'd', 'r', 'b', 'c')"
"    AND (t.typtype <> 'c' OR r.relkind = 'c')"
"    AND NOT (t.typtype = 'b' AND t.typcategory = 'A')"
"    AND NOT EXISTS (SELECT FROM ext WHERE ext.classid = 'pg_type'::regclass AND ext.objid = t.oid)"
/* triggers */
" UNION ALL"
"  SELECT 'trigger ' || r.qname || '.' || quote_ident(tg.tgname),"
"         concat_ws(chr(31), 'definition=' || pg_get_triggerdef(tg.oid), 'enabled=' || tg.tgenabled::text)"
"  FROM pg_trigger tg JOIN rel r ON r.oid = tg.tgrelid WHERE NOT tg.tgisinternal"
/* policies */
" UNION ALL"
"  SELECT 'policy ' || r.qname || '.' || quote_ident(p.polname),"
"         concat_ws(chr(31), 'command=' || p.polcmd::text, 'permissive=' || p.polpermissive,"
"                   'roles=' || (SELECT string_agg(CASE WHEN x = 0 THEN 'public' ELSE pg_get_userbyid(x) END, ', ' ORDER BY 1)"
"                                FROM unnest(p.polroles) AS x),"
"                   'using=' || coalesce(pg_get_expr(p.polqual, p.polrelid), ''),"
"                   'with check=' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''))"
"  FROM pg_policy p JOIN rel r ON r.oid = p.polrelid"
/* extensions, but pgmigrate itself */
" UNION ALL"
"  SELECT 'extension ' || quote_ident(e.extname),"
"         concat_ws(chr(31), 'version=' || e.extversion, 'schema=' || quote_ident(n.nspname))"
"  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'pgmigrate'"
" ) AS objects"
" ORDER BY object COLLATE \"C\"";

static SPIPlanPtr pgm_snapshot_plan = NULL;

/*
 * Take a snapshot of the live schema.  Must be connected to SPI; the result
 * lives in the current memory context.  `read_only` reads with the calling
 * query's snapshot; otherwise the catalogs are read as they are now, which
 * is what a caller that just changed them needs.
 */
PgmSnapshot *
pgm_snapshot_take(bool read_only)
{
	MemoryContext cxt = CurrentMemoryContext;
	PgmSnapshot *snap = palloc0(sizeof(PgmSnapshot));
	int			guc_level;
	int			ret;
	uint64		i;

	/*
	 * The fixed settings (rows.c): their search_path makes every name in the
	 * snapshot qualified, and no session can fool or slow down the query.
	 */
	guc_level = pgm_spi_fix_settings(true);
	ret = SPI_execute_plan(pgm_spi_kept_plan(&pgm_snapshot_plan, pgm_snapshot_sql, 0, NULL, 0),
						   NULL, NULL, read_only, 0);
	pgm_spi_restore_settings(guc_level);
	MemoryContextSwitchTo(cxt);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "snapshot query failed: %s", SPI_result_code_string(ret));

	snap->count = (int) SPI_processed;
	snap->objects = palloc(sizeof(char *) * Max(snap->count, 1));
	snap->definitions = palloc(sizeof(char *) * Max(snap->count, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		char	   *def = pgm_result_text(i, 2);

		snap->objects[i] = pgm_result_text(i, 1);
		snap->definitions[i] = def ? def : pstrdup("");
	}
	SPI_freetuptable(SPI_tuptable);
	return snap;
}

static void
pgm_append_escaped(StringInfo buf, const char *s)
{
	for (; *s; s++)
	{
		switch (*s)
		{
			case '\\':
				appendStringInfoString(buf, "\\\\");
				break;
			case '\t':
				appendStringInfoString(buf, "\\t");
				break;
			case '\n':
				appendStringInfoString(buf, "\\n");
				break;
			default:
				appendStringInfoChar(buf, *s);
		}
	}
}

/* The stored form. */
static text *
pgm_snapshot_serialize(const PgmSnapshot *snap)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < snap->count; i++)
	{
		pgm_append_escaped(&buf, snap->objects[i]);
		appendStringInfoChar(&buf, '\t');
		pgm_append_escaped(&buf, snap->definitions[i]);
		appendStringInfoChar(&buf, '\n');
	}
	return cstring_to_text_with_len(buf.data, buf.len);
}

/* Unescape s[0..len) into a new string. */
static char *
pgm_unescape(const char *s, size_t len)
{
	char	   *out = palloc(len + 1);
	char	   *o = out;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		if (s[i] == '\\' && i + 1 < len)
		{
			i++;
			*o++ = s[i] == 't' ? '\t' : s[i] == 'n' ? '\n' : s[i];
		}
		else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

static PgmSnapshot *
pgm_snapshot_parse(const char *stored)
{
	PgmSnapshot *snap = palloc0(sizeof(PgmSnapshot));
	const char *p;
	int			lines = 0;
	int			capacity;

	for (p = stored; *p; p++)
		if (*p == '\n')
			lines++;
	capacity = Max(lines, 1);
	snap->objects = palloc(sizeof(char *) * capacity);
	snap->definitions = palloc(sizeof(char *) * capacity);

	p = stored;
	while (*p)
	{
		const char *eol = strchr(p, '\n');
		const char *tab;

		if (eol == NULL)
			eol = p + strlen(p);
		tab = memchr(p, '\t', eol - p);
		if (tab != NULL)
		{
			snap->objects[snap->count] = pgm_unescape(p, tab - p);
			snap->definitions[snap->count] = pgm_unescape(tab + 1, eol - tab - 1);
			snap->count++;
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("the stored schema snapshot is malformed"),
					 errhint("The catalog was changed outside pgmigrate's functions; the next apply or rollback stores a new snapshot.")));
		p = *eol ? eol + 1 : eol;
	}
	return snap;
}

/* The value of `key` in a definition, or NULL. */
static char *
pgm_attribute(const char *definition, const char *key)
{
	size_t		keylen = strlen(key);
	const char *p = definition;

	while (p && *p)
	{
		const char *end = strchr(p, PGM_ATTR_SEP);

		if (end == NULL)
			end = p + strlen(p);
		if ((size_t) (end - p) > keylen && strncmp(p, key, keylen) == 0 && p[keylen] == '=')
			return pnstrdup(p + keylen + 1, end - p - keylen - 1);
		p = *end ? end + 1 : end;
	}
	return NULL;
}

/* "type: text -> bigint; default: (none) -> 0" for the attributes that differ. */
static char *
pgm_describe_change(const char *before, const char *after)
{
	StringInfoData buf;
	const char *p;
	int			pass;

	initStringInfo(&buf);
	/* attributes of `before` that changed or went, then those that are new */
	for (pass = 0; pass < 2; pass++)
	{
		const char *from = pass == 0 ? before : after;
		const char *other = pass == 0 ? after : before;

		for (p = from; p && *p;)
		{
			const char *end = strchr(p, PGM_ATTR_SEP);
			const char *eq;
			char	   *key;
			char	   *mine;
			char	   *theirs;

			if (end == NULL)
				end = p + strlen(p);
			eq = memchr(p, '=', end - p);
			key = eq ? pnstrdup(p, eq - p) : pnstrdup(p, end - p);
			mine = eq ? pnstrdup(eq + 1, end - eq - 1) : pstrdup("");
			theirs = pgm_attribute(other, key);
			if (pass == 0 && (theirs == NULL || strcmp(mine, theirs) != 0))
				appendStringInfo(&buf, "%s%s: %s -> %s", buf.len ? "; " : "", key, mine,
								 theirs ? theirs : "(none)");
			else if (pass == 1 && theirs == NULL)
				appendStringInfo(&buf, "%s%s: (none) -> %s", buf.len ? "; " : "", key, mine);
			p = *end ? end + 1 : end;
		}
	}
	return buf.data;
}

/*
 * What differs from `before` to `after`, as PgmDrift rows in object order.
 */
List *
pgm_snapshot_diff(const PgmSnapshot *before, const PgmSnapshot *after)
{
	List	   *rows = NIL;
	int			i = 0;
	int			j = 0;

	while (i < before->count || j < after->count)
	{
		int			cmp;
		PgmDrift   *d;

		if (i >= before->count)
			cmp = 1;
		else if (j >= after->count)
			cmp = -1;
		else
			cmp = strcmp(before->objects[i], after->objects[j]);

		if (cmp == 0 && strcmp(before->definitions[i], after->definitions[j]) == 0)
		{
			i++, j++;
			continue;
		}
		d = palloc(sizeof(PgmDrift));
		if (cmp < 0)
		{
			d->object = before->objects[i];
			d->change = "removed";
			d->detail = pstrdup("");
			i++;
		}
		else if (cmp > 0)
		{
			d->object = after->objects[j];
			d->change = "added";
			d->detail = pstrdup("");
			j++;
		}
		else
		{
			d->object = before->objects[i];
			d->change = "changed";
			d->detail = pgm_describe_change(before->definitions[i], after->definitions[j]);
			i++, j++;
		}
		rows = lappend(rows, d);
	}
	return rows;
}

/*
 * Record a snapshot of the schema as it is now (after an apply, rollback
 * or stamp).  Connected to SPI.
 */
void
pgm_snapshot_record(const char *action)
{
	Datum		values[3];

	values[0] = CStringGetTextDatum(action);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(pgm_caller_name()));
	values[2] = PointerGetDatum(pgm_snapshot_serialize(pgm_snapshot_take(false)));
	pgm_catalog_exec(PGM_Q_SAVE_SNAPSHOT, values, NULL, false);
}

/* The snapshot the last apply, rollback or stamp recorded; empty if none. */
PgmSnapshot *
pgm_snapshot_last(void)
{
	PgmSnapshot *snap;

	if (pgm_catalog_exec(PGM_Q_LAST_SNAPSHOT, NULL, NULL, true) == 0)
		snap = pgm_snapshot_parse("");
	else
		snap = pgm_snapshot_parse(pgm_result_text(0, 1));
	SPI_freetuptable(SPI_tuptable);
	return snap;
}

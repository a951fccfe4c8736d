/*
 * online/foreign_keys.c — the foreign keys of a retyped column, made again
 * on the new columns.
 *
 * A foreign key whose columns, or whose referenced columns, an online
 * revision retypes would be dropped with the old columns at complete.  So
 * each is made again beside the old one: the same key on the new columns
 * of this table (and the columns it had elsewhere), added NOT VALID once
 * the new columns are filled and the new unique index it needs is built,
 * then validated, each in a transaction of its own, without blocking
 * writes for a scan (migrate.online_statements() hands them out).  At
 * complete the old key is dropped and the new one takes its name: no scan
 * under complete's locks.
 *
 * Calls rows.c.
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "parser/parse_coerce.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "pgmigrate.h"

/* An ON UPDATE or ON DELETE action as SQL; "" for NO ACTION, the default. */
static const char *
pgm_fk_action(const char *clause, char action)
{
	switch (action)
	{
		case 'r':
			return psprintf(" %s RESTRICT", clause);
		case 'c':
			return psprintf(" %s CASCADE", clause);
		case 'n':
			return psprintf(" %s SET NULL", clause);
		case 'd':
			return psprintf(" %s SET DEFAULT", clause);
		default:
			return "";
	}
}

/*
 * The new column of `attnum` of `relid`, when the revision retypes it (one
 * of `retyped`, PgmRetyped * of each table it retypes); else NULL, and
 * *new_type is not set.
 */
static const char *
pgm_retyped_column(Oid relid, AttrNumber attnum, List *retyped, Oid *new_type)
{
	ListCell   *lc;
	int			i;

	foreach(lc, retyped)
	{
		const PgmRetyped *r = lfirst(lc);

		for (i = 0; r->relid == relid && i < r->ncolumns; i++)
			if (r->attnums[i] == attnum)
			{
				if (new_type)
					*new_type = r->new_types[i];
				return r->new_columns[i];
			}
	}
	return NULL;
}

/*
 * The columns "a, b" of `relid` numbered in `keys` (an int2[] as text),
 * each retyped one by its new column.
 */
static char *
pgm_fk_columns(Oid relid, const char *keys, List *retyped)
{
	int			numbers[INDEX_MAX_KEYS];
	int			n = pgm_int2_array_parse(keys, numbers, INDEX_MAX_KEYS);
	List	   *names = NIL;
	int			k;

	for (k = 0; k < n; k++)
	{
		const char *new_column = pgm_retyped_column(relid, (AttrNumber) numbers[k], retyped, NULL);

		names = lappend(names, (char *) quote_identifier(new_column ? new_column :
														 get_attname(relid, (AttrNumber) numbers[k], false)));
	}
	return pgm_list_join(names, ", ");
}

/* The width of an integer type in bytes; 0 for any other type. */
int
pgm_int_width(Oid type)
{
	return type == INT2OID ? 2 : type == INT4OID ? 4 : type == INT8OID ? 8 : 0;
}

/* The type column `attnum` of `relid` has after the revision: its new one when retyped. */
static Oid
pgm_fk_type_after(Oid relid, AttrNumber attnum, List *retyped)
{
	Oid			type = InvalidOid;

	return pgm_retyped_column(relid, attnum, retyped, &type) ? type : get_atttype(relid, attnum);
}

/*
 * Can a foreign key column of type `key` reference one of type `ref`, with
 * `ref`'s default btree operator class (the new unique index's)?  As
 * ALTER TABLE ... ADD FOREIGN KEY decides: an equality operator of the
 * class's family between the two types and for `key` itself, or an
 * implicit cast from `key` to `ref`.
 */
static bool
pgm_fk_comparable(Oid key, Oid ref)
{
	Oid			opclass = GetDefaultOpClass(ref, BTREE_AM_OID);
	Oid			family;

	if (key == ref || !OidIsValid(opclass))
		return key == ref;
	family = get_opclass_family(opclass);
	if (OidIsValid(get_opfamily_member(family, ref, key, BTEqualStrategyNumber)) &&
		OidIsValid(get_opfamily_member(family, key, key, BTEqualStrategyNumber)))
		return true;
	return can_coerce_type(1, &key, &ref, COERCION_IMPLICIT);
}

/*
 * The key's pairs of columns as they will be: *incomparable says the first
 * pair it could not compare, *narrower the first of its columns that is a
 * narrower integer than the one it references ("order_id integer", for a
 * bigint key: the key's new values past its end could not be referenced)
 * and *widen how to widen it ("ALTER COLUMN order_id TYPE bigint"); each
 * NULL when there is none.
 */
static void
pgm_fk_check_pairs(Oid relid, const char *conkey, Oid confrelid, const char *confkey, List *retyped,
				   char **incomparable, char **narrower, char **widen)
{
	int			keys[INDEX_MAX_KEYS];
	int			refs[INDEX_MAX_KEYS];
	int			n = pgm_int2_array_parse(conkey, keys, INDEX_MAX_KEYS);
	int			i;

	*incomparable = *narrower = *widen = NULL;
	(void) pgm_int2_array_parse(confkey, refs, INDEX_MAX_KEYS);
	for (i = 0; i < n; i++)
	{
		Oid			key = pgm_fk_type_after(relid, keys[i], retyped);
		Oid			ref = pgm_fk_type_after(confrelid, refs[i], retyped);

		if (*incomparable == NULL && !pgm_fk_comparable(key, ref))
			*incomparable = psprintf("its columns %s %s and %s %s could not be compared",
									 quote_identifier(get_attname(relid, keys[i], false)), format_type_be(key),
									 quote_identifier(get_attname(confrelid, refs[i], false)), format_type_be(ref));
		if (*narrower == NULL && pgm_int_width(key) > 0 && pgm_int_width(key) < pgm_int_width(ref))
		{
			*narrower = psprintf("%s %s", quote_identifier(get_attname(relid, keys[i], false)), format_type_be(key));
			*widen = psprintf("ALTER COLUMN %s TYPE %s", quote_identifier(get_attname(relid, keys[i], false)),
							  format_type_be(ref));
		}
	}
}

/* what PostgreSQL 18's keys may have that is not made again here */
#if PG_VERSION_NUM >= 180000
#define PGM_FK_REASONS_18 \
	"  WHEN k.conperiod THEN 'it has a PERIOD'" \
	"  WHEN NOT k.conenforced THEN 'it is NOT ENFORCED'"
#else
#define PGM_FK_REASONS_18 ""
#endif

/* The foreign keys on columns $2 of table $1, or referencing them. */
static const char pgm_fk_query[] =
	"SELECT k.oid, k.conname, k.conrelid, pg_catalog.format('%I.%I', n.nspname, c.relname),"
	" k.confrelid, pg_catalog.format('%I.%I', fn.nspname, fc.relname),"
	" k.conkey::pg_catalog.text, k.confkey::pg_catalog.text,"
	" k.confupdtype, k.confdeltype, k.confmatchtype, k.condeferrable, k.condeferred,"
	" pg_catalog.obj_description(k.oid, 'pg_constraint'),"
	/* what is not made again here */
	" CASE WHEN k.conparentid OPERATOR(pg_catalog.<>) 0 OR c.relkind OPERATOR(pg_catalog.=) 'p'"
	"        OR fc.relkind OPERATOR(pg_catalog.=) 'p' OR c.relispartition"
	"   THEN 'it is on a partitioned table or a partition'"
	"  WHEN k.confdelsetcols IS NOT NULL THEN 'its ON DELETE SET NULL or SET DEFAULT names columns'"
	"  WHEN NOT k.convalidated THEN 'it is NOT VALID'"
	"  WHEN k.confrelid OPERATOR(pg_catalog.=) $1 AND NOT k.confkey OPERATOR(pg_catalog.&&) $2"
	"       AND EXISTS (SELECT FROM pg_catalog.pg_index i WHERE i.indexrelid OPERATOR(pg_catalog.=) k.conindid"
	"                   AND i.indkey::pg_catalog.int2[] OPERATOR(pg_catalog.&&) $2)"
	"   THEN 'it references other columns through a unique index that includes a retyped one'"
	PGM_FK_REASONS_18
	" END"
	" FROM pg_catalog.pg_constraint k"
	" JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) k.conrelid"
	" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
	" JOIN pg_catalog.pg_class fc ON fc.oid OPERATOR(pg_catalog.=) k.confrelid"
	" JOIN pg_catalog.pg_namespace fn ON fn.oid OPERATOR(pg_catalog.=) fc.relnamespace"
	" WHERE k.contype OPERATOR(pg_catalog.=) 'f'"
	" AND (k.conrelid OPERATOR(pg_catalog.=) $1 AND k.conkey OPERATOR(pg_catalog.&&) $2"
	"      OR k.confrelid OPERATOR(pg_catalog.=) $1 AND k.confkey OPERATOR(pg_catalog.&&) $2"
	/* a key on other columns, through a unique index that includes a retyped one */
	"      OR k.confrelid OPERATOR(pg_catalog.=) $1 AND EXISTS (SELECT FROM pg_catalog.pg_index i"
	"         WHERE i.indexrelid OPERATOR(pg_catalog.=) k.conindid"
	"         AND i.indkey::pg_catalog.int2[] OPERATOR(pg_catalog.&&) $2))"
	" ORDER BY k.conrelid, k.conname";

/*
 * The foreign keys of table `table->relid` on, or referencing, one of the
 * columns the online revision retypes there, each to be made again with the
 * new columns in their place: of that table, and of the others the
 * revision retypes (`retyped`, PgmRetyped * of each, `table` among them: a
 * key and the columns that reference it, widened together).  `reason` of
 * a key is set when it cannot be made again so, `narrower` when a column of
 * it cannot hold the values it references (the caller refuses both).
 */
List *
pgm_online_find_foreign_keys(const PgmRetyped *table, List *retyped)
{
	Oid			relid = table->relid;
	Oid			types[2] = {OIDOID, INT2ARRAYOID};
	Datum		values[2] = {ObjectIdGetDatum(relid), pgm_int2_array_datum(table->attnums, table->ncolumns)};
	List	   *out = NIL;
	ListCell   *lc;
	foreach(lc, pgm_spi_rows(pgm_fk_query, 2, types, values))
	{
		char	  **f = lfirst(lc);
		PgmMovedForeignKey *fk = palloc0(sizeof(PgmMovedForeignKey));
		Oid			confrelid = (Oid) strtoul(f[4], NULL, 10);
		char	   *incomparable;

		fk->oid = (Oid) strtoul(f[0], NULL, 10);
		fk->name = f[1];
		fk->relid = (Oid) strtoul(f[2], NULL, 10);
		fk->table = f[3];
		fk->comment = f[13];
		fk->reason = f[14];
		fk->definition = psprintf("FOREIGN KEY (%s) REFERENCES %s (%s)%s%s%s%s",
								  pgm_fk_columns(fk->relid, f[6], retyped),
								  f[5], pgm_fk_columns(confrelid, f[7], retyped),
								  f[10][0] == 'f' ? " MATCH FULL" : "",
								  pgm_fk_action("ON UPDATE", f[8][0]), pgm_fk_action("ON DELETE", f[9][0]),
								  strcmp(f[11], "t") != 0 ? "" :
								  strcmp(f[12], "t") == 0 ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE");
		pgm_fk_check_pairs(fk->relid, f[6], confrelid, f[7], retyped, &incomparable, &fk->narrower, &fk->widen);
		if (fk->reason == NULL)
			fk->reason = incomparable;
		out = lappend(out, fk);
	}
	return out;
}

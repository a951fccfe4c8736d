/*
 * online/sequences.c — the sequence of a retyped column, carried over to
 * the new column at complete.
 *
 * Complete drops the old column, and with it what depends on it: a
 * serial's sequence (owned by the column) and an identity's (part of it).
 * Before the drop, a serial's sequence is handed to the new column, so it
 * is the same sequence with the same grants and the next value; an
 * identity is made again on the new column, its sequence under the old
 * name with the old options and the next value, its type the new
 * column's, as a plain ALTER COLUMN TYPE leaves it.  Complete holds the
 * table's ACCESS EXCLUSIVE lock meanwhile: no row takes a value between
 * reading the old sequence and setting the new one.
 *
 * Calls rows.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "pgmigrate.h"

/* The smallest and largest value of a sequence's type, as text. */
static void
pgm_sequence_type_bounds(Oid type, const char **min, const char **max)
{
	if (type == INT2OID)
		*min = "-32768", *max = "32767";
	else if (type == INT4OID)
		*min = "-2147483648", *max = "2147483647";
	else
		*min = "-9223372036854775808", *max = "9223372036854775807";
}

/*
 * The ADD GENERATED ... AS IDENTITY that makes the identity of the old
 * column again on the new one.  A bound that was the old type's own is
 * left out, so that it becomes the new type's, as ALTER SEQUENCE ... AS
 * does; `fields` are pgm_column_sequences()'s row.
 */
static char *
pgm_identity_again(const char *table, const char *column, char **fields)
{
	const char *min;
	const char *max;

	pgm_sequence_type_bounds((Oid) strtoul(fields[3], NULL, 10), &min, &max);
	return psprintf("ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY"
					" (SEQUENCE NAME %s START WITH %s INCREMENT BY %s%s%s CACHE %s%s)",
					table, quote_identifier(column), fields[2][0] == 'a' ? "ALWAYS" : "BY DEFAULT", fields[0],
					fields[4], fields[5],
					strcmp(fields[7], min) == 0 ? "" : psprintf(" MINVALUE %s", fields[7]),
					strcmp(fields[6], max) == 0 ? "" : psprintf(" MAXVALUE %s", fields[6]),
					fields[8], strcmp(fields[9], "t") == 0 ? " CYCLE" : " NO CYCLE");
}

/*
 * The sequences of column `attnum` of `relid` (a serial's, owned: deptype
 * 'a'; an identity's: 'i'), each row: the sequence, schema-qualified and
 * quoted; the deptype; the column's attidentity; then the sequence's type,
 * start, increment, max, min, cache and cycle.
 */
static List *
pgm_column_sequences(Oid relid, AttrNumber attnum)
{
	Oid			types[2] = {OIDOID, INT2OID};
	Datum		values[2] = {ObjectIdGetDatum(relid), Int16GetDatum(attnum)};

	return pgm_spi_rows("SELECT pg_catalog.format('%I.%I', n.nspname, s.relname), d.deptype, a.attidentity,"
						" q.seqtypid, q.seqstart, q.seqincrement, q.seqmax, q.seqmin, q.seqcache, q.seqcycle"
						" FROM pg_catalog.pg_depend d"
						" JOIN pg_catalog.pg_class s ON s.oid OPERATOR(pg_catalog.=) d.objid"
						" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) s.relnamespace"
						" JOIN pg_catalog.pg_sequence q ON q.seqrelid OPERATOR(pg_catalog.=) s.oid"
						" JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) d.refobjid"
						"  AND a.attnum OPERATOR(pg_catalog.=) d.refobjsubid"
						" WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
						" AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
						" AND d.refobjid OPERATOR(pg_catalog.=) $1 AND d.refobjsubid OPERATOR(pg_catalog.=) $2"
						" AND d.deptype OPERATOR(pg_catalog.=) ANY ('{a,i}') AND s.relkind OPERATOR(pg_catalog.=) 'S'",
						2, types, values);
}

/*
 * The sequence of column `column` (attribute `attnum` of `relid`, named
 * `table` in SQL) carried over to `new_column`, which takes the column's
 * name: *before gets what must run before the old column is dropped,
 * *after what runs once the new column has the name and its NOT NULL.
 * Nothing when the column has no sequence.
 */
void
pgm_online_carry_sequence(Oid relid, AttrNumber attnum, const char *table, const char *column,
						  const char *new_column, List **before, List **after)
{
	List	   *rows = pgm_column_sequences(relid, attnum);
	ListCell   *lc;

	foreach(lc, rows)
	{
		char	  **fields = lfirst(lc);
		char	  **state;

		if (fields[1][0] == 'a')
		{
			*before = lappend(*before, psprintf("ALTER SEQUENCE %s OWNED BY %s.%s", fields[0], table,
												quote_identifier(new_column)));
			continue;
		}
		/* an identity's sequence goes with the column: where it was is read now */
		state = linitial(pgm_spi_rows(psprintf("SELECT last_value, is_called FROM %s", fields[0]), 0, NULL, NULL));
		*after = lappend(*after, pgm_identity_again(table, column, fields));
		*after = lappend(*after, psprintf("SELECT pg_catalog.setval(%s, %s, %s)", quote_literal_cstr(fields[0]),
										  state[0], strcmp(state[1], "t") == 0 ? "true" : "false"));
	}
}

/*
 * Why the identity of column `attnum` of `relid` could not be made again on
 * a column of `new_type`, or NULL: a bound of its own, its start or its
 * last value beyond the new type's (a bound that was the old type's own becomes the
 * new type's).  A plain ALTER COLUMN TYPE fails on the same.
 */
char *
pgm_online_identity_misfit(Oid relid, AttrNumber attnum, Oid new_type)
{
	const char *old_min;
	const char *old_max;
	const char *new_min;
	const char *new_max;
	char	  **f = NULL;
	char	  **state;
	ListCell   *lc;

	if (new_type != INT2OID && new_type != INT4OID && new_type != INT8OID)
		return NULL;
	foreach(lc, pgm_column_sequences(relid, attnum))
		if (((char **) lfirst(lc))[1][0] == 'i')
			f = lfirst(lc);
	if (f == NULL)
		return NULL;
	pgm_sequence_type_bounds((Oid) strtoul(f[3], NULL, 10), &old_min, &old_max);
	pgm_sequence_type_bounds(new_type, &new_min, &new_max);
	/* numbers as text: compare them as numbers (min f[7], max f[6], start f[4]) */
	state = linitial(pgm_spi_rows(psprintf("SELECT (%s::pg_catalog.numeric OPERATOR(pg_catalog.<) %s"
										   "        AND %s OPERATOR(pg_catalog.<>) %s)"
										   "    OR (%s::pg_catalog.numeric OPERATOR(pg_catalog.>) %s"
										   "        AND %s OPERATOR(pg_catalog.<>) %s)"
										   "    OR last_value::pg_catalog.numeric NOT BETWEEN %s AND %s"
										   "    OR %s::pg_catalog.numeric NOT BETWEEN %s AND %s FROM %s",
										   f[7], new_min, f[7], old_min, f[6], new_max, f[6], old_max,
										   new_min, new_max, f[4], new_min, new_max, f[0]),
								   0, NULL, NULL));
	if (strcmp(state[0], "t") != 0)
		return NULL;
	return psprintf("its sequence %s has a bound, its start or its last value beyond what %s holds", f[0],
					format_type_be(new_type));
}

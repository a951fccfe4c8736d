/*
 * renames.c — the renames a caller asks for (renames => '{s.t=new}'): each
 * a source key that the target knows by another name, and the ALTER ...
 * RENAME that makes it so, run before everything else.
 *
 * Calls snapshot.c and model.c.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/varlena.h"

#include "pgmigrate.h"
#include "schema/model.h"

/*
 * A rename's new name is free: the source has no relation or type of that
 * name in the schema (for a table), no column of that name in the table
 * (for a column), and no other rename takes it.  Else two objects would
 * have one key, and the script would fail where it renames.
 */
static void
pgm_check_rename_free(PgmDiff *diff, PgmSnapshot *src, PgmRename *rename, const char *schema,
					  const char *table, const char *column, const char *to)
{
	static const char *const relation_kinds[] = {
		"table", "view", "materialized view", "sequence", "foreign table", "index", "type"
	};
	const char *qualified = psprintf("%s.%s", quote_identifier(schema), quote_identifier(table));
	char	   *taken = NULL;
	char	   *detail = NULL;
	ListCell   *lc;
	size_t		k;

	if (column != NULL)
	{
		char	   *key = psprintf("column %s.%s", qualified, quote_identifier(to));

		if (pgm_snapshot_find(src, key) != NULL)
			taken = key;
	}
	for (k = 0; column == NULL && k < lengthof(relation_kinds) && taken == NULL; k++)
	{
		char	   *key = psprintf("%s %s.%s", relation_kinds[k], quote_identifier(schema), quote_identifier(to));

		if (pgm_snapshot_find(src, key) != NULL)
			taken = key;
	}
	if (taken != NULL)
		detail = psprintf("The source holds %s.", taken);
	foreach(lc, diff->renames)
		if (detail == NULL && strcmp(((PgmRename *) lfirst(lc))->to_key, rename->to_key) == 0)
			detail = psprintf("Another rename gives %s that name.",
							  ((PgmRename *) lfirst(lc))->from_key);
	if (detail != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("cannot rename %s%s%s to %s: the name is taken", qualified,
						column != NULL ? "." : "", column != NULL ? quote_identifier(column) : "",
						quote_identifier(to)),
				 errdetail("%s", detail),
				 errhint("Rename it to a name that is free, or leave the rename out.")));
}

/* A rename's new name is one the target holds: else the script would drop what it renamed. */
static void
pgm_check_rename_target(PgmSnapshot *tgt, PgmRename *rename)
{
	const char *kind = rename->table ? "table" : "column";

	if (pgm_snapshot_find(tgt, rename->to_key) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("cannot rename %s to %s: the target has no such %s", rename->from_key + strlen(kind) + 1,
						rename->to_key + strlen(kind) + 1, kind),
				 errdetail("The rename asks for %s, which the target document does not hold.", rename->to_key),
				 errhint("Name the %s as the target document has it, or leave the rename out.", kind)));
}

/*
 * A sequence owned by a column that a rename gives a new key (its table
 * or itself renamed), which the target knows by another name (a serial of
 * the table as the target made it): renamed too, with ALTER SEQUENCE ...
 * RENAME, so it keeps its value rather than being dropped and made again.
 */
static void
pgm_rename_owned_sequences(PgmDiff *diff, PgmSnapshot *src, PgmSnapshot *tgt)
{
	int			i;
	int			j;

	for (i = 0; i < src->count; i++)
	{
		PgmObject  *seq = &src->objects[i];
		char	   *owner = pgm_same_text(seq->kind, "sequence") ? pgm_text(seq->attributes, "owned_by") : NULL;
		char	   *renamed = pgm_renamed_key(diff, owner);

		if (owner == NULL || strcmp(owner, renamed) == 0 || pgm_snapshot_find(tgt, seq->key) != NULL)
			continue;
		for (j = 0; j < tgt->count; j++)
		{
			PgmObject  *to = &tgt->objects[j];
			PgmRename  *r;

			if (!pgm_same_text(to->kind, "sequence") ||
				!pgm_same_text(pgm_text(to->attributes, "owned_by"), renamed) ||
				pgm_snapshot_find(src, to->key) != NULL)
				continue;
			r = palloc(sizeof(PgmRename));
			r->from_key = seq->key;
			r->to_key = to->key;
			r->table = false;
			diff->renames = lappend(diff->renames, r);
			diff->rename_statements = lappend(diff->rename_statements,
											  psprintf("ALTER SEQUENCE %s RENAME TO %s;", pgm_qualified(seq->attributes),
													   quote_identifier(pgm_text(to->attributes, "name"))));
			break;
		}
	}
}

void
pgm_parse_renames(PgmDiff *diff, ArrayType *renames, PgmSnapshot *src, PgmSnapshot *tgt)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			k;
	int			pass;
	ListCell   *lc;

	deconstruct_array(renames, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	/* tables first: a column rename then names the table by its new name */
	for (pass = 0; pass < 2; pass++)
	{
		for (k = 0; k < n; k++)
		{
			char	   *spec;
			char	   *eq;
			List	   *names;
			PgmRename  *r;
			char	   *to;
			char	   *table_key;

			if (nulls[k])
				continue;
			spec = TextDatumGetCString(elems[k]);
			eq = strrchr(spec, '=');
			if (eq != NULL && eq != spec && eq[1] != '\0')
			{
				*eq = '\0';
				to = eq + 1;
			}
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("rename \"%s\" is not of the form schema.table.column=new_name or schema.table=new_name", spec)));
			if (!SplitIdentifierString(pstrdup(spec), '.', &names) ||
				(list_length(names) != 2 && list_length(names) != 3))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("rename \"%s=%s\" names neither a table (schema.table) nor a column (schema.table.column)", spec, to)));
			if ((pass == 0) != (list_length(names) == 2))
				continue;
			r = palloc(sizeof(PgmRename));
			r->table = list_length(names) == 2;
			table_key = psprintf("table %s.%s", quote_identifier(linitial(names)), quote_identifier(lsecond(names)));
			r->from_key = r->table ? table_key :
				psprintf("column %s.%s.%s", quote_identifier(linitial(names)),
						 quote_identifier(lsecond(names)), quote_identifier(lthird(names)));
			if (pgm_snapshot_find(src, r->from_key) == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("cannot rename %s: the source has no such object", r->from_key + (r->table ? 6 : 7)),
						 errhint("Name it as schema.table or schema.table.column, as the source document has it.")));
			if (r->table)
			{
				r->to_key = psprintf("table %s.%s", quote_identifier(linitial(names)), quote_identifier(to));
				diff->rename_statements = lappend(diff->rename_statements,
												  psprintf("ALTER TABLE %s RENAME TO %s;", table_key + 6,
														   quote_identifier(to)));
			}
			else
			{
				/* the column under its table's new name */
				char	   *table = pgm_renamed_key(diff, table_key) + 6;

				r->from_key = psprintf("column %s.%s", table, quote_identifier(lthird(names)));
				r->to_key = psprintf("column %s.%s", table, quote_identifier(to));
				diff->rename_statements = lappend(diff->rename_statements,
												  psprintf("ALTER TABLE %s RENAME COLUMN %s TO %s;", table,
														   quote_identifier(lthird(names)), quote_identifier(to)));
			}
			pgm_check_rename_free(diff, src, r, linitial(names), lsecond(names),
								  r->table ? NULL : lthird(names), to);
			diff->renames = lappend(diff->renames, r);
		}
	}
	/* every new name free first, then each held by the target */
	foreach(lc, diff->renames)
		pgm_check_rename_target(tgt, lfirst(lc));
	pgm_rename_owned_sequences(diff, src, tgt);
}

/*
 * describe.h — the document of some objects, read from the catalogs in C:
 * what the files of schema/describe/ share.
 *
 * keys.c        the keys of catalog entries as migrate.schema() writes
 *               them, the lookups they need, and writing an object
 * relations.c   relations and indexes, with what they hold
 * objects.c     schemas, extensions, functions, enums and domains
 * units.c       a part: its units, their objects (pgm_describe_part())
 */
#ifndef PGM_DESCRIBE_H
#define PGM_DESCRIBE_H

#include "access/htup.h"
#include "nodes/pg_list.h"
#include "utils/acl.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "fmgr.h"

#include "pgmigrate.h"

/* A catalog entry, as pg_depend names it. */
typedef struct PgmEntry
{
	Oid			classid;
	Oid			objid;
	int32		objsubid;
} PgmEntry;

/* Its key in the document, looked up once (NULL: none). */
typedef struct PgmKeyEntry
{
	PgmEntry	entry;
	char	   *key;
	List	   *depends;		/* in PgmDescribe.depends: its rows of pg_depend */
} PgmKeyEntry;

/* What the document says of a relation, and whether it is in it. */
typedef struct PgmRel
{
	Oid			oid;			/* hash key */
	bool		ok;				/* in rel */
	char		relkind;
	Oid			reltype;
	bool		has_triggers;	/* (or had: never false when it has) */
	bool		has_rules;
	bool		has_indexes;
	bool		is_partition;
	char	   *nspname;
	char	   *relname;
	char	   *qname;			/* schema.name, quoted */
	char	   *key;
} PgmRel;

typedef struct PgmDescribe
{
	HTAB	   *keys;			/* PgmKeyEntry */
	HTAB	   *depends;		/* PgmKeyEntry, objsubid 0 */
	bool		depends_complete;	/* all of pg_depend is in it */
	HTAB	   *rels;			/* PgmRel */
	HTAB	   *spaces;			/* oid -> whether in nsp */
	PgmDocState *doc;
	PgmObjectBuild object;
	/* the keys the entries of the units are recorded under */
	Datum	   *own_classids;
	Datum	   *own_objids;
	Datum	   *own_keys;
	int			nowned;
	int			maxowned;
	/* the comments of a relation and its columns, read at once */
	Oid			comments_of;
	List	   *comments;		/* PgmComment */
	HTAB	   *all_comments;	/* PgmCommentEntry: every comment, for a whole document; or NULL */
	/* the catalogs' indexes, each opened once */
	PgmLookups	lookups;
	/* the default btree operator class of each type met so far (relations.c) */
	Oid			opclass_types[16];
	Oid			opclass_defaults[16];
	int			nopclasses;
} PgmDescribe;

typedef struct PgmComment
{
	int32		subid;
	char	   *text;
} PgmComment;

/* ---- keys.c ---- */

extern char *pgm_d_call(PGFunction fn, int nargs, Datum a0, Datum a1);
extern char *pgm_d_type_name(Oid type);
extern char *pgm_d_role(Oid role);
extern char *pgm_d_grantee(Oid role);
extern char *pgm_d_qualified(const char *space, const char *name);
extern int pgm_d_compare_strings(const void *a, const void *b);
extern Jsonb *pgm_d_strings(char **items, int n);
extern Jsonb *pgm_d_text_array(Datum array, bool isnull);
extern Jsonb *pgm_d_grants(Acl *acl);
extern Acl *pgm_d_acl(HeapTuple tuple, int cacheid, AttrNumber attnum, ObjectType type, Oid owner);
extern List *pgm_d_depends(PgmDescribe *d, Oid classid, Oid objid);
extern void pgm_d_read_all_depends(PgmDescribe *d);
extern Oid pgm_d_extension_of(List *depends);
extern bool pgm_d_has_depend(List *depends, char deptype, Oid refclassid);
extern List *pgm_d_scan(PgmDescribe *d, Oid catalog, Oid index, Oid value);
extern HeapTuple pgm_d_fetch(PgmDescribe *d, Oid catalog, Oid index, Oid value);
extern bool pgm_d_space_ok(PgmDescribe *d, Oid space, char **name);
extern PgmRel *pgm_d_rel(PgmDescribe *d, Oid relid);
extern char *pgm_d_column_key(PgmDescribe *d, Oid relid, int32 attnum);
extern char *pgm_d_type_key(PgmDescribe *d, Oid type, Form_pg_type *form);
extern char *pgm_d_any_type_key(PgmDescribe *d, Oid type);
extern char *pgm_d_constraint_key(PgmDescribe *d, Oid conid, char **relkey);
extern char *pgm_d_constraint_key_of(PgmDescribe *d, Form_pg_constraint c, char **relkey);
extern char *pgm_d_function_key(PgmDescribe *d, Oid fn);
extern char *pgm_d_operator_key(PgmDescribe *d, Oid op);
extern char *pgm_d_cast_key(PgmDescribe *d, Oid cast);
extern char *pgm_d_transform_key(PgmDescribe *d, Oid transform);
extern char *pgm_d_extension_key(Oid extension);
extern char *pgm_d_member_key(PgmDescribe *d, Oid classid, Oid objid);
extern char *pgm_d_default_key(PgmDescribe *d, Oid attrdef);
extern char *pgm_d_key_of(PgmDescribe *d, Oid classid, Oid objid, int32 objsubid);
extern char *pgm_d_key(PgmDescribe *d, Oid classid, Oid objid, int32 objsubid);
extern void pgm_d_entry(PgmDescribe *d, Oid classid, Oid objid, const char *owner);
extern void pgm_d_read_comments(PgmDescribe *d, Oid relid);
extern void pgm_d_read_all_comments(PgmDescribe *d);
extern char *pgm_d_comment(PgmDescribe *d, Oid objoid, Oid classoid, int32 subid);
extern void pgm_d_object(PgmDescribe *d, const char *key, Oid objoid, Oid classoid, int32 subid);
extern const char *pgm_d_enabled(char e);
extern char *pgm_d_expr(HeapTuple tuple, TupleDesc desc, AttrNumber attnum, Oid relid);

/* ---- objects.c ---- */

extern bool pgm_d_object_done_here(Oid classid, Oid objid);
extern void pgm_d_object_unit(PgmDescribe *d, Oid classid, Oid objid);
extern void pgm_d_extension_domain_constraints(PgmDescribe *d);

/* ---- relations.c ---- */

extern void pgm_d_index(PgmDescribe *d, PgmRel *r);
extern void pgm_d_sequence(PgmDescribe *d, PgmRel *r);
extern void pgm_d_table_place(PgmDescribe *d, PgmRel *r, HeapTuple tuple);
extern void pgm_d_relation_object(PgmDescribe *d, PgmRel *r);
extern char *pgm_d_identity_options(Oid relid, int16 attnum);
extern char *pgm_d_collation(Oid collation, Oid type);
extern void pgm_d_not_null(PgmDescribe *d, PgmRel *r, const char *column, int16 attnum, List *constraints);
extern void pgm_d_default(PgmDescribe *d, PgmRel *r, Form_pg_attribute a, List *defaults);
extern void pgm_d_columns(PgmDescribe *d, PgmRel *r, List *constraints);
extern void pgm_d_constraints(PgmDescribe *d, const char *relkey, List *constraints);
extern void pgm_d_triggers(PgmDescribe *d, PgmRel *r);
extern void pgm_d_policies(PgmDescribe *d, PgmRel *r);
extern void pgm_d_rules(PgmDescribe *d, PgmRel *r);
extern void pgm_d_relation(PgmDescribe *d, PgmRel *r);

#endif

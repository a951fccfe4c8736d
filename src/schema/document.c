/*
 * document.c — putting a schema document together, for migrate.schema():
 * migrate.schema_object(name, value, ...), one object's attributes, and
 * the aggregate migrate.schema_document(key, doc, depends_on), the whole
 * document.
 *
 * migrate.schema() (the install script) finds, in SQL, every object of the
 * user schemas with its attributes, and every dependency between two of
 * them as a pair of keys.  The document it returns is
 *
 *     {"version": 1, "objects": {key: attributes without the null ones
 *                                      + {"depends": [keys, distinct, in byte order]}}}
 *
 * the same jsonb, byte for byte, as jsonb_build_object(),
 * jsonb_strip_nulls(), jsonb_object_agg() and || would make, but without
 * their cost: those look up every value's type on every call, and unpack
 * every object into a tree of values and pack the whole document again,
 * which for a schema of 80,000 objects took longer than finding them.
 * Here an object's attributes are written once, the values' types looked
 * up once per query, each object's bytes are kept as they came, the keys
 * are sorted once, and the document is written straight into jsonb's
 * on-disk form (utils/jsonb.h): a container is a header, one JEntry per
 * child (keys first, then values, in key order: shorter keys first, then
 * byte order), then the children's bytes; numbers and containers start on
 * a 4-byte boundary, the padding counted in their length; every 32nd
 * JEntry holds an end offset instead of a length.
 *
 * Calls nothing of pgmigrate's.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "pgmigrate.h"

PG_FUNCTION_INFO_V1(pgmigrate_schema_object);
PG_FUNCTION_INFO_V1(pgmigrate_schema_document_add);
PG_FUNCTION_INFO_V1(pgmigrate_schema_document_finish);

/* A key, or a key depended upon: bytes, not NUL-terminated. */
typedef struct PgmDocKey
{
	const char *data;
	int			len;
} PgmDocKey;

typedef struct PgmDocObject
{
	PgmDocKey	key;
	Jsonb	   *doc;			/* in the aggregate's memory */
	int			arrival;		/* rank among the rows: a later one wins */
} PgmDocObject;

typedef struct PgmDocDepend
{
	PgmDocKey	key;			/* the object that depends */
	PgmDocKey	depends_on;		/* the object it depends on */
} PgmDocDepend;

/* The keys an object depends on, for the pair "depends" (which an object
 * has even when they are none). */
typedef struct PgmDocDepends
{
	const PgmDocDepend *items;	/* sorted; NULL when none */
	int			count;
} PgmDocDepends;

struct PgmDocState
{
	PgmDocObject *objects;
	int			nobjects;
	int			maxobjects;
	PgmDocDepend *depends;
	int			ndepends;
	int			maxdepends;
};

/* Where a container being written is: its JEntries are filled in as its
 * children are appended after them. */
typedef struct PgmDocContainer
{
	StringInfo	buf;
	int			jentries;		/* where its JEntry array starts */
	int			nchildren;
	int			child;			/* the next child to append */
	int			data_start;		/* where its children's bytes start */
} PgmDocContainer;

/* The order of an object's keys in jsonb: shorter first, then byte order. */
static int
pgm_doc_key_order(const PgmDocKey *a, const PgmDocKey *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->data, b->data, a->len);
}

/* Byte order, as COLLATE "C": the order of the keys in a "depends" array. */
static int
pgm_doc_byte_order(const PgmDocKey *a, const PgmDocKey *b)
{
	int			c = memcmp(a->data, b->data, Min(a->len, b->len));

	if (c != 0)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

static int
pgm_doc_compare_objects(const void *a, const void *b)
{
	const PgmDocObject *x = a;
	const PgmDocObject *y = b;
	int			c = pgm_doc_key_order(&x->key, &y->key);

	if (c != 0)
		return c;
	/* the same key twice: the later row first, so that it is the one kept */
	return (y->arrival > x->arrival) - (y->arrival < x->arrival);
}

static int
pgm_doc_compare_depends(const void *a, const void *b)
{
	const PgmDocDepend *x = a;
	const PgmDocDepend *y = b;
	int			c = pgm_doc_key_order(&x->key, &y->key);

	if (c != 0)
		return c;
	return pgm_doc_byte_order(&x->depends_on, &y->depends_on);
}

/* A copy of a text datum's bytes in the current memory context. */
static PgmDocKey
pgm_doc_copy_key(Datum datum)
{
	text	   *t = DatumGetTextPP(datum);
	PgmDocKey	key;

	key.len = VARSIZE_ANY_EXHDR(t);
	key.data = memcpy(palloc(key.len > 0 ? key.len : 1), VARDATA_ANY(t), key.len);
	if ((Pointer) t != DatumGetPointer(datum))
		pfree(t);				/* a compressed or out-of-line key's copy */
	return key;
}

static PGM_NORETURN void pgm_doc_too_large(const char *detail);

/* What jsonb cannot hold, or this code cannot count. */
static void
pgm_doc_too_large(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("the schema document is too large for jsonb"),
			 errdetail("%s", detail),
			 errhint("Take the schema of a database with fewer objects.")));
}

/* Make room for one more element of an array that may outgrow 1 GB. */
static void *
pgm_doc_grow(void *array, int *max, int count, Size size)
{
	if (count < *max)
		return array;
	if (*max > JB_CMASK / 2)
		pgm_doc_too_large(psprintf("A jsonb object holds at most %d pairs.", JB_CMASK));
	*max = *max > 0 ? *max * 2 : 1024;
	if (array == NULL)
		return MemoryContextAllocHuge(CurrentMemoryContext, (Size) *max * size);
	return repalloc_huge(array, (Size) *max * size);
}

/*
 * migrate.schema_document(key, doc, depends_on), the transition: a row
 * with a doc is an object, a row with depends_on one dependency of the
 * object `key`.
 */
Datum
pgmigrate_schema_document_add(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	PgmDocState *state;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("migrate.schema_document_add() can only be called by the aggregate migrate.schema_document()")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the key of an object in a schema document cannot be null"),
				 errhint("Give every row of migrate.schema_document() a key.")));

	old = MemoryContextSwitchTo(aggcxt);
	state = PG_ARGISNULL(0) ? palloc0(sizeof(PgmDocState)) : (PgmDocState *) PG_GETARG_POINTER(0);
	if (!PG_ARGISNULL(2))
	{
		Jsonb	   *doc = (Jsonb *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(2));
		PgmDocObject *o;

		if (!JB_ROOT_IS_OBJECT(doc) || JB_ROOT_IS_SCALAR(doc))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the object \"%s\" of a schema document is not a jsonb object",
							text_to_cstring(PG_GETARG_TEXT_PP(1))),
					 errhint("Describe each object with jsonb_build_object().")));
		state->objects = pgm_doc_grow(state->objects, &state->maxobjects, state->nobjects,
									  sizeof(PgmDocObject));
		o = &state->objects[state->nobjects];
		o->key = pgm_doc_copy_key(PG_GETARG_DATUM(1));
		o->doc = doc;
		o->arrival = state->nobjects++;
	}
	if (!PG_ARGISNULL(3))
	{
		PgmDocDepend *d;

		state->depends = pgm_doc_grow(state->depends, &state->maxdepends, state->ndepends,
									  sizeof(PgmDocDepend));
		d = &state->depends[state->ndepends++];
		d->key = pgm_doc_copy_key(PG_GETARG_DATUM(1));
		d->depends_on = pgm_doc_copy_key(PG_GETARG_DATUM(3));
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(state);
}

/* Pad the buffer with zeroes to a 4-byte boundary. */
static void
pgm_doc_pad(StringInfo buf)
{
	int			padding = INTALIGN(buf->len) - buf->len;

	if (padding > 0)
	{
		enlargeStringInfo(buf, padding);
		memset(buf->data + buf->len, 0, padding);
		buf->len += padding;
		buf->data[buf->len] = '\0';
	}
}

/* Start a container of `count` children (pairs for an object) at the end
 * of buf. */
static PgmDocContainer
pgm_doc_begin(StringInfo buf, int count, bool object)
{
	PgmDocContainer c;
	uint32		header = (uint32) count | (object ? JB_FOBJECT : JB_FARRAY);
	Size		size;

	if (count > (int) JB_CMASK)
		pgm_doc_too_large(psprintf("A jsonb object or array holds at most %d elements.", JB_CMASK));
	c.buf = buf;
	pgm_doc_pad(buf);
	appendBinaryStringInfo(buf, (char *) &header, sizeof(header));
	c.jentries = buf->len;
	c.nchildren = object ? 2 * count : count;
	c.child = 0;
	size = (Size) c.nchildren * sizeof(JEntry);
	if (size >= MaxAllocSize)
		pgm_doc_too_large(psprintf("%d elements take more than a jsonb value can hold.", count));
	enlargeStringInfo(buf, size);
	memset(buf->data + buf->len, 0, size);
	buf->len += size;
	c.data_start = buf->len;
	return c;
}

/* The next child's bytes were appended from `from` on: write its JEntry. */
static void
pgm_doc_child(PgmDocContainer *c, uint32 type, int from)
{
	uint32		length = c->buf->len - from;
	uint32		end = c->buf->len - c->data_start;
	JEntry		entry;

	if (end > JENTRY_OFFLENMASK)
		pgm_doc_too_large(psprintf("A jsonb object or array holds at most %d bytes.", JENTRY_OFFLENMASK));
	Assert(c->child < c->nchildren);
	entry = type | ((c->child % JB_OFFSET_STRIDE) == 0 ? (end | JENTRY_HAS_OFF) : length);
	memcpy(c->buf->data + c->jentries + c->child * sizeof(JEntry), &entry, sizeof(JEntry));
	c->child++;
}

/* A string child (a key, or a string value). */
static void
pgm_doc_string(PgmDocContainer *c, const char *data, int len)
{
	int			from = c->buf->len;

	appendBinaryStringInfo(c->buf, data, len);
	pgm_doc_child(c, JENTRY_ISSTRING, from);
}

/* A number child, from a Numeric's bytes. */
static void
pgm_doc_numeric(PgmDocContainer *c, Numeric number)
{
	int			from = c->buf->len;

	pgm_doc_pad(c->buf);
	appendBinaryStringInfo(c->buf, (char *) number, VARSIZE(number));
	pgm_doc_child(c, JENTRY_ISNUMERIC, from);
}

/* The end of a container: every child written. */
static void
pgm_doc_end(PgmDocContainer *c)
{
	Assert(c->child == c->nchildren);
}

static void pgm_doc_copy(StringInfo buf, const JsonbContainer *src, const PgmDocDepends *depends);

/* Append child `index` of src as the next child of c, nulls of objects
 * within it left out. */
static void
pgm_doc_copy_child(PgmDocContainer *c, const JsonbContainer *src, int index)
{
	JEntry		entry = src->children[index];
	const char *base = (const char *) &src->children[JsonContainerSize(src) * (JsonContainerIsObject(src) ? 2 : 1)];
	uint32		offset = getJsonbOffset(src, index);
	uint32		length = getJsonbLength(src, index);
	int			from = c->buf->len;

	if (JBE_ISCONTAINER(entry))
	{
		pgm_doc_copy(c->buf, (const JsonbContainer *) (base + INTALIGN(offset)), NULL);
		pgm_doc_child(c, JENTRY_ISCONTAINER, from);
		return;
	}
	if (JBE_ISNUMERIC(entry))
	{
		pgm_doc_pad(c->buf);
		appendBinaryStringInfo(c->buf, base + INTALIGN(offset), offset + length - INTALIGN(offset));
	}
	else
		appendBinaryStringInfo(c->buf, base + offset, length);
	pgm_doc_child(c, entry & JENTRY_TYPEMASK, from);
}

/* The keys an object depends on, distinct, as a jsonb array. */
static void
pgm_doc_depends(StringInfo buf, const PgmDocDepends *depends)
{
	const PgmDocDepend *items = depends->items;
	PgmDocContainer c;
	int			count = 0;
	int			i;

	for (i = 0; i < depends->count; i++)
		if (i == 0 || pgm_doc_byte_order(&items[i].depends_on, &items[i - 1].depends_on) != 0)
			count++;
	c = pgm_doc_begin(buf, count, false);
	for (i = 0; i < depends->count; i++)
		if (i == 0 || pgm_doc_byte_order(&items[i].depends_on, &items[i - 1].depends_on) != 0)
			pgm_doc_string(&c, items[i].depends_on.data, items[i].depends_on.len);
	pgm_doc_end(&c);
}

static const PgmDocKey pgm_depends_key = {"depends", 7};

/* Key i of an object container. */
static PgmDocKey
pgm_doc_pair_key(const JsonbContainer *object, int i)
{
	PgmDocKey	key;

	key.data = (const char *) &object->children[2 * JsonContainerSize(object)] + getJsonbOffset(object, i);
	key.len = getJsonbLength(object, i);
	return key;
}

/* Does pair i of an object go into its copy: its value is not null, and it
 * is not a "depends" that the copy's own replaces? */
static bool
pgm_doc_keeps_pair(const JsonbContainer *object, int i, bool replacing_depends)
{
	PgmDocKey	key;

	if (JBE_ISNULL(object->children[JsonContainerSize(object) + i]))
		return false;
	key = pgm_doc_pair_key(object, i);
	return !replacing_depends || pgm_doc_key_order(&key, &pgm_depends_key) != 0;
}

/*
 * Append a copy of src without the null values of objects, at any depth,
 * as jsonb_strip_nulls() would; with depends (not NULL), src is an object
 * of the document and gains the pair "depends".
 */
static void
pgm_doc_copy(StringInfo buf, const JsonbContainer *src, const PgmDocDepends *depends)
{
	int			size = JsonContainerSize(src);
	int			count = 0;
	int			at = size;		/* where "depends" goes among the pairs */
	PgmDocContainer c;
	int			i;

	check_stack_depth();
	/* a nested container: never a scalar's (only a document's root is one) */
	Assert(!JsonContainerIsScalar(src));
	if (!JsonContainerIsObject(src))
	{
		c = pgm_doc_begin(buf, size, false);
		for (i = 0; i < size; i++)
			pgm_doc_copy_child(&c, src, i);
		pgm_doc_end(&c);
		return;
	}

	for (i = 0; i < size; i++)
	{
		PgmDocKey	key = pgm_doc_pair_key(src, i);

		if (depends && at == size && pgm_doc_key_order(&key, &pgm_depends_key) >= 0)
			at = i;
		count += pgm_doc_keeps_pair(src, i, depends != NULL);
	}
	c = pgm_doc_begin(buf, count + (depends ? 1 : 0), true);
	/* the keys, then the values, in the same order */
	for (i = 0; i <= size; i++)
	{
		if (depends && i == at)
			pgm_doc_string(&c, pgm_depends_key.data, pgm_depends_key.len);
		if (i < size && pgm_doc_keeps_pair(src, i, depends != NULL))
		{
			PgmDocKey	key = pgm_doc_pair_key(src, i);

			pgm_doc_string(&c, key.data, key.len);
		}
	}
	for (i = 0; i <= size; i++)
	{
		if (depends && i == at)
		{
			int			from = buf->len;

			pgm_doc_depends(buf, depends);
			pgm_doc_child(&c, JENTRY_ISCONTAINER, from);
		}
		if (i < size && pgm_doc_keeps_pair(src, i, depends != NULL))
			pgm_doc_copy_child(&c, src, size + i);
	}
	pgm_doc_end(&c);
}

/* How migrate.schema_object() writes a value of each argument's type. */
typedef enum PgmValueKind
{
	PGM_VALUE_TEXT,				/* text or varchar: a string, its bytes */
	PGM_VALUE_NAME,				/* name: a string */
	PGM_VALUE_LITERAL,			/* an untyped literal (a C string): a string */
	PGM_VALUE_BOOL,
	PGM_VALUE_INT2,				/* smallint, integer, bigint: a number */
	PGM_VALUE_INT4,
	PGM_VALUE_INT8,
	PGM_VALUE_JSONB				/* its value, nulls of objects within left out */
} PgmValueKind;

/* The arguments of one call of migrate.schema_object() in a query, looked
 * up at its first row. */
typedef struct PgmObjectArgs
{
	int			nargs;
	PgmValueKind kinds[FLEXIBLE_ARRAY_MEMBER];
} PgmObjectArgs;

/* One name and value of an object being written. */
struct PgmObjectPair
{
	PgmDocKey	name;
	int			arg;			/* its rank among the pairs: a later one wins */
	PgmValueKind kind;
	Datum		value;
	bool		absent;			/* NULL, or JSON null */
	Jsonb	   *jsonb;			/* a jsonb value, detoasted */
};

static PgmObjectArgs *
pgm_object_args(FunctionCallInfo fcinfo)
{
	PgmObjectArgs *args;
	int			i;

	if (fcinfo->flinfo->fn_extra != NULL)
		return fcinfo->flinfo->fn_extra;
	if (get_fn_expr_variadic(fcinfo->flinfo) || PG_NARGS() % 2 != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migrate.schema_object() takes names and values in pairs"),
				 errhint("Call it as migrate.schema_object('name', value, ...), without VARIADIC.")));
	args = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt,
							  offsetof(PgmObjectArgs, kinds) + sizeof(PgmValueKind) * PG_NARGS());
	args->nargs = PG_NARGS();
	for (i = 0; i < args->nargs; i++)
	{
		Oid			type = get_fn_expr_argtype(fcinfo->flinfo, i);

		switch (type)
		{
			case TEXTOID:
			case VARCHAROID:
				args->kinds[i] = PGM_VALUE_TEXT;
				break;
			case NAMEOID:
				args->kinds[i] = PGM_VALUE_NAME;
				break;
			case UNKNOWNOID:
				args->kinds[i] = PGM_VALUE_LITERAL;
				break;
			case BOOLOID:
				args->kinds[i] = PGM_VALUE_BOOL;
				break;
			case INT2OID:
				args->kinds[i] = PGM_VALUE_INT2;
				break;
			case INT4OID:
				args->kinds[i] = PGM_VALUE_INT4;
				break;
			case INT8OID:
				args->kinds[i] = PGM_VALUE_INT8;
				break;
			case JSONBOID:
				args->kinds[i] = PGM_VALUE_JSONB;
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("migrate.schema_object() cannot take a %s of type %s",
								i % 2 == 0 ? "name" : "value", format_type_be(type)),
						 errhint("Cast it to text, or pass to_jsonb() of it.")));
		}
		if (i % 2 == 0 && args->kinds[i] != PGM_VALUE_TEXT && args->kinds[i] != PGM_VALUE_LITERAL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("migrate.schema_object() cannot take a name of type %s", format_type_be(type)),
					 errhint("Give each name as text.")));
	}
	fcinfo->flinfo->fn_extra = args;
	return args;
}

/* A string argument's bytes. */
static PgmDocKey
pgm_object_string(PgmValueKind kind, Datum value)
{
	PgmDocKey	s;

	if (kind == PGM_VALUE_TEXT)
	{
		text	   *t = DatumGetTextPP(value);

		s.data = VARDATA_ANY(t);
		s.len = VARSIZE_ANY_EXHDR(t);
	}
	else
	{
		s.data = kind == PGM_VALUE_NAME ? NameStr(*DatumGetName(value)) : DatumGetCString(value);
		s.len = strlen(s.data);
	}
	return s;
}

static int
pgm_object_compare_pairs(const void *a, const void *b)
{
	const PgmObjectPair *x = a;
	const PgmObjectPair *y = b;
	int			c = pgm_doc_key_order(&x->name, &y->name);

	if (c != 0)
		return c;
	/* the same name twice: the later one first, so that it is the one kept */
	return (y->arg > x->arg) - (y->arg < x->arg);
}

/*
 * An object of `npairs` names and values, without those whose value is
 * absent: a name given twice keeps its later value.  Sorts `pairs`.
 */
static Jsonb *
pgm_object_write(PgmObjectPair *pairs, int npairs)
{
	StringInfoData buf;
	PgmDocContainer c;
	int			kept = 0;
	int			count = 0;
	int			i;

	if (npairs > 1)
		qsort(pairs, npairs, sizeof(PgmObjectPair), pgm_object_compare_pairs);
	/* a name given twice keeps its last value; then the absent ones go */
	for (i = 0; i < npairs; i++)
		if (i == 0 || pgm_doc_key_order(&pairs[i].name, &pairs[i - 1].name) != 0)
			pairs[kept++] = pairs[i];
	for (i = 0; i < kept; i++)
		if (!pairs[i].absent)
			pairs[count++] = pairs[i];

	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	c = pgm_doc_begin(&buf, count, true);
	for (i = 0; i < count; i++)
		pgm_doc_string(&c, pairs[i].name.data, pairs[i].name.len);
	for (i = 0; i < count; i++)
	{
		Datum		value = pairs[i].value;
		int			from = buf.len;

		switch (pairs[i].kind)
		{
			case PGM_VALUE_TEXT:
			case PGM_VALUE_NAME:
			case PGM_VALUE_LITERAL:
				{
					PgmDocKey	s = pgm_object_string(pairs[i].kind, value);

					pgm_doc_string(&c, s.data, s.len);
					break;
				}
			case PGM_VALUE_BOOL:
				pgm_doc_child(&c, DatumGetBool(value) ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE, from);
				break;
			case PGM_VALUE_INT2:
			case PGM_VALUE_INT4:
			case PGM_VALUE_INT8:
				{
					PgmValueKind kind = pairs[i].kind;

					pgm_doc_numeric(&c, int64_to_numeric(kind == PGM_VALUE_INT2 ? DatumGetInt16(value) :
														 kind == PGM_VALUE_INT4 ? DatumGetInt32(value) :
														 DatumGetInt64(value)));
					break;
				}
			case PGM_VALUE_JSONB:
				{
					Jsonb	   *jb = pairs[i].jsonb;

					if (JB_ROOT_IS_SCALAR(jb))
						pgm_doc_copy_child(&c, &jb->root, 0);
					else
					{
						pgm_doc_copy(&buf, &jb->root, NULL);
						pgm_doc_child(&c, JENTRY_ISCONTAINER, from);
					}
					break;
				}
		}
	}
	pgm_doc_end(&c);
	SET_VARSIZE(buf.data, buf.len);
	return (Jsonb *) buf.data;
}

/* The next pair of an object being built, its value absent. */
static PgmObjectPair *
pgm_object_next(PgmObjectBuild *o, const char *name, PgmValueKind kind)
{
	PgmObjectPair *p;

	if (o->npairs == o->maxpairs)
	{
		o->maxpairs = Max(16, 2 * o->maxpairs);
		o->pairs = o->pairs ? repalloc(o->pairs, sizeof(PgmObjectPair) * o->maxpairs) :
			palloc(sizeof(PgmObjectPair) * o->maxpairs);
	}
	p = &o->pairs[o->npairs];
	p->name.data = name;
	p->name.len = strlen(name);
	p->arg = o->npairs++;
	p->kind = kind;
	p->value = (Datum) 0;
	p->absent = true;
	p->jsonb = NULL;
	return p;
}

/* A string value of an object being built; NULL leaves the name out. */
void
pgm_object_text(PgmObjectBuild *o, const char *name, const char *value)
{
	PgmObjectPair *p = pgm_object_next(o, name, PGM_VALUE_LITERAL);

	p->value = CStringGetDatum(value);
	p->absent = value == NULL;
}

/* A boolean value of an object being built. */
void
pgm_object_bool(PgmObjectBuild *o, const char *name, bool value)
{
	PgmObjectPair *p = pgm_object_next(o, name, PGM_VALUE_BOOL);

	p->value = BoolGetDatum(value);
	p->absent = false;
}

/* A number of an object being built. */
void
pgm_object_int(PgmObjectBuild *o, const char *name, int64 value)
{
	PgmObjectPair *p = pgm_object_next(o, name, PGM_VALUE_INT8);

	p->value = Int64GetDatum(value);
	p->absent = false;
}

/* A jsonb value of an object being built; NULL or JSON null leaves it out. */
void
pgm_object_jsonb(PgmObjectBuild *o, const char *name, Jsonb *value)
{
	PgmObjectPair *p = pgm_object_next(o, name, PGM_VALUE_JSONB);

	p->jsonb = value;
	p->absent = value == NULL || (JB_ROOT_IS_SCALAR(value) && JBE_ISNULL(value->root.children[0]));
}

/* The object built, as migrate.schema_object() writes it; empties it. */
Jsonb *
pgm_object_finish(PgmObjectBuild *o)
{
	Jsonb	   *doc = pgm_object_write(o->pairs, o->npairs);

	o->npairs = 0;
	return doc;
}

/*
 * migrate.schema_object(name, value, ...): an object of the names and
 * values, without those whose value is NULL or JSON null, at any depth:
 * jsonb_strip_nulls(jsonb_build_object(name, value, ...)), for values of
 * type text, varchar, name, boolean, smallint, integer, bigint or jsonb.
 */
Datum
pgmigrate_schema_object(PG_FUNCTION_ARGS)
{
	PgmObjectArgs *args = pgm_object_args(fcinfo);
	int			npairs = args->nargs / 2;
	PgmObjectPair *pairs = palloc(sizeof(PgmObjectPair) * Max(npairs, 1));
	int			i;

	for (i = 0; i < npairs; i++)
	{
		int			arg = 2 * i + 1;

		if (PG_ARGISNULL(2 * i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the name of argument %d of migrate.schema_object() is null", 2 * i + 1),
					 errhint("Give every value a name.")));
		pairs[i].name = pgm_object_string(args->kinds[2 * i], PG_GETARG_DATUM(2 * i));
		pairs[i].arg = arg;
		pairs[i].kind = args->kinds[arg];
		pairs[i].absent = PG_ARGISNULL(arg);
		pairs[i].value = pairs[i].absent ? (Datum) 0 : PG_GETARG_DATUM(arg);
		pairs[i].jsonb = NULL;
		if (!pairs[i].absent && args->kinds[arg] == PGM_VALUE_JSONB)
		{
			pairs[i].jsonb = PG_GETARG_JSONB_P(arg);
			pairs[i].absent = JB_ROOT_IS_SCALAR(pairs[i].jsonb) && JBE_ISNULL(pairs[i].jsonb->root.children[0]);
		}
	}
	PG_RETURN_JSONB_P(pgm_object_write(pairs, npairs));
}

/*
 * The document of the objects and dependencies in `state` (a document built
 * in C, or the aggregate's), sorted in place.
 */
Jsonb *
pgm_doc_finish(PgmDocState *state)
{
	StringInfoData buf;
	PgmDocContainer root;
	PgmDocContainer objects;
	int			from;
	int			kept = 0;
	int			d = 0;
	int			i;
	if (state->nobjects > 1)
		qsort(state->objects, state->nobjects, sizeof(PgmDocObject), pgm_doc_compare_objects);
	if (state->ndepends > 1)
		qsort(state->depends, state->ndepends, sizeof(PgmDocDepend), pgm_doc_compare_depends);
	/* the same key twice: the later row's object only */
	for (i = 0; i < state->nobjects; i++)
		if (i == 0 || pgm_doc_key_order(&state->objects[i].key, &state->objects[kept - 1].key) != 0)
			state->objects[kept++] = state->objects[i];
	state->nobjects = kept;

	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	/* {"objects": {...}, "version": 1}: "objects" < "version" */
	root = pgm_doc_begin(&buf, 2, true);
	pgm_doc_string(&root, "objects", 7);
	pgm_doc_string(&root, "version", 7);
	from = buf.len;
	objects = pgm_doc_begin(&buf, state->nobjects, true);
	for (i = 0; i < state->nobjects; i++)
		pgm_doc_string(&objects, state->objects[i].key.data, state->objects[i].key.len);
	for (i = 0; i < state->nobjects; i++)
	{
		const PgmDocObject *o = &state->objects[i];
		PgmDocDepends depends;
		int			first;
		int			value = buf.len;

		/* this object's dependencies (those of keys that are no object are dropped) */
		while (d < state->ndepends && pgm_doc_key_order(&state->depends[d].key, &o->key) < 0)
			d++;
		first = d;
		while (d < state->ndepends && pgm_doc_key_order(&state->depends[d].key, &o->key) == 0)
			d++;
		depends.items = d > first ? &state->depends[first] : NULL;
		depends.count = d - first;
		pgm_doc_copy(&buf, &o->doc->root, &depends);
		pgm_doc_child(&objects, JENTRY_ISCONTAINER, value);
	}
	pgm_doc_end(&objects);
	pgm_doc_child(&root, JENTRY_ISCONTAINER, from);
	pgm_doc_numeric(&root, int64_to_numeric(1));
	pgm_doc_end(&root);

	SET_VARSIZE(buf.data, buf.len);
	return (Jsonb *) buf.data;
}

/* A document being built in C: objects and dependencies added one by one. */
PgmDocState *
pgm_doc_new(void)
{
	return palloc0(sizeof(PgmDocState));
}

/* Add the object `key` (a copy of the key is kept; `doc` is not copied). */
void
pgm_doc_add_object(PgmDocState *state, const char *key, Jsonb *doc)
{
	PgmDocObject *o;

	state->objects = pgm_doc_grow(state->objects, &state->maxobjects, state->nobjects, sizeof(PgmDocObject));
	o = &state->objects[state->nobjects];
	o->key.len = strlen(key);
	o->key.data = pnstrdup(key, o->key.len);
	o->doc = doc;
	o->arrival = state->nobjects++;
}

/* Add a dependency of the object `key` on `depends_on` (both copied). */
void
pgm_doc_add_depend(PgmDocState *state, const char *key, const char *depends_on)
{
	PgmDocDepend *d;

	state->depends = pgm_doc_grow(state->depends, &state->maxdepends, state->ndepends, sizeof(PgmDocDepend));
	d = &state->depends[state->ndepends++];
	d->key.len = strlen(key);
	d->key.data = pnstrdup(key, d->key.len);
	d->depends_on.len = strlen(depends_on);
	d->depends_on.data = pnstrdup(depends_on, d->depends_on.len);
}

/*
 * migrate.schema_document(key, doc, depends_on), the end: the document.
 * Sorts the state in place (FINALFUNC_MODIFY = READ_WRITE).
 */
Datum
pgmigrate_schema_document_finish(PG_FUNCTION_ARGS)
{
	PgmDocState empty = {0};
	PgmDocState *state = PG_ARGISNULL(0) ? &empty : (PgmDocState *) PG_GETARG_POINTER(0);

	PG_RETURN_JSONB_P(pgm_doc_finish(state));
}

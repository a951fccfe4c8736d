-- pgTAP: a search_path attack against the functions that write the catalog
-- as its owner.  An attacker with CREATE on a schema plants operators and
-- functions that shadow what the catalog statements use, puts that schema
-- first in search_path, and calls them as a deploy role.  Nothing planted
-- may run with the owner's rights, and the catalog stays right.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
SET LOCAL pgmigrate.guard = off;
CREATE EXTENSION IF NOT EXISTS pgmigrate;
CREATE ROLE tap_attacker;
CREATE SCHEMA evil AUTHORIZATION tap_attacker;
GRANT EXECUTE ON FUNCTION
    migrate.add(text, text, text, text[], text, boolean, boolean, boolean),
    migrate.apply(text), migrate.rollback(text, boolean), migrate.stamp(text)
  TO tap_attacker;
GRANT CREATE ON SCHEMA public TO tap_attacker;
CREATE TABLE public.tap_trap_fired (who name, what text);
GRANT INSERT ON public.tap_trap_fired TO PUBLIC;
RESET pgmigrate.guard;
SET client_min_messages = error;

SELECT plan(8);

-- the attacker's traps: each records who ran it, then behaves normally
SET LOCAL pgmigrate.guard = off;
SET LOCAL ROLE tap_attacker;
CREATE FUNCTION evil.text_eq(a text, b text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.tap_trap_fired VALUES (current_user, '=');
    RETURN a OPERATOR(pg_catalog.=) b;
END $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.text_eq);
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.tap_trap_fired VALUES (current_user, 'now');
    RETURN pg_catalog.now();
END $$;
CREATE FUNCTION evil.unnest(anyarray) RETURNS SETOF anyelement LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.tap_trap_fired VALUES (current_user, 'unnest');
    RETURN QUERY SELECT * FROM pg_catalog.unnest($1);
END $$;
CREATE TABLE evil.revisions (id text);
RESET ROLE;
RESET pgmigrate.guard;

SET LOCAL ROLE tap_attacker;
SET LOCAL search_path = evil, pg_catalog, public;
SELECT lives_ok($$SELECT migrate.add('tap_sp_01', 'CREATE TABLE public.tap_sp (id bigint);', 'DROP TABLE public.tap_sp;')$$,
                'add() under a hostile search_path');
SELECT lives_ok($$SELECT migrate.add('tap_sp_02', 'ALTER TABLE public.tap_sp ADD COLUMN v text;', parents => '{tap_sp_01}')$$,
                'add() with explicit parents under a hostile search_path');
SELECT lives_ok($$SELECT * FROM migrate.apply('tap_sp_02')$$, 'apply() under a hostile search_path');
SELECT lives_ok($$SELECT * FROM migrate.rollback('-1')$$, 'rollback() under a hostile search_path');
SELECT lives_ok($$SELECT * FROM migrate.stamp('tap_sp_02')$$, 'stamp() under a hostile search_path');
RESET search_path;
RESET ROLE;

SELECT is((SELECT count(*) FROM public.tap_trap_fired WHERE who <> 'tap_attacker'), 0::bigint,
          'no planted operator or function ran as anybody but the attacker');
SELECT is((SELECT count(*) FROM evil.revisions), 0::bigint, 'nothing was written to the look-alike table');
SELECT is((SELECT string_agg(id || ':' || (applied_at IS NOT NULL), ',' ORDER BY id) FROM migrate.revisions WHERE id LIKE 'tap_sp_%'),
          'tap_sp_01:true,tap_sp_02:true', 'the catalog is right');

SELECT * FROM finish();
ROLLBACK;

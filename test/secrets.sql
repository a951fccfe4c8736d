-- pgTAP: a role that PostgreSQL does not show a user mapping's options or a
-- subscription's connection string does not read them in migrate.log or
-- migrate.revisions either, which every role can read.  Every secret here
-- contains "Sekr1t".
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
SET LOCAL pgmigrate.guard = off;
CREATE EXTENSION IF NOT EXISTS pgmigrate;
CREATE ROLE tap_reader;
CREATE ROLE tap_deploy;
GRANT EXECUTE ON FUNCTION migrate.add(text, text, text, text[], text, boolean, boolean, boolean) TO tap_deploy;
CREATE FOREIGN DATA WRAPPER tap_wrapper;
CREATE SERVER tap_server FOREIGN DATA WRAPPER tap_wrapper OPTIONS (host 'db.internal');
GRANT USAGE ON FOREIGN SERVER tap_server TO tap_reader;
SET client_min_messages = error;

-- a superuser's emergency changes, recorded in migrate.log
SET LOCAL pgmigrate.guard = warn;
CREATE USER MAPPING FOR tap_deploy SERVER tap_server OPTIONS (user 'deploy', password 'warn-Sekr1t');
SET LOCAL pgmigrate.guard = off;
ALTER USER MAPPING FOR tap_deploy SERVER tap_server OPTIONS (SET password 'off-Sekr1t');
CREATE SUBSCRIPTION tap_sub CONNECTION 'host=db.internal password=sub-Sekr1t'
    PUBLICATION tap_pub WITH (connect = false, slot_name = NONE);
CREATE TABLE tap_t ()\; CREATE USER MAPPING FOR PUBLIC SERVER tap_server OPTIONS (password 'multi-Sekr1t');
DO $$ BEGIN EXECUTE 'CREATE USER MAPPING FOR tap_reader SERVER tap_server OPTIONS (password ''do-Sekr1t'')'; END $$;
SET LOCAL pgmigrate.guard = enforce;

SELECT plan(9);

SELECT is((SELECT count(*)::int FROM pg_user_mappings WHERE array_to_string(umoptions, ',') LIKE '%Sekr1t%'), 3,
          'the three user mappings hold their passwords');
SELECT is((SELECT count(*)::int FROM migrate.log WHERE command IN ('CREATE USER MAPPING', 'ALTER USER MAPPING', 'CREATE SUBSCRIPTION')), 5,
          'each command that wrote one is in migrate.log');

SET LOCAL ROLE tap_reader;
SELECT is((SELECT count(*)::int FROM pg_user_mappings WHERE umoptions IS NOT NULL AND usename <> 'tap_reader'), 0,
          'reader: PostgreSQL shows no other role''s user mapping options');
SELECT throws_ok($$SELECT subconninfo FROM pg_subscription$$, '42501', NULL,
                 'reader: PostgreSQL shows no subscription''s connection string');
SELECT lives_ok($$SELECT * FROM migrate.log$$, 'reader: migrate.log is readable');
SELECT is((SELECT count(*)::int FROM migrate.log WHERE detail LIKE '%Sekr1t%'), 0,
          'reader: no secret in migrate.log');
RESET ROLE;

-- a revision cannot hold one
SET LOCAL ROLE tap_deploy;
SELECT throws_ok($$SELECT migrate.add('tap_s1', 'ALTER USER MAPPING FOR CURRENT_USER SERVER tap_server OPTIONS (SET password ''rev-Sekr1t'')')$$,
                 '42501', 'a revision must not hold the options of a user mapping',
                 'deploy: a user mapping''s password in a revision is refused');
RESET ROLE;
SET LOCAL ROLE tap_reader;
SELECT lives_ok($$SELECT * FROM migrate.revisions$$, 'reader: migrate.revisions is readable');
SELECT is((SELECT count(*)::int FROM migrate.revisions WHERE up LIKE '%Sekr1t%' OR down LIKE '%Sekr1t%'), 0,
          'reader: no secret in migrate.revisions');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

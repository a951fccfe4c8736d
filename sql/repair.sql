-- migrate.repair(id, down): the down SQL of an applied revision replaced in
-- place, checked like any down, logged with the old and new checksums
\i sql/include/reset.psql
SET client_min_messages = warning;

SELECT migrate.add('01_t', 'SET lock_timeout = ''1s''; CREATE TABLE app.t (id bigint PRIMARY KEY, note text);',
                   'DROP TABLE app.t_typo;');
SELECT migrate.add('02_pending', 'SET lock_timeout = ''1s''; CREATE TABLE app.p (id bigint);');
SELECT count(*) FROM migrate.apply('01_t');
RESET client_min_messages;

-- the broken down fails, and migrate.add() may not change an applied revision
SELECT count(*) FROM migrate.rollback('-1');
SELECT migrate.add('01_t', 'SET lock_timeout = ''1s''; CREATE TABLE app.t (id bigint PRIMARY KEY, note text);',
                   'DROP TABLE app.t;');

-- repair it
SELECT down_sha256 AS old_sha FROM migrate.revisions WHERE id = '01_t' \gset
SELECT migrate.repair('01_t', 'DROP TABLE app.t;');
SELECT down, down_sha256 = encode(sha256(convert_to(down, 'UTF8')), 'hex') AS checksum_matches,
       down_derived, applied_at IS NOT NULL AS still_applied
  FROM migrate.revisions WHERE id = '01_t';
SELECT action, revision, role = current_user AS by_me, outcome,
       detail = format('down SQL replaced: sha256 %s -> %s', :'old_sha',
                       (SELECT down_sha256 FROM migrate.revisions WHERE id = '01_t')) AS old_and_new
  FROM migrate.log WHERE action = 'repair';
SELECT count(*) AS problems FROM migrate.verify();
SELECT step, revision FROM migrate.rollback('-1');
SELECT to_regclass('app.t') IS NULL AS dropped;

-- what it refuses, changing nothing
SELECT count(*) FROM migrate.apply('01_t');
SELECT migrate.repair('01_t', 'DROP TABLE app.t; SELECT (');
SELECT migrate.repair('01_t', 'BEGIN; DROP TABLE app.t; COMMIT;');
SELECT migrate.repair('01_t', 'DROP TABLE migrate.log;');
SELECT migrate.repair('02_pending', 'DROP TABLE app.p;');
SELECT migrate.repair('99_nothing', 'SELECT 1;');
SELECT migrate.repair(NULL, 'SELECT 1;');
SELECT migrate.repair('head', 'SELECT 1;');
SELECT down FROM migrate.revisions WHERE id = '01_t';
SELECT count(*) FROM migrate.log WHERE action = 'repair';

-- NULL leaves it without a down; '' is a down that does nothing
SELECT migrate.repair('01_t', NULL);
SELECT revision, irreversible FROM migrate.status() WHERE revision = '01_t';
SELECT count(*) FROM migrate.rollback('-1');
SELECT migrate.repair('01_t', '');
SELECT step, revision FROM migrate.rollback('-1');
SELECT to_regclass('app.t') IS NOT NULL AS kept_by_the_empty_down;

-- not for the public, and not inside a revision
SET client_min_messages = warning;
CREATE ROLE regress_repair_nobody;
RESET client_min_messages;
SET ROLE regress_repair_nobody;
SELECT migrate.repair('01_t', 'SELECT 1;');
RESET ROLE;
DROP ROLE regress_repair_nobody;
SELECT migrate.add('03_sneaky', 'SELECT migrate.repair(''01_t'', ''SELECT 1'');');
SET pgmigrate.guard = off;
DROP TABLE app.t;
RESET pgmigrate.guard;
SELECT count(*) FROM migrate.apply('03_sneaky');
SELECT count(*) AS applied FROM migrate.status() WHERE applied;

-- migrate.add(): registering revisions, re-registering, immutability
\i sql/include/reset.psql

-- the first revision becomes a root; the next ones hang off the single head
SELECT migrate.add('0001_users', 'CREATE TABLE app.users (id bigint PRIMARY KEY, name text NOT NULL);',
                   'DROP TABLE app.users;', description => 'users');
SELECT migrate.add('0002_email', 'ALTER TABLE app.users ADD COLUMN email text;',
                   'ALTER TABLE app.users DROP COLUMN email;');
SELECT migrate.add('0003_index', 'CREATE INDEX users_email ON app.users (email);');
SELECT id, parents, description, down IS NULL AS irreversible, transactional, destructive,
       registered_by = current_user AS by_me, applied_at
  FROM migrate.revisions ORDER BY id;

-- checksums are SHA-256 of the exact text
SELECT id, up_sha256 = encode(sha256(convert_to(up, 'UTF8')), 'hex') AS up_ok,
       down_sha256 IS NOT DISTINCT FROM encode(sha256(convert_to(down, 'UTF8')), 'hex') AS down_ok
  FROM migrate.revisions ORDER BY id;

-- ... at every length around SHA-256's 64-byte blocks (55, 56, 63, 64, 119, 120,
-- 128 bytes and on), long texts and multibyte characters (pgmigrate computes its
-- own digest: the server's must agree on every one)
BEGIN;
DO $$
BEGIN
    FOR n IN 0..200 LOOP
        PERFORM migrate.add('sha_' || n, 'SELECT 1' || repeat(' ', n),
                            'SELECT 2 --' || repeat('é', n), parents => '{}');
    END LOOP;
    PERFORM migrate.add('sha_long', 'SELECT 1 --' || repeat('0123456789', 10000), parents => '{}');
END $$;
SELECT count(*) AS revisions,
       count(*) FILTER (WHERE up_sha256 = encode(sha256(convert_to(up, 'UTF8')), 'hex')
                          AND down_sha256 IS NOT DISTINCT FROM encode(sha256(convert_to(down, 'UTF8')), 'hex'))
         AS checksums_agree
  FROM migrate.revisions WHERE id LIKE 'sha\_%';
ROLLBACK;

-- identical re-registration is a no-op, also without parents
SELECT migrate.add('0001_users', 'CREATE TABLE app.users (id bigint PRIMARY KEY, name text NOT NULL);',
                   'DROP TABLE app.users;', description => 'users');
SELECT migrate.add('0002_email', 'ALTER TABLE app.users ADD COLUMN email text;',
                   'ALTER TABLE app.users DROP COLUMN email;', parents => '{0001_users}');
SELECT migrate.add('0003_index', 'CREATE INDEX users_email ON app.users (email);');

-- a revision that is not applied may be replaced
SELECT migrate.add('0003_index', 'CREATE INDEX users_email ON app.users (lower(email));',
                   'DROP INDEX app.users_email;');
SELECT id, up, down FROM migrate.revisions WHERE id = '0003_index';

-- an explicit '{}' makes a second root
SELECT migrate.add('1000_audit', 'CREATE TABLE app.audit (at timestamptz);', parents => '{}');
SELECT migrate.heads();

-- several heads: NULL parents cannot choose
SELECT migrate.add('0004_more', 'SELECT 1;');
-- a merge of both heads may be empty
SELECT migrate.add('0004_merge', '', '', parents => '{0003_index,1000_audit}');
SELECT migrate.add('0005_after_merge', 'CREATE TABLE app.after_merge ();', 'DROP TABLE app.after_merge;');
SELECT parents FROM migrate.revisions WHERE id = '0005_after_merge';

-- only a merge may be empty (blanks and comments do not count)
SELECT migrate.add('0006_empty', '  -- nothing here
  /* still nothing */ ');
SELECT migrate.add('0006_empty', ';;');

-- applied revisions are immutable
SELECT step, revision FROM migrate.apply('0002_email');
SELECT migrate.add('0002_email', 'ALTER TABLE app.users ADD COLUMN email varchar(200);',
                   'ALTER TABLE app.users DROP COLUMN email;');
SELECT migrate.add('0002_email', 'ALTER TABLE app.users ADD COLUMN email text;',
                   'ALTER TABLE app.users DROP COLUMN email CASCADE;');
SELECT migrate.add('0002_email', 'ALTER TABLE app.users ADD COLUMN email text;', NULL);
SELECT migrate.add('0002_email', 'ALTER TABLE app.users ADD COLUMN email text;',
                   'ALTER TABLE app.users DROP COLUMN email;', parents => '{}');
SELECT migrate.add('0002_email', 'ALTER TABLE app.users ADD COLUMN email text;',
                   'ALTER TABLE app.users DROP COLUMN email;', transactional => false);
-- ... but their description is not part of what ran and may change
SELECT migrate.add('0002_email', 'ALTER TABLE app.users ADD COLUMN email text;',
                   'ALTER TABLE app.users DROP COLUMN email;', description => 'contact address');
SELECT id, description, applied_at IS NOT NULL AS applied FROM migrate.revisions WHERE id = '0002_email';

-- re-registration cannot close a cycle
SELECT migrate.add('0003_index', 'CREATE INDEX users_email ON app.users (email);', parents => '{0005_after_merge}');
SELECT migrate.add('0003_index', 'CREATE INDEX users_email ON app.users (email);', parents => '{0003_index}');

-- a syntax error is reported at registration: which revision, which side, where
SELECT migrate.add('0007_typo', 'CREATE TABLE app.ok (i int);
CREATE TABEL app.typo (i int);');
SELECT migrate.add('0007_typo', 'SELECT 1;', 'DROP TABLE app.ok;
  DROP TABLE app.x  app.y;');
SELECT migrate.add('0007_typo', 'SELECT ''unterminated');
SELECT migrate.add('0007_typo', E'SELECT 1;\n\n   SELECT é ++ ;;\nSELECT (1');
SELECT count(*) FROM migrate.revisions WHERE id = '0007_typo';

SELECT id, parents, applied_at IS NOT NULL AS applied FROM migrate.revisions ORDER BY id;

-- one approval for many revisions: pgmigrate.approve_destructive (the
-- client's push --allow-destructive) lets destructive statements through
-- as allow_destructive => true would, and logs each revision it covered
SET pgmigrate.approve_destructive = on;
SELECT migrate.add('0090_drop_a', 'SET lock_timeout = ''1s''; DROP TABLE app.gone_a;');
SELECT migrate.add('0091_drop_b', 'SET lock_timeout = ''1s''; ALTER TABLE app.gone_b DROP COLUMN c; TRUNCATE app.gone_b;');
-- a revision that allows it itself needs no approval: no row for it
SELECT migrate.add('0092_own_flag', 'SET lock_timeout = ''1s''; DROP TABLE app.gone_c;', allow_destructive => true);
-- and one without destructive statements gets none either
SELECT migrate.add('0093_harmless', 'SET lock_timeout = ''1s''; CREATE TABLE app.kept (id bigint);');
-- pushed again unchanged: nothing new to approve
SELECT migrate.add('0090_drop_a', 'SET lock_timeout = ''1s''; DROP TABLE app.gone_a;');
RESET pgmigrate.approve_destructive;
SELECT id, destructive FROM migrate.revisions WHERE id >= '0090' ORDER BY id;
SELECT action, revision, role = current_user AS by_me, outcome, detail FROM migrate.log
 WHERE action = 'approve' ORDER BY id;
-- without it, refused again
SELECT migrate.add('0094_drop_d', 'SET lock_timeout = ''1s''; DROP TABLE app.gone_d;');

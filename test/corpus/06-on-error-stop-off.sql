-- A script that turns ON_ERROR_STOP off (as regression scripts run): failing statements are
-- passed over and the rest runs, including an aborted transaction's ROLLBACK.
\set ON_ERROR_STOP off
CREATE TABLE survivors (id int PRIMARY KEY, what text);
INSERT INTO survivors VALUES (1, 'before');
INSERT INTO survivors VALUES (1, 'duplicate key: fails');
SELECT * FROM no_such_table;
BEGIN;
INSERT INTO survivors VALUES (2, 'rolled back');
SELECT 1/0;
INSERT INTO survivors VALUES (3, 'in an aborted transaction: fails');
ROLLBACK;
INSERT INTO survivors VALUES (4, 'after');
\set ON_ERROR_STOP on
INSERT INTO survivors VALUES (5, 'end');

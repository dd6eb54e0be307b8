-- psql meta-commands a migration uses: variables, interpolation, echo, includes, restricted mode.
\restrict corpus0meta
\unrestrict corpus0meta
\set ON_ERROR_STOP on
\set tbl meta_items
\set label 'it''s a \\ label; with semicolon'
\set n 3
\echo creating :"tbl" with :n rows
CREATE TABLE :"tbl" (id int, label text, note text);
INSERT INTO :"tbl" SELECT g, :'label', ':n stays' FROM generate_series(1, :n) g;
SELECT :'label' AS label, ':label' AS literal, 1::int AS cast, (ARRAY[1,2,3])[1:2] AS slice;
\ir parts/meta-part.inc
\set n 5
INSERT INTO :"tbl" VALUES (:n, :'label' || '!', 'after include');
\unset n
INSERT INTO meta_items VALUES (6, ':n', 'unset stays as written');

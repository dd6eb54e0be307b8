-- standard_conforming_strings off, as in PostgreSQL's own regression scripts and old dumps:
-- a backslash escapes a quote in a plain string, so the ; inside must not split.
CREATE TABLE strings (id int PRIMARY KEY, v text);
SET standard_conforming_strings = off;
SET escape_string_warning = off;
INSERT INTO strings VALUES (1, 'a\\b\'cd;'), (2, 'tab\there'), (3, 'it''s; \'quoted\'');
INSERT INTO strings VALUES (4, E'\'; DROP TABLE strings; --');
INSERT INTO strings VALUES (5, 'first'
  'second; continued on the next line');
SET standard_conforming_strings = on;
INSERT INTO strings VALUES (6, 'a\'), (7, E'b\\c\'d;'), (8, 'back''slash\');
INSERT INTO strings VALUES (9, U&'d\0061t\+000061'), (10, 'x''y'';z');
SELECT count(*) AS strings FROM strings;

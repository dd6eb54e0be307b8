-- A script in WIN1252 that says so, as a pg_dump of a WIN1252 database does: read in that
-- encoding from the SET on (psql stores the a-umlaut, never replacement characters).
CREATE TABLE win (id int, v text);
SET client_encoding TO 'WIN1252';
INSERT INTO win VALUES (1, 'äbc'), (2, '€ Š Ÿ ü');
COPY win FROM stdin;
3	straße
4	été
\.
SET client_encoding TO 'UTF8';
INSERT INTO win VALUES (5, 'Ã¤â‚¬');
SET client_encoding = 'LATIN1'; INSERT INTO win VALUES (6, 'ä€');
RESET client_encoding;
INSERT INTO win VALUES (7, 'Ã¼');

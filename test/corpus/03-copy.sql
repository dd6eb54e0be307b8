-- COPY in its forms: FROM STDOUT (the server reads from the client), CSV with quoted newlines,
-- escapes and NULLs in text format, SQL sharing the COPY line, COPY TO STDOUT in the middle.
CREATE TABLE copied (id int, t text, n numeric);
COPY copied FROM STDOUT;
1	one	1.5
2	\N	\N
3	back\\slash\ttab	-0
\.
COPY copied (id, t) FROM stdin WITH (FORMAT csv, HEADER true);
id,t
4,"multi
line, quoted ""csv"""
5,
\.
COPY copied (id, t) FROM stdin; INSERT INTO copied VALUES (7, 'same line as the COPY');
6	after
\.
COPY (SELECT id, t FROM copied ORDER BY id) TO STDOUT;
COPY copied (id, t) FROM stdin;
8	ends in an escaped backslash \\.
9	last
\.
INSERT INTO copied SELECT 10, string_agg(t, '|' ORDER BY id) FROM copied;

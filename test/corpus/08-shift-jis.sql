-- Shift-JIS, where the second byte of a character can be 0x5C (a backslash in ASCII):
-- read byte by byte, the 0x5C of the character below would escape the closing quote.
CREATE TABLE sjis (id int, v text);
SET client_encoding TO SJIS;
INSERT INTO sjis VALUES (1, E'表'), (2, 'ソ能');
INSERT INTO sjis VALUES (3, '予定表;');

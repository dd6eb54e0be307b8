-- Statements with semicolons inside: dollar quotes (nested tags), BEGIN ATOMIC bodies,
-- rules with several actions, DO blocks, nested comments; colons that are not variables.
/* a comment; /* nested; */ still a comment; */
CREATE TABLE ledger (id serial PRIMARY KEY, amount numeric, note text);
CREATE FUNCTION add_entry(a numeric, n text DEFAULT 'x;y') RETURNS int LANGUAGE plpgsql AS $fn$
DECLARE
  new_id int;
BEGIN
  INSERT INTO ledger (amount, note) VALUES (a, n || $q$;$q$) RETURNING id INTO new_id; -- ; in a comment
  RETURN new_id;
END
$fn$;
CREATE FUNCTION total() RETURNS numeric LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN count(*) = 0 THEN 0 ELSE sum(amount) END FROM ledger;
END;
CREATE TABLE ledger_log (id int, note text);
CREATE RULE log_it AS ON INSERT TO ledger DO ALSO (
  INSERT INTO ledger_log VALUES (NEW.id, 'a;'); INSERT INTO ledger_log VALUES (NEW.id, 'b;')
);
DO $$ BEGIN PERFORM add_entry(10); PERFORM add_entry(a := 2.5, n := 'named'); END $$;
SELECT add_entry(1) AS id, total() AS total, now()::date IS NOT NULL AS cast_ok, 'a:b' AS colon;
CREATE VIEW ledger_view AS SELECT id, amount, (string_to_array(note, ';'))[1:1] AS first FROM ledger;
SELECT setval('ledger_id_seq', 40);

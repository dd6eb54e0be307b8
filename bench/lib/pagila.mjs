// A pagila-like plain pg_dump file, made here because the real pagila cannot be downloaded
// on this machine (no package of the npm registry or Debian ships it). Same shape and about
// the same size (3.3 MB): pg_dump's SET preamble, tables with sequences, a plpgsql trigger
// function in dollar quotes and a last_update trigger per table, then the data as
// `COPY ... FROM stdin;` blocks with pagila's row counts (payment and rental ~16k rows,
// film 1000 rows with a tsvector and a text[] column, a bytea picture), then setval, primary
// keys, foreign keys and indexes as pg_dump orders them. Everything lives in schema
// `pagila`, dropped at the top, so the file runs again and again on one database.
import { writeFileSync } from 'node:fs';

/** Deterministic pseudo-random numbers (the same file on every run). */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORDS =
  'Epic Drama Story Boring Action Astounding Yarn Fateful Saga Touching Documentary Intrepid Mad Scientist Dog Cat Monkey Woman Lumberjack Moose Feminist Crocodile Car Butler Hunter Sumo Wrestler Astronaut Squirrel Dentist Teacher Pioneer Robot Boat Shark Technical Writer Composer Frisbee Mysql Waitress Girl Boy Explorer Husband Man Lady'.split(
    ' ',
  );
const NAMES =
  'PENELOPE NICK ED JENNIFER JOHNNY BETTE GRACE MATTHEW JOE CHRISTIAN ZERO KARL UMA VIVIEN CUBA FRED HELEN DAN BOB LUCILLE'.split(
    ' ',
  );
const LAST =
  "GUINESS WAHLBERG CHASE DAVIS LOLLOBRIGIDA NICHOLSON MOSTEL JOHANSSON SWANK GABLE CAGE BERRY WOOD BERGEN OLIVIER COSTNER VOIGHT TORN O'KEEFE".split(
    ' ',
  );

// Columns after the serial id (`<table>_id integer DEFAULT nextval(...)`) that SERIAL tables get.
const COLUMNS = {
  actor: 'first_name text NOT NULL, last_name text NOT NULL',
  category: 'name text NOT NULL',
  country: 'country text NOT NULL',
  city: 'city text NOT NULL, country_id integer NOT NULL',
  address:
    'address text NOT NULL, address2 text, district text NOT NULL, city_id integer NOT NULL, postal_code text, phone text NOT NULL',
  language: 'name character(20) NOT NULL',
  film: 'title text NOT NULL, description text, release_year integer, language_id integer NOT NULL, rental_duration smallint DEFAULT 3 NOT NULL, rental_rate numeric(4,2) DEFAULT 4.99 NOT NULL, length smallint, replacement_cost numeric(5,2) DEFAULT 19.99 NOT NULL, rating text, special_features text[], fulltext tsvector NOT NULL',
  film_actor: 'actor_id integer NOT NULL, film_id integer NOT NULL',
  film_category: 'film_id integer NOT NULL, category_id integer NOT NULL',
  store: 'manager_staff_id integer NOT NULL, address_id integer NOT NULL',
  staff:
    'first_name text NOT NULL, last_name text NOT NULL, address_id integer NOT NULL, email text, store_id integer NOT NULL, active boolean DEFAULT true NOT NULL, username text NOT NULL, password text, picture bytea',
  customer:
    'store_id integer NOT NULL, first_name text NOT NULL, last_name text NOT NULL, email text, address_id integer NOT NULL, activebool boolean DEFAULT true NOT NULL, create_date date DEFAULT CURRENT_DATE NOT NULL, active integer',
  inventory: 'film_id integer NOT NULL, store_id integer NOT NULL',
  rental:
    'rental_date timestamp with time zone NOT NULL, inventory_id integer NOT NULL, customer_id integer NOT NULL, return_date timestamp with time zone, staff_id integer NOT NULL',
  payment:
    'customer_id integer NOT NULL, staff_id integer NOT NULL, rental_id integer NOT NULL, amount numeric(5,2) NOT NULL, payment_date timestamp with time zone NOT NULL',
};
const SERIAL = new Set(Object.keys(COLUMNS).filter((t) => t !== 'film_actor' && t !== 'film_category'));
const TABLES = Object.entries(COLUMNS).map(([name, cols]) => [
  name,
  SERIAL.has(name) ? `${name}_id integer DEFAULT nextval('pagila.${name}_${name}_id_seq') NOT NULL, ${cols}` : cols,
]);
const COUNTS = {
  actor: 200,
  category: 16,
  country: 109,
  city: 600,
  address: 603,
  language: 6,
  film: 1000,
  film_actor: 5462,
  film_category: 1000,
  store: 2,
  staff: 2,
  customer: 599,
  inventory: 4581,
  rental: 16044,
  payment: 16049,
};

function schema() {
  const out = [
    "SET statement_timeout = 0;\nSET lock_timeout = 0;\nSET idle_in_transaction_session_timeout = 0;\nSET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\nSELECT pg_catalog.set_config('search_path', '', false);\nSET check_function_bodies = false;\nSET xmloption = content;\nSET client_min_messages = warning;\nSET row_security = off;\n\n",
    'DROP SCHEMA IF EXISTS pagila CASCADE;\nCREATE SCHEMA pagila;\n\n',
    `--\n-- Name: last_updated(); Type: FUNCTION; Schema: pagila; Owner: -\n--\n\nCREATE FUNCTION pagila.last_updated() RETURNS trigger\n    LANGUAGE plpgsql\n    AS $$\nBEGIN\n    -- a comment; with a semicolon and 'quotes'\n    NEW.last_update = CURRENT_TIMESTAMP;\n    RETURN NEW;\nEND $$;\n\n`,
  ];
  for (const [name, cols] of TABLES) {
    if (SERIAL.has(name))
      out.push(
        `CREATE SEQUENCE pagila.${name}_${name}_id_seq\n    START WITH 1\n    INCREMENT BY 1\n    NO MINVALUE\n    NO MAXVALUE\n    CACHE 1;\n\n`,
      );
    out.push(
      `--\n-- Name: ${name}; Type: TABLE; Schema: pagila; Owner: -\n--\n\nCREATE TABLE pagila.${name} (\n    ${cols.split(', ').join(',\n    ')},\n    last_update timestamp with time zone DEFAULT now() NOT NULL\n);\n\n`,
    );
  }
  out.push(
    'CREATE VIEW pagila.actor_info AS\n SELECT a.actor_id, a.first_name, a.last_name,\n    count(fa.film_id) AS films\n   FROM (pagila.actor a\n     LEFT JOIN pagila.film_actor fa ON ((fa.actor_id = a.actor_id)))\n  GROUP BY a.actor_id, a.first_name, a.last_name;\n\n',
  );
  return out.join('');
}

const pad = (n) => String(n).padStart(2, '0');
const stamp = (r) =>
  `2022-${pad(1 + Math.floor(r() * 7))}-${pad(1 + Math.floor(r() * 28))} ${pad(Math.floor(r() * 24))}:${pad(Math.floor(r() * 60))}:${pad(Math.floor(r() * 60))}+00`;

function rowOf(table, i, r) {
  const pick = (a) => a[Math.floor(r() * a.length)];
  const words = (n) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  switch (table) {
    case 'actor':
      return [i, pick(NAMES), pick(LAST)];
    case 'category':
      return [i, words(1)];
    case 'country':
      return [i, `${words(1)}land`];
    case 'city':
      return [i, words(2), 1 + (i % 109)];
    case 'address':
      return [
        i,
        `${i} ${words(2)} Street`,
        '\\N',
        words(1),
        1 + (i % 600),
        String(10000 + i * 7),
        String(100000000 + i * 7919),
      ];
    case 'language':
      return [i, words(1).padEnd(20)];
    case 'film': {
      const title = `${pick(WORDS)} ${pick(WORDS)}`.toUpperCase();
      const description = `A ${words(2)} of a ${words(2)} And a ${words(2)} who must Chase a ${words(1)} in ${words(2)}`;
      const lexemes = [...new Set(`${title} ${description}`.toLowerCase().split(' '))].map((w, k) => `'${w}':${k + 1}`);
      return [
        i,
        title,
        description,
        2022,
        1,
        3 + (i % 5),
        '4.99',
        46 + (i % 140),
        '20.99',
        pick(['G', 'PG', 'PG-13', 'R', 'NC-17']),
        '{Trailers,"Deleted Scenes"}',
        lexemes.join(' '),
      ];
    }
    case 'film_actor':
      return [1 + (i % 200), 1 + ((237 * Math.floor(i / 200) + (i % 200)) % 1000)];
    case 'film_category':
      return [i, 1 + (i % 16)];
    case 'store':
      return [i, i, i];
    case 'staff':
      return [
        i,
        pick(NAMES),
        pick(LAST),
        i,
        `staff${i}@example.org`,
        i,
        't',
        `staff${i}`,
        '8cb2237d0679ca88db6464eac60da96345513964',
        i === 1 ? `\\\\x${'89504e470d0a1a0a'.repeat(40)}` : '\\N',
      ];
    case 'customer':
      return [i, 1 + (i % 2), pick(NAMES), pick(LAST), `customer${i}@example.org`, 1 + (i % 603), 't', '2022-02-14', 1];
    case 'inventory':
      return [i, 1 + (i % 1000), 1 + (i % 2)];
    case 'rental':
      return [i, stamp(r), 1 + (i % 4581), 1 + (i % 599), stamp(r), 1 + (i % 2)];
    case 'payment':
      return [i, 1 + (i % 599), 1 + (i % 2), 1 + (i % 16044), (0.99 + Math.floor(r() * 10)).toFixed(2), stamp(r)];
    default:
      throw new Error(table);
  }
}

function data() {
  const r = rng(17);
  const out = [];
  for (const [name, cols] of TABLES) {
    const names = cols.split(', ').map((c) => c.split(' ')[0]);
    out.push(
      `--\n-- Data for Name: ${name}; Type: TABLE DATA; Schema: pagila; Owner: -\n--\n\nCOPY pagila.${name} (${[...names, 'last_update'].join(', ')}) FROM stdin;\n`,
    );
    for (let i = 1; i <= COUNTS[name]; i++)
      out.push(`${[...rowOf(name, i, r), '2022-02-15 09:34:33+00'].join('\t')}\n`);
    out.push('\\.\n\n\n');
  }
  for (const name of SERIAL)
    out.push(`SELECT pg_catalog.setval('pagila.${name}_${name}_id_seq', ${COUNTS[name]}, true);\n\n`);
  return out.join('');
}

function postData() {
  const out = [];
  for (const [name] of TABLES) {
    const key =
      name === 'film_actor' ? 'actor_id, film_id' : name === 'film_category' ? 'film_id, category_id' : `${name}_id`;
    out.push(`ALTER TABLE ONLY pagila.${name}\n    ADD CONSTRAINT ${name}_pkey PRIMARY KEY (${key});\n\n`);
    out.push(
      `CREATE TRIGGER last_updated BEFORE UPDATE ON pagila.${name} FOR EACH ROW EXECUTE FUNCTION pagila.last_updated();\n\n`,
    );
  }
  out.push('CREATE INDEX film_fulltext_idx ON pagila.film USING gist (fulltext);\n\n');
  out.push('CREATE INDEX idx_fk_customer_id ON pagila.payment USING btree (customer_id);\n\n');
  out.push('CREATE INDEX idx_fk_inventory_id ON pagila.rental USING btree (inventory_id);\n\n');
  for (const [table, col, ref] of [
    ['payment', 'rental_id', 'rental'],
    ['rental', 'inventory_id', 'inventory'],
    ['inventory', 'film_id', 'film'],
    ['film_actor', 'actor_id', 'actor'],
    ['customer', 'address_id', 'address'],
  ])
    out.push(
      `ALTER TABLE ONLY pagila.${table}\n    ADD CONSTRAINT ${table}_${col}_fkey FOREIGN KEY (${col}) REFERENCES pagila.${ref}(${col}) ON UPDATE CASCADE ON DELETE RESTRICT;\n\n`,
    );
  return out.join('');
}

/** Writes the file; returns its size in bytes. */
export function writePagilaLike(path) {
  const text = `--\n-- PostgreSQL database dump (pagila-like, generated)\n--\n\n${schema()}${data()}${postData()}`;
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}

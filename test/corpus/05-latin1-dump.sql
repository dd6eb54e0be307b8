--
-- PostgreSQL database dump (the shape of one, of a LATIN1 database)
--

\restrict Corpus05Key

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'LATIN1';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET client_min_messages = warning;

CREATE TABLE public.people (
    id integer NOT NULL,
    name text,
    city text
);

CREATE SEQUENCE public.people_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE public.people_id_seq OWNED BY public.people.id;
ALTER TABLE ONLY public.people ALTER COLUMN id SET DEFAULT nextval('public.people_id_seq'::regclass);

COMMENT ON TABLE public.people IS 'Straßen; Cafés';

COPY public.people (id, name, city) FROM stdin;
1	José Muñoz	Málaga
2	Zoë \\ François	Köln
3	\N	Åre
\.

SELECT pg_catalog.setval('public.people_id_seq', 3, true);

ALTER TABLE ONLY public.people ADD CONSTRAINT people_pkey PRIMARY KEY (id);

\unrestrict Corpus05Key

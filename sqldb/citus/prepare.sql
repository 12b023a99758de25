-- Citus: the schema changes that come before distribution (docs/citus.md).
--
-- Plain PostgreSQL DDL, run once on a database at the latest migration
-- (0008) before distribute.sql. It gives every table that is distributed
-- by county its distribution column, county (the area code's first 6
-- digits, kept equal to it by a CHECK), and rebuilds the keys that Citus
-- requires to include it. What the application must change to fill and
-- use these columns is listed in docs/citus.md; until it does, this file
-- is the reviewed plan, checked by sqldb/citus's tests (it applies to a
-- migrated schema; every unique key of a distributed table includes the
-- distribution column; every foreign key between distributed tables is
-- co-located). The column is appended to each key, so that the indexes
-- keep serving the reads they serve now.

-- households: the registry, distributed by county.
ALTER TABLE households ADD COLUMN county TEXT COLLATE "C";
UPDATE households SET county = SUBSTR(area_code, 1, 6);
ALTER TABLE households ALTER COLUMN county SET NOT NULL;
ALTER TABLE households ADD CONSTRAINT households_county_check CHECK (county = SUBSTR(area_code, 1, 6));
-- The foreign keys that reference households go first, and come back
-- with the county.
ALTER TABLE members DROP CONSTRAINT members_household_id_fkey;
ALTER TABLE household_events DROP CONSTRAINT household_events_household_id_fkey;
ALTER TABLE households DROP CONSTRAINT households_pkey;
ALTER TABLE households ADD CONSTRAINT households_pkey PRIMARY KEY (id, county);
-- A household number is unique per year in its county; national
-- uniqueness follows when numbers begin with the county's code, as the
-- national system's do (docs/citus.md).
ALTER TABLE households DROP CONSTRAINT households_year_number_key;
ALTER TABLE households ADD CONSTRAINT households_year_number_key UNIQUE (year, number, county);

-- members: co-located with their households.
ALTER TABLE members ADD COLUMN county TEXT COLLATE "C";
UPDATE members SET county = SUBSTR(area_code, 1, 6);
ALTER TABLE members ALTER COLUMN county SET NOT NULL;
ALTER TABLE members ADD CONSTRAINT members_county_check CHECK (county = SUBSTR(area_code, 1, 6));
ALTER TABLE members DROP CONSTRAINT members_pkey;
ALTER TABLE members ADD CONSTRAINT members_pkey PRIMARY KEY (id, county);
ALTER TABLE members ADD CONSTRAINT members_household_id_fkey
	FOREIGN KEY (household_id, county) REFERENCES households (id, county) ON DELETE CASCADE;
-- An ID number is unique per year across the nation, and its digits name
-- the place of birth, not the county that registers the person: the
-- uniqueness moves to person_ids, distributed by the ID number itself.
-- members keeps a plain index for the ID number search.
ALTER TABLE members DROP CONSTRAINT members_id_number_year_key;
CREATE INDEX members_id_number_year ON members (id_number, year);
CREATE TABLE person_ids (
	id_number TEXT COLLATE "C" NOT NULL,
	year      INTEGER NOT NULL,
	county    TEXT COLLATE "C" NOT NULL, -- where the member is registered
	member_id BIGINT NOT NULL,
	PRIMARY KEY (id_number, year)
);
INSERT INTO person_ids (id_number, year, county, member_id) SELECT id_number, year, county, id FROM members;

-- household_events: co-located with their households.
ALTER TABLE household_events ADD COLUMN county TEXT COLLATE "C";
UPDATE household_events SET county = SUBSTR(area_code, 1, 6);
ALTER TABLE household_events ALTER COLUMN county SET NOT NULL;
ALTER TABLE household_events DROP CONSTRAINT household_events_pkey;
ALTER TABLE household_events ADD CONSTRAINT household_events_pkey PRIMARY KEY (id, county);
ALTER TABLE household_events ADD CONSTRAINT household_events_household_id_fkey
	FOREIGN KEY (household_id, county) REFERENCES households (id, county) ON DELETE CASCADE;

-- exit plans: a township's or village's plan lives with its county.
ALTER TABLE exit_plan_nodes DROP CONSTRAINT exit_plan_nodes_year_area_code_fkey;
ALTER TABLE exit_plans ADD COLUMN county TEXT COLLATE "C";
UPDATE exit_plans SET county = SUBSTR(area_code, 1, 6);
ALTER TABLE exit_plans ALTER COLUMN county SET NOT NULL;
ALTER TABLE exit_plans DROP CONSTRAINT exit_plans_pkey;
ALTER TABLE exit_plans ADD CONSTRAINT exit_plans_pkey PRIMARY KEY (year, area_code, county);
ALTER TABLE exit_plan_nodes ADD COLUMN county TEXT COLLATE "C";
UPDATE exit_plan_nodes SET county = SUBSTR(area_code, 1, 6);
ALTER TABLE exit_plan_nodes ALTER COLUMN county SET NOT NULL;
ALTER TABLE exit_plan_nodes DROP CONSTRAINT exit_plan_nodes_pkey;
ALTER TABLE exit_plan_nodes ADD CONSTRAINT exit_plan_nodes_pkey PRIMARY KEY (year, area_code, ord, county);
ALTER TABLE exit_plan_nodes ADD CONSTRAINT exit_plan_nodes_year_area_code_fkey
	FOREIGN KEY (year, area_code, county) REFERENCES exit_plans (year, area_code, county) ON DELETE CASCADE;

-- rollups: the rows of counties, townships and villages stay with their
-- county, written in the household's own single-shard transaction. The
-- rows of the nation, provinces and cities would be hot rows written by
-- every county: they move to rollups_upper on the coordinator, kept by a
-- job that drains rollup_outbox (docs/citus.md, "Roll-ups"). rollups_upper
-- also holds a copy of the county rows, so that a city's page reads its
-- counties there rather than from every shard.
CREATE TABLE rollups_upper (
	year   INTEGER NOT NULL,
	level  INTEGER NOT NULL,
	area   TEXT COLLATE "C" NOT NULL,
	metric TEXT COLLATE "C" NOT NULL,
	value  BIGINT NOT NULL,
	PRIMARY KEY (year, level, area, metric)
);
INSERT INTO rollups_upper SELECT year, level, area, metric, value FROM rollups WHERE level <= 3;
DELETE FROM rollups WHERE level < 3;
ALTER TABLE rollups ADD COLUMN county TEXT COLLATE "C";
UPDATE rollups SET county = SUBSTR(area, 1, 6);
ALTER TABLE rollups ALTER COLUMN county SET NOT NULL;
ALTER TABLE rollups ADD CONSTRAINT rollups_county_check CHECK (level >= 3 AND county = SUBSTR(area, 1, 6));
ALTER TABLE rollups DROP CONSTRAINT rollups_pkey;
ALTER TABLE rollups ADD CONSTRAINT rollups_pkey PRIMARY KEY (year, level, area, metric, county);
-- The outbox of the upper levels' deltas: appended to by each household
-- write in its own transaction (same shard), drained into rollups_upper.
CREATE TABLE rollup_outbox (
	id     BIGINT GENERATED BY DEFAULT AS IDENTITY,
	county TEXT COLLATE "C" NOT NULL,
	year   INTEGER NOT NULL,
	level  INTEGER NOT NULL,
	area   TEXT COLLATE "C" NOT NULL,
	metric TEXT COLLATE "C" NOT NULL,
	value  BIGINT NOT NULL,
	PRIMARY KEY (id, county)
);

-- audit: one hash chain per county instead of one for the nation, so that
-- a household write appends to its own county's chain on its own shard.
-- The entries written so far form the chain '' (the national one, which
-- also takes the entries of no county: areas, users, parameters); they
-- verify as they are.
ALTER TABLE audit_log ADD COLUMN chain TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE audit_log ALTER COLUMN chain DROP DEFAULT;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id, chain);
ALTER TABLE audit_head ADD COLUMN chain TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE audit_head ALTER COLUMN chain DROP DEFAULT;
ALTER TABLE audit_head DROP CONSTRAINT audit_head_id_check;
ALTER TABLE audit_head DROP CONSTRAINT audit_head_pkey;
ALTER TABLE audit_head ADD CONSTRAINT audit_head_pkey PRIMARY KEY (chain);

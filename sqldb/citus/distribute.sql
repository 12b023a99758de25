-- Citus: how tuopin's tables are placed (docs/citus.md). Run on the
-- coordinator after prepare.sql, with the citus extension created and the
-- workers added. The statements are one per line so that sqldb/citus can
-- read this file: its tests check that every table of the schema is placed
-- exactly once, here or in the list of coordinator-local tables below.

-- Reference tables: small, read-mostly, joined with the distributed
-- tables on every node (the area tree in the duplicate check, the code
-- tables, the parameters that derive the indicators).
SELECT create_reference_table('areas');
SELECT create_reference_table('codes');
SELECT create_reference_table('parameters');
SELECT create_reference_table('registry_years');
-- A duplicate review names two counties; it is rare and read by either.
SELECT create_reference_table('id_reviews');

-- Distributed by county, all in households' co-location group: a county's
-- registry, its roll-ups below the city and its audit chain live on one
-- shard, so that a household write is a single-shard transaction.
SELECT create_distributed_table('households', 'county', shard_count => 64);
SELECT create_distributed_table('members', 'county', colocate_with => 'households');
SELECT create_distributed_table('household_events', 'county', colocate_with => 'households');
SELECT create_distributed_table('exit_plans', 'county', colocate_with => 'households');
SELECT create_distributed_table('exit_plan_nodes', 'county', colocate_with => 'households');
SELECT create_distributed_table('rollups', 'county', colocate_with => 'households');
SELECT create_distributed_table('rollup_outbox', 'county', colocate_with => 'households');
SELECT create_distributed_table('audit_log', 'chain', colocate_with => 'households');
SELECT create_distributed_table('audit_head', 'chain', colocate_with => 'households');

-- Distributed by the ID number: the national uniqueness of a person's ID
-- number per year (one shard per lookup).
SELECT create_distributed_table('person_ids', 'id_number', colocate_with => 'none');

-- local: users sessions api_tokens import_jobs import_mappings schema_migrations rollups_upper
-- (never joined with a distributed table; they stay on the coordinator.)

-- 0007: spreadsheet import jobs and the column mappings remembered per
-- source.
--
-- import_jobs is the durable record of each import (tuopin.ImportJob): the
-- uploaded file itself lies in the data directory, named after the job's
-- id. Options, mapping, counts, progress and the preview of refused rows
-- are JSON objects in TEXT, read and written whole by the jobs package;
-- the columns that queries select on are plain. scope is the uploader's
-- scope: a job is visible to users whose scope covers it. worker and
-- heartbeat_at tell a live runner's jobs from those a stopped process left
-- behind; cancel_requested asks the runner that holds a job to stop.
--
-- import_mappings remembers the mapping a user confirmed for a source: a
-- file layout, keyed by a hash of the sheet name and the normalised header
-- texts (source_key), at the confirming user's scope. A file of the same
-- template gets it back; a mapping confirmed at county level serves the
-- county's townships. Times are TEXT in tuopin.AuditTimeLayout, as
-- everywhere (see 0001_init.sql for {{ID}} and {{BYTES}}). Never edit this
-- file once shipped.

CREATE TABLE import_jobs (
	id               {{ID}},
	status           TEXT NOT NULL,
	phase            TEXT NOT NULL DEFAULT '',
	file_name        TEXT NOT NULL,
	file_size        BIGINT NOT NULL,
	format           TEXT NOT NULL DEFAULT '',
	encoding         TEXT NOT NULL DEFAULT '',
	sheets           TEXT NOT NULL DEFAULT '[]',  -- JSON array of sheet names
	options          TEXT NOT NULL DEFAULT '{}',  -- JSON tuopin.ImportOptions
	mapping          TEXT,                        -- JSON tuopin.ImportMapping
	source_key       TEXT NOT NULL DEFAULT '',
	mapping_remembered BOOLEAN NOT NULL DEFAULT FALSE,
	counts           TEXT NOT NULL DEFAULT '{}',  -- JSON tuopin.ImportCounts
	progress         TEXT NOT NULL DEFAULT '{}',  -- JSON tuopin.ImportProgress
	preview          TEXT NOT NULL DEFAULT '[]',  -- JSON, the first refused rows
	has_report       BOOLEAN NOT NULL DEFAULT FALSE,
	commit_policy    TEXT NOT NULL DEFAULT '',
	error            TEXT NOT NULL DEFAULT '',
	error_zh         TEXT NOT NULL DEFAULT '',
	scope            TEXT {{BYTES}} NOT NULL,
	created_by       BIGINT NOT NULL,
	created_by_name  TEXT NOT NULL,
	actor_id         BIGINT NOT NULL DEFAULT 0,
	worker           TEXT NOT NULL DEFAULT '',
	heartbeat_at     TEXT,
	cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
	created_at       TEXT NOT NULL,
	updated_at       TEXT NOT NULL,
	started_at       TEXT,
	finished_at      TEXT,
	validated_at     TEXT,
	committed_at     TEXT
);
CREATE INDEX import_jobs_scope ON import_jobs (scope, id);
CREATE INDEX import_jobs_status ON import_jobs (status);

CREATE TABLE import_mappings (
	source_key  TEXT NOT NULL,
	scope       TEXT {{BYTES}} NOT NULL,
	sheet_name  TEXT NOT NULL DEFAULT '',
	fingerprint TEXT NOT NULL DEFAULT '',
	mapping     TEXT NOT NULL,                     -- JSON tuopin.ImportMapping
	updated_at  TEXT NOT NULL,
	updated_by  TEXT NOT NULL,                     -- the actor's name, as in audit_log
	PRIMARY KEY (source_key, scope)
);

-- 0006: registry years (年度结转) and household events (状态变更时间线).
--
-- registry_years records each start of a registry year: the households of
-- from_year under area_code (a county's 6 digits, or '' for the whole
-- registry) were copied into year. Once a row exists, from_year is closed
-- for writes under that area: its records stay readable and unchanged.
-- households counts the households copied, summed over repeated starts
-- (a start is idempotent and copies only what is missing).
--
-- household_events is the timeline of a household: each status move
-- (识别, 预脱贫, 脱贫, 返贫 …), each monitoring mark and each year start,
-- with the date it took effect and the reason. number links a household
-- across years (households.number is stable from year to year);
-- household_id is the row of that year. Dates are TEXT 'YYYY-MM-DD', times
-- TEXT in tuopin.AuditTimeLayout (see 0001_init.sql for the {{ID}} and
-- {{BYTES}} placeholders). Never edit this file once shipped.

CREATE TABLE registry_years (
	area_code  TEXT {{BYTES}} NOT NULL, -- 6 digits, or '' for the whole registry
	year       INTEGER NOT NULL,        -- the year started
	from_year  INTEGER NOT NULL,        -- the year copied, closed from then on
	started_at TEXT NOT NULL,
	started_by TEXT NOT NULL,           -- the actor's name, as in audit_log
	households BIGINT NOT NULL,
	PRIMARY KEY (area_code, year)
);

CREATE TABLE household_events (
	id           {{ID}},
	year         INTEGER NOT NULL,
	number       TEXT {{BYTES}} NOT NULL,
	household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
	area_code    TEXT {{BYTES}} NOT NULL,
	kind         TEXT NOT NULL,
	date         TEXT NOT NULL,
	from_status  TEXT NOT NULL DEFAULT '',
	to_status    TEXT NOT NULL DEFAULT '',
	reason       TEXT NOT NULL DEFAULT '',
	actor_id     BIGINT NOT NULL,
	actor_name   TEXT NOT NULL,
	created_at   TEXT NOT NULL
);
-- The timeline of a household across years, in date order.
CREATE INDEX household_events_number ON household_events (number, date);
-- Scope: the events under an area.
CREATE INDEX household_events_area_code ON household_events (area_code);
CREATE INDEX household_events_household_id ON household_events (household_id);

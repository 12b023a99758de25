-- 0003: exit plans (脱贫计划) with their time nodes (时间节点).
--
-- One plan per year and township or village, replaced whole by
-- PlanService.SetPlan; its nodes are the cumulative targets due by each
-- date, numbered from 0 in date order. Dates are TEXT 'YYYY-MM-DD', times
-- TEXT in tuopin.AuditTimeLayout, as everywhere (see 0001_init.sql for the
-- {{BYTES}} placeholder). Never edit this file once shipped.

CREATE TABLE exit_plans (
	year       INTEGER NOT NULL,
	area_code  TEXT {{BYTES}} NOT NULL, -- 12 digits, a township or a village
	households INTEGER NOT NULL,
	persons    INTEGER NOT NULL,
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL,           -- the actor's name, as in audit_log
	PRIMARY KEY (year, area_code)
);

CREATE TABLE exit_plan_nodes (
	year       INTEGER NOT NULL,
	area_code  TEXT {{BYTES}} NOT NULL,
	ord        INTEGER NOT NULL,
	date       TEXT NOT NULL,
	households INTEGER NOT NULL,
	persons    INTEGER NOT NULL,
	PRIMARY KEY (year, area_code, ord),
	FOREIGN KEY (year, area_code) REFERENCES exit_plans (year, area_code) ON DELETE CASCADE
);

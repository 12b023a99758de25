-- 0005: parameter tables (参数表): the poverty line, the monitoring line
-- and the income counting rules, keyed by kind, year and region.
--
-- region is an area code prefix ('' = national, '45' = 广西, '451224' =
-- 东兰县); the most specific region covering an area wins (tuopin.ParamSet).
-- value is BIGINT fen for the line kinds, text the value of the text kinds
-- (a comma-separated list of income component keys for income_excluded).
-- The Go step of this migration seeds tuopin.DefaultParameters. Times are
-- TEXT in tuopin.AuditTimeLayout (see 0001_init.sql for the {{BYTES}}
-- placeholder). Never edit this file once shipped.

CREATE TABLE parameters (
	kind       TEXT NOT NULL,
	year       INTEGER NOT NULL,
	region     TEXT {{BYTES}} NOT NULL DEFAULT '',
	value      BIGINT NOT NULL DEFAULT 0,     -- fen
	text       TEXT NOT NULL DEFAULT '',
	verified   BOOLEAN NOT NULL DEFAULT FALSE,
	source     TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL,                 -- the actor's name, as in audit_log
	PRIMARY KEY (kind, year, region)
);

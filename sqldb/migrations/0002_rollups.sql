-- 0002: roll-ups, the per-area, per-year aggregates of the registry.
--
-- One row per (year, area, metric): area is the significant prefix of an
-- area code at its level ('' the nation, '45' a province, '4512' a city,
-- '451224' a county, '451224104' a township, '451224104201' a village) and
-- metric a key of tuopin.HouseholdMetrics ('households', 'persons',
-- 'status:1', 'cause:01' …). value is the sum of that metric over the
-- year's households under the area.
--
-- level (tuopin.Level, 0 nation … 5 village) is the length of area in
-- levels. It comes second in the key so that the key alone answers both
-- reads of an area overview with one range each:
--   the area itself        year = ? AND level = L   AND area = P
--   its direct children    year = ? AND level = L+1 AND area >= P AND area < P+1
-- No other index is needed; the roll-ups of a year are never scanned.
--
-- Rows are kept current by the household writes in sqldb (same
-- transaction, one multi-row upsert of the deltas) and recomputed by
-- tuopin rollup rebuild. A row whose value has fallen to zero is kept
-- (a write never deletes; readers take a missing row as zero); a rebuild
-- removes such rows. The Go step of this migration builds the roll-ups of
-- the households that already exist.

CREATE TABLE rollups (
	year   INTEGER NOT NULL,
	level  INTEGER NOT NULL,
	area   TEXT {{BYTES}} NOT NULL,
	metric TEXT {{BYTES}} NOT NULL,
	value  BIGINT NOT NULL,
	PRIMARY KEY (year, level, area, metric)
);

-- 0008: the cross-county duplicate review queue (身份证号重复核查).
--
-- A member's ID number is unique per year across the whole registry. When
-- a write gives an ID number that a household of another county already
-- holds, the write is refused and a review is filed here naming both
-- records; incoming_payload keeps the refused household whole, as JSON, so
-- that nothing entered is lost. status is 'open' or 'resolved'; resolution
-- one of keep_existing, moved_to_incoming, different_people_corrected.
-- Times are TEXT in tuopin.AuditTimeLayout (see 0001_init.sql for the
-- {{ID}} and {{BYTES}} placeholders). Never edit this file once shipped.

CREATE TABLE id_reviews (
	id                    {{ID}},
	year                  INTEGER NOT NULL,
	id_number             TEXT {{BYTES}} NOT NULL,
	name                  TEXT NOT NULL DEFAULT '',
	existing_household_id BIGINT NOT NULL,
	existing_number       TEXT {{BYTES}} NOT NULL,
	existing_area         TEXT {{BYTES}} NOT NULL,
	incoming_number       TEXT {{BYTES}} NOT NULL DEFAULT '',
	incoming_area         TEXT {{BYTES}} NOT NULL,
	incoming_payload      TEXT NOT NULL,
	source                TEXT NOT NULL,
	status                TEXT NOT NULL DEFAULT 'open',
	resolution            TEXT NOT NULL DEFAULT '',
	resolved_by           TEXT NOT NULL DEFAULT '', -- the actor's name, as in audit_log
	resolved_at           TEXT,
	note                  TEXT NOT NULL DEFAULT '',
	created_at            TEXT NOT NULL
);
-- A review is seen from either side: one range on each area.
CREATE INDEX id_reviews_existing_area ON id_reviews (existing_area);
CREATE INDEX id_reviews_incoming_area ON id_reviews (incoming_area);
CREATE INDEX id_reviews_id_number ON id_reviews (id_number, year);

-- 0009: household_events loses its index on area_code.
--
-- 0006 created it for "the events under an area", a read that no query
-- makes: the timeline is read by number, the latest status date by
-- household_id, and each of the registry's events (one "identified" event
-- per household created) paid for the index. A report of events by area
-- adds the index it needs when it exists. Never edit this file once
-- shipped.

DROP INDEX household_events_area_code;

-- Issue 17: the telemetry ledger's new partitions hold one UTC day instead of one month.
--
-- Dropping a month (migration 13's `drop_month`) stalled every writer on the server for 20-60
-- ms: one transaction counted the month, detached it and dropped it, so it held the ledger and,
-- for the month's foreign keys, tenants, workspaces and users in ACCESS EXCLUSIVE mode until its
-- commit had truncated the month's files (about 100 MB for 400,000 rows with their indexes). It
-- could also deadlock with a writer checking its keys in another order. Now a drop takes steps
-- that never hold such a lock over the file work (below), and that work is a day's: about
-- thirty times smaller, and a prune drops one day a day.
--
-- * `events_YYYY_MM_DD` holds one UTC day. Months that already hold rows stay as they are
--   (`events_YYYY_MM`, dropped whole once they expire); empty months go now, so their days can
--   be created. A day inside a remaining month is that month's, and gets no partition of its
--   own.
-- * `ensure_day` creates a day (idempotent, one creator at a time across instances) and moves
--   its rows out of the default partition in the same transaction, as `ensure_month` did.
-- * `ensure_month` now creates the days of its month, so an instance still running the previous
--   version creates the same partitions as the new ones.
-- * A partition (day or month) is dropped in steps, below.

-- `day`: true when this call created its partition (false: it, or its month's, exists).
CREATE OR REPLACE FUNCTION product_usage_partitions.ensure_day(day DATE) RETURNS BOOLEAN
LANGUAGE plpgsql AS $fn$
DECLARE
    lo TIMESTAMPTZ := day::timestamp AT TIME ZONE 'UTC';
    hi TIMESTAMPTZ := (day + 1)::timestamp AT TIME ZONE 'UTC';
    part TEXT := 'events_' || to_char(day, 'YYYY_MM_DD');
    month_part TEXT := 'events_' || to_char(day, 'YYYY_MM');
BEGIN
    IF to_regclass(format('product_usage_partitions.%I', part)) IS NOT NULL
       OR to_regclass(format('product_usage_partitions.%I', month_part)) IS NOT NULL THEN
        RETURN FALSE;
    END IF;
    -- Instances creating days at the same time queue here and find it made (read from
    -- pg_class: to_regclass may answer from a catalog cache older than the lock).
    PERFORM pg_advisory_xact_lock(hashtext('product_usage_partitions'));
    IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'product_usage_partitions' AND c.relname IN (part, month_part)) THEN
        RETURN FALSE;
    END IF;
    EXECUTE format('CREATE TABLE product_usage_partitions.%I (LIKE public.product_usage_events)', part);
    -- As in ensure_month: writers wait (parent first) while the day's rows leave the default
    -- partition, so none can slip in between the move and ATTACH's check.
    LOCK TABLE public.product_usage_events IN SHARE ROW EXCLUSIVE MODE;
    LOCK TABLE product_usage_partitions.events_default IN EXCLUSIVE MODE;
    EXECUTE format('INSERT INTO product_usage_partitions.%I SELECT * FROM product_usage_partitions.events_default WHERE occurred_at >= $1 AND occurred_at < $2', part) USING lo, hi;
    DELETE FROM product_usage_partitions.events_default WHERE occurred_at >= lo AND occurred_at < hi;
    EXECUTE format('ALTER TABLE public.product_usage_events ATTACH PARTITION product_usage_partitions.%I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    RETURN TRUE;
END
$fn$;

-- `month`: any day of the month; true when this call created one of its days.
CREATE OR REPLACE FUNCTION product_usage_partitions.ensure_month(month DATE) RETURNS BOOLEAN
LANGUAGE plpgsql AS $fn$
DECLARE
    first DATE := date_trunc('month', month::timestamp)::date;
    d DATE;
    created BOOLEAN := FALSE;
BEGIN
    FOR d IN SELECT generate_series(first, (first + INTERVAL '1 month' - INTERVAL '1 day')::date, INTERVAL '1 day')::date LOOP
        IF product_usage_partitions.ensure_day(d) THEN
            created := TRUE;
        END IF;
    END LOOP;
    RETURN created;
END
$fn$;

-- Dropping a partition is three kinds of short transaction, so that no lock the writers need is
-- held while the partition's files are freed, and no step takes two such locks at once:
--
-- 1. `detach`: `DETACH PARTITION` (ACCESS EXCLUSIVE on the ledger for a catalog change only);
-- 2. `drop_detached_reference`, once per foreign key: dropping a foreign key locks the table it
--    references (tenants, workspaces, users) in ACCESS EXCLUSIVE mode; one per transaction, so
--    the drop never holds one of them while waiting for another, as writers checking their
--    keys in another order would (a deadlock);
-- 3. `drop_detached`: counts the detached table's rows (nobody can write to it any more, so the
--    count is exact) and drops it; its files are freed at this commit, which now locks nothing
--    but the table itself.
--
-- Each waits at most 200 ms for a lock (below `deadlock_timeout`, so in a lock cycle the
-- prune gives up, with lock_not_available (55P03), before a writer could be chosen as the
-- deadlock's victim); the caller tries again later. A table left detached by an interrupted
-- prune is finished by the next one. `part` is a partition's table name; anything else is
-- refused.
CREATE OR REPLACE FUNCTION product_usage_partitions.checked(part TEXT) RETURNS REGCLASS
LANGUAGE plpgsql AS $fn$
BEGIN
    IF part !~ '^events_[0-9]{4}_[0-9]{2}(_[0-9]{2})?$' THEN
        RAISE EXCEPTION 'not a ledger partition: %', part;
    END IF;
    RETURN to_regclass(format('product_usage_partitions.%I', part));
END
$fn$;

CREATE OR REPLACE FUNCTION product_usage_partitions.is_attached(rel REGCLASS) RETURNS BOOLEAN
LANGUAGE sql AS $fn$
    SELECT EXISTS (SELECT 1 FROM pg_inherits
                   WHERE inhrelid = rel AND inhparent = 'public.product_usage_events'::regclass)
$fn$;

-- The table of the detached partition `part` (NULL when absent); refuses one still attached,
-- so that no later step can empty or drop live rows.
CREATE OR REPLACE FUNCTION product_usage_partitions.detached(part TEXT) RETURNS REGCLASS
LANGUAGE plpgsql AS $fn$
DECLARE
    rel REGCLASS := product_usage_partitions.checked(part);
BEGIN
    IF product_usage_partitions.is_attached(rel) THEN
        RAISE EXCEPTION '% is still attached', part;
    END IF;
    RETURN rel;
END
$fn$;

-- True when this call detached it (false: absent or already detached).
CREATE OR REPLACE FUNCTION product_usage_partitions.detach(part TEXT) RETURNS BOOLEAN
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('product_usage_partitions'));
    IF NOT coalesce(product_usage_partitions.is_attached(product_usage_partitions.checked(part)), FALSE) THEN
        RETURN FALSE;
    END IF;
    PERFORM set_config('lock_timeout', '200ms', TRUE);
    EXECUTE format('ALTER TABLE public.product_usage_events DETACH PARTITION product_usage_partitions.%I', part);
    RETURN TRUE;
END
$fn$;

-- True when it dropped one of the detached table's foreign keys (false: none left).
CREATE OR REPLACE FUNCTION product_usage_partitions.drop_detached_reference(part TEXT) RETURNS BOOLEAN
LANGUAGE plpgsql AS $fn$
DECLARE
    rel REGCLASS := product_usage_partitions.detached(part);
    con NAME;
BEGIN
    IF rel IS NULL THEN
        RETURN FALSE;
    END IF;
    SELECT conname INTO con FROM pg_constraint WHERE conrelid = rel AND contype = 'f'
        ORDER BY conname LIMIT 1;
    IF con IS NULL THEN
        RETURN FALSE;
    END IF;
    PERFORM set_config('lock_timeout', '200ms', TRUE);
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', rel, con);
    RETURN TRUE;
END
$fn$;

-- Rows the detached table held, counted and dropped in one transaction (0 when absent). Its
-- foreign keys must be gone: then the drop locks nothing but the table itself while its files
-- are freed at commit.
CREATE OR REPLACE FUNCTION product_usage_partitions.drop_detached(part TEXT) RETURNS BIGINT
LANGUAGE plpgsql AS $fn$
DECLARE
    rel REGCLASS := product_usage_partitions.detached(part);
    n BIGINT;
BEGIN
    IF rel IS NULL THEN
        RETURN 0;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = rel AND contype = 'f') THEN
        RAISE EXCEPTION '% still has foreign keys', part;
    END IF;
    PERFORM set_config('lock_timeout', '200ms', TRUE);
    EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', rel);
    EXECUTE format('SELECT COUNT(*) FROM %s', rel) INTO n;
    EXECUTE format('DROP TABLE %s', rel);
    RETURN n;
END
$fn$;

-- Empty months (the ones created ahead of time) step aside for their days; the start-up of
-- every instance creates the current day and the ones after it.
DO $do$
DECLARE
    part TEXT;
    has_rows BOOLEAN;
BEGIN
    FOR part IN SELECT c.relname FROM pg_inherits i
                JOIN pg_class c ON c.oid = i.inhrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE i.inhparent = 'public.product_usage_events'::regclass
                  AND n.nspname = 'product_usage_partitions' AND c.relname ~ '^events_[0-9]{4}_[0-9]{2}$' LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM product_usage_partitions.%I)', part) INTO has_rows;
        IF NOT has_rows THEN
            EXECUTE format('ALTER TABLE public.product_usage_events DETACH PARTITION product_usage_partitions.%I', part);
            EXECUTE format('DROP TABLE product_usage_partitions.%I', part);
        END IF;
    END LOOP;
END
$do$;

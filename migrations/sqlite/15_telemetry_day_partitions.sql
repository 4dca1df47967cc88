-- Issue 17: on PostgreSQL this version partitions the telemetry ledger by day instead of by
-- month. SQLite has no partitions and keeps pruning in bounded batches; the file exists so both
-- dialects have the same versions.
SELECT 1;

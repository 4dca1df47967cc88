-- Issue 17: on PostgreSQL this version drops the telemetry ledger's foreign keys, which tied
-- every partition drop to locks on tenants, workspaces and users. SQLite has no partitions and
-- keeps its foreign keys; the file exists so both dialects have the same versions.
SELECT 1;

-- Product usage telemetry ledger (being built).
SELECT 1;


-- src/anomaly.sql

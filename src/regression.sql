
-- src/regression.sql

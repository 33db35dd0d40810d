
-- src/forecast.sql

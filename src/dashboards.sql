
-- src/dashboards.sql

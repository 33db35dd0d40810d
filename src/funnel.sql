
-- src/funnel.sql

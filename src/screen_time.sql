
-- src/screen_time.sql

-- screen_time
SELECT 1 AS placeholder;

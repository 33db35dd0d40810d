-- anomaly (being written)
SELECT 1 AS placeholder;

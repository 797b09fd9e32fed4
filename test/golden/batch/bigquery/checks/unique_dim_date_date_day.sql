SELECT
  date_day,
  COUNT(*) AS occurrences
FROM
  `golden-project.audit.dim_date`
WHERE
  TRUE
GROUP BY
  date_day
HAVING
  COUNT(*) > 1

-- How many CSPRs were published late this year, by region: those whose publication deadline
-- (6 months from the decision to review) was met after it fell due, published this calendar year,
-- in the latest snapshot. The overview's "Late" column counts the same rows by quarter of the decision.
-- Every CSV column is text (OpenCSVSerde): dates and numbers are cast.
SELECT
    regionCode,
    regionName,
    count(*) AS published_late,
    CAST(round(avg(TRY_CAST(daysLate AS integer))) AS integer) AS mean_days_late
FROM snapshot_cases
WHERE dt = (SELECT max(dt) FROM snapshot_cases)
    AND deadline = 'CSPR_PUBLICATION'
    AND timeliness = 'LATE'
    AND year(TRY_CAST(deadlineMetDate AS date)) = year(TRY_CAST(snapshotDate AS date))
GROUP BY regionCode, regionName
ORDER BY regionCode

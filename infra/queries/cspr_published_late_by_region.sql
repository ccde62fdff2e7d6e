-- How many CSPRs were published late, by year of publication and region (this year's is the row of
-- the current year): CSPRs whose publication deadline (6 months from the decision to review) was met
-- after it fell due, in the latest snapshot. The overview's "Late" column counts the same reviews by
-- quarter of the decision. Every CSV column is text (OpenCSVSerde), so dates and numbers are cast.
SELECT
    year(TRY_CAST(deadlineMetDate AS date)) AS year_published,
    regionCode,
    regionName,
    count(*) AS published_late,
    CAST(round(avg(TRY_CAST(daysLate AS integer))) AS integer) AS mean_days_late
FROM snapshot_cases
WHERE dt = (SELECT max(dt) FROM snapshot_cases)
    AND deadline = 'CSPR_PUBLICATION'
    AND timeliness = 'LATE'
GROUP BY 1, regionCode, regionName
ORDER BY 1, regionCode

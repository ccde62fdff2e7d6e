-- The share of rapid reviews completed within 15 working days, per quarter of the decision to
-- review and per region, in the latest snapshot: on time over those met (on time or late) or past
-- due and still not met, as the overview counts it. Reviews not yet due, closed unmet or without
-- the date they were completed are left out of the share.
SELECT
    CAST(year(CAST(dateAdded AS date)) AS varchar) || '-Q' || CAST(quarter(CAST(dateAdded AS date)) AS varchar)
        AS quarter,
    regionCode,
    regionName,
    count_if(timeliness = 'ON_TIME') AS on_time,
    count_if(timeliness = 'LATE') AS late,
    count_if(timeliness = 'OVERDUE') AS overdue,
    CAST(count_if(timeliness = 'ON_TIME') AS double)
        / count_if(timeliness IN ('ON_TIME', 'LATE', 'OVERDUE')) AS share_on_time
FROM snapshot_cases
WHERE dt = (SELECT max(dt) FROM snapshot_cases)
    AND deadline = 'RAPID_REVIEW'
    AND timeliness IN ('ON_TIME', 'LATE', 'OVERDUE')
GROUP BY 1, regionCode, regionName
ORDER BY 1, regionCode

-- Themes per quarter of the decision to review, by review type and region, in the latest snapshot:
-- a case with several themes counts once under each (themes is |-joined in the CSV).
SELECT
    CAST(year(CAST(c.dateAdded AS date)) AS varchar) || '-Q' || CAST(quarter(CAST(c.dateAdded AS date)) AS varchar)
        AS quarter,
    c.reviewType,
    c.regionCode,
    t.theme,
    count(*) AS cases
FROM snapshot_cases AS c
CROSS JOIN UNNEST(split(c.themes, '|')) AS t (theme)
WHERE c.dt = (SELECT max(dt) FROM snapshot_cases)
GROUP BY 1, c.reviewType, c.regionCode, t.theme
ORDER BY 1, c.reviewType, c.regionCode, t.theme

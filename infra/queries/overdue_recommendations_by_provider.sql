-- Overdue recommendations by owning NHS provider, in the latest snapshot: past their due date and
-- not complete. A recommendation naming no provider is counted under an empty code.
SELECT
    coalesce(ownerProviderCode, '') AS ownerProviderCode,
    coalesce(ownerProviderName, '') AS ownerProviderName,
    count(*) AS overdue_recommendations
FROM snapshot_recommendations
WHERE dt = (SELECT max(dt) FROM snapshot_recommendations)
    AND overdue = 'true'
GROUP BY 1, 2
ORDER BY 1

-- ADL Q6: in events with >= 3 jets, the trijet with mass closest to 172.5 GeV:
-- its pT (q6a) and the largest b-tag among its jets (q6b). Each WITH query names per-event
-- columns for the next one; its WHERE keeps events.
WITH jets AS (
  SELECT zip(pt => Jet.pt, eta => Jet.eta, phi => Jet.phi, mass => Jet.mass, btag => Jet.btag) AS j
  FROM events
),
three AS (SELECT j FROM jets WHERE len(j) >= 3),
trijets AS (SELECT combinations(j, 3) AS t FROM three),  -- i < j < k
best AS (
  SELECT t, argmin(list_transform(t, x -> abs(mass(x."0", x."1", x."2") - 172.5))) AS k
  FROM trijets
)
SELECT
  hist(first(take(list_transform(t, x -> pt4(x."0", x."1", x."2")), k)),
       100, 15, 40, 'Trijet pT [GeV]') AS q6a,
  hist(first(take(list_transform(t, x -> greatest(greatest(x."0".btag, x."1".btag), x."2".btag)), k)),
       100, 0, 1, 'Trijet max b-tag') AS q6b
FROM best;

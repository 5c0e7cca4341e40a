-- ADL Q8: events with at least three light leptons and a same-flavour opposite-sign pair; the
-- pair with mass closest to 91.2 GeV, then the transverse mass of MET and the highest-pT lepton
-- not in the pair. Each WITH query names per-event columns for the next one; its WHERE keeps
-- events.
WITH leptons AS (
  SELECT concat(
           with_field(zip(pt => Muon.pt, eta => Muon.eta, phi => Muon.phi, mass => Muon.mass,
                          charge => Muon.charge), 'flavour', Muon.charge * 0 + 0),
           with_field(zip(pt => Electron.pt, eta => Electron.eta, phi => Electron.phi,
                          mass => Electron.mass, charge => Electron.charge),
                      'flavour', Electron.charge * 0 + 1)) AS l,
         MET
  FROM events
),
three AS (SELECT * FROM leptons WHERE len(l) >= 3),
pairs AS (
  SELECT *, argcombinations(l, 2) AS p FROM three
),
sides AS (
  SELECT *, take(l, p."0") AS l1, take(l, p."1") AS l2 FROM pairs
),
scored AS (
  SELECT *, l1.flavour = l2.flavour AND l1.charge != l2.charge AS sfos FROM sides
),
best AS (
  SELECT *, argmin(if(sfos, abs(mass(l1, l2) - 91.2), infinity())) AS k FROM scored
),
chosen AS (
  SELECT l, MET, first(take(p."0", k)) AS b1, first(take(p."1", k)) AS b2
  FROM best
  WHERE list_any(sfos)
),
third AS (
  SELECT MET,
         first(take(l, argmax(if(local_index(l.pt) != fill_none(b1, -1)
                                   AND local_index(l.pt) != fill_none(b2, -1),
                                 l.pt, -infinity())))) AS l3
  FROM chosen
)
SELECT hist(sqrt(MET.pt * l3.pt * 2.0 * (1.0 - cos(delta_phi(MET.phi, l3.phi)))),
            100, 0, 200, 'Transverse mass [GeV]') AS q8
FROM third;

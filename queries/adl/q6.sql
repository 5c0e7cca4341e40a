-- ADL Q6: in events with >= 3 jets, the trijet with mass closest to 172.5 GeV:
-- its pT (q6a) and the largest b-tag among its jets (q6b).
SELECT
  hist(first(take(
         list_transform(combinations(zip(pt => Jet.pt, eta => Jet.eta, phi => Jet.phi,
                                         mass => Jet.mass, btag => Jet.btag), 3),
                        t -> pt4(t."0", t."1", t."2")),
         argmin(list_transform(combinations(zip(pt => Jet.pt, eta => Jet.eta, phi => Jet.phi,
                                                mass => Jet.mass, btag => Jet.btag), 3),
                               t -> abs(mass(t."0", t."1", t."2") - 172.5))))),
       100, 15, 40, 'Trijet pT [GeV]') AS q6a,
  hist(first(take(
         list_transform(combinations(zip(pt => Jet.pt, eta => Jet.eta, phi => Jet.phi,
                                         mass => Jet.mass, btag => Jet.btag), 3),
                        t -> greatest(greatest(t."0".btag, t."1".btag), t."2".btag)),
         argmin(list_transform(combinations(zip(pt => Jet.pt, eta => Jet.eta, phi => Jet.phi,
                                                mass => Jet.mass, btag => Jet.btag), 3),
                               t -> abs(mass(t."0", t."1", t."2") - 172.5))))),
       100, 0, 1, 'Trijet max b-tag') AS q6b
FROM events
WHERE len(Jet) >= 3;

-- ADL Q5: MET of events with an opposite-charge muon pair of mass in (60, 120) GeV.
SELECT hist(MET.pt, 100, 0, 200, 'MET [GeV]') AS q5
FROM events
WHERE list_any(list_transform(
        combinations(zip(pt => Muon.pt, eta => Muon.eta, phi => Muon.phi,
                         mass => Muon.mass, charge => Muon.charge), 2),
        p -> p."0".charge != p."1".charge
             AND mass(p."0", p."1") > 60.0
             AND mass(p."0", p."1") < 120.0));

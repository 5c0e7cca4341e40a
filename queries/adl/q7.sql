-- ADL Q7: the scalar sum of the pT of jets with pT > 30 GeV not within dR < 0.4 of a light
-- lepton with pT > 10 GeV, for events with at least one such jet.
SELECT hist(list_sum(list_filter(Jet.pt, pt ->
         Jet.pt > 30.0 AND NOT list_any(list_transform(
           cartesian_nested(
             zip(pt => Jet.pt, eta => Jet.eta, phi => Jet.phi),
             concat(list_filter(zip(pt => Muon.pt, eta => Muon.eta, phi => Muon.phi), m -> m.pt > 10.0),
                    list_filter(zip(pt => Electron.pt, eta => Electron.eta, phi => Electron.phi), e -> e.pt > 10.0))),
           p -> delta_r(p."0", p."1") < 0.4)))),
       100, 15, 200, 'Scalar sum of jet pT [GeV]') AS q7
FROM events
WHERE list_sum(Jet.pt > 30.0 AND NOT list_any(list_transform(
        cartesian_nested(
          zip(pt => Jet.pt, eta => Jet.eta, phi => Jet.phi),
          concat(list_filter(zip(pt => Muon.pt, eta => Muon.eta, phi => Muon.phi), m -> m.pt > 10.0),
                 list_filter(zip(pt => Electron.pt, eta => Electron.eta, phi => Electron.phi), e -> e.pt > 10.0))),
        p -> delta_r(p."0", p."1") < 0.4))) > 0;

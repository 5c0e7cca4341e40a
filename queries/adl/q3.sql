-- ADL Q3: the pT of jets with |eta| < 1.
SELECT hist(list_filter(Jet.pt, pt -> abs(Jet.eta) < 1.0), 100, 15, 60, 'Jet pT (|eta|<1) [GeV]') AS q3
FROM events;

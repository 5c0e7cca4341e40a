-- ADL Q2: the pT of every jet.
SELECT hist(Jet.pt, 100, 15, 60, 'Jet pT [GeV]') AS q2
FROM events;

-- ADL Q4: MET of events with at least two jets of pT > 40 GeV.
SELECT hist(MET.pt, 100, 0, 200, 'MET [GeV]') AS q4
FROM events
WHERE list_sum(Jet.pt > 40.0) >= 2;

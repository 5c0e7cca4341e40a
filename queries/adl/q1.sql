-- ADL Q1: the missing transverse energy of every event.
SELECT hist(MET.pt, 100, 0, 200, 'MET [GeV]') AS q1
FROM events;

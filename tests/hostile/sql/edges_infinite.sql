-- expect: histogram 'h': the range [0, inf) must be finite
SELECT hist(MET.pt, 10, 0, 1e400) AS h FROM events;

-- expect: the number of bins -1 must be at least 1
SELECT hist(MET.pt, -1, 0, 1) AS h FROM events;

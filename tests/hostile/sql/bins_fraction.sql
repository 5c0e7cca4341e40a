-- expect: the number of bins 10.5 must be a whole number
SELECT hist(MET.pt, 10.5, 0, 1) AS h FROM events;

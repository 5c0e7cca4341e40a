-- expect: the number of bins 99999999999999999999999 is too large
SELECT hist(MET.pt, 99999999999999999999999, 0, 1) AS h FROM events;

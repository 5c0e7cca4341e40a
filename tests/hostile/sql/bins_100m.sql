-- expect: histogram 'h': 100000000 bins, more than the limit of 10000000
SELECT hist(MET.pt, 100000000, 0, 1) AS h FROM events;

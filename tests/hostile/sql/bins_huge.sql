-- expect: histogram 'h': 2000000000 bins, more than the limit of 10000000
SELECT hist(MET.pt, 2000000000, 0, 1) AS h FROM events;

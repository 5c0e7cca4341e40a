-- expect: histogram 'h': the lower edge 100 must be below the upper edge 0
SELECT hist(MET.pt, 10, 100, 0) AS h FROM events;

-- expect: histogram 'w': the range [-inf, 0) must be finite
SELECT whist(MET.pt, MET.pt, 10, -1e400, 0) AS w FROM events;

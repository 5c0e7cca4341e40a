-- expect: histogram 'h': the edges must increase strictly (10 then 10)
SELECT hist_var(MET.pt, [0, 10, 10, 20]) AS h FROM events;

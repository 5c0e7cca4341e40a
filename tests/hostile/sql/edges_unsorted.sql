-- expect: histogram 'h': the edges must increase strictly (20 then 10)
SELECT hist_var(MET.pt, [0, 20, 10]) AS h FROM events;

-- expect: output name "/elsewhere/ESCAPE": it starts with '/'
SELECT hist(MET.pt, 10, 0, 100) AS "/elsewhere/ESCAPE" FROM events;

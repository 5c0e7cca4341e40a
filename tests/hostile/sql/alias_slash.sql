-- expect: output name "q/../../x": it contains '/'
SELECT hist(MET.pt, 10, 0, 100) AS "q/../../x" FROM events;

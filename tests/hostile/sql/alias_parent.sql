-- expect: output name "../../escaped": it starts with '.'
SELECT hist(MET.pt, 10, 0, 100) AS "../../escaped" FROM events;

-- expect: output name "a\nb": it contains '\n'
SELECT hist(MET.pt, 10, 0, 100) AS "a
b" FROM events;

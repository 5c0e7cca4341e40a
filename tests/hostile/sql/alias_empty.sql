-- expect: output name "": it is empty
SELECT hist(MET.pt, 10, 0, 100) AS "" FROM events;

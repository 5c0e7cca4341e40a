-- expect: integer overflow
SELECT hist(list_sum(Muon.charge * 9223372036854775807), 10, 0, 100) AS h FROM events;

-- expect: integer overflow
SELECT hist(nMuon * 9223372036854775807 * 9223372036854775807, 10, 0, 100) AS h FROM events;

-- GET /search?prefix=ab: terms starting with 'ab', as a range so an ordered index serves it.
SELECT term, popularity FROM search_terms WHERE term >= 'ab' AND term < 'ac' ORDER BY term LIMIT 20;

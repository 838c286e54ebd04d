"""Reports for administrators: how many conversations came in, how fast people
answered and resolved them, and how visitors rated them, over a date range, per
agent, team, widget or tag. Every number is a database aggregate over tickets
(``selectors``); ``percentiles`` holds the one calculation each database does
its own way."""

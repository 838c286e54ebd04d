"""Holding up under abuse: the client's address (behind a trusted proxy), blocked
addresses and ranges, rate limits on the widget's endpoints, daily caps on the
email sent to one address, and bounded request bodies."""

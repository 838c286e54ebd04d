"""The reference the benchmarks measure Parley against: a bare Channels relay.

What Channels itself costs for a chat, with none of Parley on top: daphne, one
``AsyncJsonWebsocketConsumer`` per socket, and the channel layer Parley's
configuration would use. No database, no authentication, no JSON beyond the
consumer's own. Parley can be no faster than this on the same server and layer.
"""

"""The live apply: committed outbox events planned into per-scope writes and run as Lua in Redis.

``write`` (one script run's input), ``planner`` (sums per day spread over
the periods), ``plan`` (one handler per event kind), ``apply`` (the live
apply and the outbox replay), ``marks`` (applied marks written behind the
request).
"""

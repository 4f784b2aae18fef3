"""Webhooks use cases: endpoints (create, change, rotate, delete), events (list, redeliver),
and the outbox consumer that records each event and queues its deliveries."""

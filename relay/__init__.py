"""The AMQP relay: every committed outbox event, published to RabbitMQ with confirms.

``python app.py relay`` runs it (``relay.loop.run``). It reads the outbox and
its own mark (``outbox.published_at``), so it needs no hand-off from the
writers and never slows them: Postgres is the queue while the broker is away.
"""

"""A RabbitMQ channel in confirm mode that publishes a batch and waits for its confirms.

pika's asynchronous ``SelectConnection``, driven in steps: ``publish`` writes
every message of a batch at once and runs the I/O loop until the broker has
confirmed them all (acks may cover many deliveries at once), a nack or a
closed connection says otherwise, or the timeout passes. The blocking adapter
would wait a round trip per message, a confirm at a time: about a tenth of
the rate (bench/relay.py). Between batches ``idle`` runs the loop too, so
heartbeats are answered while the outbox is empty.
"""
from __future__ import annotations

import logging

import pika
from pika.spec import Basic

log = logging.getLogger("buyfree.relay")

PERSISTENT = pika.DeliveryMode.Persistent


class BrokerError(Exception):
    """The broker could not be reached, closed the connection, or did not confirm a batch."""


class Broker:
    def __init__(self, url: str, exchange: str, *, timeout: float = 10.0):
        self.url, self.exchange, self.timeout = url, exchange, timeout
        self.connection = self.channel = None
        self.error: str | None = None
        self._sent = self._acked = 0  # delivery tags of this channel: 1, 2, ... in publish order
        self._nacked = False
        self._ready = False

    # the I/O loop, run until a callback says the step is done -----------------------------------
    def _run(self, done, seconds: float, what: str) -> None:
        loop = self.connection.ioloop
        timer = loop.call_later(seconds, loop.stop)
        self._done = done
        if not done():
            loop.start()
        loop.remove_timeout(timer)
        if self.error:
            raise BrokerError(self.error)
        if not done():
            raise BrokerError(f"{what}: no answer within {seconds:.0f} s")

    def _stop_if_done(self) -> None:
        if self.error or self._done():
            self.connection.ioloop.stop()

    def _fail(self, reason: str) -> None:
        self.error = self.error or reason
        self._ready = False
        if self.connection is not None:
            self.connection.ioloop.stop()

    # connecting -----------------------------------------------------------------------------------
    def connect(self) -> None:
        """Open the connection and a confirm-mode channel; declare the durable topic exchange."""
        self.error, self._ready, self._sent, self._acked, self._nacked = None, False, 0, 0, False
        params = pika.URLParameters(self.url)
        params.connection_attempts, params.socket_timeout = 1, self.timeout
        self.connection = pika.SelectConnection(
            params, on_open_callback=self._on_open,
            on_open_error_callback=lambda c, exc: self._fail(f"cannot connect: {exc!r}"),
            on_close_callback=lambda c, exc: self._fail(f"connection closed: {exc!r}"))
        self._run(lambda: self._ready, self.timeout, "connect")

    def _on_open(self, connection) -> None:
        connection.channel(on_open_callback=self._on_channel)

    def _on_channel(self, channel) -> None:
        self.channel = channel
        channel.add_on_close_callback(lambda ch, exc: self._fail(f"channel closed: {exc!r}"))
        channel.exchange_declare(self.exchange, exchange_type="topic", durable=True,
                                 callback=lambda frame: channel.confirm_delivery(self._on_confirm, self._on_confirming))

    def _on_confirming(self, frame) -> None:
        self._ready = True
        self.connection.ioloop.stop()

    def _on_confirm(self, frame) -> None:
        method = frame.method
        if isinstance(method, Basic.Nack):
            self._nacked = True
        else:  # an ack of this tag, or of every tag up to it
            self._acked = max(self._acked, method.delivery_tag)
        self._stop_if_done()

    @property
    def ready(self) -> bool:
        return self._ready and self.error is None and self.connection is not None and self.connection.is_open

    # publishing -----------------------------------------------------------------------------------
    def publish(self, messages: list[tuple[str, str, bytes]]) -> None:
        """Publish ``(message_id, routing key, body)``s in order; return once the broker confirmed all.

        Raises ``BrokerError`` otherwise (nothing of the batch may be marked: it goes again, with the
        same message ids)."""
        first = self._sent
        for message_id, key, body in messages:
            self.channel.basic_publish(self.exchange, key, body, pika.BasicProperties(
                content_type="application/json", delivery_mode=PERSISTENT, message_id=message_id, type=key))
            self._sent += 1
        last = self._sent
        self._nacked = False
        self._run(lambda: self._nacked or self._acked >= last, self.timeout, "confirms")
        if self._nacked:
            raise BrokerError(f"the broker refused (nack) a message of deliveries {first + 1}..{last}")

    def idle(self, seconds: float) -> None:
        """Let the connection breathe (heartbeats, a close from the broker) for ``seconds``."""
        loop = self.connection.ioloop
        timer = loop.call_later(seconds, loop.stop)
        self._done = lambda: False
        loop.start()
        loop.remove_timeout(timer)
        if self.error:
            raise BrokerError(self.error)

    def close(self) -> None:
        connection = self.connection
        if connection is None:
            return
        try:
            if connection.is_open:
                self._done = lambda: connection.is_closed
                connection.close()  # its close callback stops the loop
                timer = connection.ioloop.call_later(self.timeout, connection.ioloop.stop)
                if not connection.is_closed:
                    connection.ioloop.start()
                connection.ioloop.remove_timeout(timer)
        except Exception as exc:  # closing a broken connection: nothing more to lose
            log.debug("closing the AMQP connection: %s", exc)
        self.connection, self._ready = None, False

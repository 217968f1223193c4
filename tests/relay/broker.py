"""The machine's RabbitMQ for the relay tests: a consumer bound to a test session's own exchange, and a
TCP proxy in front of the broker that can cut every connection and refuse new ones for a while."""
from __future__ import annotations

import os
import socket
import threading
import time
import uuid

import orjson
import pika

BROKER = os.environ.get("BUYFREE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def broker_reachable(url: str = BROKER) -> bool:
    params = pika.URLParameters(url)
    try:
        socket.create_connection((params.host, params.port), timeout=1).close()
        return True
    except OSError:
        return False


def unique(prefix: str) -> str:
    return f"{prefix}.{os.getpid()}.{uuid.uuid4().hex[:8]}"


class Consumer:
    """Every message of an exchange, in the order the queue delivered them (a queue of its own, bound to #)."""

    def __init__(self, exchange: str, url: str = BROKER):
        self.exchange, self.url = exchange, url
        self.messages: list[dict] = []
        self.lock = threading.Lock()
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        channel = self.connection.channel()
        channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        self.queue = channel.queue_declare(unique("buyfree.test.q"), exclusive=True, auto_delete=True).method.queue
        channel.queue_bind(self.queue, exchange, routing_key="#")
        channel.basic_consume(self.queue, self._on_message, auto_ack=True)
        self.channel = channel
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _on_message(self, channel, method, properties, body):
        with self.lock:
            self.messages.append({"message_id": properties.message_id, "routing_key": method.routing_key,
                                  "persistent": properties.delivery_mode == 2, "type": properties.type,
                                  "content_type": properties.content_type, "body": orjson.loads(body),
                                  "received": time.time()})

    def _run(self):
        while not self.stopping:
            self.connection.process_data_events(time_limit=0.1)

    def wait_for(self, ids: set[str], seconds: float = 30) -> list[dict]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if ids <= {m["message_id"] for m in self.messages}:
                    break
            time.sleep(0.05)
        time.sleep(0.3)  # anything sent twice arrives too
        with self.lock:
            return list(self.messages)

    def close(self):
        self.stopping = True
        self.thread.join(5)
        try:
            self.connection.close()
        except Exception:
            pass


def delete_exchange(exchange: str, url: str = BROKER) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        connection.channel().exchange_delete(exchange)
    finally:
        connection.close()


class CuttableProxy:
    """127.0.0.1:<port> -> the broker. ``cut()`` closes every connection and refuses new ones
    until ``restore()``: the broker as a relay sees it when it goes away and comes back."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.listener.listen(16)
        self.open_sockets: list[socket.socket] = []
        self.refusing = False
        self.connections = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open_sockets += [client, upstream]
                self.connections += 1
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.close()
            except OSError:
                pass

    def cut(self):
        self.refusing = True
        with self.lock:
            sockets, self.open_sockets = self.open_sockets, []
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def restore(self):
        self.refusing = False

    def close(self):
        self.cut()
        self.listener.close()

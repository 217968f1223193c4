import pytest

from tests.relay.broker import BROKER, Consumer, broker_reachable, delete_exchange, unique


@pytest.fixture(scope="session")
def amqp_url():
    if not broker_reachable():
        pytest.skip(f"needs RabbitMQ at {BROKER} (BUYFREE_TEST_AMQP_URL); this run has no broker")
    return BROKER


@pytest.fixture
def exchange(amqp_url):
    name = unique("buyfree.test.events")
    yield name
    delete_exchange(name)


@pytest.fixture
def consumer(exchange):
    c = Consumer(exchange)
    yield c
    c.close()

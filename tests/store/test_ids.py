"""Order and purchase ids: unique, sortable by creation time, and different in every worker."""
import multiprocessing
import time

from store.ids import ALPHABET, new_id


def _time_ms(value: str, prefix: str) -> int:
    digits = value[len(prefix):len(prefix) + 10]
    return sum(ALPHABET.index(ch) * 32 ** (9 - n) for n, ch in enumerate(digits))


def test_an_id_carries_its_creation_time_in_crockford_base32():
    before = int(time.time() * 1000)
    value = new_id("pur_")
    after = int(time.time() * 1000)
    assert value.startswith("pur_") and len(value) == 4 + 22
    assert set(value[4:]) <= set(ALPHABET)
    assert before <= _time_ms(value, "pur_") <= after


def test_ids_are_unique_and_later_ones_sort_after():
    first = [new_id("ord_") for _ in range(20_000)]
    time.sleep(0.002)
    second = [new_id("ord_") for _ in range(1_000)]
    assert len(set(first + second)) == 21_000
    assert max(first) < min(second)


def _random_parts(out):
    out.send([new_id("pur_")[-12:] for _ in range(1_000)])


def test_forked_workers_draw_different_ids():
    # gunicorn forks its workers from one arbiter: a random state copied by the fork would
    # make two workers draw the same random parts.
    ctx = multiprocessing.get_context("fork")
    parts = []
    for _ in range(2):
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_random_parts, args=(send,))
        child.start()
        parts.append(receive.recv())
        child.join()
    assert not set(parts[0]) & set(parts[1])

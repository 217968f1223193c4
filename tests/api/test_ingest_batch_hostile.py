"""POST /purchases/batch with hostile entries: whatever an entry holds, it is that entry's 422 or
its 201, and every entry that got a 201 is stored exactly as sent (no good sale lost with a bad one)."""
import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ingest.world import rows, stamp, world  # noqa: F401

_keys = itertools.count(1)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=120)  # JSON carries no lone surrogates
NUMBER = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10**20, 10**20) | st.booleans() | TEXT
ENTRY = st.fixed_dictionaries({
    "reference": st.none() | TEXT | st.tuples(TEXT, TEXT).map("\x00".join),  # NUL: Postgres text cannot hold it
    "method": st.sampled_from(["cash", "alipay", "card", "wechat", "bitcoin"]),
    "quantity": st.integers(-2, 120) | NUMBER,
    "location": st.none() | st.fixed_dictionaries({"lat": NUMBER, "lng": NUMBER}),
    "minutes_ago": st.integers(-10, 60 * 24 * 40),
})


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(ENTRY, min_size=1, max_size=12))
def test_every_entry_is_its_own_201_or_422_and_the_201s_are_stored(world, store, entries):
    body = {"purchases": [
        {"idempotency_key": f"hostile-{next(_keys)}", "occurred_at": stamp(timedelta(minutes=-e["minutes_ago"])),
         "items": [{"sku": "COLA-330", "quantity": e["quantity"]}],
         "payment": {"method": e["method"], "reference": e["reference"]},
         **({"location": e["location"]} if e["location"] is not None else {})} for e in entries]}
    reply = world.api.post("/purchases/batch", body, token=world.device["api_key"])
    assert reply.status_code == 200, reply.get_data(as_text=True)[:500]
    results = reply.get_json()["results"]
    assert [r["idempotency_key"] for r in results] == [p["idempotency_key"] for p in body["purchases"]]
    assert {r["status"] for r in results} <= {201, 422}
    for index, result in enumerate(results):
        if result["status"] == 422:
            assert all(e["field"].startswith(f"purchases[{index}].") for e in result["errors"]), result
    stored = dict(rows(store, "SELECT id, payment_reference FROM purchases WHERE id = ANY(:ids)",
                       ids=[r["id"] for r in results if r["status"] == 201]))
    for result, sent in zip(results, body["purchases"]):
        if result["status"] == 201:
            reference = sent["payment"]["reference"]
            if reference is None:
                assert stored[result["id"]] is None
            else:  # trimmed (by Unicode's whitespace, which Python's strip() covers), else as sent
                assert stored[result["id"]].strip() == reference.strip()

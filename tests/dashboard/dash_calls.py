"""Send a Dash callback request the way the browser does (``POST /_dash-update-component``),
with any input values a caller likes — which is exactly what a curious manager can do."""
from __future__ import annotations

import json

from dash._callback import GLOBAL_CALLBACK_MAP


def _spec(first_output: str) -> tuple[str, dict]:
    from dashboard import build_dash

    # Callbacks move from the global map into the app's once the app has served a request.
    for key, spec in {**GLOBAL_CALLBACK_MAP, **build_dash().callback_map}.items():
        if "callback" not in spec:  # a clientside callback (the live wall's drawing): the browser runs it
            continue
        outputs = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
        if f"{outputs[0].component_id}.{outputs[0].component_property}" == first_output:
            return key, spec
    raise KeyError(first_output)


def _entry(item: dict, value):
    """A wildcard input takes ``[(id_dict, value), ...]``; a plain one its value."""
    if item["id"].startswith("{"):
        return [{"id": cid, "property": item["property"], "value": v} for cid, v in (value or [])]
    return {"id": item["id"], "property": item["property"], "value": value}


def call(client, first_output: str, inputs: list, state: list = (), changed: str | None = None):
    """POST one callback; ``inputs``/``state`` are values in the callback's order."""
    key, spec = _spec(first_output)
    outputs = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    out = [{"id": o.component_id, "property": o.component_property} for o in outputs]
    body = {"output": key, "outputs": out if len(out) > 1 else out[0],
            "inputs": [_entry(i, v) for i, v in zip(spec["inputs"], inputs)],
            "state": [_entry(s, v) for s, v in zip(spec["state"], state)],
            "changedPropIds": [changed] if changed else [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"]}
    return client.post("/_dash-update-component", json=body)


def pattern_id(**parts) -> str:
    """The string Dash uses for a pattern-matching id in ``changedPropIds``."""
    return json.dumps(parts, sort_keys=True, separators=(",", ":"))


def outputs(response) -> dict:
    """``{"id.prop": value}`` of a 200 callback reply."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    data = response.get_json()["response"]
    return {f"{cid}.{prop}": value for cid, props in data.items() for prop, value in props.items()}

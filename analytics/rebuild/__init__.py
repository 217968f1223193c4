"""Every Redis figure again from Postgres while ingest goes on (``build``: the steps; ``facts``:
the SQL aggregates; ``staging``: the staged keys)."""
from analytics.rebuild.build import RebuildBusy, rebuild, replaced_by

__all__ = ["RebuildBusy", "rebuild", "replaced_by"]

"""Reconcile: a business day's figures against Postgres (``truth``), repaired where they drifted (``day``)."""
from analytics.reconcile.day import reconcile_day, reconcile_range

__all__ = ["reconcile_day", "reconcile_range"]

"""A traffic generator for BuyFree that speaks only the public HTTP API (API.md).

``python app.py simulate`` drives it: drivers drive between stations and send
their positions, passengers buy from the devices, devices drop offline and
upload their buffered sales later, drivers restock at nearby stations and the
stations confirm the pickups, ads play. Seeded runs send the same requests
from the same starting state.
"""
from simulator.runner import Options, run

__all__ = ["Options", "run"]

"""The station manager's console: the desk (today, pickups), orders, devices, reports.

Pages live in ``dashboard/pages/console*.py``; their layouts and callbacks
here. Every layout and every callback asks ``dashboard.auth`` for the
signed-in user's scope: a Dash callback is a plain POST anyone can send.
"""

"""The stock service of Cloud Pizza Place: ingredient batches, their expiry, usage and the levels broadcast.

- :mod:`pizza_stock.domain`: ingredients and batches, deliveries (CSV), usage planning, outcomes. Pure Python.
- :mod:`pizza_stock.ports`: what the use cases need, as Protocols; :mod:`pizza_stock.adapters` implement them.
- :mod:`pizza_stock.use_cases`: one short function per thing the service does, taking ports.
- :mod:`pizza_stock.bootstrap`, :mod:`pizza_stock.handlers`: each Lambda function's ports and thin handler.
- :mod:`pizza_stock.client`: the one client of the service; :mod:`pizza_stock.stack`: its local stack.
"""

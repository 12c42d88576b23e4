"""The stock service of Cloud Pizza Place: ingredient batches, their expiry, usage and the levels broadcast.

- :mod:`pizza_stock.domain`: batches, deliveries (CSV), oldest-first allocation, usage requests. Pure Python.
- :mod:`pizza_stock.adapters`: the DynamoDB table, the deliveries bucket, the Kinesis levels stream.
- :mod:`pizza_stock.use_cases`: one short function per thing the service does.
- :mod:`pizza_stock.handlers`: one thin module per Lambda function.
- :mod:`pizza_stock.stack`: the same resources as ``terraform/modules/stock``, for the local cloud.
"""

"""The oven: capacity-limited baking with SQS, a FIFO waiting line and Step Functions.

- :mod:`pizza_oven.domain`: pizzas, the oven's load and the use cases (pure Python).
- :mod:`pizza_oven.adapters`: DynamoDB, SQS and Step Functions behind the domain's ports.
- :mod:`pizza_oven.handlers`: one thin module per Lambda function.
- :mod:`pizza_oven.stack`: the same resources as ``terraform/modules/oven``, for the local cloud.
- :mod:`pizza_oven.cli`: send N pizzas and follow them to the BakedItems queue.
"""

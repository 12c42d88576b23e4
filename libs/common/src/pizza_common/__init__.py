"""What every Cloud Pizza Place service shares, and nothing speculative.

- :mod:`pizza_common.settings`: configuration read from the environment (pydantic-settings).
- :mod:`pizza_common.aws`: boto3 clients that honour ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_<SERVICE>``.
- :mod:`pizza_common.observability`: Powertools Logger, Tracer and Metrics, and the one handler decorator stack.
- :mod:`pizza_common.dynamodb`: DynamoDB items as plain values, and the write toolkit (typed transaction
  outcomes, conditional writes, batch calls that finish, retries within the deadline).
- :mod:`pizza_common.deadline`: the invocation's deadline, which bounds every retry.
- :mod:`pizza_common.schemas`: JSON Schema files generated from pydantic message models, checked for drift.
- :mod:`pizza_common.events`: the envelope of events on the shared EventBridge bus.
- :mod:`pizza_common.errors`: error types that say what is wrong, and the HTTP status each maps to.
- :mod:`pizza_common.http`: maps those errors to API answers in an ``APIGatewayHttpResolver``.
- :mod:`pizza_common.signed_http`: a SigV4-signing HTTP client for IAM-authorised HTTP APIs.
"""

__all__ = [
    "aws",
    "deadline",
    "dynamodb",
    "errors",
    "events",
    "http",
    "observability",
    "schemas",
    "settings",
    "signed_http",
]

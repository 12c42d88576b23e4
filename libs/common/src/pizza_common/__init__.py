"""What every Cloud Pizza Place service shares, and nothing speculative.

- :mod:`pizza_common.settings`: configuration read from the environment (pydantic-settings).
- :mod:`pizza_common.aws`: boto3 clients that honour ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_<SERVICE>``.
- :mod:`pizza_common.observability`: Powertools Logger, Tracer and Metrics, and the one handler decorator stack.
- :mod:`pizza_common.dynamodb`: DynamoDB items to and from plain Python values.
- :mod:`pizza_common.events`: the envelope of events on the shared EventBridge bus.
- :mod:`pizza_common.errors`: error types that say what is wrong, and the HTTP status each maps to.
- :mod:`pizza_common.http`: maps those errors to API answers in an ``APIGatewayHttpResolver``.
- :mod:`pizza_common.signed_http`: a SigV4-signing HTTP client for IAM-authorised HTTP APIs.
"""

__all__ = ["aws", "dynamodb", "errors", "events", "http", "observability", "settings", "signed_http"]

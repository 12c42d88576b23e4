"""Order workflows on Step Functions and EventBridge, on top of the event-sourced inventory (issue 14).

Orders are reserved item by item through the reservations use cases (the one guarded path), purchase orders
wait for an IAM-authorised approval, and inventory checks raise at most one open purchase order per item.
"""

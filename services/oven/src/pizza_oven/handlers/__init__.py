"""One module per Lambda function: ``bake`` (NewItems), ``take_waiting`` (wake-ups), ``remove`` (state machine)."""

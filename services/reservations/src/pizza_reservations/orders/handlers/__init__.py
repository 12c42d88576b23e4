"""The orders' Lambda functions: thin (parse, call one use case, answer)."""

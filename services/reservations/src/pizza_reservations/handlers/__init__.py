"""One module per Lambda function, each thin: parse, call one use case, answer."""

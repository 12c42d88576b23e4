"""One module per Lambda function of the stock service; each handler is ``pizza_stock.handlers.<role>.handler``."""

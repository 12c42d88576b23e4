"""Where the stock domain meets AWS: the table, the deliveries bucket and the levels stream."""

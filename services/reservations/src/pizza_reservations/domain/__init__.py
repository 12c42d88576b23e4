"""The reservations domain: events, the fold of an item's stream, decisions and the projection. Pure Python."""

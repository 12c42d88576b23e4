"""The parcel depot: the event source tests' sample stack and its handlers."""

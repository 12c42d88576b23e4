"""Cloud Pizza Place reservations service: event-sourced inventory and order workflows (not built yet)."""

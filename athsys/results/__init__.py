"""Results: mark notation, places in a race, field series and the records a mark earns."""

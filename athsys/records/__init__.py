"""Records (world, area, national, meeting) and personal and season bests."""

"""The scheduler's side of the feature: Placement query, hosts, filters."""

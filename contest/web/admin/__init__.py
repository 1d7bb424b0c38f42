"""The organizers' blueprint, one module per area of work (entries, judges, rounds, results…)."""

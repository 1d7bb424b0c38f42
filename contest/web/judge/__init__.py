"""The judges' blueprint: their profile and conflicts, and scoring the entries assigned to them."""

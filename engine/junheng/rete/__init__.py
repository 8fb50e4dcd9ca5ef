"""The durable_rules boundary: facts, the compiled plan, sessions, and a plain-Python reference reading."""

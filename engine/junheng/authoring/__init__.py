"""Tools for policy staff: rule tests, lint, descriptions and impact of a change."""

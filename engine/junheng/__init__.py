"""junheng: checks a district's compulsory-education filing against the balanced-development rules."""

__version__ = "0.1.0"

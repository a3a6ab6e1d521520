"""The demand pipeline's name, free of Quix code (the catalog names it without importing the app)."""

PIPELINE = "demand"

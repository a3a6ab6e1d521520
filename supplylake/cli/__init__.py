"""The `supplylake` command line."""

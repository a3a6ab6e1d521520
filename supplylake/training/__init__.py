"""Batch jobs that fit models on the lake's history (`supplylake train`)."""

"""The live stack the alert scenarios measure: all pipelines under the supervisor, a trigger
producer that knows which alert each event must raise, and a separate alert consumer process."""

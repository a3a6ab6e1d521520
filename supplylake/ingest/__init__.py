"""Getting events onto the topics: file replay (and the simulator's live producer)."""

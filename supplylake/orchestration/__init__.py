"""Running the pipelines: child processes under a supervisor, and the bounded-replay and live loops.

Layered above the pipelines (it starts them as ``python -m supplylake.pipelines NAME --mode M``
and reads their catalog) and below the CLI, which only parses arguments and calls in here.
"""

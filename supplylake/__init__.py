"""supplylake: real-time supply-chain visibility, from Kafka topics to Iceberg tables."""

import contextlib
import warnings

__version__ = "0.1.0"

# confluent-kafka's schema registry client (imported by Quix Streams) imports authlib's httpx
# integration, which warns on every start; authlib installs an "always" filter for it when
# imported, so import it first and put our "ignore" in front.
with contextlib.suppress(ImportError):
    import authlib.deprecate  # noqa: F401
warnings.filterwarnings("ignore", message="The httpx module is deprecated")

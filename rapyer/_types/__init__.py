"""The shared parts of the Redis field types (no I/O), composed into the public classes by
``rapyer.types`` together with the I/O mixins of ``rapyer._async.types`` and its twin."""

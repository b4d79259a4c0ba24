"""Background jobs: theme runs off the request, in the server's own thread or an RQ worker."""

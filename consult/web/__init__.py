"""Web plumbing shared by every audience: public pages and errors, security headers, token-free
logging, rate limits, the public address links are built on, and the local server."""

"""Call machinery: retries, idempotency tokens, polling, paging and the call pipeline."""

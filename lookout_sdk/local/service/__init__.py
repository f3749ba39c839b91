"""The Lookout for Vision operations of the local backend, one module per resource."""

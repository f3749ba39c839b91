"""The Lookout for Vision wire API: its bundled definition and the checks derived from it."""

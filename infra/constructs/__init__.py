"""One construct per concern: keys, data, layer, functions, API, reporting, monitoring."""

"""The HTTP edge shared by the API functions: resolver set-up, identity and problem responses."""

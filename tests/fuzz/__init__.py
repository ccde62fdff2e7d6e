"""Long runs of the integration suites (`make fuzz`, SCRT_FUZZ=1): more examples, more rounds."""

"""Domain rules that need neither HTTP nor AWS."""

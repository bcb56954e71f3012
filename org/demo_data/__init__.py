"""Data and generators for `seed_demo` (see `org.demo`): name lists and the bank generator."""

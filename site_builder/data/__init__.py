"""The data layer: dataset declarations, the locked snapshot, and how it is (re)built."""

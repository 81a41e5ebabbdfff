"""Pipeline orchestration and the atomic writer."""

"""Loading and validating content: files → validated `Document`s."""

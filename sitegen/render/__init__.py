"""Templates: the theme loader chain, filters and the pages each template renders."""

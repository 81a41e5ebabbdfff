"""Files besides the HTML pages: feeds, sitemaps, robots.txt, the counter manifest."""

"""Progressive blue/green release: pure planning and judging, a controller around them."""

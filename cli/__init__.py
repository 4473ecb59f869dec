"""The `zkmed` command line: thin click commands over library calls, rendered with rich."""

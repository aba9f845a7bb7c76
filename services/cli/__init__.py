"""The `aftersale` command line."""

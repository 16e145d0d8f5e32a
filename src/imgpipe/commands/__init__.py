"""One module per `imgpipe` command group; each is a thin click wrapper over a library function."""

"""`python -m imgpipe.demo` (what `make demo` runs): see imgpipe.demo.pipeline."""

from imgpipe.demo.pipeline import main

main()

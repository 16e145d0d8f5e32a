"""The deployed Lambda code: the image engine and the SQS batch handler."""

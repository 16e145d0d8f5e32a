"""Least privilege, proven: the lambda_images policy rendered from Terraform and enforced in moto."""

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = "imgpipe"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

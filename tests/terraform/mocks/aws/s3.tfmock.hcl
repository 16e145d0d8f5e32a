# modules/s3's bucket as its suites' mocked apply returns it: a name of bucket_prefix plus the provider's
# 26-character suffix, and the notification configuration, whose id is the bucket's name.
mock_resource "aws_s3_bucket" {
  defaults = {
    id                          = "imgpipe-test-images-20250101000000000000000001"
    bucket                      = "imgpipe-test-images-20250101000000000000000001"
    arn                         = "arn:aws:s3:::imgpipe-test-images-20250101000000000000000001"
    bucket_regional_domain_name = "imgpipe-test-images-20250101000000000000000001.s3.eu-west-1.amazonaws.com"
  }
}

mock_resource "aws_s3_bucket_notification" {
  defaults = {
    id = "imgpipe-test-images-20250101000000000000000001"
  }
}

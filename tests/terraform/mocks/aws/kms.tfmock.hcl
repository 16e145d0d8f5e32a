# modules/kms's key and alias as its suites' mocked apply returns them: the key ARN is also a valid kms_key_arn
# for the modules that take one.
mock_resource "aws_kms_key" {
  defaults = {
    arn    = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
  }
}

mock_resource "aws_kms_alias" {
  defaults = {
    arn = "arn:aws:kms:eu-west-1:123456789012:alias/imgpipe-test"
  }
}

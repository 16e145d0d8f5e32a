# The required inputs of every sqs suite (terraform test loads this directory's terraform.tfvars); a run sets
# only what it changes.
name                       = "imgpipe-test-uploads"
kms_key_arn                = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
source_bucket_arns         = ["arn:aws:s3:::imgpipe-test-images-a"]
function_timeout_seconds   = 60
visibility_timeout_seconds = 360

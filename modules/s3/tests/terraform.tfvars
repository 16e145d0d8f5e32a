# The required inputs of every s3 suite (terraform test loads this directory's terraform.tfvars); a run sets
# only what it changes.
bucket_prefix          = "imgpipe-test-images-"
kms_key_arn            = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
notification_queue_arn = "arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-uploads"

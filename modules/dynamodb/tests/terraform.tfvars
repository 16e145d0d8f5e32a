# The required inputs of every dynamodb suite (terraform test loads this directory's terraform.tfvars); a run sets
# only what it changes.
name        = "imgpipe-test-metadata"
kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

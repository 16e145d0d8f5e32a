# The required inputs of every kms suite (terraform test loads this directory's terraform.tfvars); a run sets
# only what it changes.
name = "imgpipe-test"

# The required inputs of every lambda_layer suite (terraform test loads this directory's terraform.tfvars); a run sets
# only what it changes.
name                     = "imgpipe-test-dependencies"
zip_path                 = "../../build/layer-x86_64.zip"
source_code_hash         = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
compatible_architectures = ["x86_64"]

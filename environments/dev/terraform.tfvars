# dev: throwaway. The bucket and table can be destroyed with their data, retention is short, concurrency small.
aws_region  = "eu-west-1"
environment = "dev"
name_prefix = "imgpipe"

alarm_emails = []

force_destroy          = true
deletion_protection    = false
point_in_time_recovery = false
log_retention_days     = 14

function_memory_mb       = 1024
function_timeout_seconds = 70      # docs/capacity.md: 2x the slower of a p95 batch and one 50 MP image
function_architecture    = "arm64" # measure Graviton here first (docs/capacity.md)
reserved_concurrency     = -1
maximum_concurrency      = 2
batch_size               = 5
batching_window_seconds  = 0
max_receive_count        = 3

queue_retention_seconds = 86400  # 1 day
dlq_retention_seconds   = 345600 # 4 days

variants          = "default"
max_input_pixels  = 50000000
max_input_bytes   = 52428800
cache_control     = "public, max-age=86400"
metadata_ttl_days = 30

# null: build/function.zip and build/layer-<function_architecture>.zip at the repository root.
function_zip_path = null
layer_zip_path    = null

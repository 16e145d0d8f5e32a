# staging: like prod in protection, smaller in scale and retention.
aws_region  = "eu-west-1"
environment = "staging"
name_prefix = "imgpipe"

alarm_emails = []

force_destroy          = false
deletion_protection    = true
point_in_time_recovery = true
log_retention_days     = 30

function_memory_mb       = 1769 # 1 vCPU: the render is single-threaded (docs/capacity.md)
function_timeout_seconds = 90
function_architecture    = "arm64" # confirm the arm64 speed factor on real traffic
reserved_concurrency     = -1
maximum_concurrency      = 5
batch_size               = 10
batching_window_seconds  = 0 # a window saves only $0.20 per 1M invocations
max_receive_count        = 5

queue_retention_seconds = 345600  # 4 days
dlq_retention_seconds   = 1209600 # 14 days

variants          = "default"
max_input_pixels  = 50000000
max_input_bytes   = 52428800
cache_control     = "public, max-age=86400"
metadata_ttl_days = 90

# null: build/function.zip and build/layer-<function_architecture>.zip at the repository root.
function_zip_path = null
layer_zip_path    = null

# prod: data is protected (no force destroy, table deletion protection, PITR), logs kept a year,
# alarms e-mailed, higher concurrency.
aws_region  = "eu-west-1"
environment = "prod"
name_prefix = "imgpipe"

# Replace with your on-call address(es); each must confirm the subscription e-mail from AWS.
alarm_emails = ["imgpipe-alarms@example.com"]

force_destroy          = false
deletion_protection    = true
point_in_time_recovery = true
log_retention_days     = 365

function_memory_mb       = 1769 # 1 vCPU: more memory buys no speed (docs/capacity.md)
function_timeout_seconds = 90
function_architecture    = "x86_64"
reserved_concurrency     = -1
maximum_concurrency      = 50
batch_size               = 10
batching_window_seconds  = 0
max_receive_count        = 5

queue_retention_seconds = 345600  # 4 days
dlq_retention_seconds   = 1209600 # 14 days

variants          = "default"
max_input_pixels  = 50000000
max_input_bytes   = 52428800
cache_control     = "public, max-age=86400"
metadata_ttl_days = 0 # records never expire

# null: build/function.zip and build/layer-<function_architecture>.zip at the repository root.
function_zip_path = null
layer_zip_path    = null

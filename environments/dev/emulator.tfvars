# The local twin (`imgpipe local up|run`, `make demo`): applied on top of terraform.tfvars when this root is
# applied to the local emulator. Nothing else differs from a deployment of dev.

# The local event source mapping (src/imgpipe/local/esm.py) consumes the queue; the emulator would otherwise
# try to invoke the function itself (it cannot run Lambda code) on every message.
processing_enabled = false

# Dev's 70 s, shortened so that a retry becomes visible again after 6 x 7 = 42 s, not 7 minutes: the queue's
# visibility timeout is derived from it exactly as in a deployment.
function_timeout_seconds = 7

variable "name" {
  description = "Name of the layer; each apply with new contents publishes a new version of it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "name must be 1-64 letters, digits, '_' or '-'."
  }
}

variable "description" {
  description = "Description of the layer version."
  type        = string
  default     = "imgpipe: Pillow, Powertools for AWS Lambda and the X-Ray SDK (layers/requirements.txt)"
}

variable "zip_path" {
  description = "Path of the layer zip (a `python/` tree), built by `make layer ARCH=<arch>`. Uploaded directly, so at most 50 MB."
  type        = string

  validation {
    condition     = endswith(var.zip_path, ".zip")
    error_message = "zip_path must name a .zip file."
  }
}

variable "source_code_hash" {
  description = "Base64-encoded SHA-256 of the zip (filebase64sha256); a change publishes a new layer version."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+/]{43}=$", var.source_code_hash))
    error_message = "source_code_hash must be a base64-encoded SHA-256 digest, as filebase64sha256() returns."
  }
}

variable "compatible_runtimes" {
  description = "Lambda runtimes the layer was built for (its wheels are for one Python version)."
  type        = list(string)
  default     = ["python3.12"]

  validation {
    condition     = length(var.compatible_runtimes) >= 1 && length(var.compatible_runtimes) <= 15 && alltrue([for r in var.compatible_runtimes : can(regex("^python3\\.[0-9]+$", r))])
    error_message = "compatible_runtimes must list 1-15 Python runtimes such as python3.12."
  }
}

variable "compatible_architectures" {
  description = "Instruction set architectures the layer's compiled wheels are for: [\"x86_64\"] or [\"arm64\"]."
  type        = list(string)

  validation {
    condition     = length(var.compatible_architectures) >= 1 && length(var.compatible_architectures) <= 2 && alltrue([for a in var.compatible_architectures : contains(["x86_64", "arm64"], a)])
    error_message = "compatible_architectures must hold x86_64 and/or arm64."
  }
}

variable "license_info" {
  description = "License information of the layer's contents."
  type        = string
  default     = "MIT-CMU (Pillow), MIT-0 (Powertools), Apache-2.0 (X-Ray SDK); see each package's dist-info"
}

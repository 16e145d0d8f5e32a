"""The local twin: the emulator (moto's server on 127.0.0.1), environments/dev applied to it by
`terraform apply`, and a local event source mapping that feeds `image_processor.handler.lambda_handler` the
way Lambda does. Never deployed; start with `stack.py`."""

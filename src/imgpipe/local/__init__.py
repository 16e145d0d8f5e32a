"""The local stack: moto's server on 127.0.0.1, provisioned like environments/dev, plus a local event source
mapping that feeds `image_processor.handler.lambda_handler` the way Lambda does. Never deployed."""

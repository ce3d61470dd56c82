# TEST-ONLY STAND-IN for Shuffle's walkoff_app_sdk package (see ../README.md).

# TEST-ONLY STAND-IN for Splunk SOAR's phantom package (see ../README.md).

# Text of the dashboard area (issue 13).

# Text of the runs area (issue 13).

# Text of the fleet area (issue 13).

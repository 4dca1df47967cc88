# Text of the consent area (issue 13).

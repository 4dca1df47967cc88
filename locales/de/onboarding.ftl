# Onboarding text (de).

# Onboarding text (en).

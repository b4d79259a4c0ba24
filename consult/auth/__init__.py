"""Officer and analyst sign-in, sign-out and passwords."""

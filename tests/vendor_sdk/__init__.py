"""A fake reader vendor SDK in C, built with gcc by the tests, and helpers to drive it."""

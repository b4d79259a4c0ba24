"""Pages for the consultation team (officers) and analysts; every route needs sign-in."""

"""One screen per stage of the rental session, and one exit screen for every unhappy ending."""

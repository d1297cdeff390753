"""The branch side of CounterSign: rules, store, rental session and the Qt front ends."""

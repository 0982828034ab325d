//! Shared steps of the commands that talk to an account: load, connect, refresh, plan.

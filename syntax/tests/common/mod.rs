//! Helpers shared by the integration tests (and the `fuzz_parse` example).

pub mod fuzz;

//! `ConsistentInstructionCasing`: All commands within the Dockerfile should use the same casing (either upper or lower)
//!
//! The rule value is [`CONSISTENT_INSTRUCTION_CASING`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format2, Rule, RuleMeta};

macro_rules! docs {
    () => {
        r##"Checks that every instruction keyword in the build stages is written in the same case: all
upper case or all lower case.

The keywords that are entirely upper or entirely lower case are counted; the larger group
(upper case on a tie) is the expected casing. Every keyword of another casing, including
mixed-case ones such as `Run`, is reported with the expected casing. `ARG`s before the first
`FROM` are not counted.

```dockerfile
FROM alpine
# reported: Command 'run' should match the case of the command majority (uppercase)
run echo hello
COPY . /src
```
"##
    };
}

#[doc = docs!()]
pub static CONSISTENT_INSTRUCTION_CASING: Rule<Format2> = Rule {
    meta: RuleMeta {
        name: "ConsistentInstructionCasing",
        description: "All commands within the Dockerfile should use the same casing (either upper or lower)",
        url: "https://docs.docker.com/go/dockerfile/rule/consistent-instruction-casing/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(command: &str, casing: &str) -> String {
    format!("Command '{command}' should match the case of the command majority ({casing})")
}

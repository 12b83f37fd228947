//! `JSONArgsRecommended`: JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals
//!
//! The rule value is [`JSON_ARGS_RECOMMENDED`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format1, Rule, RuleMeta};

macro_rules! docs {
    () => {
        r##"Checks that `CMD` and `ENTRYPOINT` use the exec (JSON array) form.

In shell form the command runs as a child of `/bin/sh -c`; the shell becomes PID 1 and does
not forward signals such as `SIGTERM`, so the program is not stopped gracefully. The rule is
quiet when the stage (or its base image or base stage) sets `SHELL`: choosing a shell is taken
as a deliberate decision to use shell form.

```dockerfile
FROM alpine
CMD my-server --port 80            # reported
CMD ["my-server", "--port", "80"]  # fine
```
"##
    };
}

#[doc = docs!()]
pub static JSON_ARGS_RECOMMENDED: Rule<Format1> = Rule {
    meta: RuleMeta {
        name: "JSONArgsRecommended",
        description: "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals",
        url: "https://docs.docker.com/go/dockerfile/rule/json-args-recommended/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(instruction: &str) -> String {
    format!(
        "JSON arguments recommended for {instruction} to prevent unintended behavior related to OS signals"
    )
}

//! `ReservedStageName`: Reserved words should not be used as stage names
//!
//! The rule value is [`RESERVED_STAGE_NAME`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format1, Rule, RuleMeta};
use crate::shell::gocompat::quote::go_quote;

macro_rules! docs {
    () => {
        r##"Checks that a stage is not named `scratch` or `context`.

`scratch` means the empty image in `FROM`, and `context` is the name of the build context in
`COPY --from` and named contexts. A stage with one of these names can be confusing to refer
to. Unnamed stages whose base image is `scratch` are fine.

```dockerfile
FROM alpine AS scratch   # reported: Stage name should not use the same name as reserved stage "scratch"
FROM scratch AS base     # fine
```
"##
    };
}

#[doc = docs!()]
pub static RESERVED_STAGE_NAME: Rule<Format1> = Rule {
    meta: RuleMeta {
        name: "ReservedStageName",
        description: "Reserved words should not be used as stage names",
        url: "https://docs.docker.com/go/dockerfile/rule/reserved-stage-name/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(stage_name: &str) -> String {
    format!(
        "Stage name should not use the same name as reserved stage {}",
        go_quote(stage_name)
    )
}

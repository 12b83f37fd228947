//! `DuplicateStageName`: Stage names should be unique
//!
//! The rule value is [`DUPLICATE_STAGE_NAME`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format1, Rule, RuleMeta};
use crate::shell::gocompat::quote::go_quote;

macro_rules! docs {
    () => {
        r##"Checks that no two build stages share a name.

A reference to a stage name (`FROM name`, `COPY --from=name`, `--target name`) picks one
stage; with two stages of the same name (compared case-insensitively) the other one is
silently unreachable by name. Each repeated definition is reported, with the lower-cased name.

```dockerfile
FROM alpine AS build
FROM golang AS build   # reported: Duplicate stage name "build", stage names should be unique
```
"##
    };
}

#[doc = docs!()]
pub static DUPLICATE_STAGE_NAME: Rule<Format1> = Rule {
    meta: RuleMeta {
        name: "DuplicateStageName",
        description: "Stage names should be unique",
        url: "https://docs.docker.com/go/dockerfile/rule/duplicate-stage-name/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(stage_name: &str) -> String {
    format!(
        "Duplicate stage name {}, stage names should be unique",
        go_quote(stage_name)
    )
}

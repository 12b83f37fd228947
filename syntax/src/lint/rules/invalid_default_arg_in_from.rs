//! `InvalidDefaultArgInFrom`: Default value for global ARG results in an empty or invalid base image name
//!
//! The rule value is [`INVALID_DEFAULT_ARG_IN_FROM`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format1, Rule, RuleMeta};

macro_rules! docs {
    () => {
        r##"Checks that each `FROM` image name is valid when the build arguments keep their defaults.

A Dockerfile should build without any `--build-arg`. When a global `ARG` used in `FROM` has
no default (or a default that yields an invalid reference), the build only works when the
argument is passed. The check expands the name with the defaults alone, ignoring the build
arguments given, and reports names that are empty or not valid image references.

```dockerfile
ARG TAG
FROM alpine:${TAG}          # reported: "alpine:" is not a valid reference

ARG TAG=3.20
FROM alpine:${TAG}          # fine
ARG VARIANT
FROM alpine:3.20${VARIANT}  # fine: valid with VARIANT empty
```
"##
    };
}

#[doc = docs!()]
pub static INVALID_DEFAULT_ARG_IN_FROM: Rule<Format1> = Rule {
    meta: RuleMeta {
        name: "InvalidDefaultArgInFrom",
        description: "Default value for global ARG results in an empty or invalid base image name",
        url: "https://docs.docker.com/go/dockerfile/rule/invalid-default-arg-in-from/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(base_name: &str) -> String {
    format!("Default value for ARG {base_name} results in empty or invalid base image name")
}

//! `UndefinedArgInFrom`: FROM command must use declared ARGs
//!
//! The rule value is [`UNDEFINED_ARG_IN_FROM`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format2, Rule, RuleMeta, suggested};

macro_rules! docs {
    () => {
        r##"Checks that the variables used in a `FROM` line (image name and `--platform`) are declared.

A `FROM` line can only see the `ARG`s declared before the first `FROM` and the predefined
platform arguments (`BUILDPLATFORM`, `TARGETPLATFORM`, `TARGETOS`, …). An undeclared
variable expands to the empty string, which usually yields a wrong image name. When a
declared name is close, it is suggested.

The second formatter argument is that suggestion (empty for none).

```dockerfile
FROM --platform=$BUILDPLATFROM alpine   # reported: … (did you mean BUILDPLATFORM?)

ARG VARIANT=-alpine
FROM node:22${VARIANT}                  # fine
```
"##
    };
}

#[doc = docs!()]
pub static UNDEFINED_ARG_IN_FROM: Rule<Format2> = Rule {
    meta: RuleMeta {
        name: "UndefinedArgInFrom",
        description: "FROM command must use declared ARGs",
        url: "https://docs.docker.com/go/dockerfile/rule/undefined-arg-in-from/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(arg: &str, suggestion: &str) -> String {
    suggested(
        format!("FROM argument '{arg}' is not declared"),
        suggestion,
        "",
    )
}

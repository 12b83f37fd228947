//! `FromAsCasing`: The 'as' keyword should match the case of the 'from' keyword
//!
//! The rule value is [`FROM_AS_CASING`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format2, Rule, RuleMeta};

macro_rules! docs {
    () => {
        r##"Checks that the `AS` keyword of a `FROM … AS name` line is cased like the `FROM` keyword:
`FROM … AS …` or `from … as …`.

Mixing the two (`FROM image as name`) is legal but reads inconsistently. When `FROM` itself
is mixed-case (`From`), this rule stays quiet and `ConsistentInstructionCasing` reports the
keyword instead.

```dockerfile
# reported: 'as' and 'FROM' keywords' casing do not match
FROM alpine as build

# fine
FROM alpine AS build
from alpine as build2
```
"##
    };
}

#[doc = docs!()]
pub static FROM_AS_CASING: Rule<Format2> = Rule {
    meta: RuleMeta {
        name: "FromAsCasing",
        description: "The 'as' keyword should match the case of the 'from' keyword",
        url: "https://docs.docker.com/go/dockerfile/rule/from-as-casing/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(from: &str, as_keyword: &str) -> String {
    format!("'{as_keyword}' and '{from}' keywords' casing do not match")
}

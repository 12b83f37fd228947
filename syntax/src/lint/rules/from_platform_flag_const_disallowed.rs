//! `FromPlatformFlagConstDisallowed`: FROM --platform flag should not use a constant value
//!
//! The rule value is [`FROM_PLATFORM_FLAG_CONST_DISALLOWED`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format1, Rule, RuleMeta};
use crate::shell::gocompat::quote::go_quote;

macro_rules! docs {
    () => {
        r##"Checks for `FROM --platform=` with a fixed platform such as `linux/amd64`.

A constant platform pins the stage to one architecture, which breaks multi-platform builds
(`--platform linux/amd64,linux/arm64`). Use a variable such as `$BUILDPLATFORM`, or leave the
flag out. The rule is quiet when the stage name mentions the platform's OS or architecture
(for example `AS build-amd64`), which marks the stage as deliberately platform-specific.

```dockerfile
FROM --platform=linux/amd64 alpine AS base         # reported
FROM --platform=linux/amd64 alpine AS base-amd64   # fine
FROM --platform=$BUILDPLATFORM alpine AS base      # fine
```
"##
    };
}

#[doc = docs!()]
pub static FROM_PLATFORM_FLAG_CONST_DISALLOWED: Rule<Format1> = Rule {
    meta: RuleMeta {
        name: "FromPlatformFlagConstDisallowed",
        description: "FROM --platform flag should not use a constant value",
        url: "https://docs.docker.com/go/dockerfile/rule/from-platform-flag-const-disallowed/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(platform: &str) -> String {
    format!(
        "FROM --platform flag should not use constant value {}",
        go_quote(platform)
    )
}

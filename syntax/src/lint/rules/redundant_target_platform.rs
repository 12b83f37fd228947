//! `RedundantTargetPlatform`: Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior
//!
//! The rule value is [`REDUNDANT_TARGET_PLATFORM`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format1, Rule, RuleMeta};

macro_rules! docs {
    () => {
        r##"Checks for `FROM --platform=$TARGETPLATFORM`.

A stage's base image is pulled for the target platform by default, so the flag changes
nothing. The detail quotes the flag value as written (`$TARGETPLATFORM` or
`${TARGETPLATFORM}`).

```dockerfile
FROM --platform=$TARGETPLATFORM alpine   # reported
FROM --platform=$BUILDPLATFORM golang    # fine: cross-compilation stage
```
"##
    };
}

#[doc = docs!()]
pub static REDUNDANT_TARGET_PLATFORM: Rule<Format1> = Rule {
    meta: RuleMeta {
        name: "RedundantTargetPlatform",
        description: "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior",
        url: "https://docs.docker.com/go/dockerfile/rule/redundant-target-platform/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(platform: &str) -> String {
    format!(
        "Setting platform to predefined {platform} in FROM is redundant as this is the default behavior"
    )
}

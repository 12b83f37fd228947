//! `InvalidBaseImagePlatform`: Base image platform does not match expected target platform
//!
//! The rule value is [`INVALID_BASE_IMAGE_PLATFORM`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format3, Rule, RuleMeta};
use crate::shell::gocompat::quote::go_quote;

macro_rules! docs {
    () => {
        r##"Checks that a resolved base image has the OS and architecture the stage was built for.

When a registry has no variant of the image for the requested platform it may serve another
one; running it then needs emulation, or fails. Reported on the `FROM` line of a stage that is
part of the build, with the image name as written and both platforms. This rule has no
published documentation page.

```dockerfile
# building for linux/arm64 with an image only published for linux/amd64:
# reported: Base image example/amd64-only was pulled with platform "linux/amd64", expected "linux/arm64" for current build
FROM example/amd64-only
```
"##
    };
}

#[doc = docs!()]
pub static INVALID_BASE_IMAGE_PLATFORM: Rule<Format3> = Rule {
    meta: RuleMeta {
        name: "InvalidBaseImagePlatform",
        description: "Base image platform does not match expected target platform",
        url: "",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(image: &str, expected: &str, actual: &str) -> String {
    format!(
        "Base image {image} was pulled with platform {}, expected {} for current build",
        go_quote(actual),
        go_quote(expected)
    )
}

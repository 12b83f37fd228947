//! `MaintainerDeprecated`: The MAINTAINER instruction is deprecated, use a label instead to define an image author
//!
//! The rule value is [`MAINTAINER_DEPRECATED`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format0, Rule, RuleMeta};

macro_rules! docs {
    () => {
        r##"Checks for the `MAINTAINER` instruction.

`MAINTAINER` only fills the image config's `author` field and is deprecated. Record the
author with the standard OCI annotation label instead.

```dockerfile
FROM alpine
MAINTAINER dev@example.com                                  # reported
LABEL org.opencontainers.image.authors="dev@example.com"    # fine
```
"##
    };
}

#[doc = docs!()]
pub static MAINTAINER_DEPRECATED: Rule<Format0> = Rule {
    meta: RuleMeta {
        name: "MaintainerDeprecated",
        description: "The MAINTAINER instruction is deprecated, use a label instead to define an image author",
        url: "https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format() -> String {
    "Maintainer instruction is deprecated in favor of using label".to_string()
}

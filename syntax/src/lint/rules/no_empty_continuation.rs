//! `NoEmptyContinuation`: Empty continuation lines will become errors in a future release
//!
//! The rule value is [`NO_EMPTY_CONTINUATION`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format0, Rule, RuleMeta};

macro_rules! docs {
    () => {
        r##"Checks for blank lines inside an instruction continued with the escape character.

The parser skips a blank line that follows a line ending in `\`, so the instruction goes on
after it. This is deprecated: a later release will end the instruction at the blank line.
Remove the blank line, or put a comment there (comment lines are allowed inside a
continuation). The finding points at the last line of the instruction.

```dockerfile
FROM alpine
# reported: Empty continuation line
RUN apk add \

    curl

# fine
RUN apk add \
    # the HTTP client
    curl
```
"##
    };
}

#[doc = docs!()]
pub static NO_EMPTY_CONTINUATION: Rule<Format0> = Rule {
    meta: RuleMeta {
        name: "NoEmptyContinuation",
        description: "Empty continuation lines will become errors in a future release",
        url: "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format() -> String {
    "Empty continuation line".to_string()
}

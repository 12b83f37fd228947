//! `CopyIgnoredFile`: Attempting to Copy file that is excluded by .dockerignore
//!
//! The rule value is [`COPY_IGNORED_FILE`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format2, Rule, RuleMeta};
use crate::shell::gocompat::quote::go_quote;

macro_rules! docs {
    () => {
        r##"Checks `COPY` and `ADD` sources from the build context against the `.dockerignore` patterns.

Excluded files are never sent to the builder, so copying one fails (or copies nothing when a
wildcard is used). The check runs only when `.dockerignore` has no `!` exception patterns,
since exceptions make the outcome depend on the files present. Copying the context root (`.`)
is reported only when a pattern excludes everything (`*`, `**` or `**/*`). The first formatter
argument is `Copy` or `Add`, the second the cleaned source path.

```dockerfile
# .dockerignore: *.log
FROM alpine
COPY debug.log /tmp/   # reported: Attempting to Copy file "debug.log" that is excluded by .dockerignore
```
"##
    };
}

#[doc = docs!()]
pub static COPY_IGNORED_FILE: Rule<Format2> = Rule {
    meta: RuleMeta {
        name: "CopyIgnoredFile",
        description: "Attempting to Copy file that is excluded by .dockerignore",
        url: "https://docs.docker.com/go/dockerfile/rule/copy-ignored-file/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(command: &str, file: &str) -> String {
    format!(
        "Attempting to {command} file {} that is excluded by .dockerignore",
        go_quote(file)
    )
}

//! `WorkdirRelativePath`: Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes
//!
//! The rule value is [`WORKDIR_RELATIVE_PATH`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format1, Rule, RuleMeta};
use crate::shell::gocompat::quote::go_quote;

macro_rules! docs {
    () => {
        r##"Checks the first `WORKDIR` of a stage (and of the stages it is based on) for a relative path.

A relative `WORKDIR` is resolved against the base image's working directory, which the
Dockerfile does not control and which may change between image versions. Once the stage has
set an absolute working directory, later relative ones are fine.

```dockerfile
FROM nginx
WORKDIR usr/share/nginx/html    # reported
WORKDIR /usr/share/nginx/html   # fine
WORKDIR assets                  # fine: relative to a directory set above
```
"##
    };
}

#[doc = docs!()]
pub static WORKDIR_RELATIVE_PATH: Rule<Format1> = Rule {
    meta: RuleMeta {
        name: "WorkdirRelativePath",
        description: "Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes",
        url: "https://docs.docker.com/go/dockerfile/rule/workdir-relative-path/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(workdir: &str) -> String {
    format!(
        "Relative workdir {} can have unexpected results if the base image changes",
        go_quote(workdir)
    )
}

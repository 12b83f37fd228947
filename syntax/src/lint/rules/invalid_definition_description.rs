//! `InvalidDefinitionDescription`: Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. If this is not intended to be a description comment, add an empty line or comment between the instruction and the comment.
//!
//! The rule value is [`INVALID_DEFINITION_DESCRIPTION`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format2, Rule, RuleMeta};

macro_rules! docs {
    () => {
        r##"Experimental. Checks that a comment directly above a named `FROM … AS name` or an `ARG`
starts with that name.

Such comments are descriptions: `--call=outline` and `--call=targets` show them for build
arguments and stages. A comment that does not start with the name is probably not meant as a
description; separate it from the instruction with an empty line. For an `ARG` declaring
several names the detail shows `<arg_key>`. Enable with `# check=experimental=InvalidDefinitionDescription`.

```dockerfile
# check=experimental=InvalidDefinitionDescription

# the version to install          <- reported: Comment for ARG should follow the format: `# VERSION <description>`
ARG VERSION=1

# VERSION2 the version to install  <- fine
ARG VERSION2=1
```
"##
    };
}

#[doc = docs!()]
pub static INVALID_DEFINITION_DESCRIPTION: Rule<Format2> = Rule {
    meta: RuleMeta {
        name: "InvalidDefinitionDescription",
        description: "Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. If this is not intended to be a description comment, add an empty line or comment between the instruction and the comment.",
        url: "https://docs.docker.com/go/dockerfile/rule/invalid-definition-description/",
        experimental: true,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(instruction: &str, name: &str) -> String {
    format!("Comment for {instruction} should follow the format: `# {name} <description>`")
}

//! `ExposeProtoCasing`: Protocol in EXPOSE instruction should be lowercase
//!
//! The rule value is [`EXPOSE_PROTO_CASING`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format1, Rule, RuleMeta};

macro_rules! docs {
    () => {
        r##"Checks that the protocol of an `EXPOSE` port (`tcp`, `udp`, `sctp`) is written in lower case.

The protocol is matched case-insensitively and stored in lower case, so `80/TCP` works, but
lower case matches how ports appear in the image config and in `docker run -p`.

```dockerfile
FROM alpine
EXPOSE 80/TCP    # reported
EXPOSE 53/udp    # fine
```
"##
    };
}

#[doc = docs!()]
pub static EXPOSE_PROTO_CASING: Rule<Format1> = Rule {
    meta: RuleMeta {
        name: "ExposeProtoCasing",
        description: "Protocol in EXPOSE instruction should be lowercase",
        url: "https://docs.docker.com/go/dockerfile/rule/expose-proto-casing/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(port: &str) -> String {
    format!("Defined protocol '{port}' in EXPOSE instruction should be lowercase")
}

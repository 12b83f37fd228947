//! `ExposeInvalidFormat`: IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release
//!
//! The rule value is [`EXPOSE_INVALID_FORMAT`]; its documentation is the rule's documentation.

use crate::lint::rule::{Format1, Rule, RuleMeta};

macro_rules! docs {
    () => {
        r##"Checks for `EXPOSE` ports written with a host IP address or host port (`IP:host:container`,
`host:container`).

`EXPOSE` only documents which container ports the image listens on; publishing to a host
address or port is decided when the container is run. The host parts are ignored today and
will be refused by a future release.

```dockerfile
FROM alpine
EXPOSE 127.0.0.1:8080:80   # reported
EXPOSE 8080:80             # reported
EXPOSE 80                  # fine
```
"##
    };
}

#[doc = docs!()]
pub static EXPOSE_INVALID_FORMAT: Rule<Format1> = Rule {
    meta: RuleMeta {
        name: "ExposeInvalidFormat",
        description: "IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release",
        url: "https://docs.docker.com/go/dockerfile/rule/expose-invalid-format/",
        experimental: false,
        deprecated: false,
        docs: docs!(),
    },
    format,
};

/// The detail message.
fn format(port: &str) -> String {
    format!(
        "EXPOSE instruction should not define an IP address or host-port mapping, found '{port}'"
    )
}

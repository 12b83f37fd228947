//! `RUN --mount=type=secret` (upstream's `dispatchSecret`, `convert_secrets.go`): the secret
//! id (`id`, else `source`, else the target's base name), the file it appears as (the
//! target, else `/run/secrets/<id>`, none with `env=` alone), mode 0400 unless given, and
//! optional unless `required`.

use llb::state::Secret;
use syntax::mount::Mount;
use syntax::parser::Range;

use super::error::Result;
use super::stage::DispatchState;

/// The secret for mount `m`; records it in `d.outline` (`add_secret`) at `location`.
pub(crate) fn dispatch_secret(
    d: &mut DispatchState,
    m: &Mount,
    location: &[Range],
) -> Result<Secret> {
    let id = m.secret_id()?;
    let target = m.secret_target()?;
    d.outline.add_secret(&id, m.required, location);
    let customized = m.uid.is_some() || m.gid.is_some() || m.mode.is_some();
    Ok(Secret {
        id,
        target,
        env: m.env.clone(),
        uid: m.uid.unwrap_or(0),
        gid: m.gid.unwrap_or(0),
        mode: if customized {
            m.mode.unwrap_or(0o400)
        } else {
            0o400
        },
        optional: !m.required,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(s: &str) -> Mount {
        let mut expand = |w: &str| -> std::result::Result<String, syntax::shell::ShellError> {
            Ok(w.to_string())
        };
        syntax::mount::parse_mount(s, Some(&mut expand)).unwrap()
    }

    #[test]
    fn defaults() {
        let mut d = DispatchState::default();
        let s = dispatch_secret(&mut d, &mount("type=secret,id=aws"), &[]).unwrap();
        assert_eq!(s.target.as_deref(), Some("/run/secrets/aws"));
        assert_eq!((s.mode, s.optional), (0o400, true));
        let s =
            dispatch_secret(&mut d, &mount("type=secret,id=t,env=TOKEN,required"), &[]).unwrap();
        assert_eq!(
            (s.target, s.env.as_deref(), s.optional),
            (None, Some("TOKEN"), false)
        );
        let s = dispatch_secret(&mut d, &mount("type=secret,target=/x/key,uid=5"), &[]).unwrap();
        assert_eq!((s.id.as_str(), s.uid, s.mode), ("key", 5, 0o400));
        assert_eq!(d.outline.secrets.len(), 3);
        assert!(d.outline.secrets["t"].required);
    }
}

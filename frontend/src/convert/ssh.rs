//! `RUN --mount=type=ssh` (upstream's `dispatchSSH`, `convert_ssh.go`): the agent id as
//! written (the daemon uses `default` when empty), the socket at the target or
//! `/run/buildkit/ssh_agent.<n>`, mode 0600 unless given, optional unless `required`.

use llb::state::SshSocket;
use syntax::mount::Mount;
use syntax::parser::Range;

use super::error::Result;
use super::stage::DispatchState;

/// The SSH socket for mount `m`; records it in `d.outline` (`add_ssh`) at `location`.
pub(crate) fn dispatch_ssh(
    d: &mut DispatchState,
    m: &Mount,
    location: &[Range],
) -> Result<SshSocket> {
    let id = m.ssh_id()?;
    d.outline.add_ssh(&id, m.required, location);
    let mut socket = SshSocket::new().id(m.cache_id.clone());
    if !m.target.is_empty() {
        socket = socket.target(m.target.clone());
    }
    if !m.required {
        socket = socket.optional();
    }
    if m.uid.is_some() || m.gid.is_some() || m.mode.is_some() {
        socket = socket.socket_opt(
            m.target.clone(),
            m.uid.unwrap_or(0),
            m.gid.unwrap_or(0),
            m.mode.unwrap_or(0o600),
        );
    }
    Ok(socket)
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
        let s = dispatch_ssh(&mut d, &mount("type=ssh"), &[]).unwrap();
        assert_eq!(s, SshSocket::new().optional());
        let s = dispatch_ssh(&mut d, &mount("type=ssh,id=gh,required,uid=1"), &[]).unwrap();
        assert_eq!(
            (s.id.as_str(), s.uid, s.mode, s.optional),
            ("gh", 1, 0o600, false)
        );
        assert!(d.outline.ssh.contains_key("default") && d.outline.ssh["gh"].required);
        assert_eq!(
            dispatch_ssh(&mut d, &mount("type=ssh,source=x"), &[])
                .unwrap_err()
                .to_string(),
            "ssh does not support source"
        );
    }
}

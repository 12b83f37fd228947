//! `EXPOSE` (upstream's `dispatchExpose` and its `portSpecs` parser): `[ip:][host:]port[-end][/proto]`
//! words, expanded in the stage env, become `port/proto` entries of `ExposedPorts`.

use std::net::IpAddr;

use syntax::instructions::ExposeCommand;
use syntax::lint::hooks;

use super::dispatch::DispatchCx;
use super::env::ListEnv;
use super::error::{ConvertError, Result};
use super::history::{commit_to_history, go_quote, go_slice_v};
use super::stage::DispatchState;
use crate::image::Empty;

/// `EXPOSE port ...`.
pub(crate) fn dispatch_expose(
    d: &mut DispatchState,
    c: &ExposeCommand,
    cx: &mut DispatchCx<'_>,
) -> Result<()> {
    let env = ListEnv(d.state.env());
    let mut words = Vec::new();
    for p in &c.ports {
        words.extend(cx.settings.shlex.process_words(p, &env)?.words);
    }
    let mut exposed = Vec::new();
    let loc = c.meta.location();
    let mut r = cx.lint(&c.meta.comments);
    for raw in &words {
        hooks::expose_port(&mut r, raw, &loc);
        exposed.extend(parse_port(raw)?);
    }
    for p in &exposed {
        d.image.config.exposed_ports.insert(p.clone(), Empty {});
    }
    let msg = format!("EXPOSE {}", go_slice_v(&exposed));
    commit_to_history(&mut d.image, msg, false, false, d.epoch);
    Ok(())
}

/// One port spec to its `port/proto` entries (`parsePort`).
fn parse_port(raw: &str) -> Result<Vec<String>> {
    let (mut ip, host_port, container_port) = split_parts(raw);
    let (proto, container_port) = split_proto_port(container_port)
        .map_err(|e| ConvertError::msg(format!("invalid port: {}: {e}", go_quote(raw))))?;
    let stripped;
    if ip.starts_with('[') {
        // `net.SplitHostPort(ip + ":")` strips the brackets of an IPv6 address.
        match ip.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            Some(inner) if !inner.contains(']') => {
                stripped = inner.to_string();
                ip = &stripped;
            }
            _ => {
                return Err(ConvertError::msg(format!(
                    "invalid IP address {ip}: address {ip}:: missing port in address"
                )));
            }
        }
    }
    if !ip.is_empty() && ip.parse::<IpAddr>().is_err() {
        return Err(ConvertError::msg(format!("invalid IP address: {ip}")));
    }
    let (start, end) = parse_port_range(container_port)
        .map_err(|_| ConvertError::msg(format!("invalid containerPort: {container_port}")))?;
    if !host_port.is_empty() {
        let (hs, he) = parse_port_range(host_port)
            .map_err(|_| ConvertError::msg(format!("invalid hostPort: {host_port}")))?;
        if end - start != he - hs && end != start {
            return Err(ConvertError::msg(format!(
                "invalid ranges specified for container and host Ports: {container_port} and {host_port}"
            )));
        }
    }
    let proto = proto.to_lowercase();
    Ok((start..=end).map(|p| format!("{p}/{proto}")).collect())
}

/// `splitParts`: `[ip:][host:]container`.
fn split_parts(raw: &str) -> (&str, &str, &str) {
    let parts: Vec<&str> = raw.split(':').collect();
    match parts.len() {
        1 => ("", "", parts[0]),
        2 => ("", parts[0], parts[1]),
        3 => (parts[0], parts[1], parts[2]),
        n => {
            let ip_len: usize = parts[..n - 2].iter().map(|p| p.len() + 1).sum::<usize>() - 1;
            (&raw[..ip_len], parts[n - 2], parts[n - 1])
        }
    }
}

/// `splitProtoPort`: the protocol (default `tcp`) and the port part.
fn split_proto_port(raw: &str) -> std::result::Result<(&str, &str), String> {
    let (port, proto) = raw.split_once('/').unwrap_or((raw, ""));
    if port.is_empty() {
        return Err("no port specified".to_string());
    }
    match proto.to_lowercase().as_str() {
        "" => Ok(("tcp", port)),
        "tcp" | "udp" | "sctp" => Ok((proto, port)),
        _ => Err(format!("invalid proto: {proto}")),
    }
}

/// `parsePortRange`: `start[-end]`, each 0–65535.
fn parse_port_range(ports: &str) -> std::result::Result<(u32, u32), ()> {
    if ports.is_empty() {
        return Err(());
    }
    let (start, end) = match ports.split_once('-') {
        Some((s, e)) => (s, Some(e)),
        None => (ports, None),
    };
    let s = parse_port_number(start)?;
    match end {
        None => Ok((s, s)),
        Some(e) if e == start => Ok((s, s)),
        Some(e) => {
            let e = parse_port_number(e)?;
            if e < s {
                return Err(());
            }
            Ok((s, e))
        }
    }
}

fn parse_port_number(raw: &str) -> std::result::Result<u32, ()> {
    let digits = raw.strip_prefix(['+', '-']).unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    match raw.parse::<i64>() {
        Ok(p) if (0..=65535).contains(&p) => Ok(p as u32),
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert_eq!(parse_port("80").unwrap(), vec!["80/tcp"]);
        assert_eq!(parse_port("53/UDP").unwrap(), vec!["53/udp"]);
        assert_eq!(
            parse_port("8000-8002").unwrap(),
            vec!["8000/tcp", "8001/tcp", "8002/tcp"]
        );
        assert_eq!(parse_port("127.0.0.1:80:80").unwrap(), vec!["80/tcp"]);
        assert_eq!(
            parse_port("80/foo").unwrap_err().to_string(),
            "invalid port: \"80/foo\": invalid proto: foo"
        );
        assert_eq!(
            parse_port("x").unwrap_err().to_string(),
            "invalid containerPort: x"
        );
    }
}

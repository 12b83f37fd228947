//! JSON of `pb.ExecOp` and the messages under it.

use super::writer::Obj;
use crate::pb;

/// `pb.ExecOp`.
pub(super) fn exec_op(out: &mut Vec<u8>, v: &pb::ExecOp) {
    let mut obj = Obj::open(out);
    obj.msg("meta", v.meta.as_ref(), meta);
    obj.list("mounts", &v.mounts, mount);
    obj.int("network", i64::from(v.network));
    obj.int("security", i64::from(v.security));
    obj.list("secretenv", &v.secretenv, |out, s| {
        let mut obj = Obj::open(out);
        obj.str("ID", &s.id);
        obj.str("name", &s.name);
        obj.bool("optional", s.optional);
        obj.close();
    });
    obj.list("cdiDevices", &v.cdi_devices, |out, d| {
        let mut obj = Obj::open(out);
        obj.str("name", &d.name);
        obj.bool("optional", d.optional);
        obj.close();
    });
    obj.close();
}

/// `pb.Meta`.
fn meta(out: &mut Vec<u8>, v: &pb::Meta) {
    let mut obj = Obj::open(out);
    obj.strs("args", &v.args);
    obj.strs("env", &v.env);
    obj.str("cwd", &v.cwd);
    obj.str("user", &v.user);
    obj.msg("proxy_env", v.proxy_env.as_ref(), |out, p| {
        let mut obj = Obj::open(out);
        obj.str("http_proxy", &p.http_proxy);
        obj.str("https_proxy", &p.https_proxy);
        obj.str("ftp_proxy", &p.ftp_proxy);
        obj.str("no_proxy", &p.no_proxy);
        obj.str("all_proxy", &p.all_proxy);
        obj.close();
    });
    obj.list("extraHosts", &v.extra_hosts, |out, h| {
        let mut obj = Obj::open(out);
        obj.str("Host", &h.host);
        obj.str("IP", &h.ip);
        obj.close();
    });
    obj.str("hostname", &v.hostname);
    obj.list("ulimit", &v.ulimit, |out, u| {
        let mut obj = Obj::open(out);
        obj.str("Name", &u.name);
        obj.int("Soft", u.soft);
        obj.int("Hard", u.hard);
        obj.close();
    });
    obj.str("cgroupParent", &v.cgroup_parent);
    obj.bool("removeMountStubsRecursive", v.remove_mount_stubs_recursive);
    obj.nums("validExitCodes", &v.valid_exit_codes);
    obj.close();
}

/// `pb.Mount`.
fn mount(out: &mut Vec<u8>, v: &pb::Mount) {
    let mut obj = Obj::open(out);
    obj.int("input", v.input);
    obj.str("selector", &v.selector);
    obj.str("dest", &v.dest);
    obj.int("output", v.output);
    obj.bool("readonly", v.readonly);
    obj.int("mountType", i64::from(v.mount_type));
    obj.msg("TmpfsOpt", v.tmpfs_opt.as_ref(), |out, t| {
        let mut obj = Obj::open(out);
        obj.int("size", t.size);
        obj.close();
    });
    obj.msg("cacheOpt", v.cache_opt.as_ref(), |out, c| {
        let mut obj = Obj::open(out);
        obj.str("ID", &c.id);
        obj.int("sharing", i64::from(c.sharing));
        obj.close();
    });
    obj.msg("secretOpt", v.secret_opt.as_ref(), |out, s| {
        id_uid_gid_mode(out, &s.id, s.uid, s.gid, s.mode, s.optional);
    });
    obj.msg("SSHOpt", v.ssh_opt.as_ref(), |out, s| {
        id_uid_gid_mode(out, &s.id, s.uid, s.gid, s.mode, s.optional);
    });
    obj.str("resultID", &v.result_id);
    obj.int("contentCache", i64::from(v.content_cache));
    obj.close();
}

/// `pb.SecretOpt` and `pb.SSHOpt`, which have the same fields.
pub(super) fn id_uid_gid_mode(
    out: &mut Vec<u8>,
    id: &str,
    uid: u32,
    gid: u32,
    mode: u32,
    optional: bool,
) {
    let mut obj = Obj::open(out);
    obj.str("ID", id);
    obj.uint("uid", u64::from(uid));
    obj.uint("gid", u64::from(gid));
    obj.uint("mode", u64::from(mode));
    obj.bool("optional", optional);
    obj.close();
}

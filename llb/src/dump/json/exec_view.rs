//! [`ExecView`]: an `ExecOp` read in place, its strings borrowed from the
//! op's bytes, for the dump's fast path.
//!
//! Every field of `ExecOp` and the messages under it is read, as prost
//! reads it: the last value of a scalar wins, repeated fields append
//! (`validExitCodes` packed or not), a message field given twice is merged
//! field by field. An unknown field, a wrong wire type or invalid UTF-8
//! makes [`ExecView::read`] fail, and the payload is decoded by prost.
//! [`ExecView::write`] writes what [`exec_op`](super::exec::exec_op) writes.

use super::exec::id_uid_gid_mode;
use super::wire::{
    Fields, Unusual, data, flag, int32, int32s, int64, merge_into, read_new, text, uint32,
};
use super::writer::Obj;

/// `pb.ExecOp`, borrowed. Reused from op to op, keeping its lists' room.
#[derive(Default)]
pub(super) struct ExecView<'a> {
    /// Whether `meta` is set.
    has_meta: bool,
    meta: MetaView<'a>,
    mounts: Vec<MountView<'a>>,
    network: i32,
    security: i32,
    secretenv: Vec<SecretEnvView<'a>>,
    cdi_devices: Vec<CdiDeviceView<'a>>,
}

/// `pb.Meta`, borrowed.
#[derive(Default)]
struct MetaView<'a> {
    args: Vec<&'a str>,
    env: Vec<&'a str>,
    cwd: &'a str,
    user: &'a str,
    proxy_env: Option<ProxyEnvView<'a>>,
    extra_hosts: Vec<HostIpView<'a>>,
    hostname: &'a str,
    ulimit: Vec<UlimitView<'a>>,
    cgroup_parent: &'a str,
    remove_mount_stubs_recursive: bool,
    valid_exit_codes: Vec<i32>,
}

/// `pb.ProxyEnv`, borrowed.
#[derive(Default)]
struct ProxyEnvView<'a> {
    http_proxy: &'a str,
    https_proxy: &'a str,
    ftp_proxy: &'a str,
    no_proxy: &'a str,
    all_proxy: &'a str,
}

/// `pb.HostIP`, borrowed.
#[derive(Default)]
struct HostIpView<'a> {
    host: &'a str,
    ip: &'a str,
}

/// `pb.Ulimit`, borrowed.
#[derive(Default)]
struct UlimitView<'a> {
    name: &'a str,
    soft: i64,
    hard: i64,
}

/// `pb.SecretEnv`, borrowed.
#[derive(Default)]
struct SecretEnvView<'a> {
    id: &'a str,
    name: &'a str,
    optional: bool,
}

/// `pb.CDIDevice`, borrowed.
#[derive(Default)]
struct CdiDeviceView<'a> {
    name: &'a str,
    optional: bool,
}

/// `pb.Mount`, borrowed.
#[derive(Default)]
struct MountView<'a> {
    input: i64,
    selector: &'a str,
    dest: &'a str,
    output: i64,
    readonly: bool,
    mount_type: i32,
    /// `TmpfsOpt`: its only field, `size`.
    tmpfs_size: Option<i64>,
    cache_opt: Option<CacheOptView<'a>>,
    secret_opt: Option<IdOptView<'a>>,
    ssh_opt: Option<IdOptView<'a>>,
    result_id: &'a str,
    content_cache: i32,
}

/// `pb.CacheOpt`, borrowed.
#[derive(Default)]
struct CacheOptView<'a> {
    id: &'a str,
    sharing: i32,
}

/// `pb.SecretOpt` or `pb.SSHOpt` (the same fields), borrowed.
#[derive(Default)]
struct IdOptView<'a> {
    id: &'a str,
    uid: u32,
    gid: u32,
    mode: u32,
    optional: bool,
}

impl<'a> ExecView<'a> {
    /// Reads the `ExecOp` in `bytes`, forgetting what was read before.
    pub(super) fn read(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        self.clear();
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => {
                    self.has_meta = true;
                    self.meta.merge(data(value)?)?;
                }
                2 => self.mounts.push(read_new(value, MountView::merge)?),
                3 => self.network = int32(value)?,
                4 => self.security = int32(value)?,
                5 => self.secretenv.push(read_new(value, SecretEnvView::merge)?),
                6 => self
                    .cdi_devices
                    .push(read_new(value, CdiDeviceView::merge)?),
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }

    /// Back to an empty `ExecOp`, keeping the lists' room.
    fn clear(&mut self) {
        self.has_meta = false;
        self.meta.clear();
        self.mounts.clear();
        self.network = 0;
        self.security = 0;
        self.secretenv.clear();
        self.cdi_devices.clear();
    }

    /// Writes the JSON of the `ExecOp`.
    pub(super) fn write(&self, out: &mut Vec<u8>) {
        let mut obj = Obj::open(out);
        obj.msg("meta", self.has_meta.then_some(&self.meta), MetaView::write);
        obj.list("mounts", &self.mounts, MountView::write);
        obj.int("network", i64::from(self.network));
        obj.int("security", i64::from(self.security));
        obj.list("secretenv", &self.secretenv, |out, s| {
            let mut obj = Obj::open(out);
            obj.str("ID", s.id);
            obj.str("name", s.name);
            obj.bool("optional", s.optional);
            obj.close();
        });
        obj.list("cdiDevices", &self.cdi_devices, |out, d| {
            let mut obj = Obj::open(out);
            obj.str("name", d.name);
            obj.bool("optional", d.optional);
            obj.close();
        });
        obj.close();
    }
}

impl<'a> MetaView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => self.args.push(text(value)?),
                2 => self.env.push(text(value)?),
                3 => self.cwd = text(value)?,
                4 => self.user = text(value)?,
                5 => merge_into(&mut self.proxy_env, value, ProxyEnvView::merge)?,
                6 => self.extra_hosts.push(read_new(value, HostIpView::merge)?),
                7 => self.hostname = text(value)?,
                9 => self.ulimit.push(read_new(value, UlimitView::merge)?),
                10 => self.cgroup_parent = text(value)?,
                11 => self.remove_mount_stubs_recursive = flag(value)?,
                12 => int32s(value, &mut self.valid_exit_codes)?,
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.args.clear();
        self.env.clear();
        self.cwd = "";
        self.user = "";
        self.proxy_env = None;
        self.extra_hosts.clear();
        self.hostname = "";
        self.ulimit.clear();
        self.cgroup_parent = "";
        self.remove_mount_stubs_recursive = false;
        self.valid_exit_codes.clear();
    }

    /// As [`meta`](super::exec) writes `pb.Meta`.
    fn write(out: &mut Vec<u8>, v: &MetaView<'_>) {
        let mut obj = Obj::open(out);
        obj.strs("args", &v.args);
        obj.strs("env", &v.env);
        obj.str("cwd", v.cwd);
        obj.str("user", v.user);
        obj.msg("proxy_env", v.proxy_env.as_ref(), |out, p| {
            let mut obj = Obj::open(out);
            obj.str("http_proxy", p.http_proxy);
            obj.str("https_proxy", p.https_proxy);
            obj.str("ftp_proxy", p.ftp_proxy);
            obj.str("no_proxy", p.no_proxy);
            obj.str("all_proxy", p.all_proxy);
            obj.close();
        });
        obj.list("extraHosts", &v.extra_hosts, |out, h| {
            let mut obj = Obj::open(out);
            obj.str("Host", h.host);
            obj.str("IP", h.ip);
            obj.close();
        });
        obj.str("hostname", v.hostname);
        obj.list("ulimit", &v.ulimit, |out, u| {
            let mut obj = Obj::open(out);
            obj.str("Name", u.name);
            obj.int("Soft", u.soft);
            obj.int("Hard", u.hard);
            obj.close();
        });
        obj.str("cgroupParent", v.cgroup_parent);
        obj.bool("removeMountStubsRecursive", v.remove_mount_stubs_recursive);
        obj.nums("validExitCodes", &v.valid_exit_codes);
        obj.close();
    }
}

impl<'a> ProxyEnvView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => self.http_proxy = text(value)?,
                2 => self.https_proxy = text(value)?,
                3 => self.ftp_proxy = text(value)?,
                4 => self.no_proxy = text(value)?,
                5 => self.all_proxy = text(value)?,
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }
}

impl<'a> HostIpView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => self.host = text(value)?,
                2 => self.ip = text(value)?,
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }
}

impl<'a> UlimitView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => self.name = text(value)?,
                2 => self.soft = int64(value)?,
                3 => self.hard = int64(value)?,
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }
}

impl<'a> SecretEnvView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => self.id = text(value)?,
                2 => self.name = text(value)?,
                3 => self.optional = flag(value)?,
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }
}

impl<'a> CdiDeviceView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => self.name = text(value)?,
                2 => self.optional = flag(value)?,
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }
}

impl<'a> MountView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => self.input = int64(value)?,
                2 => self.selector = text(value)?,
                3 => self.dest = text(value)?,
                4 => self.output = int64(value)?,
                5 => self.readonly = flag(value)?,
                6 => self.mount_type = int32(value)?,
                19 => {
                    let size = self.tmpfs_size.get_or_insert(0);
                    let mut fields = Fields(data(value)?);
                    while let Some((tag, value)) = fields.next()? {
                        match tag {
                            1 => *size = int64(value)?,
                            _ => return Err(Unusual),
                        }
                    }
                }
                20 => merge_into(&mut self.cache_opt, value, CacheOptView::merge)?,
                21 => merge_into(&mut self.secret_opt, value, IdOptView::merge)?,
                22 => merge_into(&mut self.ssh_opt, value, IdOptView::merge)?,
                23 => self.result_id = text(value)?,
                24 => self.content_cache = int32(value)?,
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }

    /// As [`mount`](super::exec) writes `pb.Mount`.
    fn write(out: &mut Vec<u8>, v: &MountView<'_>) {
        let mut obj = Obj::open(out);
        obj.int("input", v.input);
        obj.str("selector", v.selector);
        obj.str("dest", v.dest);
        obj.int("output", v.output);
        obj.bool("readonly", v.readonly);
        obj.int("mountType", i64::from(v.mount_type));
        obj.msg("TmpfsOpt", v.tmpfs_size.as_ref(), |out, size| {
            let mut obj = Obj::open(out);
            obj.int("size", *size);
            obj.close();
        });
        obj.msg("cacheOpt", v.cache_opt.as_ref(), |out, c| {
            let mut obj = Obj::open(out);
            obj.str("ID", c.id);
            obj.int("sharing", i64::from(c.sharing));
            obj.close();
        });
        obj.msg("secretOpt", v.secret_opt.as_ref(), |out, s| {
            id_uid_gid_mode(out, s.id, s.uid, s.gid, s.mode, s.optional);
        });
        obj.msg("SSHOpt", v.ssh_opt.as_ref(), |out, s| {
            id_uid_gid_mode(out, s.id, s.uid, s.gid, s.mode, s.optional);
        });
        obj.str("resultID", v.result_id);
        obj.int("contentCache", i64::from(v.content_cache));
        obj.close();
    }
}

impl<'a> CacheOptView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => self.id = text(value)?,
                2 => self.sharing = int32(value)?,
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }
}

impl<'a> IdOptView<'a> {
    fn merge(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => self.id = text(value)?,
                2 => self.uid = uint32(value)?,
                3 => self.gid = uint32(value)?,
                4 => self.mode = uint32(value)?,
                5 => self.optional = flag(value)?,
                _ => return Err(Unusual),
            }
        }
        Ok(())
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The `onetrip` binary as an operator uses it: import, check, export, bad catalogs, an
//! unreachable database, `--help` everywhere.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn onetrip(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("ONETRIP_DATABASE_URL")
        .env("ONETRIP_KEY_FILE", data.with_extension("keys.toml"))
        .env("ONETRIP_LOG", "warn")
        .output()
        .unwrap()
}

fn onetrip_stdin(data: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("ONETRIP_DATABASE_URL")
        .env("ONETRIP_KEY_FILE", data.with_extension("keys.toml"))
        .env("ONETRIP_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn master_keys_rotate_and_sealed_data_stays_readable() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    assert!(onetrip(d, &["demo"]).status.success());
    let rotate = onetrip(d, &["keys", "rotate"]);
    assert!(rotate.status.success(), "{}", text(&rotate));
    assert!(text(&rotate).contains("新主密钥 m2"), "{}", text(&rotate));
    let status = text(&onetrip(d, &["keys", "status"]));
    assert!(
        status.contains("当前 m2") && status.contains("数据密钥 k2（当前）"),
        "{status}"
    );
    assert!(
        !status.contains("由主密钥 m1"),
        "every data key is rewrapped: {status}"
    );
    // Opening the cipher unwraps every data key: it fails if the rewrap broke one.
    let again = onetrip(d, &["demo"]);
    assert!(again.status.success(), "{}", text(&again));
    let _ = std::fs::remove_file(d.with_extension("keys.toml"));
}

#[test]
fn backups_restore_elsewhere_and_hold_no_number_in_clear() {
    let root = tempfile::tempdir().unwrap();
    let hall = root.path().join("hall");
    let keys = hall.with_extension("keys.toml");
    let keys_arg = keys.to_str().unwrap();
    assert!(onetrip(&hall, &["demo"]).status.success());
    let file = root.path().join("hall-backup.sqlite3");
    let file_arg = file.to_str().unwrap();
    let made = onetrip(&hall, &["backup", "--to", file_arg]);
    assert!(made.status.success(), "{}", text(&made));
    assert!(text(&made).contains("账号"), "{}", text(&made));
    assert!(text(&made).contains("不在备份中"), "{}", text(&made));
    let bytes = std::fs::read(&file).unwrap();
    for secret in ["331199195603120026", "13800000001", "onetrip-demo-2026"] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} in clear in the backup"
        );
    }
    let intact = onetrip(&hall, &["audit", "verify"]);
    assert!(intact.status.success(), "{}", text(&intact));
    assert!(text(&intact).contains("哈希链完整"), "{}", text(&intact));
    let twice = onetrip(&hall, &["backup", "--to", file_arg]);
    assert!(!twice.status.success());
    assert!(text(&twice).contains("已存在"), "{}", text(&twice));

    // Restored with the hall's key file, the copy works: its staff are there.
    let copy = root.path().join("copy");
    let restored = onetrip(&copy, &["restore", file_arg, "--key-file", keys_arg]);
    assert!(restored.status.success(), "{}", text(&restored));
    let listed = onetrip(&copy, &["user", "list", "--key-file", keys_arg]);
    assert!(text(&listed).contains("approver"), "{}", text(&listed));
    // An edit behind the application's back breaks the audit chain, and verify says where.
    let conn = rusqlite::Connection::open(copy.join("onetrip.sqlite3")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = 'edited' WHERE seq = 2;",
    )
    .unwrap();
    drop(conn);
    let broken = onetrip(&copy, &["audit", "verify"]);
    assert!(!broken.status.success());
    assert!(
        text(&broken).contains("第 2 条记录处断开"),
        "{}",
        text(&broken)
    );
    let over = onetrip(&copy, &["restore", file_arg, "--key-file", keys_arg]);
    assert!(!over.status.success());
    assert!(text(&over).contains("已有数据库"), "{}", text(&over));

    // Another hall's key file cannot open it: nothing is left behind.
    let other = root.path().join("other");
    assert!(onetrip(&other, &["demo"]).status.success());
    let stranger = root.path().join("stranger");
    let wrong = onetrip(
        &stranger,
        &[
            "restore",
            file_arg,
            "--key-file",
            other.with_extension("keys.toml").to_str().unwrap(),
        ],
    );
    assert!(!wrong.status.success());
    assert!(text(&wrong).contains("已撤销恢复"), "{}", text(&wrong));
    assert!(!stranger.join("onetrip.sqlite3").exists());

    // Not a backup at all.
    let junk = root.path().join("junk.sqlite3");
    std::fs::write(&junk, "这不是备份").unwrap();
    let refused = onetrip(
        &stranger,
        &["restore", junk.to_str().unwrap(), "--key-file", keys_arg],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("不是 OneTrip 的 SQLite 备份"),
        "{}",
        text(&refused)
    );
    assert!(!stranger.join("onetrip.sqlite3").exists());
    for f in [keys, other.with_extension("keys.toml")] {
        let _ = std::fs::remove_file(f);
    }
}

#[test]
fn a_hall_is_set_up_from_the_console() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let catalog = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let import = onetrip(d, &["catalog", "import", catalog.to_str().unwrap()]);
    assert!(import.status.success(), "{}", text(&import));
    let add = onetrip(
        d,
        &[
            "user",
            "add",
            "zhao",
            "--name",
            "赵敏",
            "--organization",
            "331199-centre",
            "--role",
            "security_admin",
            "--division",
            "331199",
        ],
    );
    assert!(add.status.success(), "{}", text(&add));
    assert!(
        text(&add).contains("初始密码"),
        "a generated password is shown once: {}",
        text(&add)
    );
    assert!(
        d.with_extension("keys.toml").exists(),
        "the key file is created beside the data directory"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(&d.join("onetrip.sqlite3")),
            0o600,
            "the database is private"
        );
    }

    // 三员分立: no second administrator role, and no business role beside one.
    let second = onetrip(d, &["user", "grant", "zhao", "audit_admin", "331199"]);
    assert!(!second.status.success());
    assert!(text(&second).contains("三员分立"), "{}", text(&second));
    let business = onetrip(d, &["user", "grant", "zhao", "handler", "331199"]);
    assert!(!business.status.success());
    assert!(text(&business).contains("三员分立"), "{}", text(&business));

    let weak = onetrip_stdin(
        d,
        &["user", "reset-password", "zhao", "--password-stdin"],
        "123456\n",
    );
    assert!(!weak.status.success());
    assert!(text(&weak).contains("密码"), "{}", text(&weak));
    let reset = onetrip_stdin(
        d,
        &[
            "user",
            "reset-password",
            "zhao",
            "--password-stdin",
            "--second-factor",
        ],
        "溪水长流桃花又开了\n",
    );
    assert!(reset.status.success(), "{}", text(&reset));

    let clerk = onetrip(
        d,
        &[
            "user",
            "add",
            "lixh",
            "--name",
            "李小红",
            "--organization",
            "331199001-centre",
        ],
    );
    assert!(clerk.status.success(), "{}", text(&clerk));
    let elsewhere = onetrip(
        d,
        &[
            "user",
            "add",
            "wang",
            "--name",
            "王",
            "--organization",
            "no-such-place",
        ],
    );
    assert!(!elsewhere.status.success());
    assert!(
        text(&elsewhere).contains("单位不在目录中"),
        "{}",
        text(&elsewhere)
    );
    let nowhere = onetrip(d, &["user", "grant", "lixh", "handler", "110105"]);
    assert!(!nowhere.status.success());
    assert!(
        text(&nowhere).contains("行政区划代码不存在"),
        "{}",
        text(&nowhere)
    );
    let grant = onetrip(
        d,
        &[
            "user",
            "grant",
            "lixh",
            "handler",
            "331199001",
            "--matter",
            "000105002000",
        ],
    );
    assert!(grant.status.success(), "{}", text(&grant));
    let disable = onetrip(d, &["user", "disable", "lixh"]);
    assert!(disable.status.success(), "{}", text(&disable));
    let list = onetrip(d, &["user", "list"]);
    let listed = text(&list);
    assert!(listed.contains("lixh\t李小红（已停用）"), "{listed}");
    assert!(
        listed.contains("security_admin@331199") && listed.contains("handler@331199001"),
        "{listed}"
    );
    let revoke = onetrip(d, &["user", "revoke", "lixh", "handler"]);
    assert!(revoke.status.success(), "{}", text(&revoke));

    // The hall keeps a security administrator.
    let last = onetrip(d, &["user", "disable", "zhao"]);
    assert!(!last.status.success());
    assert!(text(&last).contains("最后一位"), "{}", text(&last));
    let last = onetrip(d, &["user", "revoke", "zhao", "security_admin"]);
    assert!(!last.status.success());
    assert!(text(&last).contains("最后一位"), "{}", text(&last));

    let unknown = onetrip(d, &["user", "disable", "nobody"]);
    assert!(!unknown.status.success());
    assert!(
        text(&unknown).contains("没有登录名为 nobody"),
        "{}",
        text(&unknown)
    );
    let _ = std::fs::remove_file(d.with_extension("keys.toml"));
}

#[test]
fn the_benchmark_measures_only_its_own_server() {
    // Another process holds the port: the benchmark's server cannot bind it, and the
    // benchmark stops with that error instead of measuring the other process.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .args([
            "bench",
            "--matters",
            "0",
            "--seconds",
            "1",
            "--connections",
            "2",
        ])
        .args(["--port", &port])
        .env("ONETRIP_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("无法监听"), "{}", text(&out));
    assert!(!text(&out).contains("次/秒"), "no rate: {}", text(&out));
    drop(taken);
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn catalog_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("catalog");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    copy_dir(&src, &root);
    (dir, root)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let s = std::fs::read_to_string(path).unwrap();
    assert!(s.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, s.replacen(from, to, 1)).unwrap();
}

/// A way to break a copy of the catalog.
type Breaker = Box<dyn Fn(&Path)>;

#[test]
fn malformed_catalogs_import_nothing_and_say_where() {
    let data = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Breaker, &str)> = vec![
        (
            "bad TOML",
            Box::new(|r: &Path| {
                edit(
                    &r.join("matters/dibao.toml"),
                    "name = \"最低生活保障申请\"",
                    "name = \"最低生活保障申请",
                )
            }),
            "matters/dibao.toml 第",
        ),
        (
            "unknown field",
            Box::new(|r: &Path| {
                edit(
                    &r.join("places.toml"),
                    "kind = \"kiosk\"",
                    "kind = \"kiosk\"\ncolour = \"red\"",
                )
            }),
            "未知字段“colour”",
        ),
        (
            "missing field",
            Box::new(|r: &Path| {
                edit(
                    &r.join("matters/jiehun.toml"),
                    "type = \"administrative_confirmation\"\n",
                    "",
                )
            }),
            "缺少必填字段“type”",
        ),
        (
            "duplicate code",
            Box::new(|r: &Path| {
                edit(
                    &r.join("matters/lihun.toml"),
                    "code = \"000107002000\"",
                    "code = \"000107001000\"",
                )
            }),
            "基本编码 000107001000",
        ),
        (
            "circular divisions",
            Box::new(|r: &Path| {
                edit(
                    &r.join("divisions.toml"),
                    "name = \"浙江省\"\nkind = \"province\"",
                    "name = \"浙江省\"\nkind = \"province\"\nparent = \"331199\"",
                )
            }),
            "循环",
        ),
        (
            "unknown role",
            Box::new(|r: &Path| {
                edit(
                    &r.join("matters/gaoling-jintie.toml"),
                    "role = \"approver\"",
                    "role = \"mayor\"",
                )
            }),
            "角色“mayor”未知",
        ),
        (
            "undeclared widening",
            Box::new(|r: &Path| {
                let p = r.join("matters/gaoling-jintie.toml");
                let s = std::fs::read_to_string(&p).unwrap();
                std::fs::write(&p, format!("{s}\n[implementation.overrides]\nvisits = 3\n"))
                    .unwrap();
            }),
            "deviations",
        ),
    ];
    for (label, break_it, expected) in cases {
        let (_keep, root) = catalog_copy();
        break_it(&root);
        let out = onetrip(data.path(), &["catalog", "import", root.to_str().unwrap()]);
        let said = text(&out);
        assert!(!out.status.success(), "{label}: import must fail");
        assert!(
            said.contains(expected),
            "{label}: expected {expected:?} in:\n{said}"
        );
        assert!(
            said.contains("未导入任何内容") || said.contains("第"),
            "{label}: {said}"
        );
    }
    let export = data.path().join("export");
    let out = onetrip(
        data.path(),
        &["catalog", "export", export.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read_dir(export.join("matters"))
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "nothing was imported"
    );
}

#[test]
fn import_check_export_round_trip() {
    let data = tempfile::tempdir().unwrap();
    let (_keep, root) = catalog_copy();
    let out = onetrip(
        data.path(),
        &[
            "catalog",
            "import",
            root.to_str().unwrap(),
            "--effective",
            "2025-01-01",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("导入完成"));
    let out = onetrip(data.path(), &["catalog", "check"]);
    let said = text(&out);
    assert!(
        said.contains("乡镇不一致")
            && said.contains("已声明偏离")
            && said.contains("0 处未声明的矛盾"),
        "{said}"
    );
    let export = data.path().join("export");
    assert!(onetrip(
        data.path(),
        &["catalog", "export", export.to_str().unwrap()]
    )
    .status
    .success());
    let again = onetrip(
        data.path(),
        &["catalog", "import", export.to_str().unwrap()],
    );
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        text(&again).contains("0 项更新"),
        "re-importing the export changes nothing: {}",
        text(&again)
    );
}

#[test]
fn an_unreachable_database_is_one_line_and_a_failure() {
    let data = tempfile::tempdir().unwrap();
    let out = onetrip(
        data.path(),
        &[
            "serve",
            "--database-url",
            "postgres://nobody:hunter2@127.0.0.1:1/none",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with("错误：数据库无法连接"), "{err}");
    assert!(!err.contains("hunter2"));
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["demo", "--help"],
        vec!["bench", "--help"],
        vec!["user", "--help"],
        vec!["user", "add", "--help"],
        vec!["keys", "rotate", "--help"],
        vec!["backup", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["calendar", "import", "--help"],
        vec!["calendar", "show", "--help"],
        vec!["journal", "verify", "--help"],
        vec!["journal", "checkpoint", "--help"],
        vec!["bench-cases", "--help"],
        vec!["restore", "--help"],
        vec!["catalog", "--help"],
        vec!["catalog", "import", "--help"],
        vec!["catalog", "export", "--help"],
        vec!["catalog", "check", "--help"],
        vec!["catalog", "publish", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_onetrip"))
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[test]
fn demo_loads_the_county() {
    let data = tempfile::tempdir().unwrap();
    let out = onetrip(data.path(), &["demo"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("青溪县"));
    assert!(data.path().join("onetrip.sqlite3").exists());
}

#[path = "cli/cases.rs"]
mod cases;
#[path = "cli/crash.rs"]
mod crash;

//! `onetrip user`: staff accounts for the first setup of a hall, from the console. Every
//! change is recorded in the audit log with the actor `cli`.

use crate::config::CommonArgs;
use anyhow::anyhow;
use onetrip_app::i18n::Lang;
use onetrip_app::staff::{parse_role, Actor, NewStaff};
use onetrip_app::Error;
use onetrip_domain::access::Grant;
use std::io::BufRead as _;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a staff account (optionally with a first role).
    Add {
        #[command(flatten)]
        common: CommonArgs,
        /// Login name (letters, digits, . - _).
        login: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// Credit code of the department, or code of the service place.
        #[arg(long)]
        organization: String,
        /// Grant this role at once (e.g. security_admin).
        #[arg(long)]
        role: Option<String>,
        /// Division of that role (required with --role).
        #[arg(long)]
        division: Option<String>,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: its sessions end at once.
    Disable {
        #[command(flatten)]
        common: CommonArgs,
        login: String,
    },
    /// Enable a disabled account.
    Enable {
        #[command(flatten)]
        common: CommonArgs,
        login: String,
    },
    /// Grant a role over a division subtree, optionally for listed matters.
    Grant {
        #[command(flatten)]
        common: CommonArgs,
        login: String,
        role: String,
        division: String,
        /// Base catalog codes the grant is limited to.
        #[arg(long = "matter")]
        matters: Vec<String>,
        /// Allow seeing identity and phone numbers in full (each view is audited).
        #[arg(long)]
        unmask: bool,
    },
    /// Revoke every live grant of a role.
    Revoke {
        #[command(flatten)]
        common: CommonArgs,
        login: String,
        role: String,
    },
    /// Set a new password (generated, or read from standard input) and, with
    /// --second-factor, remove the TOTP enrolment so the next login enrols again.
    ResetPassword {
        #[command(flatten)]
        common: CommonArgs,
        login: String,
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        second_factor: bool,
    },
    /// List staff accounts and their grants.
    List {
        #[command(flatten)]
        common: CommonArgs,
    },
}

fn plain(e: Error) -> anyhow::Error {
    anyhow!("{}", e.message(Lang::ZhHans))
}

fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let pw = line.trim_end_matches(['\r', '\n']).to_string();
        return Ok((pw, false));
    }
    let raw = onetrip_vault::new_secret()?;
    Ok((raw.chars().take(16).collect(), true))
}

pub async fn run(cmd: Command) -> anyhow::Result<()> {
    let common = match &cmd {
        Command::Add { common, .. }
        | Command::Disable { common, .. }
        | Command::Enable { common, .. }
        | Command::Grant { common, .. }
        | Command::Revoke { common, .. }
        | Command::ResetPassword { common, .. }
        | Command::List { common } => common.clone(),
    };
    let cfg = common.load()?;
    let store = cfg.open_store().await?;
    let app = cfg.open_app(&store, false).await?;
    let admin = app.staff();
    let actor = Actor::console("cli", "console");
    let find = |login: String| {
        let store = store.clone();
        async move {
            match store.account_by_login(&login).await? {
                Some(a) if a.kind == onetrip_store::AccountKind::Staff => Ok(a),
                _ => Err(anyhow!("没有登录名为 {login} 的工作人员账号")),
            }
        }
    };
    match cmd {
        Command::Add {
            login,
            name,
            organization,
            role,
            division,
            password_stdin,
            ..
        } => {
            let (pw, generated) = password(password_stdin)?;
            let account = admin
                .create(
                    &actor,
                    &NewStaff {
                        login: login.clone(),
                        name,
                        organization,
                        password: pw.clone(),
                    },
                )
                .await
                .map_err(plain)?;
            println!("已创建账号 {login}（{}）", account.id);
            if generated {
                println!("初始密码（只显示这一次）：{pw}");
            }
            if let Some(role) = role {
                let division =
                    division.ok_or_else(|| anyhow!("授予角色时须用 --division 指定行政区划"))?;
                let grant = Grant {
                    role: parse_role(&role).map_err(plain)?,
                    division: division_code(&division)?,
                    matters: Vec::new(),
                    unmask: false,
                };
                admin
                    .grant(&actor, &account.id, grant)
                    .await
                    .map_err(plain)?;
                println!("已授予角色 {role}");
            }
        }
        Command::Disable { login, .. } => {
            let a = find(login.clone()).await?;
            admin
                .set_disabled(&actor, &a.id, true)
                .await
                .map_err(plain)?;
            println!("已停用 {login}，其所有会话已结束");
        }
        Command::Enable { login, .. } => {
            let a = find(login.clone()).await?;
            admin
                .set_disabled(&actor, &a.id, false)
                .await
                .map_err(plain)?;
            println!("已启用 {login}");
        }
        Command::Grant {
            login,
            role,
            division,
            matters,
            unmask,
            ..
        } => {
            let a = find(login.clone()).await?;
            let grant = Grant {
                role: parse_role(&role).map_err(plain)?,
                division: division_code(&division)?,
                matters,
                unmask,
            };
            admin.grant(&actor, &a.id, grant).await.map_err(plain)?;
            println!("已授予 {login} 角色 {role}");
        }
        Command::Revoke { login, role, .. } => {
            let a = find(login.clone()).await?;
            let role = parse_role(&role).map_err(plain)?;
            let grants = store.grants_of(&a.id).await?;
            let mut n = 0;
            for g in grants.iter().filter(|g| g.grant.role == role) {
                admin.revoke(&actor, &g.id).await.map_err(plain)?;
                n += 1;
            }
            if n == 0 {
                return Err(anyhow!("{login} 没有角色 {}", role.key()));
            }
            println!("已撤销 {login} 的 {n} 项 {} 授权", role.key());
        }
        Command::ResetPassword {
            login,
            password_stdin,
            second_factor,
            ..
        } => {
            let a = find(login.clone()).await?;
            let (pw, generated) = password(password_stdin)?;
            admin
                .reset_password(&actor, &a.id, &pw)
                .await
                .map_err(plain)?;
            println!("已重置 {login} 的密码");
            if generated {
                println!("新密码（只显示这一次）：{pw}");
            }
            if second_factor {
                admin
                    .reset_second_factor(&actor, &a.id)
                    .await
                    .map_err(plain)?;
                println!("已清除动态验证码，下次登录时重新绑定");
            }
        }
        Command::List { .. } => {
            for a in store.staff_accounts().await? {
                let roles: Vec<String> = store
                    .grants_of(&a.id)
                    .await?
                    .iter()
                    .map(|g| format!("{}@{}", g.grant.role.key(), g.grant.division))
                    .collect();
                let state = if a.disabled_at.is_some() {
                    "（已停用）"
                } else {
                    ""
                };
                println!(
                    "{}\t{}{state}\t{}",
                    a.login,
                    a.display_name,
                    roles.join(", ")
                );
            }
        }
    }
    Ok(())
}

/// A division code from the command line, or the reason it is none.
fn division_code(text: &str) -> anyhow::Result<onetrip_domain::DivisionCode> {
    onetrip_domain::DivisionCode::parse(text).map_err(|e| anyhow!("{e}"))
}

//! The `anhuan` binary: user and enterprise commands against the same
//! database the server uses.

use crate::helpers::*;
use serde_json::Value;

fn anhuan(app: &TestApp, args: &[&str], password: Option<&str>) -> (bool, String) {
    match password {
        Some(p) => app.cli(args, &[("ANHUAN_NEW_PASSWORD", p)]),
        None => app.cli(args, &[]),
    }
}

#[actix_web::test]
async fn user_commands() {
    let app = TestApp::spawn().await;
    let (ok, out) = anhuan(
        &app,
        &[
            "user",
            "create",
            "li.jiancha",
            "--role",
            "inspector",
            "--display-name",
            "李检查",
        ],
        Some(PASSWORD),
    );
    assert!(ok, "{out}");
    let token = app.login("li.jiancha", PASSWORD).await;
    let (ok, out) = anhuan(&app, &["user", "list"], None);
    assert!(
        ok && out.contains("li.jiancha") && out.contains("inspector"),
        "{out}"
    );
    let (ok, out) = anhuan(
        &app,
        &["user", "set-password", "li.jiancha"],
        Some("another-pass-1"),
    );
    assert!(ok, "{out}");
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 401);
    let token = app.login("li.jiancha", "another-pass-1").await;
    let (ok, out) = anhuan(&app, &["user", "disable", "li.jiancha"], None);
    assert!(ok, "{out}");
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 401);
    let (ok, out) = anhuan(
        &app,
        &["user", "create", "x", "--role", "inspector"],
        Some("short"),
    );
    assert!(
        !ok && out.contains("username") && out.contains("password"),
        "{out}"
    );
}

#[actix_web::test]
async fn enterprise_import_is_all_or_nothing_and_idempotent() {
    let app = TestApp::spawn().await;
    let (a, b) = (credit_code(), credit_code());
    let good = format!(
        "企业名称,统一社会信用代码,行业,地址,纬度,经度,联系人,联系电话\n\
         黔江区铝业有限公司,{a},再生铝,正阳工业园A区,29.51,108.78,赵安全,13800000001\n\
         黔江区调味品有限公司,{b},食品,食品产业孵化园,,,钱环保,13800000002\n"
    );
    let (gb, _, _) = encoding_rs::GB18030.encode(&good);
    let file = app.dir.path().join("enterprises.csv");
    std::fs::write(&file, &gb).unwrap();

    let bad = format!(
        "企业名称,统一社会信用代码\n好企业,{}\n,91350100M000100Y44\n",
        credit_code()
    );
    let bad_file = app.dir.path().join("bad.csv");
    std::fs::write(&bad_file, bad).unwrap();
    let (ok, out) = anhuan(
        &app,
        &["enterprise", "import", bad_file.to_str().unwrap()],
        None,
    );
    assert!(
        !ok && out.contains("row 3.name") && out.contains("row 3.credit_code"),
        "{out}"
    );
    let v: Value = app
        .get("/api/v1/enterprises", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        v["items"].as_array().unwrap().is_empty(),
        "a bad file writes nothing"
    );

    let (ok, out) = anhuan(
        &app,
        &["enterprise", "import", file.to_str().unwrap()],
        None,
    );
    assert!(ok && out.contains("2 created"), "{out}");
    let (ok, out) = anhuan(
        &app,
        &["enterprise", "import", file.to_str().unwrap()],
        None,
    );
    assert!(
        ok && out.contains("0 created, 0 updated, 2 unchanged"),
        "{out}"
    );

    let v: Value = app
        .get("/api/v1/enterprises?industry=food", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    let e = &v["items"][0];
    assert_eq!(e["name"], "黔江区调味品有限公司");
    assert_eq!(e["contacts"][0]["name"], "钱环保");
    assert!(e["lat"].is_null());
}

/// Runs the binary against `app` with extra environment; stdout and stderr apart.
fn run(app: &TestApp, args: &[&str], extra_env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_anhuan"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in app.cli_env() {
        cmd.env(k, v);
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.output().expect("run anhuan")
}

/// `anhuan user list | awk …` reads the list only: logs go to stderr.
#[actix_web::test]
async fn command_output_is_stdout_and_logs_are_stderr() {
    let app = TestApp::spawn().await;
    let out = run(&app, &["user", "list"], &[("ANHUAN_LOG_LEVEL", "info")]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stdout.contains("\tadmin\tadmin\t"), "{stdout}");
    for line in stdout.lines() {
        assert_eq!(line.split('\t').count(), 5, "not a list line: {line:?}");
    }
    // The info-level log lines went to stderr instead.
    assert!(stderr.contains("opening database"), "{stderr}");
}

#[actix_web::test]
async fn role_values_are_listed_in_help() {
    let app = TestApp::spawn().await;
    let out = run(&app, &["user", "create", "--help"], &[]);
    assert!(out.status.success(), "{out:?}");
    let help = String::from_utf8(out.stdout).unwrap();
    for role in [
        "inspector",
        "third_party",
        "enterprise",
        "safety_officer",
        "admin",
    ] {
        assert!(help.contains(role), "{role} missing from:\n{help}");
    }
}

/// Bad settings stop the program before it does anything, naming the
/// variable the README documents.
#[actix_web::test]
async fn invalid_settings_are_refused_naming_their_variable() {
    let app = TestApp::spawn().await;
    let refused = |env: &[(&str, &str)], var: &str| {
        let out = run(&app, &["user", "list"], env);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!out.status.success(), "{env:?} accepted: {out:?}");
        assert!(out.stdout.is_empty(), "{env:?}: {out:?}");
        assert!(stderr.contains(&format!("({var})")), "{env:?}: {stderr}");
        stderr
    };
    let e = refused(&[("DATABASE_URL", "mysql://somewhere/db")], "DATABASE_URL");
    assert!(!e.contains("ANHUAN_DATABASE_URL"), "{e}");
    refused(&[("ANHUAN_LOG_LEVEL", "loud")], "ANHUAN_LOG_LEVEL");
    refused(&[("ANHUAN_LOG_LEVEL", "anhuan=chatty")], "ANHUAN_LOG_LEVEL");
    refused(
        &[("ANHUAN_PHOTO_MAX_DISTANCE_M", "-5")],
        "ANHUAN_PHOTO_MAX_DISTANCE_M",
    );
    refused(
        &[("ANHUAN_EVIDENCE_MAX_DISTANCE_M", "-0.5")],
        "ANHUAN_EVIDENCE_MAX_DISTANCE_M",
    );
    // A sound level and distance are accepted.
    let out = run(
        &app,
        &["user", "list"],
        &[
            ("ANHUAN_LOG_LEVEL", "warn,anhuan=info"),
            ("ANHUAN_PHOTO_MAX_DISTANCE_M", "0"),
        ],
    );
    assert!(out.status.success(), "{out:?}");
}

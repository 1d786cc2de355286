//! The web console over HTTP: cookie sessions, CSRF on every form, security
//! headers, scope (an enterprise never sees another's orders, findings or
//! photos), roles, the whole case through the forms, and page weights.

use crate::helpers::*;
use reqwest::{redirect::Policy, Client, Response, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

/// A browser without a browser: a cookie jar of one session.
struct Web {
    base: String,
    client: Client,
    cookie: String,
}

fn set_cookie(r: &Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_string())
}

fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

impl Web {
    fn new(app: &TestApp) -> Web {
        Web {
            base: app.base.clone(),
            client: Client::builder().redirect(Policy::none()).build().unwrap(),
            cookie: String::new(),
        }
    }

    async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
    }

    async fn page(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        let body = r.text().await.unwrap();
        assert!(body.len() < 100 * 1024, "{path} is {} bytes", body.len());
        body
    }

    async fn post(&self, path: &str, body: String) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn try_login(&mut self, user: &str, password: &str) -> Response {
        let r = self.get("/login").await;
        let pre = set_cookie(&r, "ah_login_csrf").expect("login csrf cookie");
        let csrf = csrf_in(&r.text().await.unwrap());
        self.cookie = pre;
        self.post(
            "/login",
            form(&[("csrf", &csrf), ("username", user), ("password", password)]),
        )
        .await
    }

    async fn login(app: &TestApp, user: &str) -> Web {
        let mut w = Web::new(app);
        let r = w.try_login(user, PASSWORD).await;
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        w.cookie = set_cookie(&r, "ah_session").expect("session cookie");
        w
    }

    async fn csrf(&self) -> String {
        csrf_in(&self.page("/orders").await)
    }
}

fn today() -> chrono::NaiveDate {
    anhuan::domain::time::park_today(chrono::Utc::now())
}

struct Case {
    app: TestApp,
    e: String,
    officer: String,
    officer_name: String,
    ent_name: String,
    other_name: String,
    /// An order of enterprise f, with its finding text and photo.
    f_order: Value,
    f_photo: String,
}

const F_TEXT: &str = "冷库氨制冷机房未设置氨气浓度报警装置";

async fn case() -> Case {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("黔江铝业有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let f = app.create_enterprise("黔江冷链有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (insp_u, insp) = app.user("inspector", None, &[]).await;
    let _ = insp_u;
    let (off_u, officer) = app.user("safety_officer", None, &[]).await;
    let (ent_u, _) = app.user("enterprise", Some(&e), &[]).await;
    let (other_u, _) = app.user("enterprise", Some(&f), &[]).await;
    let f_photo = app.photo(&insp).await;
    let fid = Uuid::new_v4();
    let r = app
        .put(
            &format!("/api/v1/findings/{fid}"),
            &insp,
            &json!({"enterprise_id": f, "category": "safety", "level": "general", "description": F_TEXT, "photo_ids": [f_photo]}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = app
        .post(
            "/api/v1/rectification-orders",
            &officer,
            json!({"enterprise_id": f, "finding_ids": [fid], "requirements": "加装氨气浓度报警并联锁排风",
                   "deadline": (today() + chrono::Duration::days(10)).to_string()}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let f_order = r.json().await.unwrap();
    // A finding of e for the console to issue.
    let eid = Uuid::new_v4();
    let r = app
        .put(
            &format!("/api/v1/findings/{eid}"),
            &insp,
            &json!({"enterprise_id": e, "category": "safety", "level": "general", "description": "熔铸车间铝灰堆放区未设防雨防潮设施"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let name = |u: &Value| u["username"].as_str().unwrap().to_string();
    Case {
        e,
        officer,
        officer_name: name(&off_u),
        ent_name: name(&ent_u),
        other_name: name(&other_u),
        f_order,
        f_photo,
        app,
    }
}

async fn open_findings(c: &Case) -> Vec<String> {
    let r = c
        .app
        .get(
            &format!("/api/v1/findings?enterprise_id={}&status=open", c.e),
            &c.officer,
        )
        .await;
    let v: Value = r.json().await.unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

/// The office issues an order through the console's form; answers its id.
async fn issue(c: &Case, office: &Web) -> String {
    let page = office
        .page(&format!("/orders/new?enterprise_id={}", c.e))
        .await;
    assert!(page.contains("熔铸车间铝灰堆放区"));
    let csrf = csrf_in(&page);
    let fids = open_findings(c).await;
    let deadline = (today() + chrono::Duration::days(7)).to_string();
    let mut pairs = vec![
        ("csrf", csrf.as_str()),
        ("enterprise_id", c.e.as_str()),
        ("requirements", "立即清理并设置防雨防潮铝灰暂存间"),
        ("deadline", deadline.as_str()),
        ("major_reason", ""),
    ];
    for f in &fids {
        pairs.push(("finding_id", f));
    }
    let r = office.post("/orders/new", form(&pairs)).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let to = r.headers()["location"].to_str().unwrap().to_string();
    to.trim_start_matches("/orders/").to_string()
}

async fn submit(web: &Web, id: &str, photo: Option<Vec<u8>>) -> Response {
    let file = photo.map(|bytes| ("photos", bytes, "after.jpg", "image/jpeg"));
    submit_file(web, id, file).await
}

/// 提交整改 with at most one file: (input prefix, bytes, file name, type).
async fn submit_file(web: &Web, id: &str, file: Option<(&str, Vec<u8>, &str, &str)>) -> Response {
    let page = web.page(&format!("/orders/{id}")).await;
    let csrf = csrf_in(&page);
    let at = page.find("name=\"done_").unwrap() + 11;
    let fid = &page[at..at + 36];
    let mut f = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text(format!("done_{fid}"), "已建成封闭式铝灰暂存间并加装防雨棚");
    if let Some((prefix, bytes, name, mime)) = file {
        f = f.part(
            format!("{prefix}_{fid}"),
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_string())
                .mime_str(mime)
                .unwrap(),
        );
    }
    web.client
        .post(format!("{}/orders/{id}/submit", web.base))
        .header("cookie", &web.cookie)
        .multipart(f.text("comment", "整改完成"))
        .send()
        .await
        .unwrap()
}

fn version_in(page: &str) -> String {
    let at = page.find("name=\"version\" value=\"").unwrap() + 22;
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

#[actix_web::test]
async fn login_logout_expiry_headers_and_language() {
    let c = case().await;
    let mut w = Web::new(&c.app);
    let r = w.get("/login").await;
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "same-origin");
    let body = r.text().await.unwrap();
    assert!(body.contains("<label for=\"username\">用户名</label>"));
    assert!(!body.contains("<script>"), "no inline script");
    // No login without the form's token.
    let r = w
        .post(
            "/login",
            form(&[
                ("csrf", "x"),
                ("username", &c.ent_name),
                ("password", PASSWORD),
            ]),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("安全令牌"));
    // A wrong password: the page again, the error next to the field.
    let r = w.try_login(&c.ent_name, "wrong-password-1").await;
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("id=\"login-error\""));
    // Logged in: the cookie is HttpOnly and SameSite=Lax.
    let r = w.try_login(&c.ent_name, PASSWORD).await;
    assert_eq!(r.status(), 303);
    // Its session lasts a working day (console_session_hours), not the
    // phones' 4-hour access token.
    let latest = c
        .app
        .db()
        .run_blocking(|c| {
            use anhuan::db::schema::sessions::dsl::*;
            use diesel::prelude::*;
            sessions
                .select(expires_at)
                .load::<chrono::NaiveDateTime>(c)
                .map_err(anhuan::db::DbError::from)
        })
        .unwrap()
        .into_iter()
        .max()
        .unwrap();
    let hours = (latest.and_utc() - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((11.9..=12.1).contains(&hours), "{hours}");
    let raw = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("ah_session="))
        .unwrap();
    assert!(
        raw.contains("HttpOnly") && raw.contains("SameSite=Lax"),
        "{raw}"
    );
    assert!(!raw.contains("Secure"), "plain http: {raw}");
    w.cookie = set_cookie(&r, "ah_session").unwrap();
    assert_eq!(r.headers()["location"], "/");
    let r = w.get("/").await;
    assert_eq!(r.headers()["location"], "/orders");
    let page = w.page("/orders").await;
    assert!(page.contains("我的整改通知"));
    // English by the switch, from one table.
    let r = w.get("/lang/en?back=/orders").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/orders");
    let lang = set_cookie(&r, "lang").unwrap();
    let en = Web {
        cookie: format!("{}; {lang}", w.cookie),
        base: w.base.clone(),
        client: w.client.clone(),
    };
    assert!(en.page("/orders").await.contains("My rectification orders"));
    // Elsewhere than this site the switch goes home.
    let r = w.get("/lang/en?back=//evil.example").await;
    assert_eq!(r.headers()["location"], "/");
    // Logout needs the token too.
    let r = w.post("/logout", form(&[("csrf", "nope")])).await;
    assert_eq!(r.status(), 403);
    let csrf = w.csrf().await;
    let r = w.post("/logout", form(&[("csrf", &csrf)])).await;
    assert_eq!(r.status(), 303);
    // The old cookie is dead: back to the login page, told why.
    let r = w.get("/orders").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?expired=1");
    let page = Web::new(&c.app).page("/login?expired=1").await;
    assert!(page.contains("会话已过期，请重新登录"));
    // Never logged in: the login page without the expiry note.
    let r = Web::new(&c.app).get("/workbench").await;
    assert_eq!(r.headers()["location"], "/login");
    // Static files: long cache; unknown ones 404.
    let r = w
        .get(&format!(
            "/static/{}/htmx.min.js",
            anhuan::console::ASSET_VERSION
        ))
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age=31536000"));
    assert_eq!(w.get("/static/1/nope.js").await.status(), 404);
}

#[actix_web::test]
async fn an_expired_session_sends_to_the_login_page() {
    let c = case().await;
    let w = Web::login(&c.app, &c.ent_name).await;
    assert_eq!(w.get("/orders").await.status(), 200);
    c.app
        .sql("UPDATE sessions SET expires_at = '2000-01-01 00:00:00'");
    let r = w.get("/orders").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?expired=1");
}

#[actix_web::test]
async fn console_logins_are_throttled_like_the_api() {
    let c = case().await;
    let mut w = Web::new(&c.app);
    let max = c.app.settings.login_max_failures;
    // As in the API, the failure that reaches the limit is itself refused.
    for _ in 0..max - 1 {
        let r = w.try_login(&c.ent_name, "wrong-password-1").await;
        assert_eq!(r.status(), 401);
    }
    let r = w.try_login(&c.ent_name, "wrong-password-1").await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("登录失败次数过多"));
    // The API counts the same attempts.
    assert_eq!(c.app.try_login(&c.ent_name, PASSWORD).await.status(), 429);
}

#[actix_web::test]
async fn roles_and_scope_of_every_page() {
    let c = case().await;
    let ent = Web::login(&c.app, &c.ent_name).await;
    let office = Web::login(&c.app, &c.officer_name).await;
    let other = Web::login(&c.app, &c.other_name).await;
    let id = issue(&c, &office).await;
    let number = c.f_order["number"].as_str().unwrap();
    let fo = c.f_order["id"].as_str().unwrap();
    // The office sees every page.
    for p in [
        "/workbench",
        "/orders",
        "/orders/new",
        &format!("/orders/{id}"),
        &format!("/orders/{fo}"),
        "/env-audits",
    ] {
        office.page(p).await;
    }
    let wb = office.page("/workbench").await;
    assert!(wb.contains("<svg") && wb.contains("每月下达与销号"));
    // The enterprise: its own order only, nothing of f anywhere.
    let mut seen = String::new();
    for p in [
        "/orders",
        &format!("/orders/{id}"),
        "/orders?status=issued",
        "/orders?q=整改",
    ] {
        seen.push_str(&ent.page(p).await);
    }
    assert!(seen.contains("熔铸车间铝灰堆放区"));
    assert!(!seen.contains(number), "another enterprise's order number");
    assert!(!seen.contains(F_TEXT), "another enterprise's finding");
    assert!(!seen.contains(&c.f_photo), "another enterprise's photo");
    for p in [
        format!("/orders/{fo}"),
        format!("/c/photos/{}/thumbnail", c.f_photo),
        format!("/c/photos/{}/display", c.f_photo),
    ] {
        let r = ent.get(&p).await;
        assert_eq!(r.status(), 404, "{p}");
        let body = r.text().await.unwrap();
        assert!(!body.contains(number) && !body.contains(F_TEXT));
    }
    // Park pages are not for enterprises.
    assert_eq!(ent.get("/workbench").await.status(), 403);
    assert_eq!(ent.get("/orders/new").await.status(), 403);
    // Its own enterprise sees f's order and photo.
    assert!(other.page(&format!("/orders/{fo}")).await.contains(F_TEXT));
    let r = other
        .get(&format!("/c/photos/{}/thumbnail", c.f_photo))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    // An enterprise cannot act on another's order (404, before any CSRF).
    let csrf = ent.csrf().await;
    let r = ent
        .post(
            &format!("/orders/{fo}/acknowledge"),
            form(&[("csrf", &csrf)]),
        )
        .await;
    assert_eq!(r.status(), 404);
    // 下载整改通知书: linked from the page, a PDF for its enterprise, 404 for another;
    // no 督办函 link or file before one is issued.
    let own = ent.page(&format!("/orders/{id}")).await;
    assert!(own.contains(&format!("/orders/{id}/pdf/notice")), "{own}");
    assert!(!own.contains("/pdf/supervision-letter"));
    let r = ent.get(&format!("/orders/{id}/pdf/notice")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename*=UTF-8''%E6%95%B4%E6%94%B9"));
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
    for p in [
        format!("/orders/{fo}/pdf/notice"),
        format!("/orders/{id}/pdf/supervision-letter"),
        format!("/orders/{id}/pdf/other"),
    ] {
        assert_eq!(ent.get(&p).await.status(), 404, "{p}");
    }
    assert_eq!(
        Web::new(&c.app)
            .get(&format!("/orders/{id}/pdf/notice"))
            .await
            .status(),
        303,
        "no session: to the login page"
    );
    // Unknown ids and actions.
    assert_eq!(ent.get("/orders/not-a-uuid").await.status(), 404);
    assert_eq!(
        ent.get(&format!("/orders/{}", Uuid::new_v4()))
            .await
            .status(),
        404
    );
}

#[actix_web::test]
async fn every_form_refuses_without_a_valid_csrf_token() {
    let c = case().await;
    let ent = Web::login(&c.app, &c.ent_name).await;
    let office = Web::login(&c.app, &c.officer_name).await;
    let id = issue(&c, &office).await;
    let before = ent.page(&format!("/orders/{id}")).await;
    for action in [
        "acknowledge",
        "progress",
        "submit",
        "extension",
        "plan",
        "verify",
        "decide-extension",
        "cancel",
        "list-for-supervision",
        "record-stop",
        "assess",
        "apply-resumption",
        "decide-resumption",
    ] {
        for token in [None, Some("0123456789abcdef0123456789abcdef")] {
            let body = match token {
                Some(t) => form(&[("csrf", t), ("comment", "x"), ("reason", "x")]),
                None => form(&[("comment", "x"), ("reason", "x")]),
            };
            for who in [&ent, &office] {
                let r = who
                    .post(&format!("/orders/{id}/{action}"), body.clone())
                    .await;
                assert_eq!(r.status(), 403, "{action} {token:?}");
            }
        }
        // multipart without the token: no file is stored either.
        let f = reqwest::multipart::Form::new().part(
            "photos",
            reqwest::multipart::Part::bytes(small_jpeg(7))
                .file_name("a.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
        let r = ent
            .client
            .post(format!("{}/orders/{id}/{action}", ent.base))
            .header("cookie", &ent.cookie)
            .multipart(f)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "multipart {action}");
    }
    // The other session's token is no good either.
    let office_csrf = office.csrf().await;
    let r = ent
        .post(
            &format!("/orders/{id}/acknowledge"),
            form(&[("csrf", &office_csrf)]),
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = office
        .post("/orders/new", form(&[("enterprise_id", &c.e)]))
        .await;
    assert_eq!(r.status(), 403);
    let r = office
        .post("/env-audits", form(&[("name", "x"), ("level", "central")]))
        .await;
    assert_eq!(r.status(), 403);
    assert!(
        !office.page("/env-audits").await.contains("<td"),
        "no batch made"
    );
    // Nothing happened.
    assert_eq!(ent.page(&format!("/orders/{id}")).await, before);
}

#[actix_web::test]
async fn the_whole_case_through_the_forms() {
    let c = case().await;
    let ent = Web::login(&c.app, &c.ent_name).await;
    let office = Web::login(&c.app, &c.officer_name).await;
    let id = issue(&c, &office).await;
    let page = ent.page(&format!("/orders/{id}")).await;
    assert!(page.contains("已下达") && page.contains("园区安全环保监督管理办公室"));
    assert!(page.contains("id=\"btn-acknowledge\""));
    assert!(!page.contains("id=\"btn-submit\""), "not before 签收");
    assert!(!page.contains("id=\"form-verify\""));
    let y = today();
    assert!(page.contains(&format!(
        "{}年{}月",
        chrono::Datelike::year(&y),
        chrono::Datelike::month(&y)
    )));
    let csrf = csrf_in(&page);
    let r = ent
        .post(
            &format!("/orders/{id}/acknowledge"),
            form(&[
                ("csrf", &csrf),
                ("version", &version_in(&page)),
                ("comment", "已收到"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303);
    // A submission without what was done: the field named in the answer.
    let page = ent.page(&format!("/orders/{id}")).await;
    assert!(page.contains("整改中"));
    let r = ent
        .client
        .post(format!("{}/orders/{id}/submit", ent.base))
        .header("cookie", &ent.cookie)
        .multipart(reqwest::multipart::Form::new().text("csrf", csrf_in(&page)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("items"));
    let r = submit(&ent, &id, Some(small_jpeg(42))).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    // The office sees the evidence beside the finding, and its flags.
    let page = office.page(&format!("/orders/{id}")).await;
    assert!(page.contains("待复查") && page.contains("已建成封闭式铝灰暂存间"));
    assert!(
        page.contains("无相机拍摄时间"),
        "the evidence flag is shown"
    );
    let stale = version_in(&page);
    let r = office
        .post(
            &format!("/orders/{id}/verify"),
            form(&[
                ("csrf", &csrf_in(&page)),
                ("version", &stale),
                ("decision", "reject"),
                ("opinion", "暂存间未设防渗地面"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303);
    let wb = office.page("/workbench").await;
    assert!(!wb.contains(&id));
    // What was done but no photo or document: refused, said next to the form.
    let r = submit(&ent, &id, None).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("至少一张照片或一份文件"));
    // The second submission's evidence is a 检测报告 (PDF) instead of a photo.
    let report = crate::documents::pdf(2, &["(防渗地面检测报告)"], "");
    let file = (
        "documents",
        report.clone(),
        "检测报告.pdf",
        "application/pdf",
    );
    let r = submit_file(&ent, &id, Some(file)).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = office.page(&format!("/orders/{id}")).await;
    let at = page.find("/c/documents/").expect("the report is listed");
    let link = page[at..at + page[at..].find('"').unwrap()].to_string();
    assert!(
        page.contains("PDF · 2页"),
        "kind and pages shown: {}",
        &page[at..]
    );
    let r = ent.get(&link).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().to_vec(), report, "byte for byte");
    let other = Web::login(&c.app, &c.other_name).await;
    assert_eq!(other.get(&link).await.status(), 404);
    // A page from before the rejection: 已被他人更新, nothing overwritten.
    let r = office
        .post(
            &format!("/orders/{id}/verify"),
            form(&[
                ("csrf", &office.csrf().await),
                ("version", &stale),
                ("decision", "accept"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("已被他人更新"));
    let wb = office.page("/workbench").await;
    assert!(wb.contains(&id), "waiting for verification");
    let page = office.page(&format!("/orders/{id}")).await;
    let r = office
        .post(
            &format!("/orders/{id}/verify"),
            form(&[
                ("csrf", &csrf_in(&page)),
                ("version", &version_in(&page)),
                ("decision", "accept"),
                ("opinion", "符合要求"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = ent.page(&format!("/orders/{id}")).await;
    assert!(page.contains("已销号"));
    assert!(page.contains("复查不通过") && page.contains("暂存间未设防渗地面"));
    let list = ent.page("/orders?status=closed").await;
    assert!(list.contains("已销号"));
    assert!(
        list.contains("销号用时（天） 0"),
        "a closed case shows the days it took"
    );
    // The enterprise's evidence photo is served to it through the console.
    let at = page.find("/c/photos/").unwrap();
    let src = &page[at..at + page[at..].find('"').unwrap()];
    assert_eq!(ent.get(src).await.status(), 200);
}

#[actix_web::test]
async fn extension_and_plan_forms() {
    let c = case().await;
    let ent = Web::login(&c.app, &c.ent_name).await;
    let office = Web::login(&c.app, &c.officer_name).await;
    let id = issue(&c, &office).await;
    let page = ent.page(&format!("/orders/{id}")).await;
    let later = (today() + chrono::Duration::days(30)).to_string();
    let r = ent
        .post(
            &format!("/orders/{id}/extension"),
            form(&[
                ("csrf", &csrf_in(&page)),
                ("requested_deadline", &later),
                ("reason", "防渗材料到货延迟"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let wb = office.page("/workbench").await;
    assert!(wb.contains(&id), "listed under 延期申请");
    let page = office.page(&format!("/orders/{id}")).await;
    assert!(page.contains("防渗材料到货延迟"));
    let marker = "name=\"extension_id\" value=\"";
    let at = page.find(marker).unwrap() + marker.len();
    let ext = &page[at..at + 36];
    let r = office
        .post(
            &format!("/orders/{id}/decide-extension"),
            form(&[
                ("csrf", &csrf_in(&page)),
                ("extension_id", ext),
                ("approve", "true"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = ent.page(&format!("/orders/{id}")).await;
    assert!(page.contains("同意延期"));
    // A general hazard has no plan form; the plan action is refused.
    assert!(!page.contains("id=\"form-plan\""));
    let r = ent
        .post(
            &format!("/orders/{id}/plan"),
            form(&[
                ("csrf", &csrf_in(&page)),
                ("goal", "x"),
                ("time_limit", &later),
            ]),
        )
        .await;
    assert!(r.status().is_client_error());
    // Cancel with a reason, by the office.
    let page = office.page(&format!("/orders/{id}")).await;
    let r = office
        .post(
            &format!("/orders/{id}/cancel"),
            form(&[
                ("csrf", &csrf_in(&page)),
                ("version", &version_in(&page)),
                ("reason", "重复下达"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(ent.page(&format!("/orders/{id}")).await.contains("已撤销"));
    let _ = StatusCode::OK;
}

#[actix_web::test]
async fn the_inbox_in_the_header_and_its_page() {
    let c = case().await;
    let office = Web::login(&c.app, &c.officer_name).await;
    let ent = Web::login(&c.app, &c.ent_name).await;
    // Nothing yet for e's user; the office's own order is not news to it.
    let page = ent.page("/orders").await;
    assert!(page.contains("id=\"inbox-link\"") && !page.contains("class=\"badge\""));
    let id = issue(&c, &office).await;
    let page = ent.page("/orders").await;
    assert!(
        page.contains("class=\"badge\" aria-label=\"1 未读\">1<"),
        "{page}"
    );
    let inbox = ent.page("/inbox").await;
    assert!(inbox.contains("整改通知书") && inbox.contains(&format!("href=\"/orders/{id}\"")));
    assert!(
        !inbox.contains(c.f_order["number"].as_str().unwrap()),
        "only its own"
    );
    // Marking needs the session's CSRF token; someone else's id is 404.
    let r = ent.post("/inbox/read", form(&[("csrf", "x")])).await;
    assert_eq!(r.status(), 403);
    let other = Web::login(&c.app, &c.other_name).await;
    let theirs = other.page("/inbox").await;
    let at = theirs
        .find("name=\"id\" value=\"")
        .expect("f's user has a message")
        + 17;
    let foreign = &theirs[at..at + 36];
    let r = ent
        .post(
            "/inbox/read",
            form(&[("csrf", &csrf_in(&inbox)), ("id", foreign)]),
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = ent
        .post("/inbox/read", form(&[("csrf", &csrf_in(&inbox))]))
        .await;
    assert_eq!(r.status(), 303);
    let page = ent.page("/inbox").await;
    assert!(!page.contains("class=\"badge\"") && !page.contains("btn-read-all"));
    assert!(
        other.page("/inbox").await.contains("class=\"badge\""),
        "f's stays unread"
    );
    assert_eq!(Web::new(&c.app).get("/inbox").await.status(), 303);
}

#[actix_web::test]
async fn registers_let_the_office_add_an_enterprise_and_its_account() {
    let c = case().await;
    let mut admin = Web::new(&c.app);
    let r = admin.try_login("admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), 303);
    admin.cookie = set_cookie(&r, "ah_session").unwrap();
    let office = Web::login(&c.app, &c.officer_name).await;
    let ent = Web::login(&c.app, &c.ent_name).await;
    // Who may open which register.
    assert!(office
        .page("/orders")
        .await
        .contains("href=\"/registers/enterprises\""));
    assert!(!office
        .page("/orders")
        .await
        .contains("href=\"/registers/users\""));
    office.page("/registers/enterprises").await;
    assert_eq!(office.get("/registers/users").await.status(), 403);
    assert_eq!(ent.get("/registers/enterprises").await.status(), 403);
    assert_eq!(ent.get("/registers/users").await.status(), 403);
    assert!(!ent.page("/orders").await.contains("/registers/"));
    // 登记企业 through the form, with the contact who receives the orders by e-mail.
    let page = office.page("/registers/enterprises").await;
    let code = credit_code();
    let fields = |code: &str, csrf: &str| {
        form(&[
            ("csrf", csrf),
            ("name", "黔江示例新材料有限公司"),
            ("credit_code", code),
            ("industry", "glass_fibre"),
            ("address", "黔江高新区正阳路8号"),
            ("lat", "29.531"),
            ("lon", "108.772"),
            ("contact_name", "王五"),
            ("contact_phone", "023-7922 0000"),
            ("contact_email", "wangwu@qjxcl.example.cn"),
        ])
    };
    assert_eq!(
        office
            .post("/registers/enterprises", fields(&code, "x"))
            .await
            .status(),
        403
    );
    let r = office
        .post(
            "/registers/enterprises",
            fields("915001140000000000", &csrf_in(&page)),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text().await.unwrap().contains("credit_code"),
        "the field is named"
    );
    let r = office
        .post("/registers/enterprises", fields(&code, &csrf_in(&page)))
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let list = office.page("/registers/enterprises?q=新材料").await;
    assert!(list.contains("黔江示例新材料有限公司") && list.contains("wangwu@qjxcl.example.cn"));
    assert!(list.contains("玻纤及复合材料"));
    assert!(
        !list.contains("黔江冷链有限公司"),
        "the search narrows the list"
    );
    let id = c
        .app
        .get(&format!("/api/v1/enterprises?q={code}"), &c.app.admin)
        .await
        .json::<Value>()
        .await
        .unwrap()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // 添加账号 (admin only): the enterprise's user, who can then log in.
    let page = admin.page("/registers/users").await;
    assert!(page.contains(&id), "the new enterprise is offered");
    let account = |csrf: &str| {
        form(&[
            ("csrf", csrf),
            ("username", "wangwu"),
            ("password", "Qianjiang-2026"),
            ("display_name", "王五"),
            ("role", "enterprise"),
            ("enterprise_id", &id),
        ])
    };
    let r = office
        .post("/registers/users", account(&office.csrf().await))
        .await;
    assert_eq!(r.status(), 403, "the safety office adds no accounts");
    let r = admin
        .post("/registers/users", account(&csrf_in(&page)))
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert!(admin.page("/registers/users").await.contains("wangwu"));
    let mut wangwu = Web::new(&c.app);
    let r = wangwu.try_login("wangwu", "Qianjiang-2026").await;
    assert_eq!(r.status(), 303);
    wangwu.cookie = set_cookie(&r, "ah_session").unwrap();
    assert!(
        wangwu.page("/orders").await.contains("暂无"),
        "its own, empty list"
    );
}

#[actix_web::test]
async fn notification_settings_through_the_form() {
    let c = case().await;
    let ent = Web::login(&c.app, &c.ent_name).await;
    assert!(ent
        .page("/inbox")
        .await
        .contains("href=\"/inbox/settings\""));
    let page = ent.page("/inbox/settings").await;
    assert!(page.contains("消息设置"), "{page}");
    assert!(page.contains("name=\"muted\" value=\"order.cancelled\""));
    assert!(
        !page.contains("value=\"order.issued\""),
        "a legal notice has no box"
    );
    assert!(
        page.contains("收到整改通知书"),
        "but is named as always sent"
    );
    let r = ent
        .post(
            "/inbox/settings",
            form(&[("csrf", "x"), ("email", "wang@qjly.example.cn")]),
        )
        .await;
    assert_eq!(r.status(), 403);
    let csrf = csrf_in(&page);
    let r = ent
        .post(
            "/inbox/settings",
            form(&[
                ("csrf", &csrf),
                ("email", "wang@qjly.example.cn"),
                ("muted", "order.cancelled"),
                ("muted", "order.reminder"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/inbox/settings?saved=1");
    let page = ent.page("/inbox/settings?saved=1").await;
    assert!(page.contains("id=\"settings-saved\""));
    assert!(page.contains("value=\"wang@qjly.example.cn\""));
    assert!(
        page.contains("value=\"order.cancelled\" checked")
            && page.contains("value=\"order.reminder\" checked")
    );
    // The API sees what the form saved.
    let token = c.app.login(&c.ent_name, PASSWORD).await;
    let v: serde_json::Value = c
        .app
        .get("/api/v1/me/notification-settings", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["muted"],
        serde_json::json!(["order.cancelled", "order.reminder"])
    );
    // A bad address is refused, named by its label; nothing changes.
    let r = ent
        .post(
            "/inbox/settings",
            form(&[
                ("csrf", &csrf),
                ("email", "wang wu@qj"),
                ("muted", "order.overdue"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 422);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("电子邮箱") && text.contains("不能屏蔽"),
        "{text}"
    );
    assert!(ent
        .page("/inbox/settings")
        .await
        .contains("value=\"wang@qjly.example.cn\""));
    assert_eq!(Web::new(&c.app).get("/inbox/settings").await.status(), 303);
}

/// A multipart form post from the console (the action forms with files).
async fn post_multipart(web: &Web, path: &str, f: reqwest::multipart::Form) -> Response {
    web.client
        .post(format!("{}{path}", web.base))
        .header("cookie", &web.cookie)
        .multipart(f)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn the_major_hazard_path_through_the_forms() {
    let c = case().await;
    let app = &c.app;
    let (_, insp) = app.user("inspector", None, &[]).await;
    let (reviewer_u, _) = app.user("safety_officer", None, &[]).await;
    let fid = Uuid::new_v4();
    let r = app
        .put(
            &format!("/api/v1/findings/{fid}"),
            &insp,
            &json!({"enterprise_id": c.e, "category": "safety", "level": "major", "description": "熔铝炉炉前未设置熔融金属应急储存设施"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .post(
            "/api/v1/rectification-orders",
            &c.officer,
            json!({"enterprise_id": c.e, "finding_ids": [fid], "requirements": "设置应急储存设施",
                   "deadline": (today() + chrono::Duration::days(20)).to_string(), "major_reason": "stop_production"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ent = Web::login(app, &c.ent_name).await;
    let office = Web::login(app, &c.officer_name).await;
    let reviewer = Web::login(app, reviewer_u["username"].as_str().unwrap()).await;
    let page = ent.page(&format!("/orders/{id}")).await;
    assert!(page.contains("重大隐患治理") && page.contains("未挂牌") && page.contains("未停产"));
    assert!(
        !page.contains("id=\"form-listing\""),
        "the enterprise does not list"
    );
    let r = ent
        .post(
            &format!("/orders/{id}/acknowledge"),
            form(&[("csrf", &csrf_in(&page)), ("comment", "已签收")]),
        )
        .await;
    assert_eq!(r.status(), 303);
    let later = (today() + chrono::Duration::days(15)).to_string();
    let page = ent.page(&format!("/orders/{id}")).await;
    let mut plan = vec![
        ("csrf".to_string(), csrf_in(&page)),
        ("time_limit".into(), later.clone()),
    ];
    for k in [
        "goal",
        "measures",
        "funds",
        "responsible_people",
        "safety_measures",
        "contingency_plan",
    ] {
        plan.push((k.into(), format!("{k}：按方案实施")));
    }
    let r = ent
        .post(
            &format!("/orders/{id}/plan"),
            serde_urlencoded::to_string(&plan).unwrap(),
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());

    // 挂牌督办 by the office.
    let page = office.page(&format!("/orders/{id}")).await;
    assert!(page.contains("id=\"form-listing\""));
    let r = office
        .post(
            &format!("/orders/{id}/list-for-supervision"),
            form(&[
                ("csrf", &csrf_in(&page)),
                ("supervising_unit", "区应急管理局"),
                ("number", "区安督〔2026〕11号"),
                ("time_limit", &later),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());

    // The enterprise records the stop, submits, has it assessed, applies.
    let page = ent.page(&format!("/orders/{id}")).await;
    assert!(
        page.contains("区安督〔2026〕11号"),
        "the listing is shown to the enterprise"
    );
    let today_s = today().to_string();
    let f = reqwest::multipart::Form::new()
        .text("csrf", csrf_in(&page))
        .text("mode", "stop_use")
        .text("date", today_s.clone())
        .text("scope", "2号熔铝炉")
        .text("interim_measures", "停炉降温，设置警戒区");
    let r = post_multipart(&ent, &format!("/orders/{id}/record-stop"), f).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let r = submit(&ent, &id, Some(small_jpeg(4242))).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = ent.page(&format!("/orders/{id}")).await;
    assert!(page.contains("停止使用") && page.contains("2号熔铝炉"));
    let report = crate::documents::pdf(2, &["(assessment)"], "");
    let f = reqwest::multipart::Form::new()
        .text("csrf", csrf_in(&page))
        .text("assessor_kind", "experts")
        .text("assessor", "市级专家组")
        .text("conclusion", "应急储存设施容量满足要求，隐患已消除")
        .text("eliminated", "true")
        .part(
            "documents",
            reqwest::multipart::Part::bytes(report)
                .file_name("评估报告.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let r = post_multipart(&ent, &format!("/orders/{id}/assess"), f).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = ent.page(&format!("/orders/{id}")).await;
    assert!(page.contains("市级专家组") && page.contains("PDF · 2页"));
    let f = reqwest::multipart::Form::new()
        .text("csrf", csrf_in(&page))
        .text("comment", "申请恢复生产");
    let r = post_multipart(&ent, &format!("/orders/{id}/apply-resumption"), f).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());

    // The issuer may not decide it (named on the page); another officer approves and closes.
    let page = office.page(&format!("/orders/{id}")).await;
    assert!(page.contains("待审查"));
    let f = reqwest::multipart::Form::new()
        .text("csrf", csrf_in(&page))
        .text("approve", "true");
    let r = post_multipart(&office, &format!("/orders/{id}/decide-resumption"), f).await;
    assert_eq!(r.status(), 403);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("重大隐患不能由下达整改通知书的人复查验收"));
    let page = reviewer.page(&format!("/orders/{id}")).await;
    assert!(page.contains("销号尚缺") && page.contains("同意复产的审查决定"));
    assert!(
        !page.contains("id=\"btn-accept\""),
        "no 销号 before 复产 is approved"
    );
    let f = reqwest::multipart::Form::new()
        .text("csrf", csrf_in(&page))
        .text("version", version_in(&page))
        .text("approve", "true")
        .text("comment", "现场审查合格");
    let r = post_multipart(&reviewer, &format!("/orders/{id}/decide-resumption"), f).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = reviewer.page(&format!("/orders/{id}")).await;
    let r = reviewer
        .post(
            &format!("/orders/{id}/verify"),
            form(&[
                ("csrf", &csrf_in(&page)),
                ("version", &version_in(&page)),
                ("decision", "accept"),
                ("opinion", "复查合格"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = ent.page(&format!("/orders/{id}")).await;
    assert!(page.contains("已销号") && page.contains("同意复产"));

    // The report downloads from the page, for the enterprise; nobody else's.
    for (link, kind) in [
        ("major-hazard-report", "application/pdf"),
        (
            "major-hazard-report-xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ] {
        assert!(page.contains(&format!("/orders/{id}/pdf/{link}")));
        let r = ent.get(&format!("/orders/{id}/pdf/{link}")).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], kind);
        let other = Web::login(app, &c.other_name).await;
        assert_eq!(
            other
                .get(&format!("/orders/{id}/pdf/{link}"))
                .await
                .status(),
            404
        );
    }
}

#[actix_web::test]
async fn self_inspection_findings_are_closed_on_the_enterprises_page_and_majors_wait_on_the_workbench(
) {
    let p = crate::self_check::plant().await;
    let app = &p.app;
    let ent = Web::login(app, &p.mine_name).await;
    let office = Web::login(app, &p.officer_name).await;
    // The office's worklist names the major one, with the way to order it.
    let wb = office.page("/workbench").await;
    let at = wb.find("id=\"self-reported\"").expect("the section");
    let section = &wb[at..at + wb[at..].find("</section>").unwrap()];
    assert!(section.contains("黔江再生铝有限公司"), "{section}");
    assert!(section.contains(&format!("/orders/new?enterprise_id={}", p.e)));
    // Only the enterprise has the page; the header links it.
    assert_eq!(office.get("/self-checks").await.status(), 403);
    let page = ent.page("/self-checks").await;
    assert!(page.contains("href=\"/self-checks\""));
    assert!(page.contains("重大隐患，已报园区"));
    assert!(page.contains(&format!("id=\"form-self-{}\"", p.general)));
    assert!(
        !page.contains(&format!("id=\"form-self-{}\"", p.major)),
        "no form for the major one"
    );
    // The form: evidence photo uploaded with it; the acceptor is someone else.
    let path = format!("/self-checks/{}", p.general);
    let send = |accepted_by: &'static str, csrf: String| {
        let f = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .text("measures", "已修复防护罩并试机")
            .text("rectified_by", "李工")
            .text("accepted_by", accepted_by)
            .text("accepted_on", today().to_string())
            .part(
                "photos",
                reqwest::multipart::Part::bytes(small_jpeg(777))
                    .file_name("after.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            );
        post_multipart(&ent, &path, f)
    };
    let r = send("李工", csrf_in(&page)).await;
    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap();
    assert!(body.contains("验收人不能是整改人本人"));
    assert!(
        body.contains(&format!("id=\"errors-self-{}\"", p.general)),
        "in the form"
    );
    assert!(
        body.contains(">已修复防护罩并试机</textarea>"),
        "what was typed stays"
    );
    let r = send("王经理", csrf_in(&page)).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = ent.page("/self-checks").await;
    assert!(page.contains("已修复防护罩并试机") && page.contains("王经理"));
    assert!(!page.contains(&format!("id=\"form-self-{}\"", p.general)));
    // Another enterprise's user cannot post to it.
    let other = Web::login(app, &p.theirs_name).await;
    let their_page = other.page("/self-checks").await;
    assert!(!their_page.contains("已修复防护罩并试机"));
    let f = reqwest::multipart::Form::new()
        .text("csrf", csrf_in(&their_page))
        .text("measures", "x");
    let r = post_multipart(&other, &format!("/self-checks/{}", p.major), f).await;
    assert_eq!(r.status(), 404);
    // The ledger downloads from the page.
    let r = ent.get("/self-checks/ledger").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
}

#[actix_web::test]
async fn inspection_feedback_batches_import_ledger_and_closing_through_the_forms() {
    let c = case().await;
    let app = &c.app;
    let office = Web::login(app, &c.officer_name).await;
    let (second_u, _) = app.user("safety_officer", None, &[]).await;
    let second = Web::login(app, second_u["username"].as_str().unwrap()).await;
    let ent = Web::login(app, &c.ent_name).await;
    assert_eq!(ent.get("/env-audits").await.status(), 403);
    let page = office.page("/env-audits").await;
    let r = office
        .post(
            "/env-audits",
            form(&[
                ("csrf", &csrf_in(&page)),
                ("level", "central"),
                ("name", "第二轮中央生态环境保护督察"),
                ("document_number", "渝督改〔2026〕3号"),
                ("received_date", &today().to_string()),
                ("default_deadline", ""),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let batch = r.headers()["location"].to_str().unwrap().to_string();
    // A batch without its 文号: refused in the form, the name kept.
    let r = office
        .post(
            "/env-audits",
            form(&[
                ("csrf", &csrf_in(&page)),
                ("level", "municipal"),
                ("name", "市级督察第三轮"),
                ("document_number", " "),
                ("received_date", &today().to_string()),
            ]),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("id=\"errors-new-audit\"") && body.contains("id=\"err-document_number\""),
        "{body}"
    );
    assert!(body.contains("value=\"市级督察第三轮\""));
    assert!(office
        .page("/env-audits")
        .await
        .contains("渝督改〔2026〕3号"));

    let upload = |web: &Web, csrf: String| {
        let f = reqwest::multipart::Form::new().text("csrf", csrf).part(
            "list",
            reqwest::multipart::Part::bytes(anhuan::service::demo::feedback_xlsx().unwrap())
                .file_name("反馈问题清单.xlsx"),
        );
        web.client
            .post(format!("{}{batch}/import", web.base))
            .header("cookie", &web.cookie)
            .multipart(f)
            .send()
    };
    // The list names an enterprise not yet registered: refused whole, row by row.
    let page = office.page(&batch).await;
    let r = upload(&office, csrf_in(&page)).await.unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    let at = body.find("id=\"import-errors\"").expect("the error table");
    let table = &body[at..at + body[at..].find("</section>").unwrap()];
    assert!(table.contains("<td data-label=\"行\">2</td>"), "{table}");
    assert!(table.contains("重庆黔江示例铝业有限公司"), "{table}");
    assert!(
        !office.page(&batch).await.contains("铝粉尘除尘系统"),
        "nothing imported"
    );
    // A forged import is refused before its file is read.
    assert_eq!(
        upload(&office, "forged".into()).await.unwrap().status(),
        403
    );

    app.create_enterprise("重庆黔江示例铝业有限公司").await;
    let page = office.page(&batch).await;
    let r = upload(&office, csrf_in(&page)).await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let page = office.page(&to).await;
    assert!(page.contains("新增 2"), "the import's counts");
    assert!(page.contains("铝粉尘除尘系统") && page.contains("园区安全环保办公室"));
    let r = office.get(&format!("{batch}/ledger.xlsx")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );

    // The department's item: the office answers it, another officer closes
    // it with 验收 and 公示 on the order's page.
    let marker = "<a href=\"/orders/";
    let rows: Vec<&str> = page
        .split("<tr")
        .filter(|r| r.contains("园区安全环保办公室"))
        .collect();
    let row = rows
        .iter()
        .find(|r| r.contains(marker))
        .expect("the department's order");
    let at = row.find(marker).unwrap() + marker.len();
    let id = row[at..at + 36].to_string();
    let p = office.page(&format!("/orders/{id}")).await;
    let r = office
        .post(
            &format!("/orders/{id}/acknowledge"),
            form(&[("csrf", &csrf_in(&p))]),
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = submit(&office, &id, Some(small_jpeg(9191))).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let p = second.page(&format!("/orders/{id}")).await;
    assert!(
        p.contains("id=\"v-closing\""),
        "验收 and 公示 fields on an audit item"
    );
    let day = today().to_string();
    let r = second
        .post(
            &format!("/orders/{id}/verify"),
            form(&[
                ("csrf", &csrf_in(&p)),
                ("version", &version_in(&p)),
                ("decision", "accept"),
                ("opinion", "现场核查完成"),
                ("acceptance_date", &day),
                ("acceptance_opinion", "雨污分流改造完成，排口水质达标"),
                ("disclosure_date", &day),
                ("disclosure_place", "园区公示栏"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = office.page(&batch).await;
    assert!(page.contains("园区公示栏") && page.contains("雨污分流改造完成"));
}

#[actix_web::test]
async fn the_admin_disables_resets_and_assigns_accounts_through_the_form() {
    let c = case().await;
    let app = &c.app;
    let mut admin = Web::new(app);
    let r = admin.try_login("admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), 303);
    admin.cookie = set_cookie(&r, "ah_session").unwrap();
    let (agency, _) = app.user("third_party", None, &[]).await;
    let agency_id = agency["id"].as_str().unwrap().to_string();
    let agency_name = agency["username"].as_str().unwrap().to_string();
    let before = Web::login(app, &agency_name).await;
    before.page("/orders").await;
    let office = Web::login(app, &c.officer_name).await;
    assert_eq!(
        office
            .get(&format!("/registers/users/{agency_id}"))
            .await
            .status(),
        403
    );
    let list = admin.page("/registers/users").await;
    assert!(list.contains(&format!("/registers/users/{agency_id}")));
    let page = admin.page(&format!("/registers/users/{agency_id}")).await;
    assert!(
        page.contains("id=\"eu-assigned\""),
        "an agency's enterprises"
    );
    // A refused new account: the reason beside the field, the password not echoed.
    let r = admin
        .post(
            "/registers/users",
            form(&[
                ("csrf", &csrf_in(&list)),
                ("username", "wang.xinren"),
                ("password", "short"),
                ("role", "inspector"),
                ("display_name", "王新人"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("id=\"errors-add-user\"") && body.contains("id=\"err-password\""),
        "{body}"
    );
    assert!(body.contains("value=\"wang.xinren\"") && !body.contains("value=\"short\""));
    // Assign it to enterprise e, reset its password.
    let new_pw = "another-long-password";
    let r = admin
        .post(
            &format!("/registers/users/{agency_id}"),
            form(&[
                ("csrf", &csrf_in(&page)),
                ("display_name", "黔江安全评价公司"),
                ("password", new_pw),
                ("assigned", &c.e),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let v: Value = app
        .get(&format!("/api/v1/users/{agency_id}"), &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["assigned_enterprise_ids"], json!([c.e]));
    assert_eq!(v["display_name"], "黔江安全评价公司");
    // The reset ends its sessions; the new password works, the old does not.
    assert_eq!(before.get("/orders").await.status(), 303, "logged out");
    let mut w = Web::new(app);
    assert_ne!(w.try_login(&agency_name, PASSWORD).await.status(), 303);
    let mut w2 = Web::new(app);
    assert_eq!(w2.try_login(&agency_name, new_pw).await.status(), 303);
    // Disabled: no login at all; a forged form changes nothing.
    let page = admin.page(&format!("/registers/users/{agency_id}")).await;
    let r = admin
        .post(
            &format!("/registers/users/{agency_id}"),
            form(&[("display_name", "x"), ("disabled", "true")]),
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = admin
        .post(
            &format!("/registers/users/{agency_id}"),
            form(&[
                ("csrf", &csrf_in(&page)),
                ("display_name", "黔江安全评价公司"),
                ("disabled", "true"),
                ("assigned", &c.e),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(admin
        .page(&format!("/registers/users/{agency_id}"))
        .await
        .contains("已停用"));
    let mut w3 = Web::new(app);
    assert_ne!(w3.try_login(&agency_name, new_pw).await.status(), 303);
}

#[actix_web::test]
async fn the_office_edits_an_enterprise_its_industries_and_contact() {
    let c = case().await;
    let app = &c.app;
    let office = Web::login(app, &c.officer_name).await;
    let ent = Web::login(app, &c.ent_name).await;
    assert_eq!(
        ent.get(&format!("/registers/enterprises/{}", c.e))
            .await
            .status(),
        403
    );
    let list = office.page("/registers/enterprises").await;
    assert!(list.contains(&format!("/registers/enterprises/{}", c.e)));
    let page = office
        .page(&format!("/registers/enterprises/{}", c.e))
        .await;
    assert!(page.contains("黔江铝业有限公司"));
    let r = office
        .post(
            &format!("/registers/enterprises/{}", c.e),
            form(&[
                ("csrf", &csrf_in(&page)),
                ("name", "黔江铝业有限公司"),
                ("industry", "aluminium"),
                ("also", "gas_power"),
                ("also", "aluminium"),
                ("address", "黔江区正阳工业园区3号"),
                ("lat", "29.53"),
                ("lon", "108.77"),
                ("contact_name", "王建国"),
                ("contact_phone", "13800000000"),
                ("contact_email", "wang@example.cn"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let v: Value = app
        .get(&format!("/api/v1/enterprises/{}", c.e), &c.officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["industries"], json!(["aluminium", "gas_power"]));
    assert_eq!(v["address"], "黔江区正阳工业园区3号");
    assert_eq!(v["contacts"][0]["email"], "wang@example.cn");
    // A bad value is refused naming the field; nothing changes.
    let page = office
        .page(&format!("/registers/enterprises/{}", c.e))
        .await;
    let r = office
        .post(
            &format!("/registers/enterprises/{}", c.e),
            form(&[
                ("csrf", &csrf_in(&page)),
                ("name", "黔江铝业有限公司"),
                ("industry", "aluminium"),
                ("lat", "north"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    // Refused in the form: at its top, beside the field, with what was typed.
    assert!(
        body.contains("id=\"errors-edit-enterprise\"") && body.contains("id=\"err-lat\""),
        "{body}"
    );
    assert!(body.contains("value=\"north\""), "the typed value stays");
    let again: Value = app
        .get(&format!("/api/v1/enterprises/{}", c.e), &c.officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["updated_at"], v["updated_at"]);
}

#[actix_web::test]
async fn the_register_imports_a_csv_all_or_nothing_with_its_rows_refused_in_a_table() {
    let c = case().await;
    let app = &c.app;
    let office = Web::login(app, &c.officer_name).await;
    let ent = Web::login(app, &c.ent_name).await;
    let send = |web: &Web, csrf: String, csv: String| {
        let f = reqwest::multipart::Form::new().text("csrf", csrf).part(
            "csv",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("企业名录.csv"),
        );
        web.client
            .post(format!("{}/registers/enterprises/import", web.base))
            .header("cookie", &web.cookie)
            .multipart(f)
            .send()
    };
    let (a, b) = (credit_code(), credit_code());
    let bad = format!("企业名称,统一社会信用代码,行业\n黔江示例食品有限公司,{a},food\n黔江示例玻纤有限公司,915001140000000000,glass_fibre\n");
    let page = office.page("/registers/enterprises").await;
    let r = send(&office, csrf_in(&page), bad).await.unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    let at = body.find("id=\"import-errors\"").expect("the error table");
    let table = &body[at..at + body[at..].find("</section>").unwrap()];
    assert!(
        table.contains("<td data-label=\"行\">3</td>") && table.contains("credit_code"),
        "{table}"
    );
    assert!(
        !office
            .page("/registers/enterprises")
            .await
            .contains("黔江示例食品有限公司"),
        "nothing imported"
    );
    let good = format!("企业名称,统一社会信用代码,行业\n黔江示例食品有限公司,{a},food\n黔江示例玻纤有限公司,{b},glass_fibre\n");
    let r = send(&office, csrf_in(&page), good).await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let page = office.page(&to).await;
    assert!(page.contains("新增 2") && page.contains("黔江示例玻纤有限公司"));
    // Not the enterprise's to use; not without the token.
    let own = ent.page("/orders").await;
    assert_eq!(
        send(&ent, csrf_in(&own), "x".into())
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        send(&office, "forged".into(), "x".into())
            .await
            .unwrap()
            .status(),
        403
    );
}

#[actix_web::test]
async fn an_overdue_order_gets_its_supervision_letter_then_public_criticism_through_the_forms() {
    let c = case().await;
    let app = &c.app;
    let office = Web::login(app, &c.officer_name).await;
    let ent = Web::login(app, &c.ent_name).await;
    let id = issue(&c, &office).await;
    let page = office.page(&format!("/orders/{id}")).await;
    assert!(
        !page.contains("id=\"form-supervision-letter\""),
        "not overdue yet"
    );
    let yesterday = (today() - chrono::Duration::days(1)).to_string();
    app.sql(&format!(
        "UPDATE rectification_orders SET deadline = '{yesterday}', effective_deadline = '{yesterday}' WHERE id = '{id}'"
    ));
    let page = office.page(&format!("/orders/{id}")).await;
    assert!(page.contains("id=\"form-supervision-letter\""));
    assert!(!ent
        .page(&format!("/orders/{id}"))
        .await
        .contains("id=\"form-supervision-letter\""));
    // A time limit in the past is refused in the form.
    let r = office
        .post(
            &format!("/orders/{id}/supervision-letter"),
            form(&[
                ("csrf", &csrf_in(&page)),
                ("version", &version_in(&page)),
                ("time_limit", &yesterday),
            ]),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"err-time_limit\""));
    let limit = (today() + chrono::Duration::days(5)).to_string();
    let r = office
        .post(
            &format!("/orders/{id}/supervision-letter"),
            form(&[
                ("csrf", &csrf_in(&page)),
                ("version", &version_in(&page)),
                ("time_limit", &limit),
                ("comment", "请限期完成"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = ent.page(&format!("/orders/{id}")).await;
    assert!(
        page.contains("id=\"download-letter\""),
        "the letter is the enterprise's to download"
    );
    assert_eq!(
        ent.get(&format!("/orders/{id}/pdf/supervision-letter"))
            .await
            .status(),
        200
    );
    // When the letter's time limit has passed too: 通报批评.
    app.sql(&format!(
        "UPDATE rectification_orders SET supervision_letter_time_limit = '{yesterday}' WHERE id = '{id}'"
    ));
    let page = office.page(&format!("/orders/{id}")).await;
    let r = office
        .post(
            &format!("/orders/{id}/public-criticism"),
            form(&[
                ("csrf", &csrf_in(&page)),
                ("version", &version_in(&page)),
                ("comment", "逾期未整改"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = ent.page(&format!("/orders/{id}")).await;
    assert!(
        page.contains("督办函") && page.contains("通报批评"),
        "both on the timeline"
    );
    assert!(
        !office
            .page(&format!("/orders/{id}"))
            .await
            .contains("id=\"form-public-criticism\""),
        "once"
    );
}

//! The outbox over HTTP: the in-app inbox (who hears of what, nothing to
//! disabled accounts, unread first, read marks), webhook endpoints (admin
//! only, SSRF refusals), signed deliveries to a receiver on loopback
//! (retries after a 500, dead after the limit and replay, once across two
//! processes, delivered after `kill -9` and a restart), each user's own
//! choices and the daily digest of reminders.

use crate::helpers::*;
use actix_web::{web, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

fn today() -> chrono::NaiveDate {
    anhuan::domain::time::park_today(chrono::Utc::now())
}

struct Park {
    app: TestApp,
    e: String,
    insp: String,
    officer: String,
    ent_e: String,
    ent_f: String,
}

async fn park_with(tweak: impl FnOnce(&mut anhuan::config::Settings)) -> Park {
    let app = TestApp::spawn_with(tweak).await;
    let e = app.create_enterprise("黔江铝业有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let f = app.create_enterprise("黔江冷链有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, insp) = app.user("inspector", None, &[]).await;
    let (_, officer) = app.user("safety_officer", None, &[]).await;
    let (_, ent_e) = app.user("enterprise", Some(&e), &[]).await;
    let (_, ent_f) = app.user("enterprise", Some(&f), &[]).await;
    Park {
        app,
        e,
        insp,
        officer,
        ent_e,
        ent_f,
    }
}

impl Park {
    /// An order issued by the inspector to enterprise `e`.
    async fn order(&self) -> Value {
        self.order_for(&self.e).await
    }

    /// An order issued by the inspector to `enterprise`.
    async fn order_for(&self, enterprise: &str) -> Value {
        let fid = Uuid::new_v4().to_string();
        let body = json!({"enterprise_id": enterprise, "category": "safety", "level": "general", "description": "配电箱未接地",
                          "lat": 29.5331, "lon": 108.7708});
        let r = self
            .app
            .put(&format!("/api/v1/findings/{fid}"), &self.insp, &body)
            .await;
        assert_eq!(r.status(), 201);
        let body = json!({"enterprise_id": enterprise, "finding_ids": [fid], "requirements": "配电箱加装接地线",
                          "deadline": (today() + chrono::Duration::days(14)).to_string()});
        let r = self
            .app
            .post("/api/v1/rectification-orders", &self.insp, body)
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        r.json().await.unwrap()
    }

    async fn inbox(&self, token: &str, query: &str) -> Value {
        let r = self
            .app
            .get(&format!("/api/v1/me/notifications{query}"), token)
            .await;
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }
}

fn items(page: &Value) -> Vec<Value> {
    page["items"].as_array().unwrap().clone()
}

fn types(page: &Value) -> Vec<String> {
    items(page)
        .iter()
        .map(|n| n["event_type"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn inbox_tells_the_right_people_in_chinese_with_the_link() {
    let p = park_with(|_| {}).await;
    let app = &p.app;
    // A second account of the enterprise, disabled: it hears nothing.
    let (quiet, quiet_token) = app.user("enterprise", Some(&p.e), &[]).await;
    let qid = quiet["id"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/users/{qid}"),
            &app.admin,
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(r.status(), 200);

    let o = p.order().await;
    let oid = o["id"].as_str().unwrap();
    let number = o["number"].as_str().unwrap();
    let page = p.inbox(&p.ent_e, "").await;
    let n = &items(&page)[0];
    assert_eq!(types(&page), ["order.issued"]);
    assert_eq!(n["link"], format!("/orders/{oid}"));
    assert_eq!(n["read"], false);
    assert!(
        n["title"].as_str().unwrap().contains("收到整改通知书"),
        "{n}"
    );
    assert!(n["title"].as_str().unwrap().contains(number), "{n}");
    assert!(n["body"].as_str().unwrap().contains("整改期限"), "{n}");
    // Another enterprise, the issuer (who acted) and the office hear nothing yet.
    assert!(items(&p.inbox(&p.ent_f, "").await).is_empty());
    assert!(items(&p.inbox(&p.insp, "").await).is_empty());

    // 签收 tells the park side (issuer and safety office), not the enterprise.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/rectification-orders/{oid}/acknowledge")))
        .bearer_auth(&p.ent_e)
        .json(&json!({"comment": "已签收"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(types(&p.inbox(&p.insp, "").await), ["order.acknowledged"]);
    assert_eq!(
        types(&p.inbox(&p.officer, "").await),
        ["order.acknowledged"]
    );
    assert_eq!(types(&p.inbox(&p.ent_e, "").await), ["order.issued"]);

    // Someone else's notification is 404; one's own is marked read.
    let nid = n["id"].as_str().unwrap();
    let path = format!("/api/v1/me/notifications/{nid}/read");
    assert_eq!(app.post(&path, &p.ent_f, json!({})).await.status(), 404);
    let r = app.post(&path, &p.ent_e, json!({})).await;
    assert_eq!(r.status(), 200);
    let marked: Value = r.json().await.unwrap();
    assert_eq!(marked["marked"], 1);
    assert_eq!(marked["unread"], 0);
    let page = p.inbox(&p.ent_e, "").await;
    assert_eq!(items(&page)[0]["read"], true);

    // The disabled account, enabled again, finds nothing that came meanwhile.
    let r = app
        .patch(
            &format!("/api/v1/users/{qid}"),
            &app.admin,
            json!({"disabled": false}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let _ = quiet_token;
    let token = app
        .login(quiet["username"].as_str().unwrap(), PASSWORD)
        .await;
    assert!(items(&p.inbox(&token, "").await).is_empty());
    assert_eq!(
        app.get("/api/v1/me/notifications", "nonsense")
            .await
            .status(),
        401
    );
}

#[actix_web::test]
async fn unread_come_first_and_pages_cover_everything_once() {
    let p = park_with(|_| {}).await;
    let app = &p.app;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(p.order().await["id"].as_str().unwrap().to_string());
    }
    // Read the second-newest order's notification.
    let all = items(&p.inbox(&p.ent_e, "").await);
    assert_eq!(all.len(), 4);
    let second = all[1]["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/me/notifications/{second}/read"),
            &p.ent_e,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    // Pages of one: three unread (newest first), then the read one.
    let mut seen = Vec::new();
    let mut query = "?limit=1".to_string();
    loop {
        let page = p.inbox(&p.ent_e, &query).await;
        for n in items(&page) {
            seen.push((n["id"].as_str().unwrap().to_string(), n["read"] == true));
        }
        match page["next_cursor"].as_str() {
            Some(c) => query = format!("?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(
        seen.iter().map(|s| s.1).collect::<Vec<_>>(),
        [false, false, false, true]
    );
    assert_eq!(seen[3].0, second);
    let r = app
        .post("/api/v1/me/notifications/read-all", &p.ent_e, json!({}))
        .await;
    let marked: Value = r.json().await.unwrap();
    assert_eq!(marked["marked"], 3);
    assert_eq!(marked["unread"], 0);
}

// ------------------------------------------------------------ receiver

#[derive(Clone, Debug)]
struct Received {
    path: String,
    query: String,
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

/// A webhook receiver on loopback: records every request and answers 500
/// to the first `fail_first` of them (or all while `fail_all` is set).
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    fail_first: Arc<AtomicUsize>,
    fail_all: Arc<std::sync::atomic::AtomicBool>,
    port: u16,
}

async fn hook(req: HttpRequest, body: web::Bytes, r: web::Data<Receiver>) -> HttpResponse {
    let h = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let n = {
        let mut got = r.got.lock().unwrap();
        got.push(Received {
            path: req.path().to_string(),
            query: req.query_string().to_string(),
            id: h("webhook-id"),
            timestamp: h("webhook-timestamp"),
            signature: h("webhook-signature"),
            body: body.to_vec(),
        });
        got.len()
    };
    if r.fail_all.load(Ordering::SeqCst) || n <= r.fail_first.load(Ordering::SeqCst) {
        HttpResponse::InternalServerError().finish()
    } else if req.path().starts_with("/robot") {
        // What WeCom and DingTalk answer to a message they took.
        HttpResponse::Ok().json(json!({"errcode": 0, "errmsg": "ok"}))
    } else {
        HttpResponse::NoContent().finish()
    }
}

async fn receiver(fail_first: usize) -> Receiver {
    let mut r = Receiver::default();
    r.fail_first.store(fail_first, Ordering::SeqCst);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    r.port = listener.local_addr().unwrap().port();
    let data = web::Data::new(r.clone());
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(data.clone())
            .route("/hook", web::post().to(hook))
            .route("/robot/{name}", web::post().to(hook))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    r
}

impl Receiver {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }
    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

fn secret() -> (String, Vec<u8>) {
    let key: Vec<u8> = (0..24).map(|_| rand::random::<u8>()).collect();
    (format!("whsec_{}", STANDARD.encode(&key)), key)
}

/// Checks the Standard Webhooks signature independently of the server.
fn verify(r: &Received, key: &[u8]) -> Value {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(format!("{}.{}.", r.id, r.timestamp).as_bytes());
    mac.update(&r.body);
    let want = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    assert_eq!(r.signature, want, "signature of {}", r.id);
    let ts: i64 = r.timestamp.parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 300);
    serde_json::from_slice(&r.body).unwrap()
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..150 {
        if done() {
            return;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

/// `fast`, and e-mail through the SMTP server on `port`.
fn mailing(s: &mut anhuan::config::Settings, port: u16) {
    fast(s);
    s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    s.smtp_from = Some("安环 <anhuan@park.example.cn>".into());
}

fn fast(s: &mut anhuan::config::Settings) {
    s.webhook_allow_private = true;
    s.outbox_retry_base_ms = 50;
    s.outbox_poll_ms = 100;
}

async fn register(app: &TestApp, url: &str, events: Value, secret: &str) -> Value {
    let r = app
        .post(
            "/api/v1/webhooks",
            &app.admin,
            json!({"url": url, "events": events, "secret": secret}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

async fn deliveries(app: &TestApp, hook: &str, query: &str) -> Vec<Value> {
    let r = app
        .get(
            &format!("/api/v1/webhooks/{hook}/deliveries{query}"),
            &app.admin,
        )
        .await;
    assert_eq!(r.status(), 200);
    items(&r.json().await.unwrap())
}

#[actix_web::test]
async fn webhooks_are_admin_only_and_private_targets_need_the_setting() {
    let p = park_with(|_| {}).await;
    let app = &p.app;
    let (s, _) = secret();
    let body = json!({"url": "http://127.0.0.1:9/hook", "events": ["order.issued"], "secret": s});
    for t in [&p.officer, &p.insp, &p.ent_e] {
        assert_eq!(
            app.post("/api/v1/webhooks", t, body.clone()).await.status(),
            403
        );
        assert_eq!(app.get("/api/v1/webhooks", t).await.status(), 403);
    }
    // Loopback, private and link-local targets are refused by default.
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://10.0.0.8/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:9/hook",
        "ftp://example.org/x",
    ] {
        let r = app
            .post(
                "/api/v1/webhooks",
                &app.admin,
                json!({"url": url, "events": ["order.issued"], "secret": s}),
            )
            .await;
        assert_eq!(r.status(), 422, "{url}");
    }
    let r = app
        .post(
            "/api/v1/webhooks",
            &app.admin,
            json!({"url": "https://93.184.215.14/x", "events": ["order.nonsense"], "secret": "short"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let problem: Value = r.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"events[0]") && fields.contains(&"secret"),
        "{problem}"
    );
    let missing = Uuid::new_v4();
    assert_eq!(
        app.get(
            &format!("/api/v1/webhooks/{missing}/deliveries"),
            &app.admin
        )
        .await
        .status(),
        404
    );
}

#[actix_web::test]
async fn signed_delivery_arrives_once_even_after_a_500() {
    let rx = receiver(1).await;
    let p = park_with(fast).await;
    let app = &p.app;
    let (s, key) = secret();
    let hook = register(
        app,
        &rx.url(),
        json!(["order.issued", "order.acknowledged"]),
        &s,
    )
    .await;
    let hid = hook["id"].as_str().unwrap();
    assert!(hook.get("secret").is_none(), "secret shown: {hook}");
    let listed: Value = app
        .get("/api/v1/webhooks", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let o = p.order().await;
    wait_for("the retry after the 500", || rx.got().len() >= 2).await;
    // Nothing more comes: the success ends it.
    actix_web::rt::time::sleep(Duration::from_millis(700)).await;
    let got = rx.got();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].id, got[1].id, "the retry keeps the webhook-id");
    for g in &got {
        let v = verify(g, &key);
        assert_eq!(v["type"], "order.issued");
        assert_eq!(v["id"].as_str().unwrap(), g.id);
        assert_eq!(v["data"]["resource_id"], o["id"]);
        assert!(v["data"]["link"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/orders/{}", o["id"].as_str().unwrap())));
    }
    let d = deliveries(app, hid, "").await;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["status"], "delivered");
    assert_eq!(d[0]["attempts"], 2);
    assert_eq!(d[0]["message_id"].as_str().unwrap(), got[0].id);
    // A delivery that is not dead cannot be replayed.
    let did = d[0]["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/webhooks/{hid}/deliveries/{did}/replay"),
            &app.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 409);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["code"], "delivery_not_dead");
    // Deleting the endpoint stops it.
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/webhooks/{hid}")))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    p.order().await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.got().len(), 2);
}

#[actix_web::test]
async fn dead_after_the_limit_is_listed_told_to_admins_and_replayed() {
    let rx = receiver(0).await;
    rx.fail_all.store(true, Ordering::SeqCst);
    let p = park_with(|s| {
        fast(s);
        s.outbox_max_attempts = 3;
    })
    .await;
    let app = &p.app;
    let (s, key) = secret();
    let hook = register(app, &rx.url(), json!(["*"]), &s).await;
    let hid = hook["id"].as_str().unwrap().to_string();
    p.order().await;
    let mut dead = Vec::new();
    for _ in 0..150 {
        dead = deliveries(app, &hid, "?status=dead").await;
        if !dead.is_empty() {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(dead.len(), 1, "no dead delivery");
    assert_eq!(dead[0]["attempts"], 3);
    assert_eq!(dead[0]["last_status"], 500);
    assert_eq!(rx.got().len(), 3);
    let inbox: Value = app
        .get("/api/v1/me/notifications", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(types(&inbox), ["delivery.dead"]);
    let r = app
        .get(
            &format!("/api/v1/webhooks/{hid}/deliveries?status=bogus"),
            &app.admin,
        )
        .await;
    assert_eq!(r.status(), 422);
    // Only admins see deliveries or replay them.
    let did = dead[0]["id"].as_str().unwrap();
    let replay = format!("/api/v1/webhooks/{hid}/deliveries/{did}/replay");
    assert_eq!(
        app.get(&format!("/api/v1/webhooks/{hid}/deliveries"), &p.officer)
            .await
            .status(),
        403
    );
    assert_eq!(app.post(&replay, &p.officer, json!({})).await.status(), 403);
    // The receiver is fixed; the replay delivers the same message once.
    rx.fail_all.store(false, Ordering::SeqCst);
    let r = app.post(&replay, &app.admin, json!({})).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "pending");
    assert_eq!(v["attempts"], 0);
    wait_for("the replayed delivery", || rx.got().len() >= 4).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let got = rx.got();
    assert_eq!(got.len(), 4);
    assert_eq!(got[3].id, dead[0]["message_id"].as_str().unwrap());
    verify(&got[3], &key);
    let d = deliveries(app, &hid, "").await;
    assert_eq!(d[0]["status"], "delivered");
}

/// A second `anhuan serve` on the same database (same settings, own port).
async fn second_instance(app: &TestApp, tweak: impl FnOnce(&mut anhuan::config::Settings)) {
    let mut s = app.settings.clone();
    tweak(&mut s);
    let other = anhuan::startup::Application::build(s)
        .await
        .expect("second app");
    actix_web::rt::spawn(other.run_until_stopped());
}

#[actix_web::test]
async fn two_processes_on_one_database_deliver_each_message_once() {
    let rx = receiver(0).await;
    let p = park_with(|s| {
        fast(s);
        s.outbox_poll_ms = 20;
    })
    .await;
    second_instance(&p.app, |_| {}).await;
    second_instance(&p.app, |_| {}).await;
    let (s, key) = secret();
    register(&p.app, &rx.url(), json!(["order.issued"]), &s).await;
    let mut orders = Vec::new();
    for _ in 0..6 {
        orders.push(p.order().await["id"].as_str().unwrap().to_string());
    }
    wait_for("six deliveries", || rx.got().len() >= 6).await;
    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    let got = rx.got();
    let mut ids: Vec<String> = got.iter().map(|g| g.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        got.len(),
        6,
        "duplicates: {:?}",
        got.iter().map(|g| &g.id).collect::<Vec<_>>()
    );
    assert_eq!(ids.len(), 6);
    let mut resources: Vec<String> = got
        .iter()
        .map(|g| {
            verify(g, &key)["data"]["resource_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    resources.sort();
    orders.sort();
    assert_eq!(resources, orders);
}

/// `anhuan serve` as its own process on this app's database, on a free
/// port; killed (SIGKILL) when dropped.
struct Served {
    child: std::process::Child,
    base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve_process(app: &TestApp, poll_ms: &str) -> Served {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_anhuan"));
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(app.cli_env())
        .env("ANHUAN_BIND", format!("127.0.0.1:{port}"))
        .env("ANHUAN_OUTBOX_POLL_MS", poll_ms)
        .env("ANHUAN_OUTBOX_RETRY_BASE_MS", "50")
        .env("ANHUAN_WEBHOOK_ALLOW_PRIVATE", "true")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let served = Served {
        child: cmd.spawn().expect("anhuan serve"),
        base: format!("http://127.0.0.1:{port}"),
    };
    let ready = format!("{}/readyz", served.base);
    for _ in 0..300 {
        if let Ok(r) = app.client.get(&ready).send().await {
            if r.status() == 200 {
                return served;
            }
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("anhuan serve did not get ready on {port}");
}

#[actix_web::test]
async fn a_message_written_before_kill_9_is_delivered_after_restart() {
    let rx = receiver(0).await;
    // This test's own server only registers the webhook: its worker looks
    // once, at start, and never again.
    let p = park_with(|s| {
        fast(s);
        s.outbox_poll_ms = 3_600_000;
    })
    .await;
    let (s, key) = secret();
    register(&p.app, &rx.url(), json!(["order.issued"]), &s).await;
    let fid = Uuid::new_v4().to_string();
    let finding = json!({"enterprise_id": p.e, "category": "safety", "level": "general", "description": "配电箱未接地"});
    assert_eq!(
        p.app
            .put(&format!("/api/v1/findings/{fid}"), &p.insp, &finding)
            .await
            .status(),
        201
    );

    // A separate process issues the order and is killed before its worker
    // (an hour away) could deliver it.
    let first = serve_process(&p.app, "3600000").await;
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let order: Value = {
        let r = p
            .app
            .client
            .post(format!("{}/api/v1/rectification-orders", first.base))
            .bearer_auth(&p.insp)
            .json(&json!({"enterprise_id": p.e, "finding_ids": [fid], "requirements": "配电箱加装接地线",
                          "deadline": (today() + chrono::Duration::days(14)).to_string()}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        r.json().await.unwrap()
    };
    drop(first); // SIGKILL
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert!(rx.got().is_empty(), "delivered before the crash");

    // The restarted process finds it in the outbox and delivers it once.
    let _second = serve_process(&p.app, "100").await;
    wait_for("delivery after restart", || !rx.got().is_empty()).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let got = rx.got();
    assert_eq!(got.len(), 1);
    assert_eq!(verify(&got[0], &key)["data"]["resource_id"], order["id"]);
}

// ------------------------------------------------------- group robots

#[actix_web::test]
async fn wecom_and_dingtalk_robots_get_their_documented_json() {
    let rx = receiver(0).await;
    let p = park_with(fast).await;
    let app = &p.app;
    let port = rx.port;
    let add = |body: Value| async move { app.post("/api/v1/webhooks", &app.admin, body).await };
    // A WeCom robot takes no secret.
    let wecom_url = format!("http://127.0.0.1:{port}/robot/wecom?key=abc");
    let r = add(json!({"kind": "wecom", "url": wecom_url, "events": ["*"], "secret": "x"})).await;
    assert_problem(r, 422, "validation_failed").await;
    let r = add(json!({"kind": "wecom", "url": wecom_url, "events": ["*"], "enterprise_id": Uuid::new_v4()})).await;
    assert_problem(r, 422, "validation_failed").await;
    // Enterprise e's own WeCom group, and the office's DingTalk group in signed mode.
    let r = add(json!({"kind": "wecom", "url": wecom_url, "events": ["order.issued"], "enterprise_id": p.e})).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let w: Value = r.json().await.unwrap();
    assert_eq!(
        (w["kind"].as_str(), w["enterprise_id"].as_str()),
        (Some("wecom"), Some(p.e.as_str()))
    );
    let ding_secret = "SEC0123456789abcdef";
    let ding_url = format!("http://127.0.0.1:{port}/robot/dingtalk?access_token=t1");
    let r = add(json!({"kind": "dingtalk", "url": ding_url, "events": ["order.issued"], "secret": ding_secret})).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());

    let o = p.order().await;
    let number = o["number"].as_str().unwrap().to_string();
    wait_for("both robots", || rx.got().len() >= 2).await;
    // An order of another enterprise reaches the office's group only.
    let f = p.app.create_enterprise("黔江第三铝材厂").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    p.order_for(&f).await;
    wait_for("the office robot again", || rx.got().len() >= 3).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let got = rx.got();
    assert_eq!(got.len(), 3, "{got:?}");
    let wecom: Vec<&Received> = got.iter().filter(|g| g.path == "/robot/wecom").collect();
    assert_eq!(wecom.len(), 1, "e's robot hears of e only");
    let v: Value = serde_json::from_slice(&wecom[0].body).unwrap();
    assert_eq!(v["msgtype"], "markdown");
    let content = v["markdown"]["content"].as_str().unwrap();
    assert!(
        content.contains(&number) && content.contains("整改通知书"),
        "{content}"
    );
    assert!(
        content.contains(&format!("/orders/{}", o["id"].as_str().unwrap())),
        "{content}"
    );
    assert_eq!(wecom[0].query, "key=abc");
    let ding = got.iter().find(|g| g.path == "/robot/dingtalk").unwrap();
    let v: Value = serde_json::from_slice(&ding.body).unwrap();
    assert_eq!(v["msgtype"], "markdown");
    assert!(
        v["markdown"]["title"].as_str().unwrap().contains(&number),
        "{v}"
    );
    assert!(
        v["markdown"]["text"].as_str().unwrap().contains(&number),
        "{v}"
    );
    // Signed mode: timestamp (ms) and sign = base64 HMAC-SHA256("ts\nsecret").
    let q: std::collections::HashMap<String, String> =
        reqwest::Url::parse(&format!("http://robot/?{}", ding.query))
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
    assert_eq!(q["access_token"], "t1");
    let ts: i64 = q["timestamp"].parse().unwrap();
    assert!((chrono::Utc::now().timestamp_millis() - ts).abs() < 60_000);
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(ding_secret.as_bytes()).unwrap();
    mac.update(format!("{ts}\n{ding_secret}").as_bytes());
    assert_eq!(q["sign"], STANDARD.encode(mac.finalize().into_bytes()));
}

// ------------------------------------------------------------- e-mail

/// aiosmtpd on a free loopback port, storing what it receives as a
/// Maildir; `None` (said loudly) when no Python with aiosmtpd is found.
struct Smtp {
    python: String,
    child: std::process::Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp_python() -> Option<String> {
    let candidates = [
        std::env::var("ANHUAN_TEST_AIOSMTPD_PYTHON").ok(),
        Some("/var/tmp/anhuan-ci/smtp/bin/python".to_string()),
        Some("python3".to_string()),
    ];
    candidates.into_iter().flatten().find(|py| {
        std::process::Command::new(py)
            .args(["-c", "import aiosmtpd"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn smtp_server() -> Option<Smtp> {
    smtp_server_on(free_port()).await
}

async fn smtp_server_on(port: u16) -> Option<Smtp> {
    let Some(py) = smtp_python() else {
        assert!(
            std::env::var("REQUIRE_SMTP").as_deref() != Ok("1"),
            "no Python with aiosmtpd (ANHUAN_TEST_AIOSMTPD_PYTHON) and REQUIRE_SMTP=1"
        );
        eprintln!("######## SMTP TEST SKIPPED: no Python with aiosmtpd (scripts/test.sh installs it) ########");
        return None;
    };
    let maildir = tempfile::tempdir().unwrap();
    let child = std::process::Command::new(&py)
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(maildir.path().join("mail"))
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("aiosmtpd starts");
    let server = Smtp {
        python: py,
        child,
        port,
        maildir,
    };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(server);
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("aiosmtpd did not listen on {port}");
}

impl Smtp {
    /// Subject, headers and decoded body of each message, by Python's own
    /// MIME parser (the one aiosmtpd runs on).
    fn decoded(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail").join("new");
        let Ok(dir) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        let script = "import email, email.policy, sys\n\
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)\n\
print('From:', m['from']); print('To:', m['to']); print('Subject:', m['subject']); print(m.get_content())";
        dir.map(|e| {
            let out = std::process::Command::new(&self.python)
                .args(["-c", script])
                .arg(e.unwrap().path())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        })
        .collect()
    }
}

#[actix_web::test]
async fn an_order_is_emailed_to_the_enterprise_contacts_in_chinese_with_the_link() {
    let Some(smtp) = smtp_server().await else {
        return;
    };
    let port = smtp.port;
    let p = park_with(move |s| {
        mailing(s, port);
        s.public_url = Some("https://anhuan.example.cn".into());
    })
    .await;
    let app = &p.app;
    // A bad address is refused where it is typed.
    let r = app
        .post(
            "/api/v1/enterprises",
            &app.admin,
            json!({"name": "黔江示例材料有限公司", "credit_code": credit_code(), "industry": "aluminium",
                   "address": "黔江高新区", "contacts": [{"name": "李四", "email": "li si@qj"}]}),
        )
        .await;
    assert_problem(r, 422, "validation_failed").await;
    let r = app
        .post(
            "/api/v1/enterprises",
            &app.admin,
            json!({"name": "黔江示例材料有限公司", "credit_code": credit_code(), "industry": "aluminium",
                   "address": "黔江高新区", "lat": 29.53, "lon": 108.77,
                   "contacts": [{"name": "李四", "title": "安全员", "email": "lisi@qjcl.example.cn"}]}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let g = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let o = p.order_for(&g).await;
    let number = o["number"].as_str().unwrap().to_string();
    wait_for("the e-mail", || !smtp.decoded().is_empty()).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let mail = smtp.decoded();
    assert_eq!(mail.len(), 1, "one message for one contact: {mail:?}");
    let text = &mail[0];
    assert!(text.contains("To: lisi@qjcl.example.cn"), "{text}");
    assert!(
        text.contains("From: 安环 <anhuan@park.example.cn>"),
        "{text}"
    );
    let subject = text.lines().find(|l| l.starts_with("Subject:")).unwrap();
    assert!(
        subject.contains(&number) && subject.contains("整改通知书"),
        "{subject}"
    );
    assert!(text.contains(&number), "the order number: {text}");
    assert!(text.contains("整改通知书"), "Chinese: {text}");
    let link = format!(
        "https://anhuan.example.cn/orders/{}",
        o["id"].as_str().unwrap()
    );
    assert!(text.contains(&link), "the console link: {text}");
    // Orders of enterprises without an address send no mail.
    p.order().await;
    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(smtp.decoded().len(), 1);
}

#[actix_web::test]
async fn without_smtp_an_email_is_skipped_not_retried() {
    let p = park_with(fast).await;
    let app = &p.app;
    let r = app
        .post(
            "/api/v1/enterprises",
            &app.admin,
            json!({"name": "黔江示例材料有限公司", "credit_code": credit_code(), "industry": "aluminium",
                   "address": "黔江高新区", "lat": 29.53, "lon": 108.77,
                   "contacts": [{"name": "李四", "email": "lisi@qjcl.example.cn"}]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let g = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    p.order_for(&g).await;
    // The worker (polling every 100 ms) takes it: skipped once, never retried.
    let email_rows = || {
        app.db()
            .run_blocking(|c| {
                use anhuan::db::schema::deliveries::dsl::*;
                use diesel::prelude::*;
                deliveries
                    .filter(channel.eq("email"))
                    .select((status, attempts))
                    .load::<(String, i32)>(c)
                    .map_err(anhuan::db::DbError::from)
            })
            .unwrap()
    };
    wait_for("the e-mail delivery to be skipped", || {
        email_rows().iter().any(|(st, _)| st == "skipped")
    })
    .await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let rows = email_rows();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "skipped");
    assert!(rows[0].1 <= 1, "not retried: {rows:?}");
    let inbox: Value = app
        .get("/api/v1/me/notifications", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !types(&inbox).contains(&"delivery.dead".to_string()),
        "no alarm for a channel not set up"
    );
}

// ------------------------------------------------- a user's own choices

async fn put_settings(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.client
        .put(app.url("/api/v1/me/notification-settings"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_user_mutes_what_they_do_not_need_but_never_a_legal_notice() {
    let p = park_with(|_| {}).await;
    let app = &p.app;
    let (_, colleague) = app.user("enterprise", Some(&p.e), &[]).await;
    let r = app.get("/api/v1/me/notification-settings", &p.ent_e).await;
    assert_eq!(r.status(), 200);
    let s: Value = r.json().await.unwrap();
    assert_eq!((&s["email"], &s["muted"]), (&Value::Null, &json!([])));
    assert!(s["always_sent"]
        .as_array()
        .unwrap()
        .contains(&json!({"event_type": "order.issued", "label": {"zh": "收到整改通知书", "en": "order issued"}})));
    assert!(s["mutable_events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["event_type"] == "order.cancelled"));

    // Refused where typed: every field at once; nothing stored.
    let r = put_settings(
        app,
        &p.ent_e,
        json!({"email": "wang wu@qj", "muted": ["order.overdue", "order.nope"]}),
    )
    .await;
    let problem = assert_problem(r, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "muted[0]", "muted[1]"]);
    for not_an_object in [json!([]), json!([null, []]), json!("x")] {
        let r = put_settings(app, &p.ent_e, not_an_object.clone()).await;
        assert!(
            r.status().is_client_error(),
            "{not_an_object}: {}",
            r.status()
        );
    }
    let r = put_settings(app, &p.ent_e, json!({"email": ""})).await;
    assert_problem(r, 422, "validation_failed").await;
    let r = put_settings(app, &p.ent_e, json!({"muted": [], "channel": "sms"})).await;
    assert_eq!(r.status(), 422, "an unknown field");
    let s: Value = app
        .get("/api/v1/me/notification-settings", &p.ent_e)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["muted"], json!([]));

    let r = put_settings(
        app,
        &p.ent_e,
        json!({"muted": ["order.cancelled", "order.cancelled"]}),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let s: Value = app
        .get("/api/v1/me/notification-settings", &p.ent_e)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["muted"], json!(["order.cancelled"]));

    // A new order reaches both accounts (it cannot be muted); its
    // cancellation only the colleague, who muted nothing.
    let o = p.order().await;
    assert_eq!(types(&p.inbox(&p.ent_e, "").await), ["order.issued"]);
    let r = app
        .client
        .post(app.url(&format!(
            "/api/v1/rectification-orders/{}/cancel",
            o["id"].as_str().unwrap()
        )))
        .bearer_auth(&p.officer)
        .header(
            "if-match",
            format!("\"{}-v{}\"", o["id"].as_str().unwrap(), o["version"]),
        )
        .json(&json!({"reason": "重复开具"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(types(&p.inbox(&p.ent_e, "").await), ["order.issued"]);
    assert_eq!(
        types(&p.inbox(&colleague, "").await),
        ["order.cancelled", "order.issued"]
    );
    let r = app
        .client
        .get(app.url("/api/v1/me/notification-settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[actix_web::test]
async fn a_user_with_an_address_of_their_own_gets_e_mail_of_what_they_did_not_mute() {
    let Some(smtp) = smtp_server().await else {
        return;
    };
    let port = smtp.port;
    let p = park_with(move |s| {
        mailing(s, port);
    })
    .await;
    let app = &p.app;
    let r = put_settings(
        app,
        &p.ent_e,
        json!({"email": " wang.wu@qjly.example.cn ", "muted": ["order.rejected"]}),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(
        r.json::<Value>().await.unwrap()["email"],
        "wang.wu@qjly.example.cn"
    );
    // The office wants its 签收 notices by mail too.
    let r = put_settings(app, &p.insp, json!({"email": "zhao@park.example.cn"})).await;
    assert_eq!(r.status(), 200);

    let o = p.order().await;
    let number = o["number"].as_str().unwrap().to_string();
    wait_for("the enterprise user's e-mail", || {
        !smtp.decoded().is_empty()
    })
    .await;
    let r = app
        .client
        .post(app.url(&format!(
            "/api/v1/rectification-orders/{}/acknowledge",
            o["id"].as_str().unwrap()
        )))
        .bearer_auth(&p.ent_e)
        .json(&json!({"comment": "已签收"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    wait_for("the issuer's e-mail", || smtp.decoded().len() >= 2).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let mail = smtp.decoded();
    assert_eq!(mail.len(), 2, "{mail:?}");
    let to_enterprise = mail
        .iter()
        .find(|m| m.contains("To: wang.wu@qjly.example.cn"))
        .expect("to the enterprise user");
    assert!(
        to_enterprise.contains(&number) && to_enterprise.contains("收到整改通知书"),
        "{to_enterprise}"
    );
    let to_issuer = mail
        .iter()
        .find(|m| m.contains("To: zhao@park.example.cn"))
        .expect("to the issuer");
    assert!(to_issuer.contains("已签收"), "{to_issuer}");
    // Clearing the address stops the mail; the inbox still tells.
    let r = put_settings(app, &p.insp, json!({"email": null})).await;
    assert_eq!(r.status(), 200);
    p.order().await;
    wait_for("the second order's e-mail", || smtp.decoded().len() >= 3).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.decoded().len(), 3, "only the enterprise user's");
}

#[actix_web::test]
async fn reminders_wait_for_the_daily_digest_one_mail_per_address() {
    let Some(smtp) = smtp_server().await else {
        return;
    };
    let port = smtp.port;
    // Two hours from now, park time: the digest is ahead whatever the hour.
    let now = chrono::Utc::now();
    let hour =
        (chrono::Timelike::hour(&now.with_timezone(&anhuan::domain::time::park_offset())) + 2) % 24;
    let p = park_with(move |s| {
        mailing(s, port);
        s.digest_hour = hour;
    })
    .await;
    let app = &p.app;
    let r = put_settings(app, &p.ent_e, json!({"email": "wang.wu@qjly.example.cn"})).await;
    assert_eq!(r.status(), 200);
    let mut numbers = Vec::new();
    for text in ["配电箱加装接地线", "更换破损的防爆灯具"] {
        let fid = Uuid::new_v4().to_string();
        let body = json!({"enterprise_id": p.e, "category": "safety", "level": "general", "description": text});
        assert_eq!(
            app.put(&format!("/api/v1/findings/{fid}"), &p.insp, &body)
                .await
                .status(),
            201
        );
        let body = json!({"enterprise_id": p.e, "finding_ids": [fid], "requirements": text,
                          "deadline": (today() + chrono::Duration::days(1)).to_string()});
        let r = app
            .post("/api/v1/rectification-orders", &p.insp, body)
            .await;
        assert_eq!(r.status(), 201);
        numbers.push(
            r.json::<Value>().await.unwrap()["number"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // A new order is no reminder: both are mailed at once.
    wait_for("the two orders' e-mails", || smtp.decoded().len() >= 2).await;

    let run = anhuan::service::orders::deadline_job(&app.ctx())
        .await
        .unwrap();
    assert_eq!(run.reminders, 2);
    let inbox = types(&p.inbox(&p.ent_e, "").await);
    assert_eq!(
        inbox.iter().filter(|t| *t == "order.reminder").count(),
        2,
        "the inbox at once: {inbox:?}"
    );
    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(smtp.decoded().len(), 2, "the reminders wait for the digest");
    let due: Vec<chrono::NaiveDateTime> = app
        .db()
        .run_blocking(|c| {
            use anhuan::db::schema::deliveries as d;
            use diesel::prelude::*;
            d::table
                .filter(d::channel.eq("email_digest"))
                .select(d::next_attempt_at)
                .load(c)
                .map_err(anhuan::db::DbError::from)
        })
        .unwrap();
    let expected = anhuan::domain::time::next_park_hour(anhuan::domain::time::now(), hour);
    assert_eq!(
        due,
        vec![expected.naive_utc()],
        "one digest for the address, at {hour}:00"
    );

    // The hour comes: one e-mail carries both.
    app.sql("UPDATE deliveries SET next_attempt_at = '2000-01-01 00:00:00' WHERE channel = 'email_digest'");
    wait_for("the digest", || smtp.decoded().len() >= 3).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let mail = smtp.decoded();
    assert_eq!(mail.len(), 3, "{mail:?}");
    let digest = mail
        .iter()
        .find(|m| m.contains("整改期限提醒"))
        .expect("the digest");
    assert!(digest.contains("To: wang.wu@qjly.example.cn"), "{digest}");
    assert!(digest.contains("2份整改通知书"), "{digest}");
    for n in &numbers {
        assert!(digest.contains(n.as_str()), "{n} in {digest}");
    }
}

#[actix_web::test]
async fn a_dead_e_mail_is_listed_for_admins_and_replayed() {
    if smtp_python().is_none() {
        smtp_server().await; // says why, or fails under REQUIRE_SMTP=1
        return;
    }
    // The SMTP server is down at first.
    let port = free_port();
    let p = park_with(move |s| {
        mailing(s, port);
        s.outbox_max_attempts = 2;
    })
    .await;
    let app = &p.app;
    let r = put_settings(app, &p.ent_e, json!({"email": "wang.wu@qjly.example.cn"})).await;
    assert_eq!(r.status(), 200);
    let o = p.order().await;
    let dead = || async {
        let r = app
            .get("/api/v1/email-deliveries?status=dead", &app.admin)
            .await;
        assert_eq!(r.status(), 200);
        items(&r.json::<Value>().await.unwrap())
    };
    let mut listed = Vec::new();
    for _ in 0..100 {
        listed = dead().await;
        if !listed.is_empty() {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(listed.len(), 1, "{listed:?}");
    let d = &listed[0];
    assert_eq!(
        (d["channel"].as_str(), d["address"].as_str()),
        (Some("email"), Some("wang.wu@qjly.example.cn"))
    );
    assert_eq!(
        (d["event_type"].as_str(), d["attempts"].as_i64()),
        (Some("order.issued"), Some(2))
    );
    assert!(d["last_error"].as_str().unwrap().contains("SMTP"), "{d}");
    assert!(types(&p.inbox(&app.admin, "").await).contains(&"delivery.dead".to_string()));
    for token in [&p.officer, &p.ent_e] {
        assert_eq!(
            app.get("/api/v1/email-deliveries", token).await.status(),
            403
        );
    }
    let r = app
        .get("/api/v1/email-deliveries?status=gone", &app.admin)
        .await;
    assert_problem(r, 422, "validation_failed").await;

    // The server is back; the admin replays, and it arrives.
    let smtp = smtp_server_on(port).await.expect("aiosmtpd");
    let id = d["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/email-deliveries/{id}/replay"),
            &app.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(r.json::<Value>().await.unwrap()["attempts"], 0);
    wait_for("the replayed e-mail", || !smtp.decoded().is_empty()).await;
    let mail = smtp.decoded();
    assert!(mail[0].contains(o["number"].as_str().unwrap()), "{mail:?}");
    let r = app
        .post(
            &format!("/api/v1/email-deliveries/{id}/replay"),
            &app.admin,
            json!({}),
        )
        .await;
    assert_problem(r, 409, "delivery_not_dead").await;
    let r = app
        .post(
            &format!("/api/v1/email-deliveries/{}/replay", Uuid::new_v4()),
            &app.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 404);
}

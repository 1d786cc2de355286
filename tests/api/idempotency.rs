//! `Idempotency-Key` over HTTP: a retried POST whose answer was lost
//! makes its change once and gets the first answer again; the key is per
//! user, bound to its request, and held while the first request runs.

use crate::helpers::*;
use serde_json::{json, Value};
use uuid::Uuid;

struct Park {
    app: TestApp,
    e: String,
    insp: String,
    officer: String,
    officer_id: Uuid,
    ent_e: String,
}

async fn park() -> Park {
    let app = TestApp::spawn().await;
    let e = app.create_enterprise("黔江铝业有限公司").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, insp) = app.user("inspector", None, &[]).await;
    let (officer_user, officer) = app.user("safety_officer", None, &[]).await;
    let (_, ent_e) = app.user("enterprise", Some(&e), &[]).await;
    Park {
        officer_id: officer_user["id"].as_str().unwrap().parse().unwrap(),
        app,
        e,
        insp,
        officer,
        ent_e,
    }
}

impl Park {
    async fn finding(&self) -> String {
        let id = Uuid::new_v4().to_string();
        let body = json!({"enterprise_id": self.e, "category": "safety", "level": "general",
                          "description": "熔铸车间铝灰堆放区未设防雨防潮设施", "lat": 29.5331, "lon": 108.7708});
        let r = self
            .app
            .put(&format!("/api/v1/findings/{id}"), &self.insp, &body)
            .await;
        assert_eq!(r.status(), 201);
        id
    }

    async fn order_body(&self) -> Value {
        let deadline =
            anhuan::domain::time::park_today(chrono::Utc::now()) + chrono::Duration::days(10);
        json!({"enterprise_id": self.e, "finding_ids": [self.finding().await],
               "requirements": "立即清理并设置防雨防潮铝灰暂存间", "deadline": deadline.to_string()})
    }

    async fn keyed(&self, path: &str, token: &str, key: &str, body: &Value) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url(path))
            .bearer_auth(token)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    async fn orders(&self) -> Vec<Value> {
        let r = self
            .app
            .get("/api/v1/rectification-orders", &self.officer)
            .await;
        assert_eq!(r.status(), 200);
        r.json::<Value>().await.unwrap()["items"]
            .as_array()
            .unwrap()
            .clone()
    }
}

const ORDERS: &str = "/api/v1/rectification-orders";

fn replayed(r: &reqwest::Response) -> Option<&str> {
    r.headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap())
}

#[actix_web::test]
async fn a_retried_order_creation_makes_one_order_and_gets_its_id() {
    let p = park().await;
    let body = p.order_body().await;
    let key = Uuid::new_v4().to_string();
    let first = p.keyed(ORDERS, &p.officer, &key, &body).await;
    assert_eq!(first.status(), 201);
    assert_eq!(replayed(&first), None);
    let first: Value = first.json().await.unwrap();

    let retry = p.keyed(ORDERS, &p.officer, &key, &body).await;
    assert_eq!(retry.status(), 201);
    assert_eq!(replayed(&retry), Some("true"));
    assert!(retry.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry["id"], first["id"]);
    assert_eq!(retry["number"], first["number"]);
    assert_eq!(p.orders().await.len(), 1);

    // Without the key the same retry is refused: the finding is ordered.
    let bare = p.app.post(ORDERS, &p.officer, body.clone()).await;
    assert!(bare.status().is_client_error(), "{}", bare.status());
    assert_eq!(p.orders().await.len(), 1);
}

#[actix_web::test]
async fn a_retried_progress_adds_one_event() {
    let p = park().await;
    let r = p.app.post(ORDERS, &p.officer, p.order_body().await).await;
    assert_eq!(r.status(), 201);
    let order: Value = r.json().await.unwrap();
    let id = order["id"].as_str().unwrap();
    let ack = p
        .app
        .post(
            &format!("{ORDERS}/{id}/acknowledge"),
            &p.ent_e,
            json!({"comment": "已签收"}),
        )
        .await;
    assert_eq!(ack.status(), 200);
    let path = format!("{ORDERS}/{id}/progress");
    let body = json!({"comment": "已清理铝灰，暂存间施工中", "photo_ids": []});
    let key = "progress-2026-12-02-001";
    let first = p.keyed(&path, &p.ent_e, key, &body).await;
    assert_eq!(first.status(), 200);
    let first_text = first.text().await.unwrap();
    let retry = p.keyed(&path, &p.ent_e, key, &body).await;
    assert_eq!(retry.status(), 200);
    assert_eq!(replayed(&retry), Some("true"));
    assert_eq!(retry.text().await.unwrap(), first_text);

    let events: Value = p
        .app
        .get(&format!("{ORDERS}/{id}/events"), &p.officer)
        .await
        .json()
        .await
        .unwrap();
    let items = events.as_array().or(events["items"].as_array()).unwrap();
    let progress = items.iter().filter(|e| e["action"] == "progress").count();
    assert_eq!(progress, 1, "{events}");
}

#[actix_web::test]
async fn the_same_key_for_another_request_is_422() {
    let p = park().await;
    let key = Uuid::new_v4().to_string();
    let body = p.order_body().await;
    assert_eq!(p.keyed(ORDERS, &p.officer, &key, &body).await.status(), 201);
    let other = p.order_body().await;
    let r = p.keyed(ORDERS, &p.officer, &key, &other).await;
    assert_eq!(r.status(), 422);
    assert_eq!(code_of(r).await, "idempotency_key_reused");
    // Another path under the same key is another request too.
    let r = p
        .keyed("/api/v1/enterprises", &p.officer, &key, &body)
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(code_of(r).await, "idempotency_key_reused");
    assert_eq!(p.orders().await.len(), 1);
}

#[actix_web::test]
async fn a_key_is_held_while_its_request_runs_and_released_after_a_crash() {
    let p = park().await;
    let ctx = p.app.ctx();
    let body = p.order_body().await;
    let fp = anhuan::service::idempotency::fingerprint(
        "POST",
        ORDERS,
        &[],
        None,
        &serde_json::to_vec(&body).unwrap(),
    );
    // The first request's reservation, as the middleware writes it when it starts.
    let key = Uuid::new_v4().to_string();
    let claim = anhuan::service::idempotency::claim(&ctx, p.officer_id, &key, &fp).await;
    assert!(matches!(
        claim,
        Ok(anhuan::service::idempotency::Claim::Proceed)
    ));
    let r = p.keyed(ORDERS, &p.officer, &key, &body).await;
    assert_eq!(r.status(), 409);
    assert_eq!(code_of(r).await, "idempotency_key_in_flight");
    assert!(p.orders().await.is_empty());

    // A reservation whose request died (its lease ran out) is taken over.
    let key = Uuid::new_v4().to_string();
    let lease = chrono::Duration::seconds(p.app.settings.idempotency_lease_secs as i64 + 1);
    let long_ago = chrono::Utc::now().naive_utc() - lease;
    anhuan::service::idempotency::claim_at(&ctx, p.officer_id, &key, &fp, long_ago)
        .await
        .unwrap();
    let r = p.keyed(ORDERS, &p.officer, &key, &body).await;
    assert_eq!(r.status(), 201);
    let again = p.keyed(ORDERS, &p.officer, &key, &body).await;
    assert_eq!(replayed(&again), Some("true"));
    assert_eq!(p.orders().await.len(), 1);
}

#[actix_web::test]
async fn keys_are_per_user() {
    let p = park().await;
    let (_, officer2) = p.app.user("safety_officer", None, &[]).await;
    let key = "shared-key-1";
    let a = p
        .keyed(ORDERS, &p.officer, key, &p.order_body().await)
        .await;
    assert_eq!(a.status(), 201);
    let a: Value = a.json().await.unwrap();
    let b = p.keyed(ORDERS, &officer2, key, &p.order_body().await).await;
    assert_eq!(b.status(), 201);
    assert_eq!(replayed(&b), None);
    let b: Value = b.json().await.unwrap();
    assert_ne!(a["id"], b["id"]);
    // The enterprise user cannot replay the officer's answer either: its
    // request runs as its own and is refused by role.
    let c = p.keyed(ORDERS, &p.ent_e, key, &p.order_body().await).await;
    assert_eq!(c.status(), 403);
    assert_eq!(p.orders().await.len(), 2);
}

#[actix_web::test]
async fn bad_keys_are_400_and_errors_are_replayed_too() {
    let p = park().await;
    let body = p.order_body().await;
    for bad in ["", &"k".repeat(256), "schlüssel", "key with spaces"] {
        let r = p
            .app
            .client
            .post(p.app.url(ORDERS))
            .bearer_auth(&p.officer)
            .header("idempotency-key", bad.as_bytes())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad:?}");
        assert_eq!(code_of(r).await, "idempotency_key_invalid");
    }
    assert!(p.orders().await.is_empty());
    // A refused request is answered the same on retry, without running again.
    let bad_body = json!({"enterprise_id": p.e, "finding_ids": [], "requirements": "", "deadline": "2020-01-01"});
    let first = p.keyed(ORDERS, &p.officer, "k-422", &bad_body).await;
    assert_eq!(first.status(), 422);
    let again = p.keyed(ORDERS, &p.officer, "k-422", &bad_body).await;
    assert_eq!(again.status(), 422);
    assert_eq!(replayed(&again), Some("true"));
    assert_eq!(again.headers()["content-type"], "application/problem+json");
}

#[actix_web::test]
async fn housekeeping_forgets_keys_after_their_ttl() {
    let p = park().await;
    let key = "old-key";
    assert_eq!(
        p.keyed(ORDERS, &p.officer, key, &p.order_body().await)
            .await
            .status(),
        201
    );
    let ctx = p.app.ctx();
    let ttl = chrono::Duration::hours(i64::from(p.app.settings.idempotency_ttl_hours));
    let soon = chrono::Utc::now() + chrono::Duration::hours(1);
    let purged = anhuan::service::auth::housekeeping_at(&ctx, soon)
        .await
        .unwrap();
    assert_eq!(purged.idempotency_keys, 0);
    let later = chrono::Utc::now() + ttl + chrono::Duration::minutes(1);
    let purged = anhuan::service::auth::housekeeping_at(&ctx, later)
        .await
        .unwrap();
    assert_eq!(purged.idempotency_keys, 1);
    // The key is free again: a new request under it runs.
    let r = p
        .keyed(ORDERS, &p.officer, key, &p.order_body().await)
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(replayed(&r), None);
    assert_eq!(p.orders().await.len(), 2);
}

/// A form body as a client writes it, with the boundary it picked.
fn photo_form(boundary: &str, jpeg: &[u8], lat: &str) -> Vec<u8> {
    let mut b = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"lat\"\r\n\r\n{lat}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"lon\"\r\n\r\n108.7708\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    b.extend_from_slice(jpeg);
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    b
}

#[actix_web::test]
async fn a_retried_photo_form_with_a_new_boundary_replays() {
    let p = park().await;
    let send = |boundary: &'static str, body: Vec<u8>| {
        p.app
            .client
            .post(p.app.url("/api/v1/photos"))
            .bearer_auth(&p.insp)
            .header("idempotency-key", "photo-1")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
    };
    let jpeg = small_jpeg(9_100);
    let first = send("a1b2c3", photo_form("a1b2c3", &jpeg, "29.5331"))
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    // The retry: same parts, the boundary a new random string.
    let again = send("zz-9f8e7d6c", photo_form("zz-9f8e7d6c", &jpeg, "29.5331"))
        .await
        .unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(replayed(&again), Some("true"));
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    // A different part under the same key is another request.
    let other = send("q", photo_form("q", &jpeg, "29.6")).await.unwrap();
    assert_eq!(other.status(), 422);
    assert_eq!(code_of(other).await, "idempotency_key_reused");
}

#[actix_web::test]
async fn answers_cut_off_by_the_network_are_heard_on_retry_and_nothing_happens_twice() {
    use crate::flaky::{Cut, FlakyProxy};
    let p = park().await;
    // Every answer through this proxy breaks off after its first few bytes.
    let proxy = FlakyProxy::start(&p.app.base, Cut::Answer { min: 12, max: 40 }, 11).await;
    let via_proxy = |path: &str, token: &str, key: &str, body: &Value| {
        p.app
            .client
            .post(format!("{}{path}", proxy.base))
            .bearer_auth(token)
            .header("idempotency-key", key)
            .json(body)
            .send()
    };
    let body = p.order_body().await;
    let lost = match via_proxy(ORDERS, &p.officer, "order-lost-1", &body).await {
        Ok(r) => r.bytes().await.is_err(),
        Err(_) => true,
    };
    assert!(lost, "the answer should have been cut off");
    assert!(proxy.cuts() >= 1);
    // The retry (signal back) gets the order the lost answer named.
    let retry = p.keyed(ORDERS, &p.officer, "order-lost-1", &body).await;
    assert_eq!(retry.status(), 201);
    assert_eq!(replayed(&retry), Some("true"));
    let order: Value = retry.json().await.unwrap();
    assert_eq!(p.orders().await.len(), 1);
    let id = order["id"].as_str().unwrap();

    let ack = p
        .app
        .post(
            &format!("{ORDERS}/{id}/acknowledge"),
            &p.ent_e,
            json!({"comment": "已签收"}),
        )
        .await;
    assert_eq!(ack.status(), 200);
    let path = format!("{ORDERS}/{id}/progress");
    let progress = json!({"comment": "铝灰已清运，暂存间已封闭", "photo_ids": []});
    let lost = match via_proxy(&path, &p.ent_e, "progress-lost-1", &progress).await {
        Ok(r) => r.bytes().await.is_err(),
        Err(_) => true,
    };
    assert!(lost);
    let retry = p.keyed(&path, &p.ent_e, "progress-lost-1", &progress).await;
    assert_eq!(retry.status(), 200);
    assert_eq!(replayed(&retry), Some("true"));
    let events: Value = p
        .app
        .get(&format!("{ORDERS}/{id}/events"), &p.officer)
        .await
        .json()
        .await
        .unwrap();
    let items = events.as_array().or(events["items"].as_array()).unwrap();
    let n = items.iter().filter(|e| e["action"] == "progress").count();
    assert_eq!(n, 1, "{events}");
}

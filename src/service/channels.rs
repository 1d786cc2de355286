//! What one delivery looks like on each channel: a Standard Webhooks
//! body, a WeCom (企业微信) or DingTalk (钉钉) group-robot message in their
//! documented markdown JSON, or an e-mail over SMTP. The outbox worker
//! decides when to send; this module only says what and how.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;

/// The kinds of endpoint an admin registers at `/webhooks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndpointKind {
    /// A Standard Webhooks receiver (signed JSON).
    #[default]
    Webhook,
    /// A WeCom group robot (`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`).
    Wecom,
    /// A DingTalk group robot (`https://oapi.dingtalk.com/robot/send?access_token=…`),
    /// optionally in signed mode (the robot's `SEC…` secret).
    Dingtalk,
}

impl EndpointKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointKind::Webhook => "webhook",
            EndpointKind::Wecom => "wecom",
            EndpointKind::Dingtalk => "dingtalk",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Webhook, Self::Wecom, Self::Dingtalk]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What every channel says about one message.
pub struct Notice<'a> {
    pub title: &'a str,
    pub body: &'a str,
    /// Absolute when `public_url` is set, else the console path.
    pub link: &'a str,
}

/// The robots' markdown: the title in bold, the body, the link.
fn markdown(n: &Notice) -> String {
    format!(
        "**{}**\n\n{}\n\n[查看详情 / open]({})",
        n.title, n.body, n.link
    )
}

/// WeCom's documented `markdown` message.
pub fn wecom_body(n: &Notice) -> serde_json::Value {
    serde_json::json!({"msgtype": "markdown", "markdown": {"content": markdown(n)}})
}

/// DingTalk's documented `markdown` message (its title is what the chat list shows).
pub fn dingtalk_body(n: &Notice) -> serde_json::Value {
    serde_json::json!({"msgtype": "markdown", "markdown": {"title": n.title, "text": markdown(n)}})
}

/// DingTalk's signed mode: `timestamp` (ms) and `sign` = base64 of
/// HMAC-SHA256 over "timestamp\nsecret" keyed with the secret, to be
/// appended to the robot URL.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The robots answer 200 with `{"errcode":0}` on success and another
/// errcode (still 200) on failure: an error unless errcode is 0.
pub fn robot_outcome(status: u16, body: &[u8]) -> Result<u16, String> {
    if !(200..300).contains(&status) {
        return Ok(status);
    }
    #[derive(Deserialize)]
    struct Answer {
        errcode: Option<i64>,
        errmsg: Option<String>,
    }
    match serde_json::from_slice::<Answer>(body) {
        Ok(Answer {
            errcode: Some(0), ..
        }) => Ok(status),
        Ok(a) => Err(format!(
            "机器人拒绝 / robot refused: errcode {} {}",
            a.errcode.map_or("?".into(), |c| c.to_string()),
            a.errmsg.unwrap_or_default()
        )),
        Err(_) => Err("机器人应答不是JSON / robot answer is not JSON".into()),
    }
}

/// SMTP settings of this server.
pub struct Smtp<'a> {
    /// `smtp://host:port` (plain; `?tls=required` for STARTTLS) or
    /// `smtps://user:pass@host` (TLS).
    pub url: &'a str,
    pub from: &'a str,
}

/// Sends one e-mail: the Chinese title as the subject, the body and the
/// link as plain UTF-8 text.
pub async fn send_email(
    smtp: &Smtp<'_>,
    to: &str,
    n: &Notice<'_>,
    timeout: Duration,
) -> Result<(), String> {
    use lettre::message::header::ContentType;
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let from = smtp.from.parse().map_err(|e| format!("smtp_from: {e}"))?;
    let to = to.parse().map_err(|e| format!("收件人 / recipient: {e}"))?;
    let text = format!(
        "{}\n\n{}\n\n查看详情 / open: {}\n\n—— 安环 anhuan（此邮件由系统发送，请勿直接回复）\n",
        n.title, n.body, n.link
    );
    let mail = Message::builder()
        .from(from)
        .to(to)
        .subject(n.title)
        .header(ContentType::TEXT_PLAIN)
        .body(text)
        .map_err(|e| e.to_string())?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp.url)
        .map_err(|e| format!("smtp_url: {e}"))?
        .timeout(Some(timeout))
        .build();
    transport
        .send(mail)
        .await
        .map(drop)
        .map_err(|e| format!("SMTP: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dingtalk_signature_is_hmac_of_timestamp_and_secret() {
        // Recomputed by hand: HMAC-SHA256("SECabc", "1700000000000\nSECabc").
        let s = dingtalk_sign("SECabc", 1_700_000_000_000);
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"SECabc").unwrap();
        mac.update(b"1700000000000\nSECabc");
        assert_eq!(s, STANDARD.encode(mac.finalize().into_bytes()));
        assert_ne!(s, dingtalk_sign("SECabd", 1_700_000_000_000));
    }

    #[test]
    fn robots_fail_on_a_nonzero_errcode() {
        assert_eq!(
            robot_outcome(200, br#"{"errcode":0,"errmsg":"ok"}"#),
            Ok(200)
        );
        assert!(
            robot_outcome(200, br#"{"errcode":93000,"errmsg":"invalid webhook url"}"#).is_err()
        );
        assert!(robot_outcome(200, b"<html>").is_err());
        assert_eq!(robot_outcome(500, b""), Ok(500));
    }

    #[test]
    fn robot_messages_have_the_documented_shape() {
        let n = Notice {
            title: "新的整改通知书 安环整改〔2026〕0001号",
            body: "请于2026年12月10日前完成整改。",
            link: "https://anhuan.example.cn/orders/1",
        };
        let w = wecom_body(&n);
        assert_eq!(w["msgtype"], "markdown");
        assert!(w["markdown"]["content"]
            .as_str()
            .unwrap()
            .contains("0001号"));
        let d = dingtalk_body(&n);
        assert_eq!(d["markdown"]["title"], n.title);
        assert!(d["markdown"]["text"].as_str().unwrap().contains(n.link));
    }
}

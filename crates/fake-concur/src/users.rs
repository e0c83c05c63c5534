//! The Profile Identity v4 user list: `FakeConfig::users` users generated on
//! demand (never stored, so a million cost nothing), served in SCIM pages with
//! `startIndex` (1-based) and `count` (capped at 100, as Concur documents), and
//! faults aimed at one page (`POST /_admin/page-faults`).
//!
//! The list can change size between two page requests (`POST /_admin/config
//! {"users": N}`): each reply reports the `totalResults` of that moment, as a
//! live directory would.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::config::FakeConfig;
use crate::connection::ConnHandle;
use crate::faults::{fault_response, Fault};
use crate::state::{lock, Shared};

pub(crate) const USERS_PATH: &str = "/profile/identity/v4/Users";

/// Concur's largest page (PROTOCOL.md): a larger `count` is served as this.
pub const MAX_PAGE_SIZE: u64 = 100;

/// A fault for the next `count` requests of the page starting at `start_index`,
/// as `POST /_admin/page-faults` takes it:
/// `{"start_index":101,"count":2,"fault":{"kind":"status","status":503}}`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PageFaultSpec {
    /// The `startIndex` of the page that fails (1 for the first page).
    pub start_index: u64,
    /// How many requests of that page fail (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// What they get (the same kinds as `/_admin/faults`).
    pub fault: Fault,
}

fn one() -> u32 {
    1
}

/// Queued page faults, consumed first in first out per start index.
#[derive(Debug, Default)]
pub(crate) struct PageFaults(Vec<PageFaultSpec>);

impl PageFaults {
    pub(crate) fn push(&mut self, spec: PageFaultSpec) {
        if spec.count > 0 {
            self.0.push(spec);
        }
    }

    /// The next fault for a request of the page at `start_index`, if one is queued.
    fn pop(&mut self, start_index: u64) -> Option<Fault> {
        let at = self.0.iter().position(|f| f.start_index == start_index)?;
        let spec = &mut self.0[at];
        spec.count -= 1;
        let fault = spec.fault.clone();
        if spec.count == 0 {
            self.0.remove(at);
        }
        Some(fault)
    }
}

/// The id of user number `index` (1-based): the configured `user_id` for the
/// first (the one the tutorials fetch), UUID-shaped and unique for the others.
fn user_id(cfg: &FakeConfig, index: u64) -> String {
    if index == 1 {
        cfg.user_id.clone()
    } else {
        format!("{:08x}-0000-4000-8000-{:012x}", index >> 48, index)
    }
}

/// Which user number `id` names, if it is one of the `cfg.users` users.
pub(crate) fn find(cfg: &FakeConfig, id: &str) -> Option<u64> {
    let index = if id == cfg.user_id {
        1
    } else {
        let (high, rest) = id.split_once("-0000-4000-8000-")?;
        let index = u64::from_str_radix(rest, 16).ok()?;
        let generated = rest.len() == 12 && high == format!("{:08x}", index >> 48);
        if !generated || index < 2 {
            return None;
        }
        index
    };
    (index <= cfg.users).then_some(index)
}

/// The SCIM record of user number `index`.
pub(crate) fn user_json(cfg: &FakeConfig, base_url: &str, index: u64) -> Value {
    let id = user_id(cfg, index);
    let (given, family, user_name) = if index == 1 {
        (
            "Jane".to_owned(),
            "Doe".to_owned(),
            "jane.doe@example.com".to_owned(),
        )
    } else {
        (
            "User".to_owned(),
            index.to_string(),
            format!("user{index}@example.com"),
        )
    };
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "id": id,
        "userName": user_name,
        "displayName": format!("{given} {family}"),
        "name": {
            "givenName": given,
            "familyName": family,
            "formatted": format!("{given} {family}")
        },
        "active": true,
        "emails": [
            {"value": user_name, "type": "work", "verified": true}
        ],
        "localeOverrides": {"preferenceLanguage": {"value": "en-US"}},
        "meta": {
            "resourceType": "User",
            "created": "2024-01-15T09:30:00.000Z",
            "lastModified": "2025-06-01T12:00:00.000Z",
            "version": 1,
            "location": format!("{base_url}{USERS_PATH}/{id}")
        }
    })
}

/// What a list request asked for.
#[derive(Debug, PartialEq, Eq)]
struct PageRequest {
    start_index: u64,
    count: u64,
    /// SCIM `attributes`: only these top-level attributes (plus `id` and
    /// `schemas`) are returned.
    attributes: Option<Vec<String>>,
}

fn scim_error(status: StatusCode, scim_type: &str, detail: String) -> Response {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status.as_u16().to_string(),
        "scimType": scim_type,
        "detail": detail,
    });
    (status, Json(body)).into_response()
}

/// Reads `startIndex`, `count` and `attributes` as SCIM (RFC 7644 §3.4.2.4)
/// says: a `startIndex` below 1 means 1, a negative `count` means 0; `count`
/// defaults to and is capped at [`MAX_PAGE_SIZE`]. Other parameters are ignored.
fn parse_query(query: Option<&str>) -> Result<PageRequest, String> {
    let mut request = PageRequest {
        start_index: 1,
        count: MAX_PAGE_SIZE,
        attributes: None,
    };
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let number = || {
            value
                .parse::<i64>()
                .map_err(|_| format!("{key} must be an integer, got {value:?}"))
        };
        match key {
            "startIndex" => request.start_index = number()?.max(1) as u64,
            "count" => request.count = (number()?.max(0) as u64).min(MAX_PAGE_SIZE),
            "attributes" => {
                let names = value.replace("%2C", ",").replace("%2c", ",");
                request.attributes = Some(
                    names
                        .split(',')
                        .map(|name| name.trim().to_ascii_lowercase())
                        .filter(|name| !name.is_empty())
                        .collect(),
                );
            }
            _ => {}
        }
    }
    Ok(request)
}

fn only_attributes(record: Value, names: &[String]) -> Value {
    let Value::Object(fields) = record else {
        return record;
    };
    let kept: Map<String, Value> = fields
        .into_iter()
        .filter(|(key, _)| {
            let key = key.to_ascii_lowercase();
            key == "id" || key == "schemas" || names.contains(&key)
        })
        .collect();
    Value::Object(kept)
}

/// `GET /profile/identity/v4/Users[/]`: one SCIM ListResponse page.
pub(crate) async fn list_users(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let request = match parse_query(query.as_deref()) {
        Ok(request) => request,
        Err(detail) => return scim_error(StatusCode::BAD_REQUEST, "invalidValue", detail),
    };
    let fault = lock(&shared.faults).pages.pop(request.start_index);
    match fault {
        None => {}
        Some(Fault::Delay { ms }) => tokio::time::sleep(Duration::from_millis(ms)).await,
        Some(Fault::Drop) => {
            conn.kill();
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        Some(fault) => return fault_response(&fault, &shared.geolocation()),
    }
    if let Some(response) = crate::api_endpoints::rejection(&shared, &headers) {
        return response;
    }
    let cfg = shared.config();
    let total = cfg.users;
    let last = request
        .start_index
        .saturating_add(request.count)
        .saturating_sub(1)
        .min(total);
    let resources: Vec<Value> = (request.start_index..=last)
        .map(|index| {
            let user = user_json(&cfg, &shared.base_url, index);
            match &request.attributes {
                Some(names) => only_attributes(user, names),
                None => user,
            }
        })
        .collect();
    Json(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "itemsPerPage": resources.len(),
        "startIndex": request.start_index,
        "Resources": resources,
    }))
    .into_response()
}

async fn push_page_fault(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<PageFaultSpec>, JsonRejection>,
) -> Response {
    match body {
        Ok(Json(spec)) => {
            lock(&shared.faults).pages.push(spec);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => crate::admin::bad_request(e.body_text()),
    }
}

/// `POST /_admin/page-faults`; `DELETE /_admin/faults` clears these too.
pub(crate) fn admin_routes() -> Router<Arc<Shared>> {
    Router::new().route("/_admin/page-faults", post(push_page_fault))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_follows_scim_rules() {
        let r = parse_query(None).unwrap();
        assert_eq!((r.start_index, r.count), (1, MAX_PAGE_SIZE));
        let r = parse_query(Some("startIndex=0&count=1000&filter=x")).unwrap();
        assert_eq!((r.start_index, r.count), (1, MAX_PAGE_SIZE));
        let r = parse_query(Some("startIndex=201&count=-3")).unwrap();
        assert_eq!((r.start_index, r.count), (201, 0));
        let r = parse_query(Some("attributes=id,userName")).unwrap();
        assert_eq!(r.attributes, Some(vec!["id".into(), "username".into()]));
        assert!(parse_query(Some("startIndex=abc")).is_err());
        assert!(parse_query(Some("count=9999999999999999999999")).is_err());
    }

    #[test]
    fn generated_ids_round_trip_within_the_list() {
        let cfg = FakeConfig {
            users: 500,
            ..FakeConfig::default()
        };
        for index in [1, 2, 99, 500] {
            assert_eq!(find(&cfg, &user_id(&cfg, index)), Some(index));
        }
        assert_eq!(find(&cfg, &user_id(&cfg, 501)), None);
        assert_eq!(find(&cfg, "00000000-0000-4000-8000-000000000001"), None);
        assert_eq!(find(&cfg, "nope"), None);
    }

    #[test]
    fn page_faults_hit_their_page_only_and_run_out() {
        let mut faults = PageFaults::default();
        faults.push(PageFaultSpec {
            start_index: 101,
            count: 2,
            fault: Fault::Status { status: 503 },
        });
        assert_eq!(faults.pop(1), None);
        assert_eq!(faults.pop(101), Some(Fault::Status { status: 503 }));
        assert_eq!(faults.pop(101), Some(Fault::Status { status: 503 }));
        assert_eq!(faults.pop(101), None);
    }
}

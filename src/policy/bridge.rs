//! The BI bridge: an internal HTTP service in front of the group's reporting data that the
//! agent may call only through pre-approved named queries. A call to the bridge, by any
//! tool (WebFetch, curl/wget/httpie in Bash, the bridge's MCP server), is allowed only as
//! `POST <base>/query/<name>` with a declared name and a JSON object whose parameter names
//! and types are exactly the query's declaration. Raw DAX (`"dax"` fields, `EVALUATE` text,
//! a body in a file), unknown names, extra or missing parameters, query strings and GETs
//! are denied, as is any other program that reaches the bridge (toolgate cannot read what
//! it sends). Roles decide who may call which query, and may fix a parameter to the
//! caller's own value. Caps (`rate`, `daily`) are charged per OS user ([`crate::policy::rate`]).

use crate::engine::Hit;
use crate::identity::Identity;
use crate::normalize::Subject;
use crate::normalize::effects::{Kind, Target};
use crate::normalize::programs::ProgramTable;
use crate::normalize::shell::Command;
use crate::pack::schema::{Doc, Table};
use crate::pack::{Decision, Severity};
use crate::policy::rate::{Cap, Charge};
use crate::policy::roles::{Role, Roles};
use crate::protocol::HookEvent;
use crate::sanitize;
use serde_json::Value;

/// Largest request body read.
const MAX_BODY: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    String,
    Number,
    Integer,
    Boolean,
}

impl ParamType {
    fn name(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Number => "number",
            ParamType::Integer => "integer",
            ParamType::Boolean => "boolean",
        }
    }

    fn accepts(self, v: &Value) -> bool {
        match self {
            ParamType::String => v.is_string(),
            ParamType::Number => v.is_number(),
            ParamType::Integer => v.is_i64() || v.is_u64(),
            ParamType::Boolean => v.is_boolean(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Query {
    pub name: String,
    pub params: Vec<(String, ParamType)>,
    pub cap: Option<Cap>,
}

#[derive(Debug, Clone)]
pub struct Bridge {
    /// As written in the policy, for messages.
    pub url: String,
    scheme: String,
    pub host: String,
    port: u16,
    /// The base path without a trailing slash (`""` for the root).
    path: String,
    /// The MCP server that fronts the bridge (`mcp__<server>__<tool>`).
    pub mcp_server: Option<String>,
    pub queries: Vec<Query>,
    pub cap: Option<Cap>,
}

/// One HTTP request to the bridge, as far as the call shows it.
#[derive(Debug)]
struct Request {
    via: String,
    method: String,
    url: String,
    body: Body,
}

#[derive(Debug)]
enum Body {
    Absent,
    Json(Value),
    /// Present but not visible or not JSON: why.
    Unreadable(String),
}

/// What the bridge says about a call: deny hits, and the caps to charge when it goes ahead.
#[derive(Debug, Default)]
pub struct Outcome {
    pub hits: Vec<Hit>,
    pub charges: Vec<Charge>,
}

fn cap_of(doc: &mut Doc, t: &mut Table, what: &str) -> Option<Cap> {
    let rate = t.string(doc, "rate");
    let daily = t.integer(doc, "daily");
    let span = t.span();
    let (limit, window_s) = match rate.as_deref().map(crate::policy::rate::parse) {
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            doc.error(&span, format!("{what}: {e}"));
            return None;
        }
        None if daily.is_some() => (u32::MAX, 60),
        None => return None,
    };
    let daily = match daily {
        Some(0) => {
            doc.error(&span, format!("{what}: `daily = 0` denies everything"));
            None
        }
        Some(n) => Some(n.min(u32::MAX as u64) as u32),
        None => None,
    };
    Some(Cap {
        limit,
        window_s,
        daily,
    })
}

/// `rate` and `daily` of a table, for `[rates."rule-id"]`.
pub fn read_cap(doc: &mut Doc, mut t: Table, what: &str) -> Option<Cap> {
    let cap = cap_of(doc, &mut t, what);
    if cap.is_none() {
        doc.error(&t.span(), format!("{what} sets neither `rate` nor `daily`"));
    }
    t.finish(doc);
    cap
}

impl Bridge {
    /// Read `[bridge]`.
    pub fn read(doc: &mut Doc, mut t: Table) -> Option<Bridge> {
        let url = t.required_string(doc, "url");
        let mcp_server = t.string(doc, "mcp_server");
        let cap = cap_of(doc, &mut t, "[bridge]");
        let mut queries = Vec::new();
        if let Some(qs) = t.table(doc, "queries") {
            for (name, value) in qs.entries() {
                let toml::de::DeValue::Table(qt) = value.get_ref() else {
                    doc.error(
                        &value.span(),
                        format!("[bridge.queries.{name}] must be a table"),
                    );
                    continue;
                };
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                {
                    doc.error(
                        &value.span(),
                        format!("query name `{name}` must be letters, digits, `-`, `_` or `.`"),
                    );
                }
                let mut qt = Table::new(qt, value.span(), format!("[bridge.queries.{name}]"));
                let mut params = Vec::new();
                if let Some(ps) = qt.table(doc, "params") {
                    for (p, ty) in ps.entries() {
                        let ty = match ty.get_ref() {
                            toml::de::DeValue::String(s) => match s.as_ref() {
                                "string" => Some(ParamType::String),
                                "number" => Some(ParamType::Number),
                                "integer" => Some(ParamType::Integer),
                                "boolean" => Some(ParamType::Boolean),
                                _ => None,
                            },
                            _ => None,
                        };
                        match ty {
                            Some(ty) => params.push((p.to_string(), ty)),
                            None => doc.error(
                                &value.span(),
                                format!("[bridge.queries.{name}] parameter `{p}`: the type is one of string, number, integer, boolean"),
                            ),
                        }
                    }
                }
                let cap = cap_of(doc, &mut qt, &format!("[bridge.queries.{name}]"));
                qt.finish(doc);
                queries.push(Query {
                    name: name.to_string(),
                    params,
                    cap,
                });
            }
        }
        let span = t.span();
        t.finish(doc);
        let url = url?;
        let parsed = match url::Url::parse(&url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => u,
            _ => {
                doc.error(
                    &span,
                    format!("[bridge] `url` must be an http(s) URL, not `{url}`"),
                );
                return None;
            }
        };
        if queries.is_empty() {
            doc.error(
                &span,
                "[bridge] declares no `[bridge.queries.NAME]`: every call to it would be denied",
            );
        }
        Some(Bridge {
            scheme: parsed.scheme().to_string(),
            host: crate::policy::allowlist::normalize_host(parsed.host_str().unwrap_or_default()),
            port: parsed.port_or_known_default().unwrap_or(0),
            path: parsed.path().trim_end_matches('/').to_string(),
            url,
            mcp_server,
            queries,
            cap,
        })
    }

    /// Roles that name queries the bridge does not declare (lint reports them).
    pub fn unknown_queries<'r>(&self, roles: &'r Roles) -> Vec<(&'r str, &'r str)> {
        roles
            .roles
            .iter()
            .flat_map(|r| {
                r.queries
                    .iter()
                    .flatten()
                    .filter(|q| *q != "*" && !self.queries.iter().any(|d| d.name == **q))
                    .map(move |q| (r.name.as_str(), q.as_str()))
            })
            .collect()
    }

    /// Judge every request the call makes to the bridge.
    pub fn check(
        &self,
        event: &HookEvent,
        subject: &Subject,
        programs: &ProgramTable,
        who: &Identity,
        roles: &Roles,
    ) -> Outcome {
        let mut requests = Vec::new();
        let mut refusals = Vec::new();
        self.collect(event, subject, programs, &mut requests, &mut refusals);
        let role = roles.resolve(who);
        let mut out = Outcome::default();
        let mut names = Vec::new();
        for r in &requests {
            match self.judge(r, who, role, !roles.is_empty()) {
                Ok(name) => names.push(name),
                Err(why) => refusals.push((r.via.clone(), why)),
            }
        }
        if let Some((via, why)) = refusals.into_iter().next() {
            out.hits.push(Hit {
                rule: "policy.bi-bridge".into(),
                decision: Decision::Deny,
                severity: Severity::High,
                certain: true,
                matched: format!("a call to the BI bridge by {}", sanitize::safe(&via)),
                message: format!("{why}."),
                remediation: format!(
                    "Call a named query: POST {}/query/<name> with a JSON object of its parameters (queries: {}).",
                    sanitize::safe(self.url.trim_end_matches('/')),
                    self.queries.iter().map(|q| q.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            });
            return out;
        }
        if !names.is_empty() {
            if let Some(cap) = &self.cap {
                out.charges.push(Charge {
                    key: "bridge".into(),
                    cap: cap.clone(),
                });
            }
            names.sort();
            names.dedup();
            for name in names {
                if let Some(cap) = self
                    .queries
                    .iter()
                    .find(|q| q.name == name)
                    .and_then(|q| q.cap.clone())
                {
                    out.charges.push(Charge {
                        key: format!("bridge.{name}"),
                        cap,
                    });
                }
            }
        }
        out
    }

    fn is_bridge_host(&self, host: &str) -> bool {
        crate::policy::allowlist::normalize_host(host) == self.host
    }

    /// Requests to the bridge in this call, and calls that reach it in a way toolgate
    /// cannot read.
    fn collect(
        &self,
        event: &HookEvent,
        subject: &Subject,
        programs: &ProgramTable,
        requests: &mut Vec<Request>,
        refusals: &mut Vec<(String, String)>,
    ) {
        if subject.tool == "WebFetch" {
            let url = event.input.get("url").and_then(Value::as_str).unwrap_or("");
            if url::Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .is_some_and(|h| self.is_bridge_host(&h))
            {
                requests.push(Request {
                    via: "WebFetch".into(),
                    method: "GET".into(),
                    url: url.to_string(),
                    body: Body::Absent,
                });
            }
        }
        if let (Some(server), Some(rest)) = (&self.mcp_server, subject.tool.strip_prefix("mcp__")) {
            let (s, tool) = rest.split_once("__").unwrap_or((rest, ""));
            if s.eq_ignore_ascii_case(server) {
                match self.mcp_request(tool, &event.input) {
                    Ok(r) => requests.push(r),
                    Err(why) => refusals.push((subject.tool.clone(), why)),
                }
            }
        }
        let mut shell_requests = 0;
        if let Some(analysis) = &subject.shell {
            let host = self.host.as_str();
            for cmd in &analysis.commands {
                let mentions = cmd
                    .args
                    .iter()
                    .any(|a| a.text.to_ascii_lowercase().contains(host))
                    || cmd.stdin_text.to_ascii_lowercase().contains(host);
                if !mentions {
                    continue;
                }
                match shell_request(cmd, programs) {
                    Some(Ok(found)) => {
                        for r in found {
                            let to_bridge = url::Url::parse(&r.url)
                                .ok()
                                .and_then(|u| u.host_str().map(str::to_string))
                                .is_some_and(|h| self.is_bridge_host(&h));
                            if to_bridge {
                                shell_requests += 1;
                                requests.push(r);
                            }
                        }
                    }
                    Some(Err(why)) => refusals.push((cmd.program.clone(), why)),
                    None => refusals.push((
                        cmd.program.clone(),
                        format!(
                            "`{}` reaches the BI bridge, and toolgate can only check requests made with curl, wget, httpie, WebFetch or the bridge's MCP server",
                            sanitize::safe(&cmd.program)
                        ),
                    )),
                }
            }
        }
        // A connection to the bridge that no readable request explains (`/dev/tcp`, a
        // socket in a one-liner, a host in a variable).
        let reaches = subject.all_effects().any(|e| {
            e.kind == Kind::Net && matches!(&e.target, Target::Name(h) if self.is_bridge_host(h))
        });
        let tool_request = requests.len() > shell_requests;
        if reaches && requests.is_empty() && refusals.is_empty() && !tool_request {
            refusals.push((
                subject.tool.clone(),
                "the call connects to the BI bridge in a way toolgate cannot read".into(),
            ));
        }
    }

    /// `mcp__<server>__<query>` with the parameters as input, or any tool with `query` (or
    /// `name`) and `params` (or `parameters`).
    fn mcp_request(&self, tool: &str, input: &Value) -> Result<Request, String> {
        let obj = input
            .as_object()
            .ok_or("the MCP call's arguments are not an object")?;
        let url = |name: &str| {
            format!(
                "{}://{}:{}{}/query/{name}",
                self.scheme, self.host, self.port, self.path
            )
        };
        if self.queries.iter().any(|q| q.name == tool) {
            return Ok(Request {
                via: format!("mcp__{}__{tool}", self.mcp_server.as_deref().unwrap_or("")),
                method: "POST".into(),
                url: url(tool),
                body: Body::Json(input.clone()),
            });
        }
        let mut name = None;
        let mut params = None;
        for (k, v) in obj {
            match k.as_str() {
                "query" | "name" | "query_name" | "queryName" => name = v.as_str(),
                "params" | "parameters" | "arguments" => params = Some(v.clone()),
                other => {
                    return Err(format!(
                        "the MCP call carries `{}`, which is not a named query's name or parameters",
                        sanitize::safe(other)
                    ));
                }
            }
        }
        let name = name.ok_or("the MCP call names no query (`query`)")?;
        Ok(Request {
            via: format!("mcp__{}__{tool}", self.mcp_server.as_deref().unwrap_or("")),
            method: "POST".into(),
            url: url(&url_escape(name)),
            body: Body::Json(params.unwrap_or_else(|| Value::Object(Default::default()))),
        })
    }

    /// The query's name when the request is an allowed named query.
    fn judge(
        &self,
        r: &Request,
        who: &Identity,
        role: Option<&Role>,
        roles_defined: bool,
    ) -> Result<String, String> {
        let url = url::Url::parse(&r.url).map_err(|_| {
            format!(
                "`{}` is not a URL toolgate can read",
                sanitize::excerpt(&r.url, 120)
            )
        })?;
        if !r.method.eq_ignore_ascii_case("POST") {
            return Err(format!(
                "the BI bridge may only be called with POST to a named query; this is a {}",
                sanitize::safe(&r.method.to_ascii_uppercase())
            ));
        }
        if url.scheme() != self.scheme || url.port_or_known_default() != Some(self.port) {
            return Err(format!(
                "only {} is the BI bridge's approved address",
                sanitize::safe(&self.url)
            ));
        }
        if url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(
                "a named query takes its parameters in the JSON body, never in the URL".into(),
            );
        }
        let prefix = format!("{}/query/", self.path);
        let encoded = url.path().strip_prefix(&prefix).ok_or_else(|| {
            format!(
                "`{}` is not a named query (POST {}/query/<name>)",
                sanitize::safe(url.path()),
                sanitize::safe(&self.path)
            )
        })?;
        let name = percent_decode(encoded);
        let query = self
            .queries
            .iter()
            .find(|q| q.name == name)
            .ok_or_else(|| {
                format!(
                    "`{}` is not one of the approved named queries",
                    sanitize::safe(&name)
                )
            })?;
        let body = match &r.body {
            Body::Json(v) => v,
            Body::Absent => {
                return Err(format!(
                    "query `{}` needs a JSON body with its parameters",
                    query.name
                ));
            }
            Body::Unreadable(why) => return Err(format!("query `{}`: {why}", query.name)),
        };
        let obj = body
            .as_object()
            .ok_or_else(|| format!("query `{}` takes a JSON object of parameters", query.name))?;
        if let Some(dax) = find_dax(body) {
            return Err(format!(
                "query `{}` carries raw DAX ({dax}); only named queries may run",
                query.name
            ));
        }
        for k in obj.keys() {
            if !query.params.iter().any(|(p, _)| p == k) {
                return Err(format!(
                    "query `{}` has no parameter `{}` (it takes: {})",
                    query.name,
                    sanitize::safe(k),
                    declaration(query)
                ));
            }
        }
        for (p, ty) in &query.params {
            match obj.get(p) {
                None => {
                    return Err(format!(
                        "query `{}` is missing parameter `{p}` ({})",
                        query.name,
                        declaration(query)
                    ));
                }
                Some(v) if !ty.accepts(v) => {
                    return Err(format!(
                        "query `{}`: parameter `{p}` must be a {}",
                        query.name,
                        ty.name()
                    ));
                }
                Some(_) => {}
            }
        }
        if roles_defined {
            let role = role.ok_or_else(|| {
                format!("the organisation's policy gives {} no role, and named queries are for roles that list them", sanitize::safe(&who.name))
            })?;
            if !role.may_call(&query.name) {
                return Err(format!(
                    "role `{}` may not call query `{}`",
                    sanitize::safe(&role.name),
                    query.name
                ));
            }
            for (p, _) in &query.params {
                match role.bound_value(p, who) {
                    None => {}
                    Some(None) => {
                        return Err(format!(
                            "role `{}` fixes `{p}` by who the caller is, and no value is set for {}",
                            sanitize::safe(&role.name),
                            sanitize::safe(&who.name)
                        ));
                    }
                    Some(Some(v)) if obj.get(p).and_then(Value::as_str) != Some(v) => {
                        return Err(format!(
                            "role `{}` may only call `{}` with {p} = \"{}\"",
                            sanitize::safe(&role.name),
                            query.name,
                            sanitize::safe(v)
                        ));
                    }
                    Some(Some(_)) => {}
                }
            }
        }
        Ok(query.name.clone())
    }
}

fn declaration(q: &Query) -> String {
    if q.params.is_empty() {
        return "no parameters".into();
    }
    q.params
        .iter()
        .map(|(p, t)| format!("{p}: {}", t.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `"dax"` key anywhere, or DAX keywords inside a string value.
fn find_dax(v: &Value) -> Option<String> {
    const KEYWORDS: [&str; 6] = [
        "evaluate",
        "define measure",
        "summarizecolumns",
        "calculatetable",
        "topn(",
        "selectcolumns",
    ];
    match v {
        Value::Object(m) => m.iter().find_map(|(k, v)| {
            if k.eq_ignore_ascii_case("dax") || k.eq_ignore_ascii_case("expression") {
                Some(format!("a `{}` field", sanitize::safe(k)))
            } else {
                find_dax(v)
            }
        }),
        Value::Array(items) => items.iter().find_map(find_dax),
        Value::String(s) => {
            let lower = s.to_ascii_lowercase();
            KEYWORDS.iter().find(|k| lower.contains(*k)).map(|k| {
                format!(
                    "`{}` in a value",
                    k.trim_end_matches('(').to_ascii_uppercase()
                )
            })
        }
        _ => None,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn url_escape(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn json_body(text: &str) -> Body {
    if text.len() > MAX_BODY {
        return Body::Unreadable(format!("the body is larger than {MAX_BODY} bytes"));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Body::Json(v),
        Err(_) => Body::Unreadable("the body is not JSON".into()),
    }
}

/// Requests a client command makes: None when the program is not a client toolgate reads;
/// Err when it is but part of the request cannot be known.
fn shell_request(cmd: &Command, programs: &ProgramTable) -> Option<Result<Vec<Request>, String>> {
    if cmd.args.iter().any(|a| a.dynamic) || cmd.args_from_stdin {
        return match cmd.program.as_str() {
            "curl" | "wget" | "http" | "https" | "xh" => Some(Err(format!(
                "part of the `{}` command is only known at run time",
                cmd.program
            ))),
            _ => None,
        };
    }
    match cmd.program.as_str() {
        "curl" => Some(curl(cmd, programs)),
        "wget" => Some(wget(cmd, programs)),
        "http" | "https" | "xh" => Some(httpie(cmd, programs)),
        _ => None,
    }
}

fn curl(cmd: &Command, programs: &ProgramTable) -> Result<Vec<Request>, String> {
    let parsed = programs.read_written(cmd);
    let mut method = None;
    let mut bodies = Vec::new();
    let mut urls: Vec<String> = parsed.operands.iter().map(|a| a.text.clone()).collect();
    for (name, value) in &parsed.values {
        let v = value.text.as_str();
        match name.as_str() {
            "-X" | "--request" => method = Some(v.to_string()),
            "--url" => urls.push(v.to_string()),
            "-d" | "--data" | "--data-binary" | "--data-ascii" | "--json" | "--data-raw" => {
                if let Some(file) = v.strip_prefix('@').filter(|_| name != "--data-raw") {
                    if file == "-" && !cmd.stdin_text.is_empty() {
                        bodies.push(cmd.stdin_text.clone());
                    } else {
                        return Err(
                            "the body is read from a file toolgate cannot see (`-d @file`)".into(),
                        );
                    }
                } else {
                    bodies.push(v.to_string());
                }
                if name == "--json" && method.is_none() {
                    method = Some("POST".into());
                }
            }
            "--data-urlencode" | "-F" | "--form" | "--form-string" | "-T" | "--upload-file" => {
                return Err(format!(
                    "`{name}` sends a body that is not a JSON object of parameters"
                ));
            }
            "-K" | "--config" => {
                return Err("`curl --config` reads options from a file toolgate cannot see".into());
            }
            _ => {}
        }
    }
    if parsed.flags.iter().any(|f| f == "-G" || f == "--get") {
        method = Some("GET".into());
    }
    let body = match bodies.len() {
        0 => Body::Absent,
        1 => json_body(&bodies[0]),
        _ => Body::Unreadable("several bodies are joined by curl with `&`".into()),
    };
    let method = method.unwrap_or_else(|| {
        if bodies.is_empty() {
            "GET".into()
        } else {
            "POST".into()
        }
    });
    Ok(one_request_per_url("curl", urls, &method, body))
}

fn one_request_per_url(via: &str, urls: Vec<String>, method: &str, body: Body) -> Vec<Request> {
    let mut out = Vec::new();
    for url in urls {
        let url = if url.contains("://") {
            url
        } else {
            format!("http://{url}")
        };
        out.push(Request {
            via: via.into(),
            method: method.into(),
            url,
            body: clone_body(&body),
        });
    }
    out
}

fn clone_body(b: &Body) -> Body {
    match b {
        Body::Absent => Body::Absent,
        Body::Json(v) => Body::Json(v.clone()),
        Body::Unreadable(s) => Body::Unreadable(s.clone()),
    }
}

fn wget(cmd: &Command, programs: &ProgramTable) -> Result<Vec<Request>, String> {
    let parsed = programs.read_written(cmd);
    let mut method = None;
    let mut body = Body::Absent;
    for (name, value) in &parsed.values {
        match name.as_str() {
            "--method" => method = Some(value.text.clone()),
            "--post-data" | "--body-data" => {
                body = json_body(&value.text);
                method.get_or_insert_with(|| "POST".into());
            }
            "--post-file" | "--body-file" | "-i" | "--input-file" | "-e" | "--execute" => {
                return Err(format!(
                    "`wget {name}` reads what it sends from a file toolgate cannot see"
                ));
            }
            _ => {}
        }
    }
    let urls = parsed.operands.iter().map(|a| a.text.clone()).collect();
    Ok(one_request_per_url(
        "wget",
        urls,
        method.as_deref().unwrap_or("GET"),
        body,
    ))
}

/// httpie: `http [METHOD] URL [items]`: `k=v` string fields, `k:=json` raw fields, `k==v`
/// query parameters, `Header:value`.
fn httpie(cmd: &Command, programs: &ProgramTable) -> Result<Vec<Request>, String> {
    let parsed = programs.read_written(cmd);
    if parsed
        .flags
        .iter()
        .any(|f| f == "-f" || f == "--form" || f == "--multipart")
    {
        return Err("a form body is not a JSON object of parameters".into());
    }
    let mut raw = None;
    for (name, value) in &parsed.values {
        if name == "--raw" {
            raw = Some(value.text.clone());
        }
    }
    let mut words: Vec<&str> = parsed.operands.iter().map(|a| a.text.as_str()).collect();
    let mut method = None;
    if words
        .first()
        .is_some_and(|w| w.len() <= 7 && w.chars().all(|c| c.is_ascii_uppercase()))
    {
        method = Some(words.remove(0).to_string());
    }
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let url = words.remove(0).to_string();
    let mut body = serde_json::Map::new();
    for item in words {
        if item.contains("==") {
            return Err("`==` items put parameters in the URL".into());
        }
        if item.contains('@') && !item.contains('=') && !item.contains(':') {
            return Err("an `@file` item sends a file toolgate cannot see".into());
        }
        if let Some((k, v)) = item.split_once(":=") {
            if v.starts_with('@') {
                return Err("a `:=@file` item sends a file toolgate cannot see".into());
            }
            let v = serde_json::from_str(v)
                .map_err(|_| format!("`{}` is not JSON", sanitize::excerpt(item, 60)))?;
            body.insert(k.to_string(), v);
        } else if let Some((k, v)) = item.split_once('=') {
            if v.starts_with('@') {
                return Err("a `=@file` item sends a file toolgate cannot see".into());
            }
            body.insert(k.to_string(), Value::String(v.to_string()));
        }
        // `Header:value` items are headers.
    }
    let body = match raw {
        Some(text) => json_body(&text),
        None if body.is_empty() => Body::Absent,
        None => Body::Json(Value::Object(body)),
    };
    let method = method.unwrap_or_else(|| {
        if matches!(body, Body::Absent) {
            "GET".into()
        } else {
            "POST".into()
        }
    });
    let url = if url.starts_with(':') {
        format!("http://localhost{url}")
    } else {
        url
    };
    Ok(one_request_per_url(&cmd.program, vec![url], &method, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dax_is_found_in_fields_and_values() {
        assert!(find_dax(&serde_json::json!({"dax": "x"})).is_some());
        assert!(find_dax(&serde_json::json!({"region": "x') EVALUATE Patients"})).is_some());
        assert!(find_dax(&serde_json::json!({"region": "east"})).is_none());
    }

    #[test]
    fn names_in_paths_are_decoded() {
        assert_eq!(percent_decode("morning%2Dbrief"), "morning-brief");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("a%é"), "a%é");
        assert_eq!(url_escape("a b"), "a%20b");
    }
}

//! Roles: the managed policy maps OS users and groups to roles (`[roles.analyst] groups =
//! ["analysts"]`). A role can be read-only (no writes, deletes, moves, configuration changes,
//! releases or database changes; code from files or pipes asks), can name the BI bridge's
//! queries it may call, and can bind a query parameter to who the caller is (a developer
//! may only ask about their own region). The role comes from the operating system's account
//! database only ([`crate::identity`]); nothing the agent or a project can set changes it.

use crate::engine::Hit;
use crate::identity::Identity;
use crate::normalize::Subject;
use crate::normalize::effects::{Kind, Source};
use crate::pack::schema::{Doc, Table};
use crate::pack::{Decision, Severity};
use crate::sanitize;

#[derive(Debug, Clone, Default)]
pub struct Role {
    pub name: String,
    pub users: Vec<String>,
    pub groups: Vec<String>,
    pub read_only: bool,
    /// Named queries this role may call; `*` is every query. None: not restricted here.
    pub queries: Option<Vec<String>>,
    /// Query parameters fixed by who the caller is: (parameter, [(user or group, value)]).
    pub bind: Vec<(String, Vec<(String, String)>)>,
}

impl Role {
    pub fn may_call(&self, query: &str) -> bool {
        self.queries
            .as_ref()
            .is_none_or(|q| q.iter().any(|n| n == "*" || n == query))
    }

    /// The value a bound parameter must have for this caller: Some(None) when the parameter
    /// is bound but the caller has no value (the query is refused).
    pub fn bound_value(&self, param: &str, who: &Identity) -> Option<Option<&str>> {
        let (_, values) = self.bind.iter().find(|(p, _)| p == param)?;
        Some(
            values
                .iter()
                .find(|(k, _)| names(who, k))
                .map(|(_, v)| v.as_str()),
        )
    }
}

/// `user:NAME`, `group:NAME` or a bare name matching either.
fn names(who: &Identity, key: &str) -> bool {
    if let Some(u) = key.strip_prefix("user:") {
        return who.name == u;
    }
    if let Some(g) = key.strip_prefix("group:") {
        return who.groups.iter().any(|x| x == g);
    }
    who.name == key || who.groups.iter().any(|x| x == key)
}

#[derive(Debug, Clone, Default)]
pub struct Roles {
    /// In the order the policy file lists them.
    pub roles: Vec<Role>,
    /// The role of a user no role names.
    pub default: Option<String>,
}

impl Roles {
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }

    /// A role that names the user wins; then the first role (in file order) naming one of
    /// their groups; then the default role.
    pub fn resolve(&self, who: &Identity) -> Option<&Role> {
        self.roles
            .iter()
            .find(|r| r.users.contains(&who.name))
            .or_else(|| {
                self.roles
                    .iter()
                    .find(|r| r.groups.iter().any(|g| who.groups.contains(g)))
            })
            .or_else(|| {
                let d = self.default.as_deref()?;
                self.roles.iter().find(|r| r.name == d)
            })
    }

    /// Read `[roles.NAME]` tables.
    pub fn read(doc: &mut Doc, roles: Table) -> Roles {
        let mut out = Roles::default();
        let mut entries: Vec<_> = roles.entries().collect();
        entries.sort_by_key(|(_, v)| v.span().start);
        for (name, value) in entries {
            let toml::de::DeValue::Table(t) = value.get_ref() else {
                doc.error(&value.span(), format!("[roles.{name}] must be a table"));
                continue;
            };
            let mut t = Table::new(t, value.span(), format!("[roles.{name}]"));
            let mut role = Role {
                name: name.to_string(),
                users: t.strings(doc, "users").unwrap_or_default(),
                groups: t.strings(doc, "groups").unwrap_or_default(),
                read_only: t.boolean(doc, "read_only").unwrap_or(false),
                queries: t.strings(doc, "queries"),
                bind: Vec::new(),
            };
            if let Some(bind) = t.table(doc, "bind") {
                for (param, v) in bind.entries() {
                    let toml::de::DeValue::Table(map) = v.get_ref() else {
                        doc.error(
                            &v.span(),
                            format!(
                                "[roles.{name}.bind.{param}] maps users or groups to values: `dev-east = \"east\"`"
                            ),
                        );
                        continue;
                    };
                    let mut values = Vec::new();
                    for (who, val) in map.iter() {
                        match val.get_ref() {
                            toml::de::DeValue::String(s) => {
                                values.push((who.get_ref().to_string(), s.to_string()))
                            }
                            _ => doc.error(
                                &val.span(),
                                format!("[roles.{name}.bind.{param}] values must be strings"),
                            ),
                        }
                    }
                    role.bind.push((param.to_string(), values));
                }
            }
            if role.users.is_empty() && role.groups.is_empty() {
                doc.error(
                    &t.span(),
                    format!(
                        "[roles.{name}] names no `users` or `groups`: nobody would have it (make it the `default_role` and give it one group to silence this)"
                    ),
                );
            }
            t.finish(doc);
            out.roles.push(role);
        }
        out
    }
}

/// Deny (or ask) what a read-only role may not do.
pub fn read_only_hits(role: &Role, subject: &Subject) -> Vec<Hit> {
    if !role.read_only {
        return Vec::new();
    }
    let mut out = Vec::new();
    for e in subject.all_effects() {
        let (decision, what) = match e.kind {
            Kind::Write | Kind::Delete | Kind::Move | Kind::Config | Kind::Publish => {
                (Decision::Deny, e.kind.id())
            }
            Kind::Sql if e.sql.as_ref().is_some_and(|s| !s.kinds.is_empty()) => {
                (Decision::Deny, "database change")
            }
            Kind::Exec if e.source.is_some_and(|s| s > Source::Literal) => {
                (Decision::Ask, "code toolgate cannot see")
            }
            _ => continue,
        };
        // Writing to the terminal or /dev/null changes nothing.
        if matches!(
            e.target.text(),
            "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty"
        ) {
            continue;
        }
        out.push(Hit {
            rule: "policy.read-only-role".into(),
            decision,
            severity: Severity::High,
            certain: true,
            matched: format!("{what}: {}", sanitize::safe(&e.to_string())),
            message: format!(
                "The organisation's policy gives your account the read-only role `{}`: it may read, not change.",
                sanitize::safe(&role.name)
            ),
            remediation: "Ask someone with a role that may make changes, or an administrator."
                .into(),
        });
        if decision == Decision::Deny {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(name: &str, groups: &[&str]) -> Identity {
        Identity {
            uid: 1000,
            name: name.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    fn roles(text: &str) -> (Roles, Vec<String>) {
        let mut doc = Doc::new("p.toml", text);
        let root = doc.parse().unwrap();
        let mut top = Table::new(root.get_ref(), root.span(), "the top level");
        let t = top.table(&mut doc, "roles").unwrap();
        let r = Roles::read(&mut doc, t);
        (
            r,
            doc.diagnostics.iter().map(|d| d.message.clone()).collect(),
        )
    }

    #[test]
    fn users_win_over_groups_and_file_order_decides_between_groups() {
        let (r, errors) = roles(
            "[roles.developer]\ngroups = ['staff']\n[roles.analyst]\ngroups = ['staff', 'analysts']\nusers = ['ana']\nread_only = true\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(r.resolve(&who("ana", &["staff"])).unwrap().name, "analyst");
        assert_eq!(r.resolve(&who("bo", &["staff"])).unwrap().name, "developer");
        assert_eq!(
            r.resolve(&who("cy", &["analysts"])).unwrap().name,
            "analyst"
        );
        assert!(r.resolve(&who("di", &["other"])).is_none());
    }

    #[test]
    fn bound_parameters_come_from_the_callers_groups() {
        let (r, _) = roles(
            "[roles.developer]\ngroups = ['dev-east', 'dev-west']\n[roles.developer.bind.region]\ndev-east = 'east'\n'user:zed' = 'west'\n",
        );
        let dev = &r.roles[0];
        assert_eq!(
            dev.bound_value("region", &who("a", &["dev-east"])),
            Some(Some("east"))
        );
        assert_eq!(
            dev.bound_value("region", &who("zed", &["dev-west"])),
            Some(Some("west"))
        );
        assert_eq!(
            dev.bound_value("region", &who("b", &["dev-west"])),
            Some(None)
        );
        assert_eq!(dev.bound_value("practice_id", &who("b", &[])), None);
    }

    #[test]
    fn a_role_nobody_has_and_unknown_keys_are_errors() {
        let (_, errors) = roles("[roles.ghost]\nread_only = true\nwrite = false\n");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("nobody would have it")));
        assert!(errors.iter().any(|e| e.contains("unknown key `write`")));
    }
}

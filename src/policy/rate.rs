//! Rate caps, counted from the journal: `rate = "30/minute"` and `daily = N` per OS user on
//! the BI bridge's named queries (all of them, or one) and on any rule (`[rates."rule-id"]`).
//!
//! A call that a cap applies to is "charged" to the cap's key: its journal record lists
//! `rate:<key>` among its rules. Counting and recording happen under the journal's lock
//! (see [`crate::journal::store::append_counted`]), so concurrent sessions of the same user
//! can never both take the last slot. Denied calls are not counted.

use crate::journal::record::rfc3339;

/// One cap: at most `limit` calls per `window_s` seconds (rolling), and at most `daily`
/// calls per UTC calendar day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cap {
    pub limit: u32,
    pub window_s: u64,
    pub daily: Option<u32>,
}

/// A cap this call is charged to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// `bridge`, `bridge.<query>`, or a rule id.
    pub key: String,
    pub cap: Cap,
}

impl Charge {
    /// The rule entry a charged record carries.
    pub fn marker(&self) -> String {
        format!("rate:{}", self.key)
    }
}

/// `30/minute`, `5/second`, `100/hour`, `1000/day`.
pub fn parse(text: &str) -> Result<(u32, u64), String> {
    let (n, unit) = text.split_once('/').ok_or_else(|| {
        format!("a rate is `N/second`, `N/minute`, `N/hour` or `N/day`, not `{text}`")
    })?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("`{text}`: `{n}` is not a whole number of calls"))?;
    if n == 0 {
        return Err(format!(
            "`{text}`: a cap of 0 calls denies everything; remove the query or rule instead"
        ));
    }
    let window = match unit.trim() {
        "second" | "s" | "sec" => 1,
        "minute" | "min" | "m" => 60,
        "hour" | "h" => 3600,
        "day" | "d" => 86_400,
        other => {
            return Err(format!(
                "`{text}`: unknown unit `{other}` (second, minute, hour, day)"
            ));
        }
    };
    Ok((n, window))
}

pub use crate::journal::store::Counter;

/// The first cap the call would exceed, as a reason; None when every cap has room.
pub fn exceeded(
    counter: &dyn Counter,
    user: &str,
    charges: &[Charge],
    now_us: i64,
) -> Result<Option<String>, String> {
    for charge in charges {
        let cap = &charge.cap;
        let day_start = now_us - now_us.rem_euclid(86_400_000_000);
        let window_start = now_us - cap.window_s as i64 * 1_000_000;
        let since = match cap.daily {
            Some(_) => window_start.min(day_start),
            None => window_start,
        };
        let times = counter.charged_since(user, &charge.marker(), since)?;
        let in_window: Vec<i64> = times
            .iter()
            .copied()
            .filter(|t| *t > window_start)
            .collect();
        if in_window.len() >= cap.limit as usize {
            // The window frees a slot when its oldest counted call leaves it.
            let oldest = in_window.iter().copied().min().unwrap_or(now_us);
            let free_at = oldest + cap.window_s as i64 * 1_000_000;
            return Ok(Some(format!(
                "the cap of {} calls per {} for {} is used up for {user}; the next call is possible at {} (in {} s)",
                cap.limit,
                window_name(cap.window_s),
                charge.key,
                rfc3339(free_at),
                ((free_at - now_us) / 1_000_000).max(1)
            )));
        }
        if let Some(daily) = cap.daily {
            let today = times.iter().filter(|t| **t >= day_start).count();
            if today >= daily as usize {
                let tomorrow = day_start + 86_400_000_000;
                return Ok(Some(format!(
                    "the daily cap of {daily} calls for {} is used up for {user}; it resets at {} (UTC midnight)",
                    charge.key,
                    rfc3339(tomorrow)
                )));
            }
        }
    }
    Ok(None)
}

fn window_name(window_s: u64) -> &'static str {
    match window_s {
        1 => "second",
        60 => "minute",
        3600 => "hour",
        _ => "day",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Vec<i64>);
    impl Counter for Fixed {
        fn charged_since(&self, _: &str, _: &str, since: i64) -> Result<Vec<i64>, String> {
            Ok(self.0.iter().copied().filter(|t| *t >= since).collect())
        }
    }

    fn charge(limit: u32, window_s: u64, daily: Option<u32>) -> Vec<Charge> {
        vec![Charge {
            key: "bridge".into(),
            cap: Cap {
                limit,
                window_s,
                daily,
            },
        }]
    }

    #[test]
    fn rates_parse_with_clear_errors() {
        assert_eq!(parse("30/minute").unwrap(), (30, 60));
        assert_eq!(parse("5/hour").unwrap(), (5, 3600));
        assert!(parse("30 per minute").unwrap_err().contains("N/minute"));
        assert!(parse("0/minute").unwrap_err().contains("0 calls"));
        assert!(parse("3/fortnight").unwrap_err().contains("fortnight"));
    }

    #[test]
    fn the_call_after_the_cap_is_refused_with_when_it_frees_up() {
        let now = 1_800_000_000_000_000;
        let earlier: Vec<i64> = (0..30).map(|i| now - 50_000_000 + i * 1000).collect();
        let reason = exceeded(&Fixed(earlier.clone()), "ana", &charge(30, 60, None), now)
            .unwrap()
            .unwrap();
        assert!(reason.contains("30 calls per minute"), "{reason}");
        assert!(reason.contains("in 10 s"), "{reason}");
        assert_eq!(
            exceeded(
                &Fixed(earlier[1..].to_vec()),
                "ana",
                &charge(30, 60, None),
                now
            )
            .unwrap(),
            None
        );
        // Calls older than the window do not count.
        let old: Vec<i64> = (0..30).map(|i| now - 61_000_000 - i).collect();
        assert_eq!(
            exceeded(&Fixed(old), "ana", &charge(30, 60, None), now).unwrap(),
            None
        );
    }

    #[test]
    fn the_daily_cap_counts_the_utc_day() {
        let day = 86_400_000_000i64;
        let now = 20_000 * day + 3600 * 1_000_000;
        let yesterday = vec![now - 2 * 3600 * 1_000_000; 5];
        assert_eq!(
            exceeded(&Fixed(yesterday), "ana", &charge(100, 60, Some(5)), now).unwrap(),
            None
        );
        let today = vec![now - 1800 * 1_000_000; 5];
        let reason = exceeded(&Fixed(today), "ana", &charge(100, 60, Some(5)), now)
            .unwrap()
            .unwrap();
        assert!(reason.contains("daily cap of 5"), "{reason}");
    }
}

//! Links that change one setting of the dashboard (range, chart view, sort order)
//! and keep the others: the state lives in the URL, so it works without JavaScript,
//! survives a reload and can be bookmarked.

use leptos_router::params::ParamsMap;

/// The classes of one of these links as a pill in a switch (range, chart view).
pub fn pill_class(active: bool) -> &'static str {
    if active {
        "rounded-md px-2.5 py-1 text-xs font-medium focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 bg-slate-900 text-white dark:bg-slate-100 dark:text-slate-900"
    } else {
        "rounded-md px-2.5 py-1 text-xs font-medium focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
    }
}

/// The query parameters the dashboard understands, in the order links write them.
const KEYS: [&str; 4] = ["range", "chart", "sort", "dir"];

/// `?range=1Y&sort=weight&dir=desc` from the current query with `changes` applied;
/// unknown parameters are dropped and values are reduced to `[A-Za-z0-9_-]`.
pub fn href_with(current: &ParamsMap, changes: &[(&str, &str)]) -> String {
    let pairs: Vec<String> = KEYS
        .iter()
        .filter_map(|key| {
            let value = match changes.iter().find(|(k, _)| k == key) {
                Some((_, v)) => v.to_string(),
                None => current.get(key)?,
            };
            let clean: String =
                value.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').take(32).collect();
            (!clean.is_empty()).then(|| format!("{key}={clean}"))
        })
        .collect();
    if pairs.is_empty() { "?".to_string() } else { format!("?{}", pairs.join("&")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&'static str, &str)]) -> ParamsMap {
        let mut map = ParamsMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.to_string());
        }
        map
    }

    #[test]
    fn a_link_changes_one_setting_and_keeps_the_others() {
        let q = query(&[("sort", "weight"), ("dir", "asc"), ("range", "1M")]);
        assert_eq!(href_with(&q, &[("range", "1Y")]), "?range=1Y&sort=weight&dir=asc");
        assert_eq!(href_with(&q, &[("sort", "symbol"), ("dir", "desc")]), "?range=1M&sort=symbol&dir=desc");
    }

    #[test]
    fn unknown_parameters_and_odd_characters_do_not_survive() {
        let q = query(&[("evil", "x"), ("range", "\"><script>")]);
        assert_eq!(href_with(&q, &[]), "?range=script");
        assert_eq!(href_with(&ParamsMap::new(), &[]), "?");
    }
}

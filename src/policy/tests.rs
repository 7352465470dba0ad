use super::*;
use crate::test_support::expect_err;
use std::collections::HashMap;

struct Fake {
    sans: Vec<String>,
    claims: HashMap<Claim, String>,
}

impl Claims for Fake {
    fn sans(&self) -> Vec<String> {
        self.sans.clone()
    }
    fn claim(&self, c: Claim) -> Option<String> {
        self.claims.get(&c).cloned()
    }
}

fn cert() -> Fake {
    let mut claims = HashMap::new();
    claims.insert(
        Claim::OidcIssuer,
        "https://token.actions.githubusercontent.com".to_string(),
    );
    claims.insert(Claim::GitHubWorkflowRepository, "octo/repo".to_string());
    claims.insert(Claim::GitHubWorkflowRef, "refs/heads/main".to_string());
    Fake {
        sans: vec![
            "https://github.com/octo/repo/.github/workflows/release.yml@refs/heads/main".into(),
        ],
        claims,
    }
}

#[test]
fn identity_and_issuer() {
    let c = cert();
    let id = "https://github.com/octo/repo/.github/workflows/release.yml@refs/heads/main";
    assert!(
        Policy::identity(id, "https://token.actions.githubusercontent.com")
            .check(&c)
            .is_ok()
    );
    let e = Policy::identity(id, "https://accounts.google.com")
        .check(&c)
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("OIDC issuer")
            && msg.contains("accounts.google.com")
            && msg.contains("githubusercontent"),
        "{msg}"
    );
    let e = Policy::identity("x@y.z", "https://token.actions.githubusercontent.com")
        .check(&c)
        .unwrap_err();
    assert!(e.to_string().contains("x@y.z"), "{e}");
}

#[test]
fn regex_is_anchored() {
    let c = cert();
    let p = Policy::identity_regex(r"https://github\.com/octo/.*", None).unwrap();
    assert!(p.check(&c).is_ok());
    // Unanchored substring must not match.
    let p = Policy::identity_regex(r"octo/repo", None).unwrap();
    assert!(p.check(&c).is_err());
    // Alternation cannot escape the anchors.
    let p = Policy::identity_regex(r"nope|https://github\.com/octo/repo", None).unwrap();
    assert!(p.check(&c).is_err());
    assert!(Policy::identity_regex("(", None).is_err());
}

/// Issue 10 item 2: wrapping the pattern as `^(?:{pattern})$` let an
/// unbalanced `)` close the group early, so `…)|(.*` matched any SAN.
#[test]
fn regex_anchors_cannot_be_escaped() {
    let err = Policy::identity_regex(r"bob@example\.com)|(.*", None).unwrap_err();
    assert!(
        err.contains("invalid identity pattern") && err.contains("unopened group"),
        "{err}"
    );
    assert!(Policy::identity_regex(r"a)(b", None).is_err());
    assert!(Policy::identity_regex(r"a\", None).is_err());

    let sans = |s: &str| Fake {
        sans: vec![s.to_string()],
        claims: HashMap::new(),
    };
    let p = Policy::identity_regex("a|b", None).unwrap();
    assert!(p.check(&sans("a")).is_ok());
    assert!(p.check(&sans("b")).is_ok());
    assert!(p.check(&sans("ab")).is_err());
    // Full-match semantics (Python's re.fullmatch), not the leftmost-first
    // match checked for its end: "a" is found first, yet "ab" matches.
    let p = Policy::identity_regex("a|ab", None).unwrap();
    assert!(p.check(&sans("ab")).is_ok());
    assert!(p.check(&sans("abc")).is_err());
    // A verbose-mode comment in the pattern must not swallow the anchors.
    let p = Policy::identity_regex("(?x) a # the letter a", None).unwrap();
    assert!(p.check(&sans("a")).is_ok());
    assert!(p.check(&sans("ab")).is_err());
    // Multi-line mode must not turn the anchors into line anchors.
    let p = Policy::identity_regex("(?m)a", None).unwrap();
    assert!(p.check(&sans("a\nevil")).is_err());
    // The user's pattern is what messages show.
    let e = p.check(&sans("b")).unwrap_err().to_string();
    assert!(e.contains("/(?m)a/"), "{e}");
}

#[test]
fn combinators_fail_closed() {
    let c = cert();
    expect_err!(Policy::AllOf(vec![]).check(&c), PolicyError::Empty(_));
    expect_err!(Policy::AnyOf(vec![]).check(&c), PolicyError::Empty(_));
    let good = Policy::claim(Claim::GitHubWorkflowRepository, "octo/repo");
    let bad = Policy::claim(Claim::GitHubWorkflowRef, "refs/heads/dev");
    assert!(Policy::AnyOf(vec![bad.clone(), good.clone()])
        .check(&c)
        .is_ok());
    let e = Policy::AllOf(vec![good, bad]).check(&c).unwrap_err();
    assert!(
        e.to_string().contains("refs/heads/dev") && e.to_string().contains("refs/heads/main"),
        "{e}"
    );
}

#[test]
fn github_policy() {
    let c = cert();
    assert!(
        Policy::github(Some("octo/repo".into()), None, None, None, None, None)
            .check(&c)
            .is_ok()
    );
    let e = Policy::github(Some("octo/other".into()), None, None, None, None, None)
        .check(&c)
        .unwrap_err();
    assert!(e.to_string().contains("GitHub workflow repository"), "{e}");
    let e = Policy::github(None, None, Some("push".into()), None, None, None)
        .check(&c)
        .unwrap_err();
    assert!(e.to_string().contains("no such claim"), "{e}");
}

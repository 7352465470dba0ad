//! Writing pins into a lock's text with `toml_edit`, so that everything the
//! locker wrote (comments, key order, inline or standard tables) stays as it
//! was except each pinned package's `attestation-identities`.

use crate::error::{Error, Result};
use crate::pep740::Publisher;
use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

const KEY: &str = "attestation-identities";

/// The lock `text` with `[[packages.attestation-identities]]` of package
/// `i` (its index in `[[packages]]`) replaced by the publishers given, for
/// each `(i, publishers)` in `pins`. A package written as an inline table
/// gets an inline array; one written as `[[packages]]` gets
/// `[[packages.attestation-identities]]` tables after its other keys.
pub fn with_pins(text: &str, pins: &[(usize, Vec<Publisher>)]) -> Result<String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| Error::InvalidLock(format!("not TOML: {e}")))?;
    let packages = doc
        .get_mut("packages")
        .ok_or_else(|| Error::InvalidLock("no packages to pin".into()))?;
    for (i, publishers) in pins {
        let rows: Vec<Vec<(String, String)>> = publishers.iter().map(fields).collect();
        let missing = || Error::InvalidLock(format!("packages[{i}]: no such package"));
        match packages {
            Item::ArrayOfTables(aot) => {
                let table = aot.get_mut(*i).ok_or_else(missing)?;
                let mut out = ArrayOfTables::new();
                for row in &rows {
                    let mut t = Table::new();
                    for (k, v) in row {
                        t.insert(k, toml_edit::value(v.as_str()));
                    }
                    out.push(t);
                }
                table.insert(KEY, Item::ArrayOfTables(out));
            }
            Item::Value(Value::Array(array)) => {
                let table = array
                    .get_mut(*i)
                    .and_then(Value::as_inline_table_mut)
                    .ok_or_else(missing)?;
                let mut out = toml_edit::Array::new();
                for row in &rows {
                    let mut t = InlineTable::new();
                    for (k, v) in row {
                        t.insert(k, Value::from(v.as_str()));
                    }
                    out.push(Value::InlineTable(t));
                }
                table.insert(KEY, Value::Array(out));
            }
            _ => {
                return Err(Error::InvalidLock(
                    "packages is not an array of tables".into(),
                ))
            }
        }
    }
    Ok(doc.to_string())
}

/// A publisher's keys as pylock-attestations writes them: `kind` first,
/// then its own keys in the order PyPI's publisher objects give them,
/// absent ones left out.
fn fields(publisher: &Publisher) -> Vec<(String, String)> {
    let mut out = vec![("kind", Some(publisher.kind()))];
    match publisher {
        Publisher::GitHub {
            repository,
            workflow,
            environment,
        } => out.extend([
            ("repository", Some(repository.as_str())),
            ("workflow", Some(workflow.as_str())),
            ("environment", environment.as_deref()),
        ]),
        Publisher::GitLab {
            repository,
            workflow_filepath,
            environment,
        } => out.extend([
            ("repository", Some(repository.as_str())),
            ("workflow_filepath", Some(workflow_filepath.as_str())),
            ("environment", environment.as_deref()),
        ]),
        Publisher::Google { email } => out.push(("email", Some(email.as_str()))),
        Publisher::CircleCI {
            project_id,
            pipeline_definition_id,
            vcs_origin,
            vcs_ref,
        } => out.extend([
            ("project_id", Some(project_id.as_str())),
            (
                "pipeline_definition_id",
                Some(pipeline_definition_id.as_str()),
            ),
            ("vcs_origin", vcs_origin.as_deref()),
            ("vcs_ref", vcs_ref.as_deref()),
        ]),
    }
    out.into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned())))
        .collect()
}

//! The case engine's console commands: the working calendar and the journal's verification.

use super::{onetrip, text};

#[test]
fn the_working_calendar_takes_a_new_year_and_refuses_a_bad_file() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("hall");
    let shown = onetrip(&data, &["calendar", "show"]);
    assert!(shown.status.success(), "{}", text(&shown));
    assert!(
        text(&shown).contains("2025、2026"),
        "the shipped years: {}",
        text(&shown)
    );
    assert!(
        text(&shown).contains("2027"),
        "a warning names the missing next year: {}",
        text(&shown)
    );
    let year = root.path().join("2027.toml");
    std::fs::write(
        &year,
        "[[year]]\nyear = 2027\nnotice = \"test notice\"\nholidays = [{ name = \"元旦\", from = \"2027-01-01\", to = \"2027-01-03\" }]\nworkdays = []\n",
    )
    .unwrap();
    let added = onetrip(&data, &["calendar", "import", year.to_str().unwrap()]);
    assert!(added.status.success(), "{}", text(&added));
    assert!(
        text(&added).contains("2025、2026、2027"),
        "{}",
        text(&added)
    );
    let bad = root.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[year]]\nyear = 2028\nnotice = \"x\"\nholidays = [{ name = \"春节\", from = \"2028-02-10\", to = \"2027-02-01\" }]\n",
    )
    .unwrap();
    let refused = onetrip(&data, &["calendar", "import", bad.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("2028"),
        "names the year: {}",
        text(&refused)
    );
    let after = text(&onetrip(&data, &["calendar", "show"]));
    assert!(
        after.contains("2027") && !after.contains("2028、") && !after.ends_with("2028\n"),
        "{after}"
    );
}

#[test]
fn journal_verify_names_an_entry_edited_behind_the_applications_back() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("hall");
    assert!(onetrip(&data, &["demo"]).status.success());
    let states: std::collections::BTreeSet<String> = {
        let db = rusqlite::Connection::open(data.join("onetrip.sqlite3")).unwrap();
        let mut q = db.prepare("SELECT DISTINCT state FROM cases").unwrap();
        q.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let every: std::collections::BTreeSet<String> = onetrip_domain::case::CaseState::ALL
        .iter()
        .map(|s| s.key().to_string())
        .collect();
    assert_eq!(states, every, "the demo hall has a case in every state");
    let signed = onetrip(&data, &["journal", "checkpoint"]);
    assert!(
        signed.status.success() && text(&signed).contains("已签名检查点"),
        "{}",
        text(&signed)
    );
    let verified = onetrip(&data, &["journal", "verify"]);
    assert!(verified.status.success(), "{}", text(&verified));
    assert!(
        text(&verified).contains("办件日志完整"),
        "{}",
        text(&verified)
    );
    let db = rusqlite::Connection::open(data.join("onetrip.sqlite3")).unwrap();
    let number: String = db
        .query_row(
            "SELECT number FROM cases ORDER BY number LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    db.execute_batch(&format!(
        "DROP TRIGGER case_journal_no_update;
         UPDATE case_journal SET note = '改过' WHERE seq = 1 AND case_id = (SELECT id FROM cases WHERE number = '{number}');"
    ))
    .unwrap();
    let broken = onetrip(&data, &["journal", "verify"]);
    assert!(!broken.status.success());
    assert!(
        text(&broken).contains(&number) && text(&broken).contains("第 1 条"),
        "{}",
        text(&broken)
    );
}

//! A group's pushes are decided in memory against what the group read
//! once (`store_group`): each must be answered, and must store, exactly as
//! if it had been stored alone after the ones before it.

use advocase_core::access::Role;
use advocase_core::replica::Replica;
use advocase_core::sample::{self, Rng};
use advocase_core::sync::MAX_BATCH;

use super::*;

fn manager() -> User {
    User {
        username: "m".into(),
        display_name: "Manager".into(),
        role: Role::Manager,
        units: Vec::new(),
        active: true,
    }
}

/// Pushes whose answers depend on the ones before them: a batch, that
/// batch again and its first half again; another device's changes with an
/// id taken and logs onto the first device's case (stored only because
/// its opening came first); a seq reused with another id.
fn scenario() -> Vec<PushRequest> {
    let now = sample::reference_now();
    let ms = now.timestamp_millis() as u64;
    let mut rng = Rng::new(16);
    let mut files = sample::caseload(41, 3, 3, now);
    for f in &mut files {
        f.case.created_by = "m".into();
        f.case.assignee = "m".into();
        for x in &mut f.interactions {
            x.by = "m".into();
        }
    }
    let mut one = Replica::new(rng.id(ms));
    for f in &files {
        one.import(f, ms);
    }
    let batch = one.outbox(MAX_BATCH);
    let push = |device, changes: Vec<Change>| PushRequest { device, changes };

    let mut two = Replica::new(rng.id(ms));
    let mut onto = files[0].clone();
    for x in &mut onto.interactions {
        x.id = rng.id(ms);
    }
    two.import(&onto, ms);
    let mut theirs = two.outbox(MAX_BATCH);
    // An id the first device stored, under the second's own number.
    let mut taken = batch[5].clone();
    taken.device = two.state.device;
    taken.seq = theirs.iter().map(|c| c.seq).max().unwrap() + 1;
    theirs.push(taken);

    let mut reused = batch[2].clone();
    reused.id = rng.id(ms);
    vec![
        push(one.state.device, batch.clone()),
        push(two.state.device, theirs),
        push(one.state.device, batch.clone()),
        push(one.state.device, batch[..batch.len() / 2].to_vec()),
        push(one.state.device, vec![reused]),
    ]
}

/// Three devices' full batches at once: more rows than one INSERT takes
/// (`ROWS_PER_INSERT`), so the group writes each table in several.
fn crowd() -> Vec<PushRequest> {
    let now = sample::reference_now();
    let ms = now.timestamp_millis() as u64;
    let mut rng = Rng::new(17);
    (0..3)
        .map(|k| {
            let mut device = Replica::new(rng.id(ms));
            for mut f in sample::caseload(100 + k, 150, 3, now) {
                f.case.created_by = "m".into();
                f.case.assignee = "m".into();
                for x in &mut f.interactions {
                    x.by = "m".into();
                }
                device.import(&f, ms);
            }
            PushRequest {
                device: device.state.device,
                changes: device.outbox(MAX_BATCH),
            }
        })
        .collect()
}

/// The answers, then every row the pushes wrote, on a fresh database.
async fn store(grouped: bool, pushes: Vec<PushRequest>) -> (Vec<PushResponse>, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let db = crate::db::open_sqlite(&tmp.path().join("t.db"))
        .await
        .unwrap();
    let user = manager();
    let now_ms = sample::reference_now().timestamp_millis() as u64 + 60_000;
    let jobs: Vec<_> = pushes
        .iter()
        .map(|r| Job::new(user.clone(), r.clone(), now_ms))
        .collect();
    let answers = if grouped {
        store_group(&db, &jobs).await.unwrap()
    } else {
        let mut all = Vec::new();
        for job in &jobs {
            all.extend(store_group(&db, std::slice::from_ref(job)).await.unwrap());
        }
        all
    };
    let mut rows = Vec::new();
    for sql in [
        "SELECT server_seq || ' ' || change_id || ' ' || device || ' ' || seq || ' ' || case_id || ' ' || body FROM changes ORDER BY server_seq",
        "SELECT device || ' ' || seq || ' ' || change_id || ' ' || outcome_json FROM received ORDER BY device, seq",
        "SELECT case_id || ' ' || unit || ' ' || assignee || ' ' || involved || ' ' || last_seq || ' ' || summary FROM cases ORDER BY case_id",
        "SELECT CAST(value AS TEXT) FROM sync_counter",
    ] {
        let got: Vec<String> = sqlx::query_scalar(sql).fetch_all(&db.pool).await.unwrap();
        rows.extend(got);
    }
    let responses = answers.into_iter().map(|p| p.response).collect();
    (responses, rows)
}

#[tokio::test]
async fn a_group_answers_and_stores_as_its_pushes_would_alone() {
    let (grouped, grouped_rows) = store(true, scenario()).await;
    let (alone, alone_rows) = store(false, scenario()).await;
    assert_eq!(grouped, alone);
    assert_eq!(grouped_rows, alone_rows);

    // The scenario does what it says: without these the comparison could
    // pass on pushes that never depend on each other.
    let outcomes: Vec<_> = grouped.iter().map(|r| &r.results).collect();
    let stored = |o: &Outcome| {
        matches!(
            o,
            Outcome::Stored {
                duplicate: false,
                ..
            }
        )
    };
    let repeat = |o: &Outcome| {
        matches!(
            o,
            Outcome::Stored {
                duplicate: true,
                ..
            }
        )
    };
    let refused_on = |o: &Outcome, f: &str| matches!(o, Outcome::Refused { reason } if reason.field.as_deref() == Some(f));
    assert!(
        outcomes[0].iter().all(|r| stored(&r.outcome)),
        "{:?}",
        outcomes[0]
    );
    let second = &outcomes[1];
    assert!(
        refused_on(&second[0].outcome, "id"),
        "its opening's id is the first device's"
    );
    assert!(
        second[1..second.len() - 1]
            .iter()
            .all(|r| stored(&r.outcome)),
        "logs onto the first device's case"
    );
    assert!(refused_on(&second.last().unwrap().outcome, "id"));
    assert!(
        outcomes[2]
            .iter()
            .chain(outcomes[3])
            .all(|r| repeat(&r.outcome))
    );
    assert!(refused_on(&outcomes[4][0].outcome, "seq"));
    let numbers = |i: usize| -> Vec<_> {
        outcomes[i]
            .iter()
            .map(|r| match r.outcome {
                Outcome::Stored { server_seq, .. } => server_seq,
                _ => 0,
            })
            .collect()
    };
    assert_eq!(
        numbers(0),
        numbers(2),
        "a repeat gets the first answer's numbers"
    );
}

#[tokio::test]
async fn a_group_larger_than_one_insert_stores_as_its_pushes_would_alone() {
    let pushes = crowd();
    let total: usize = pushes.iter().map(|p| p.changes.len()).sum();
    assert!(total > ROWS_PER_INSERT, "{total} changes: one INSERT each");
    let (grouped, grouped_rows) = store(true, pushes.clone()).await;
    let (alone, alone_rows) = store(false, pushes).await;
    assert_eq!(grouped, alone);
    assert_eq!(grouped_rows, alone_rows);
    let stored = grouped
        .iter()
        .flat_map(|r| &r.results)
        .filter(|r| {
            matches!(
                r.outcome,
                Outcome::Stored {
                    duplicate: false,
                    ..
                }
            )
        })
        .count();
    assert_eq!(stored, total, "every change stored once");
}

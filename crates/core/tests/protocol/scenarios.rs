//! Fixed scenarios beside the random runs: each pins one behaviour a
//! person relies on, or one the random runs once found broken.

use super::*;

#[test]
fn a_retried_push_is_stored_once_and_acknowledged_the_same() {
    let mut world = World::new(7, 3);
    world.open_case(0);
    let batch = world.devices[0].replica.outbox(10);
    let req = PushRequest {
        device: world.devices[0].replica.state.device,
        changes: batch.clone(),
    };
    let ana = world.devices[0].user.clone();
    let first = world.server.push(&ana, &req, world.time_ms as u64);
    let second = world.server.push(&ana, &req, world.time_ms as u64);
    assert_eq!(world.server.stream.len(), 1);
    let (
        Outcome::Stored {
            server_seq: a,
            duplicate: false,
            ..
        },
        Outcome::Stored {
            server_seq: b,
            duplicate: true,
            ..
        },
    ) = (&first.results[0].outcome, &second.results[0].outcome)
    else {
        panic!("{first:?} {second:?}")
    };
    assert_eq!(a, b);
}

/// The scenarios the property test relies on actually happen: conflicts,
/// refusals, thousands of cases over a run.
#[test]
fn the_random_runs_exercise_conflicts_refusals_and_many_cases() {
    let (mut cases, mut conflicts, mut refused, mut item_conflicts, mut checklists) =
        (0, 0, 0, 0, 0);
    let (mut task_conflicts, mut tasks, mut answers) = (0, 0, 0);
    for seed in 0..20 {
        let mut world = World::new(seed, 5);
        for _ in 0..300 {
            world.step();
        }
        world.settle_down();
        world.check();
        let (a, b, c, d, e) = world.stats();
        cases += a;
        conflicts += b;
        refused += c;
        item_conflicts += d;
        checklists += e;
        let (f, g, h) = world.task_stats();
        task_conflicts += f;
        tasks += g;
        answers += h;
    }
    eprintln!(
        "STATS cases {cases} conflicts {conflicts} refused {refused} item_conflicts {item_conflicts} checklists {checklists}"
    );
    eprintln!("STATS task_conflicts {task_conflicts} tasks {tasks} answers {answers}");
    assert!(checklists > 50, "{checklists} checklists");
    assert!(tasks > 100, "{tasks} tasks");
    assert!(task_conflicts > 3, "{task_conflicts} crossing task edits");
    assert!(answers > 20, "{answers} answers to escalations");
    assert!(item_conflicts > 3, "{item_conflicts} crossing ticks");
    assert!(cases > 400, "{cases} cases");
    assert!(conflicts > 5, "{conflicts} conflicts");
    assert!(refused > 5, "{refused} refusals");
}

#[test]
fn a_tablet_a_day_ahead_does_not_win_later_edits() {
    let mut world = World::new(3, 3);
    world.devices[1].skew_ms = DAY_MS;
    world.open_case_in(0, "4 West");
    world.sync(0, false);
    world.sync(1, false);
    let case = world.visible_cases(1)[0].case.id;
    let set = |world: &mut World, d: usize, to: Priority| {
        let file = world
            .visible_cases(d)
            .into_iter()
            .find(|f| f.case.id == case)
            .unwrap();
        let op = file.edit(CaseCommand::SetPriority { to }).unwrap();
        world.record(d, case, op);
    };
    set(&mut world, 1, Priority::Low);
    world.sync(1, false);
    // Two minutes later by the server's clock, someone edits it honestly.
    world.time_ms += 120_000;
    world.sync(0, false);
    set(&mut world, 0, Priority::Urgent);
    world.settle_down();
    let truth = world.server.file(case).unwrap();
    assert_eq!(truth.case.priority, Priority::Urgent, "the later edit wins");
    world.check();
}

/// Two coordinators tick items of the same checklist offline: different
/// items both keep their ticks; the same item keeps one value and shows the
/// other as a conflict, on both tablets.
#[test]
fn ticks_on_different_items_both_stay_and_the_same_item_is_a_conflict() {
    let mut world = World::new(11, 3);
    world.open_case_in(0, "4 West");
    let case = world.visible_cases(0)[0].case.id;
    let template = default_templates().remove(1);
    let rng = &mut world.rng;
    let checklist = Checklist::start(rng.id(1), &template, || rng.id(1));
    let (k, first, second) = (checklist.id, checklist.items[0].id, checklist.items[1].id);
    world.record(
        0,
        case,
        Op::StartChecklist {
            checklist: Box::new(checklist),
        },
    );
    world.settle_down();
    let tick = |world: &mut World, d: usize, item: Id, value: ItemValue| {
        let file = world
            .visible_cases(d)
            .into_iter()
            .find(|f| f.case.id == case)
            .unwrap();
        let op = file.set_item(k, item, vec![value]).unwrap();
        world.record(d, case, op);
    };
    let (_, now) = world.now(0);
    tick(
        &mut world,
        0,
        first,
        ItemValue::State(ItemState::Done {
            by: "ana".into(),
            at: now,
        }),
    );
    tick(
        &mut world,
        1,
        second,
        ItemValue::State(ItemState::Done {
            by: "ben".into(),
            at: now,
        }),
    );
    tick(
        &mut world,
        0,
        second,
        ItemValue::Note("Interpreter booked".into()),
    );
    tick(
        &mut world,
        1,
        first,
        ItemValue::State(ItemState::NotApplicable {
            reason: "Speaks English".into(),
            by: "ben".into(),
            at: now,
        }),
    );
    world.settle_down();
    world.check();
    for d in 0..2 {
        let file = world
            .visible_cases(d)
            .into_iter()
            .find(|f| f.case.id == case)
            .unwrap();
        let items = &file.case.checklists[0].items;
        assert!(
            matches!(items[1].state, ItemState::Done { .. }),
            "ben's tick stays"
        );
        assert_eq!(
            items[1].note, "Interpreter booked",
            "ana's note on the same item stays"
        );
        assert_eq!(
            file.item_conflicts.len(),
            1,
            "the same item's state crossed"
        );
        let c = &file.item_conflicts[0];
        assert_eq!((c.item, c.field.as_str()), (first, "state"));
        assert_ne!(c.kept.value, c.lost.value);
        assert_eq!(file.case.checklists[0].progress().finished, 2);
    }

    // One person puts back the overwritten tick; another adds an item for
    // this patient meanwhile. Both reach everyone; the conflict is gone.
    let file = |world: &mut World, d: usize| {
        world
            .visible_cases(d)
            .into_iter()
            .find(|f| f.case.id == case)
            .unwrap()
    };
    let f0 = file(&mut world, 0);
    let lost = f0.item_conflicts[0].lost.value.clone();
    // Both sides of the crossing are decisions: putting one back leaves
    // the count of required items alone.
    let required_open = f0.case.checklists[0].progress().required_open;
    let op = f0.settle_item(&f0.item_conflicts[0], true).unwrap();
    world.record(0, case, op);
    let draft = ItemDraft {
        text: "Spanish-speaking home-health nurse".into(),
        responsible: Some(Responsible::CaseManagement),
        required: true,
        ..ItemDraft::default()
    };
    let item_id = world.rng.id(1);
    let op = file(&mut world, 1).add_item(k, &draft, item_id).unwrap();
    world.record(1, case, op);
    world.settle_down();
    world.check();
    for d in 0..2 {
        let f = file(&mut world, d);
        assert!(f.item_conflicts.is_empty(), "settled on every device");
        let items = &f.case.checklists[0].items;
        assert_eq!(ItemValue::State(items[0].state.clone()), lost);
        assert_eq!(items.len(), 13);
        assert_eq!(items[12].section, ADDED_SECTION);
        assert_eq!(
            f.case.checklists[0].progress().required_open,
            required_open + 1,
            "the added item is required and still to do"
        );
    }
    // After "use the other", a later edit of the same field does not bring
    // the decided crossing back.
    let op = file(&mut world, 1)
        .set_item(k, first, vec![ItemValue::State(ItemState::ToDo)])
        .unwrap();
    world.record(1, case, op);
    world.settle_down();
    for d in 0..2 {
        let f = file(&mut world, d);
        assert!(f.item_conflicts.is_empty(), "{d}: {:?}", f.item_conflicts);
        assert_eq!(f.case.checklists[0].items[0].state, ItemState::ToDo);
    }

    // Two people both ticking the same item done did not cross.
    let (_, now) = world.now(0);
    for (d, who) in [(0, "ana"), (1, "ben")] {
        let done = ItemValue::State(ItemState::Done {
            by: who.into(),
            at: now,
        });
        let op = file(&mut world, d).set_item(k, first, vec![done]).unwrap();
        world.record(d, case, op);
    }
    world.settle_down();
    world.check();
    for d in 0..2 {
        let f = file(&mut world, d);
        assert!(f.item_conflicts.is_empty(), "{d}: {:?}", f.item_conflicts);
        assert!(matches!(
            f.case.checklists[0].items[0].state,
            ItemState::Done { .. }
        ));
    }

    // Keeping what shows is a decision too: a later crossing, kept.
    let f0 = file(&mut world, 0);
    let op = f0
        .set_item(k, second, vec![ItemValue::Responsible(Responsible::Nurse)])
        .unwrap();
    world.record(0, case, op);
    let f1 = file(&mut world, 1);
    let op = f1
        .set_item(
            k,
            second,
            vec![ItemValue::Responsible(Responsible::Pharmacy)],
        )
        .unwrap();
    world.record(1, case, op);
    world.settle_down();
    let f1 = file(&mut world, 1);
    assert_eq!(f1.item_conflicts.len(), 1);
    let op = f1.settle_item(&f1.item_conflicts[0], false).unwrap();
    world.record(1, case, op);
    world.settle_down();
    world.check();
    for d in 0..2 {
        let f = file(&mut world, d);
        assert!(f.item_conflicts.is_empty(), "{d}: {:?}", f.item_conflicts);
        assert!(f.set_aside.is_empty(), "{d}: {:?}", f.set_aside);
    }
}

/// A checklist refused and sent again later gets a later clock than the
/// ticks already stored: the ticks must still land on its items.
#[test]
fn a_tick_ordered_before_its_checklist_still_counts() {
    let mut world = World::new(5, 3);
    world.open_case_in(0, "4 West");
    let file = world.visible_cases(0)[0].clone();
    let case = file.case.id;
    let template = default_templates().remove(1);
    let rng = &mut world.rng;
    let checklist = Checklist::start(rng.id(1), &template, || rng.id(1));
    let start = Op::StartChecklist {
        checklist: Box::new(checklist.clone()),
    };
    let mut log = world.devices[0].replica.logs[&case].clone();
    let (_, now) = world.now(0);
    let change = |id: Id, wall_ms: u64, op: Op| Entry {
        change: Change {
            id,
            case_id: case,
            device: id,
            seq: 1,
            hlc: advocase_core::hlc::Timestamp {
                wall_ms,
                counter: 0,
                node: 1,
            },
            by: "ana".into(),
            at: now,
            op,
        },
        synced: None,
        refused: None,
    };
    let mut with_list = file.clone();
    with_list.case.checklists.push(checklist.clone());
    let done = ItemValue::State(ItemState::Done {
        by: "ana".into(),
        at: now,
    });
    let tick = with_list
        .set_item(checklist.id, checklist.items[0].id, vec![done])
        .unwrap();
    let far = u64::MAX / 4;
    log.put(change(world.rng.id(2), far, tick));
    log.put(change(world.rng.id(3), far + 1, start));
    let folded = log.fold().unwrap();
    let items = &folded.case.checklists[0].items;
    assert!(
        matches!(items[0].state, ItemState::Done { .. }),
        "the tick counts though its checklist sorts after it"
    );
    assert_eq!(folded.case.checklists[0].progress().finished, 1);
}

/// A case taken from a device while it still had work on it there (eve's
/// edit, refused: the case had just been reassigned away from her) is kept
/// for that work; when it is hers again, what others did meanwhile comes
/// with it. (The random runs found this: eve's copy missed the changes of
/// the time she could not see the case.)
#[test]
fn a_case_hidden_while_work_waited_is_whole_again_when_it_comes_back() {
    let mut world = World::new(3, 4);
    let (ana, ben, eve) = (0, 1, 3);
    world.open_case_in(ana, "4 West");
    let case = world.visible_cases(ana)[0].case.id;
    let reassign = |world: &mut World, d: usize, to: &str| {
        let file = world
            .visible_cases(d)
            .into_iter()
            .find(|f| f.case.id == case)
            .unwrap();
        let op = file.edit(CaseCommand::Reassign { to: to.into() }).unwrap();
        world.record(d, case, op);
    };
    reassign(&mut world, ana, "eve");
    world.settle_down();
    assert_eq!(world.visible_cases(eve).len(), 1, "assigned: eve sees it");

    // Eve, offline, edits; meanwhile Ben gives the case to Cal and raises
    // its priority.
    world.devices[eve].online = false;
    let file = world.visible_cases(eve)[0].clone();
    let op = file
        .edit(CaseCommand::SetDescription {
            to: "Family wants a meeting".into(),
        })
        .unwrap();
    world.record(eve, case, op);
    reassign(&mut world, ben, "cal");
    let file = world.visible_cases(ben)[0].clone();
    let op = file
        .edit(CaseCommand::SetPriority { to: Priority::High })
        .unwrap();
    world.record(ben, case, op);
    for d in 0..3 {
        world.sync(d, false);
    }
    // Eve syncs: her edit is refused and set aside, so the case stays.
    world.devices[eve].online = true;
    world.sync(eve, false);
    assert!(world.devices[eve].replica.logs.contains_key(&case));

    // The case is hers again: she gets everything, the priority included.
    reassign(&mut world, ben, "eve");
    world.settle_down();
    world.check();
    let mine = world.visible_cases(eve);
    let file = mine.iter().find(|f| f.case.id == case).unwrap();
    assert_eq!(file.case.priority, Priority::High);
    assert_eq!(file.case.assignee, "eve");
}

//! Reading the caseload from the store: whole ([`Cases::reload`]), or as
//! the app starts ([`Cases::reopen`]: the stored list rows first, then
//! every log in slices), and writing those list rows after saves.

use super::*;

impl Cases {
    /// Reads the store again, whole, before returning (after another
    /// person's sign-in emptied it; tests).
    pub fn reload(&self) {
        self.generation.update_value(|g| *g += 1);
        let store = self.store.get_value();
        let mut opening = Opening::start(&store);
        for i in 0..opening.entries.len() {
            opening.read(&store, i);
        }
        self.finish(opening, None);
    }

    /// Reads the store again, as at start (after an unlock): the stored
    /// list rows whose logs are stored as they were made from show at once
    /// (`advocase_core::listing`), with the logs written since read first;
    /// every log is then read in slices, each a few dozen milliseconds
    /// so the list answers meanwhile, and the caseload is set whole from
    /// them. Without usable rows it is [`Cases::reload`].
    pub fn reopen(&self) {
        self.generation.update_value(|g| *g += 1);
        let generation = self.generation.get_value();
        let store = self.store.get_value();
        let mut opening = Opening::start(&store);
        let listed = read_listing(&store);
        let id_of = |key: &str| key.strip_prefix(CASE_PREFIX)?.parse::<Id>().ok();
        let checked = listed.as_ref().map(|l| {
            l.check(
                opening
                    .entries
                    .iter()
                    .filter_map(|(k, raw)| Some((id_of(k)?, listing::stamp(raw)))),
            )
        });
        // Worth it when most rows stand: else read everything now.
        let Some(checked) = checked.filter(|c| c.unlisted.len() * 4 <= opening.entries.len())
        else {
            for i in 0..opening.entries.len() {
                opening.read(&store, i);
            }
            return self.finish(opening, listed);
        };
        let mut load = Caseload::default();
        for row in checked.rows {
            load.list_row(row);
        }
        let mut rest = Vec::new();
        for i in 0..opening.entries.len() {
            if id_of(&opening.entries[i].0).is_some_and(|id| !checked.unlisted.contains(&id)) {
                rest.push(i);
            // Logs written after the rows (or never listed): read before showing.
            } else if let Some(id) = opening.read(&store, i)
                && let Some(file) = opening.logs.get(&id).and_then(visible)
            {
                load.put(file);
            }
        }
        self.touched.set_value(None);
        self.caseload.set(load);
        self.quarantined.set(opening.quarantined.clone());
        self.read_only.set(opening.read_only.clone());
        self.unsent.set(unsent_count(&store));
        self.reading.set(true);
        let cases = *self;
        leptos::task::spawn_local(async move {
            let mut rest = rest.into_iter().peekable();
            while rest.peek().is_some() {
                // Let the list draw and answer before each slice.
                crate::sync::pause(0).await;
                if cases.generation.get_value() != generation {
                    return;
                }
                let until = clock::now_ms() + SLICE_MS;
                for i in rest.by_ref() {
                    opening.read(&store, i);
                    if clock::now_ms() >= until {
                        break;
                    }
                }
            }
            cases.finish(opening, listed);
        });
    }

    /// Every log is read: the caseload, replica and counts from them.
    fn finish(&self, opening: Opening, listed: Option<Listing>) {
        let store = self.store.get_value();
        let mut stamps: Vec<(Id, String)> = opening
            .entries
            .iter()
            .filter_map(|(k, raw)| {
                let id = k.strip_prefix(CASE_PREFIX)?.parse().ok()?;
                Some((id, listing::stamp(raw).to_owned()))
            })
            .collect();
        advocase_core::order::sort_by_key(&mut stamps, |s| s.0);
        let opened = opening.finish(&store);
        let load = Caseload::new(opened.replica.logs.values().filter_map(visible));
        // Rows missing or behind (the first start of this build, a browser
        // closed before they were written): written once the list shows.
        // Each log read counts (a deleted case's too, without a row); not
        // those set aside, nor older layouts' files (written again above).
        let now = stamps
            .into_iter()
            .filter(|(id, _)| opened.replica.logs.contains_key(id))
            .map(|(id, stamp)| (id, stamp, load.row(&id).cloned()));
        if listed.is_none_or(|l| !l.rows.into_iter().eq(now)) {
            self.listing_after(0);
        }
        self.touched.set_value(None);
        self.caseload.set(load);
        self.quarantined.set(opened.quarantined);
        self.read_only.set(opened.read_only);
        self.unsent.set(opened.replica.pending());
        self.replica.set_value(opened.replica);
        self.reading.set(false);
    }

    /// Resolves once no start is reading the logs (writes and sync wait).
    pub async fn ready(&self) {
        while self.reading.get_untracked() {
            crate::sync::pause(20).await;
        }
    }

    /// Writes the list rows a little after the last write (a burst of
    /// saves, a pull page: one write), never in a save's way.
    pub(super) fn listing_after(&self, ms: u64) {
        if let Some(t) = self.listing_timer.get_value() {
            t.clear();
        }
        let cases = *self;
        let handle = set_timeout_with_handle(
            move || {
                if !cases.reading.get_untracked() && crate::storage::unlocked() {
                    let store = cases.store.get_value();
                    // Each log as stored now, with the row it makes.
                    let rows = cases.replica.with_value(|r| {
                        cases.caseload.with_untracked(|load| {
                            r.logs
                                .keys()
                                .filter_map(|id| {
                                    let raw = store.get_raw(&format!("{CASE_PREFIX}{id}"))?;
                                    let stamp = listing::stamp(&raw).to_owned();
                                    Some((*id, stamp, load.row(id).cloned()))
                                })
                                .collect()
                        })
                    });
                    write_listing(&store, &Listing { rows });
                }
            },
            std::time::Duration::from_millis(ms),
        )
        .ok();
        self.listing_timer.set_value(handle);
    }
}

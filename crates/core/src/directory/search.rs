//! Search as you type over the directory, forgiving typos.
//!
//! Every entry's words (name, title, topics, department, case kinds and
//! categories, units, languages) go into one vocabulary, each word once
//! with the entries and fields it occurs in. A query word then meets the
//! vocabulary (a few thousand words for 2,000 entries), not every entry:
//! it matches a word exactly, as its beginning (typing is unfinished), or
//! within one edit (two for long words) of the word or of its beginning.
//! Every query word must match; an entry's score adds the best match of
//! each, weighted by where it matched (a name counts more than a topic).

use std::collections::HashMap;

use super::entry::Entry;

/// Where a word was found, most telling first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Where {
    Name,
    Title,
    Topic,
    Department,
    Other,
}

impl Where {
    fn weight(self) -> u32 {
        match self {
            Where::Name => 8,
            Where::Title => 6,
            Where::Topic => 5,
            Where::Department => 4,
            Where::Other => 2,
        }
    }
}

/// Lower case, common Latin accents taken off, so "José" finds "jose".
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            c => c,
        })
        .collect()
}

/// The words of `text`, folded.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold)
}

/// A distinct word, as chars, and the (entry, where) pairs it occurs at.
type Word = (Vec<char>, Vec<(u32, Where)>);

/// The directory's vocabulary, built once per change of the directory.
#[derive(Debug, Default, Clone)]
pub struct Index {
    vocabulary: Vec<Word>,
    /// How many entries: the index of `entries` given to [`Index::new`].
    len: usize,
}

impl Index {
    /// Indexes `entries` (retired ones too: the caller filters).
    pub fn new(entries: &[Entry]) -> Self {
        let mut at: HashMap<String, usize> = HashMap::new();
        let mut vocabulary: Vec<Word> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let i = i as u32;
            let mut add = |text: &str, w: Where| {
                for word in words(text) {
                    let slot = *at.entry(word.clone()).or_insert_with(|| {
                        vocabulary.push((word.chars().collect(), Vec::new()));
                        vocabulary.len() - 1
                    });
                    let hits = &mut vocabulary[slot].1;
                    if !hits.contains(&(i, w)) {
                        hits.push((i, w));
                    }
                }
            };
            add(&e.name, Where::Name);
            add(&e.title, Where::Title);
            add(&e.topics, Where::Topic);
            add(&e.department, Where::Department);
            for k in &e.case_kinds {
                add(k.label(), Where::Topic);
            }
            for c in &e.categories {
                add(c.label(), Where::Topic);
            }
            for u in &e.units {
                add(u, Where::Other);
            }
            for l in e.languages() {
                add(l, Where::Other);
            }
            add(e.kind.label(), Where::Other);
        }
        Index {
            vocabulary,
            len: entries.len(),
        }
    }

    /// The entries matching every word of `query`, best first (ties by
    /// position, so by the order given), as indexes into the entries
    /// indexed. An empty query matches nothing: the caller shows the list.
    pub fn search(&self, query: &str) -> Vec<usize> {
        let query: Vec<Vec<char>> = words(query).map(|w| w.chars().collect()).collect();
        if query.is_empty() {
            return Vec::new();
        }
        // Per entry: the sum of each query word's best score, and how many
        // query words matched.
        let mut total = vec![0u32; self.len];
        let mut matched = vec![0u16; self.len];
        let mut best = vec![0u32; self.len];
        for q in &query {
            best.iter_mut().for_each(|b| *b = 0);
            for (word, hits) in &self.vocabulary {
                let Some(quality) = quality(q, word) else {
                    continue;
                };
                for &(entry, w) in hits {
                    let s = quality * w.weight();
                    let b = &mut best[entry as usize];
                    *b = (*b).max(s);
                }
            }
            for (i, b) in best.iter().enumerate() {
                if *b > 0 {
                    total[i] += *b;
                    matched[i] += 1;
                }
            }
        }
        let need = query.len() as u16;
        let mut found: Vec<usize> = (0..self.len).filter(|&i| matched[i] == need).collect();
        crate::order::sort_by(&mut found, |&a, &b| total[b].cmp(&total[a]).then(a.cmp(&b)));
        found
    }
}

/// How well the query word `q` matches the vocabulary word `w`: 4 exactly,
/// 3 as its beginning, 2 within the allowed edits of it, 1 within them of
/// its beginning; `None` not at all.
fn quality(q: &[char], w: &[char]) -> Option<u32> {
    if q == w {
        return Some(4);
    }
    if w.len() > q.len() && w.starts_with(q) {
        return Some(3);
    }
    // Short words must be typed right: "4B" is not "4C".
    let allowed = match q.len() {
        0..=3 => return None,
        4..=7 => 1,
        _ => 2,
    };
    if w.len() + allowed < q.len() {
        return None;
    }
    if w.len() <= q.len() + allowed && within(q, w, allowed) {
        return Some(2);
    }
    // The beginning of a longer word, as long as the query give or take.
    if w.len() > q.len() {
        for n in q.len().saturating_sub(allowed)..=(q.len() + allowed).min(w.len()) {
            if within(q, &w[..n], allowed) {
                return Some(1);
            }
        }
    }
    None
}

/// Whether the optimal-string-alignment distance (insertions, deletions,
/// substitutions, adjacent swaps) between `a` and `b` is at most `k`.
/// Stops as soon as a whole row exceeds `k`.
pub fn within(a: &[char], b: &[char], k: usize) -> bool {
    if a.len().abs_diff(b.len()) > k {
        return false;
    }
    let n = b.len();
    let mut prev2 = vec![0usize; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur = vec![0usize; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > k {
            return false;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[n] <= k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::entry::{EntryKind, Phone};
    use crate::reference::CaseKind;
    use proptest::prelude::*;

    fn entry(name: &str, title: &str, topics: &str, department: &str) -> Entry {
        Entry {
            name: name.into(),
            title: title.into(),
            topics: topics.into(),
            department: department.into(),
            ..Entry::default()
        }
    }

    fn directory() -> Vec<Entry> {
        vec![
            entry(
                "Dana Whitfield",
                "Billing specialist",
                "billing disputes, payment plans",
                "Patient Financial Services",
            ),
            entry(
                "Interpreter line",
                "",
                "Spanish, Mandarin, ASL",
                "Language Services",
            ),
            Entry {
                kind: EntryKind::Role,
                case_kinds: vec![CaseKind::Grievance],
                phones: vec![Phone {
                    number: "2200".into(),
                    languages: vec!["Tagalog".into()],
                    ..Phone::default()
                }],
                ..entry(
                    "Nursing supervisor on call",
                    "House supervisor",
                    "escalations after hours",
                    "Nursing",
                )
            },
            entry(
                "José Álvarez",
                "Pharmacist",
                "medication questions for 4B",
                "Pharmacy",
            ),
            entry(
                "Billing office",
                "",
                "itemised bills",
                "Patient Financial Services",
            ),
        ]
    }

    fn names(found: Vec<usize>) -> Vec<String> {
        let d = directory();
        found.into_iter().map(|i| d[i].name.clone()).collect()
    }

    #[test]
    fn names_roles_topics_and_departments_are_found_best_first() {
        let index = Index::new(&directory());
        assert_eq!(
            names(index.search("billing")),
            vec!["Billing office", "Dana Whitfield"],
            "a name beats a title"
        );
        assert_eq!(
            names(index.search("supervisor")),
            vec!["Nursing supervisor on call"]
        );
        assert_eq!(names(index.search("pharmacy")), vec!["José Álvarez"]);
        assert_eq!(names(index.search("mandarin")), vec!["Interpreter line"]);
        assert_eq!(
            names(index.search("grievance")),
            vec!["Nursing supervisor on call"],
            "case kinds are topics"
        );
        assert_eq!(
            names(index.search("tagalog")),
            vec!["Nursing supervisor on call"],
            "languages of its phones"
        );
        assert!(index.search("").is_empty());
        assert!(index.search("  , ").is_empty());
    }

    #[test]
    fn unfinished_words_accents_and_typos_still_find() {
        let index = Index::new(&directory());
        assert_eq!(
            names(index.search("bil")),
            vec!["Billing office", "Dana Whitfield"],
            "as typed so far"
        );
        assert_eq!(names(index.search("jose")), vec!["José Álvarez"]);
        assert_eq!(
            names(index.search("pharmasist")),
            vec!["José Álvarez"],
            "one letter wrong"
        );
        assert_eq!(
            names(index.search("interpeter")),
            vec!["Interpreter line"],
            "one letter missing"
        );
        assert_eq!(
            names(index.search("superviosr")),
            vec!["Nursing supervisor on call"],
            "two swapped"
        );
        assert_eq!(
            names(index.search("pharmc")),
            vec!["José Álvarez"],
            "an unfinished word with a typo"
        );
        assert_eq!(
            names(index.search("payment dana")),
            vec!["Dana Whitfield"],
            "every word must match"
        );
        assert!(index.search("payment interpreter").is_empty());
        assert!(index.search("4C").is_empty(), "short words are not guessed");
        assert_eq!(names(index.search("4b")), vec!["José Álvarez"]);
    }

    fn distance(a: &[char], b: &[char]) -> usize {
        // Plain OSA distance, the full table: what `within` must agree with.
        let (n, m) = (a.len(), b.len());
        let mut d = vec![vec![0usize; m + 1]; n + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=n {
            for j in 1..=m {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[n][m]
    }

    proptest! {
        #[test]
        fn the_bounded_distance_agrees_with_the_full_table(a in "[abc]{0,8}", b in "[abc]{0,8}", k in 0usize..4) {
            let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            prop_assert_eq!(within(&a, &b, k), distance(&a, &b) <= k);
        }

        /// An entry is always found by any of its name's words typed in
        /// full, and by their beginnings.
        #[test]
        fn an_entry_is_found_by_its_own_words(name in "[a-z]{2,9}( [a-z]{2,9}){0,2}", cut in 2usize..9) {
            let mut d = directory();
            d.push(entry(&name, "", "", ""));
            let index = Index::new(&d);
            let me = d.len() - 1;
            for w in name.split(' ') {
                prop_assert!(index.search(w).contains(&me), "{}", w);
                let start: String = w.chars().take(cut).collect();
                prop_assert!(index.search(&start).contains(&me), "{}", start);
            }
        }
    }
}

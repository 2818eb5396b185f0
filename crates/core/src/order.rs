//! Sorting for code the client runs, through one compiled sort.
//!
//! The standard library's stable sort is generic, so each element type and
//! comparator compiles to a sort of its own: about 3 KB of wasm each, some
//! twenty of them in the client (59 KB before brotli, measured with twiggy).
//! These helpers sort the positions instead (a `[u32]` with a `dyn`
//! comparator, compiled once) and then move the elements into place. The
//! result is exactly the standard stable sort's: equal elements keep their
//! order (the property test checks this against `sort_by`).
//!
//! Collecting into a `BTreeMap` or `BTreeSet` sorts too: [`map_of`] and
//! [`set_of`] insert instead. The client and this crate use these; clippy
//! refuses the standard sorts there (`clippy.toml`). The server, where size does not matter, uses
//! whatever reads best.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Sorts `v` by `cmp`, stably, like `slice::sort_by`.
pub fn sort_by<T>(v: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = positions(v.len(), &|a, b| cmp(&v[a], &v[b]));
    apply(v, order);
}

/// Sorts `v` by a key, stably, like `slice::sort_by_key`.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `v` in ascending order, stably, like `slice::sort`.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// A map from pairs, like `collect::<BTreeMap<_, _>>()` (a later pair
/// with the same key wins, as there), without the sort of its own that
/// collecting compiles (collecting sorts the pairs first).
pub fn map_of<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        map.insert(k, v);
    }
    map
}

/// A set, like `collect::<BTreeSet<_>>()`, without its own sort.
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    for t in items {
        set.insert(t);
    }
    set
}

/// The positions `0..n` in the order `cmp` puts them, ties kept in place.
/// Not generic: this is the one sort the client contains.
fn positions(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<u32> {
    let mut order: Vec<u32> = (0..n as u32).collect();
    #[allow(clippy::disallowed_methods)]
    order.sort_by(|&a, &b| cmp(a as usize, b as usize));
    order
}

/// Moves the element at `order[i]` to position `i`, by swaps along the
/// permutation's cycles (each element moves once it knows where it goes).
fn apply<T>(v: &mut [T], order: Vec<u32>) {
    // place[i]: where the element now at i has to go.
    let mut place = vec![0u32; order.len()];
    for (to, &from) in order.iter().enumerate() {
        place[from as usize] = to as u32;
    }
    for i in 0..v.len() {
        while place[i] as usize != i {
            let j = place[i] as usize;
            v.swap(i, j);
            place.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same order as the standard stable sort, ties included: the
        /// key is coarse (`k % 5`) so most elements tie, and the second
        /// field tells whether their order was kept.
        #[test]
        fn sorts_like_the_standard_stable_sort(v in proptest::collection::vec((0u8..20, any::<u16>()), 0..200)) {
            let mut ours = v.clone();
            sort_by_key(&mut ours, |&(k, _)| k % 5);
            let mut std_sorted = v.clone();
            #[allow(clippy::disallowed_methods)]
            std_sorted.sort_by_key(|&(k, _)| k % 5);
            prop_assert_eq!(ours, std_sorted);
        }

        #[test]
        fn sort_orders_fully(v in proptest::collection::vec(any::<i32>(), 0..100)) {
            let mut ours = v.clone();
            sort(&mut ours);
            let mut expected = v;
            #[allow(clippy::disallowed_methods)]
            expected.sort();
            prop_assert_eq!(ours, expected);
        }
    }

    proptest! {
        #[test]
        fn maps_and_sets_are_what_collecting_makes(pairs in proptest::collection::vec((0u8..30, any::<u16>()), 0..100)) {
            prop_assert_eq!(map_of(pairs.clone()), pairs.iter().copied().collect::<BTreeMap<_, _>>());
            prop_assert_eq!(set_of(pairs.clone()), pairs.into_iter().collect::<BTreeSet<_>>());
        }
    }

    #[test]
    fn a_descending_comparator_reverses() {
        let mut v = vec!["b", "c", "a"];
        sort_by(&mut v, |a, b| b.cmp(a));
        assert_eq!(v, ["c", "b", "a"]);
    }
}

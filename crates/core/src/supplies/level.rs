//! What a count means against an item's levels.

use super::item::Item;

/// A supply's stock as its last count says, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// None left: it stands out.
    Out,
    /// Below the alert level: marked.
    Low,
    /// Below par, not yet at the alert level: on the restock request.
    BelowPar,
    /// At or above par.
    Stocked,
}
crate::identified!(Level {
    Out,
    Low,
    BelowPar,
    Stocked
});

impl Level {
    pub fn of(item: &Item, count: u32) -> Level {
        if count == 0 {
            Level::Out
        } else if count < item.alert_level() {
            Level::Low
        } else if count < item.par {
            Level::BelowPar
        } else {
            Level::Stocked
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Out => "Out",
            Level::Low => "Low",
            Level::BelowPar => "Below par",
            Level::Stocked => "Stocked",
        }
    }

    /// The class the screens mark it with.
    pub fn class(self) -> &'static str {
        match self {
            Level::Out => "level-out",
            Level::Low => "level-low",
            Level::BelowPar => "level-below",
            Level::Stocked => "level-ok",
        }
    }
}

/// How many bring `count` back up to par.
pub fn to_par(item: &Item, count: u32) -> u32 {
    item.par.saturating_sub(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::Id;
    use crate::supplies::item::Kind;

    fn item(par: u32, alert: u32) -> Item {
        Item {
            id: Id::new_v7(1, [1; 10]),
            kind: Kind::Supply,
            name: "Gowns".into(),
            count_unit: "each".into(),
            par,
            alert,
            location: String::new(),
            every: None,
            retired: false,
        }
    }

    #[test]
    fn levels_from_zero_to_par() {
        let i = item(20, 5);
        let levels: Vec<_> = [0, 1, 4, 5, 19, 20, 30]
            .iter()
            .map(|c| Level::of(&i, *c))
            .collect();
        use Level::*;
        assert_eq!(
            levels,
            [Out, Low, Low, BelowPar, BelowPar, Stocked, Stocked]
        );
        assert_eq!(to_par(&i, 4), 16);
        assert_eq!(to_par(&i, 30), 0);
    }

    #[test]
    fn an_alert_level_of_zero_marks_only_the_empty_shelf() {
        let i = item(3, 0);
        assert_eq!(Level::of(&i, 0), Level::Out);
        assert_eq!(Level::of(&i, 1), Level::BelowPar);
    }
}

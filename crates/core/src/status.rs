//! A case's status and the moves between statuses a coordinator may make.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Open,
    InProgress,
    /// Waiting on someone: a department, the family, an insurer.
    Waiting,
    Escalated,
    Resolved,
    Closed,
}
crate::identified!(Status {
    Open,
    InProgress,
    Waiting,
    Escalated,
    Resolved,
    Closed
});

impl Status {
    pub const ALL: &'static [Status] = &[
        Status::Open,
        Status::InProgress,
        Status::Waiting,
        Status::Escalated,
        Status::Resolved,
        Status::Closed,
    ];

    pub const fn label(self) -> &'static str {
        match self {
            Status::Open => "Open",
            Status::InProgress => "In progress",
            Status::Waiting => "Waiting on someone",
            Status::Escalated => "Escalated",
            Status::Resolved => "Resolved",
            Status::Closed => "Closed",
        }
    }

    /// Still being worked on: counts for workload and can be overdue.
    pub const fn is_active(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed)
    }

    /// Whether a case may move from `self` to `to`. Active statuses move
    /// freely among themselves and to Resolved (with a summary); only a
    /// resolved case closes; resolved and closed cases may be reopened.
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        if self == to {
            return false;
        }
        match (self, to) {
            (_, Closed) => self == Resolved,
            (Closed, _) => to == Open,
            (Resolved, _) => matches!(to, Open | InProgress),
            _ => true,
        }
    }

    /// Leaving Resolved or Closed for an active status: recorded as a reopening.
    pub fn is_reopening(self, to: Status) -> bool {
        !self.is_active() && to.is_active()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn the_usual_path_is_allowed() {
        for (from, to) in [
            (Open, InProgress),
            (InProgress, Waiting),
            (Waiting, Escalated),
            (Escalated, Resolved),
            (Resolved, Closed),
        ] {
            assert!(from.can_become(to), "{from:?} → {to:?}");
        }
    }

    #[test]
    fn closing_needs_a_resolution_first_and_closed_reopens_to_open() {
        for s in [Open, InProgress, Waiting, Escalated] {
            assert!(!s.can_become(Closed), "{s:?} cannot skip resolution");
        }
        assert!(Closed.can_become(Open));
        assert!(Closed.is_reopening(Open));
        assert!(!Closed.can_become(Resolved));
        assert!(Resolved.can_become(InProgress));
        assert!(Resolved.is_reopening(InProgress));
        assert!(!Open.can_become(Open), "no-op is not a change");
    }

    #[test]
    fn from_any_status_a_resolved_closed_case_is_reachable() {
        // No status is a dead end: every case can be followed to Closed.
        for &s in Status::ALL {
            let reach = |from: Status| -> bool {
                let mut seen = vec![from];
                let mut i = 0;
                while i < seen.len() {
                    for &t in Status::ALL {
                        if seen[i].can_become(t) && !seen.contains(&t) {
                            seen.push(t);
                        }
                    }
                    i += 1;
                }
                seen.contains(&Closed)
            };
            assert!(s == Closed || reach(s), "{s:?} cannot reach Closed");
        }
    }
}

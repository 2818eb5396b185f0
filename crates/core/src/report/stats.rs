//! Statistics the report derives from its figures, in integers: the client
//! formats no floats (README, Size), and a share read as "83 %" needs none.

/// The `p`-th percentile of `sorted` by the nearest-rank method (the
/// smallest value with at least `p` % of the values at or below it):
/// always one of the values, never an interpolation. `None` when empty.
pub fn percentile(sorted: &[u32], p: u32) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    // ceil(p * n / 100), at least 1.
    let rank = (p as usize * n).div_ceil(100).max(1);
    Some(sorted[rank.min(n) - 1])
}

pub fn median(sorted: &[u32]) -> Option<u32> {
    percentile(sorted, 50)
}

/// `part` of `whole` in whole percent, rounded half up; `None` of nothing.
pub fn percent(part: u64, whole: u64) -> Option<u64> {
    (whole > 0).then(|| (part * 200 + whole) / (whole * 2))
}

/// A rate per 1,000 in hundredths (`342` reads "3.42"), rounded half up;
/// `None` when there is no denominator.
pub fn per_thousand_hundredths(count: u64, base: u64) -> Option<u64> {
    (base > 0).then(|| (count * 200_000 + base) / (base * 2))
}

/// Hundredths as text: `342` is "3.42", `5` is "0.05".
pub fn hundredths(h: u64) -> String {
    format!("{}.{:02}", h / 100, h % 100)
}

/// The change from `before` to `now` in whole percent, when `before` is
/// not zero: `Some(100)` is a doubling.
pub fn change_percent(before: u64, now: u64) -> Option<i64> {
    (before > 0).then(|| {
        let (b, n) = (before as i64, now as i64);
        ((n - b) * 200 + b).div_euclid(b * 2)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(median(&v), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&v, 100), Some(10));
        assert_eq!(median(&[7]), Some(7));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(median(&[1, 9, 9]), Some(9));
        assert_eq!(median(&[]), None);
        // 20 values: the 90th is the 18th.
        let w: Vec<u32> = (1..=20).collect();
        assert_eq!(percentile(&w, 90), Some(18));
    }

    #[test]
    fn shares_and_rates_in_integers() {
        assert_eq!(percent(5, 6), Some(83));
        assert_eq!(percent(1, 8), Some(13), "12.5 rounds up");
        assert_eq!(percent(0, 4), Some(0));
        assert_eq!(percent(3, 0), None);
        assert_eq!(per_thousand_hundredths(12, 3_500), Some(343));
        assert_eq!(hundredths(343), "3.43");
        assert_eq!(hundredths(5), "0.05");
        assert_eq!(per_thousand_hundredths(1, 0), None);
        assert_eq!(change_percent(4, 10), Some(150));
        assert_eq!(change_percent(10, 4), Some(-60));
        assert_eq!(change_percent(0, 4), None);
    }
}

//! 随机调查 (Zhangye (五)): which households a random survey visits. The sample is a pure
//! function of the seed and the population (the households' ids in order), so anyone holding
//! the recorded seed and the same population draws it again and gets the same households.
//! The generator is SplitMix64 and the draw a partial Fisher–Yates shuffle, both written here in
//! a few lines so that the sample never changes with a library's version.

/// SplitMix64 (Steele, Lea and Flood, 2014): a 64-bit generator whose whole state is the seed.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (n > 0) without modulo bias (Lemire's rejection).
    fn below(&mut self, n: u64) -> u64 {
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }
}

/// The positions (in `0..population`) of a sample of `size` households drawn with `seed`, in
/// the order drawn; all of them when `size` is not smaller than the population.
pub fn sample(population: usize, size: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..population).collect();
    let mut rng = SplitMix64(seed);
    let size = size.min(population);
    for i in 0..size {
        let j = i + rng.below((population - i) as u64) as usize;
        order.swap(i, j);
    }
    order.truncate(size);
    order
}

/// The largest sample one survey draws (a caseworker's visits, not a census).
pub const SURVEY_MAX: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_households_and_another_seed_others() {
        let a = sample(1000, 20, 42);
        assert_eq!(a, sample(1000, 20, 42));
        assert_ne!(a, sample(1000, 20, 43));
        let mut distinct = a.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 20);
        assert!(a.iter().all(|&i| i < 1000));
        // Known values (computed independently, in Python, from the same definition): a change
        // of the algorithm would make recorded seeds draw other households.
        assert_eq!(sample(10, 3, 1), [5, 7, 9]);
        assert_eq!(sample(1000, 5, 20261206), [226, 859, 840, 894, 769]);
        assert_eq!(sample(5, 9, 7).len(), 5);
        assert!(sample(0, 3, 7).is_empty());
    }

    #[test]
    fn every_household_is_equally_likely() {
        // 20 000 draws of 1 from 4: each near 5 000.
        let mut seen = [0u32; 4];
        for seed in 0..20_000u64 {
            seen[sample(4, 1, seed)[0]] += 1;
        }
        assert!(
            seen.iter().all(|&n| (4_700..5_300).contains(&n)),
            "{seen:?}"
        );
    }
}

//! A fixed-size set of small integers (action ids, role ids).

/// A set of ids below a bound fixed at creation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BitSet {
    words: Box<[u64]>,
}

impl BitSet {
    /// An empty set able to hold ids below `len`.
    pub fn new(len: usize) -> Self {
        BitSet {
            words: vec![0; len.div_ceil(64)].into_boxed_slice(),
        }
    }

    /// A set holding every id below `len`.
    pub fn full(len: usize) -> Self {
        let mut set = BitSet::new(len);
        for i in 0..len {
            set.insert(i);
        }
        set
    }

    /// Adds an id (ids beyond the bound are ignored).
    pub fn insert(&mut self, id: usize) {
        if let Some(word) = self.words.get_mut(id / 64) {
            *word |= 1 << (id % 64);
        }
    }

    /// Whether the id is in the set.
    #[inline]
    pub fn contains(&self, id: usize) -> bool {
        self.words
            .get(id / 64)
            .is_some_and(|word| word & (1 << (id % 64)) != 0)
    }

    /// Adds every id of `other`.
    pub fn union_with(&mut self, other: &BitSet) {
        for (a, b) in self.words.iter_mut().zip(other.words.iter()) {
            *a |= b;
        }
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// The ids in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(i, word)| {
            (0..64).filter_map(move |bit| (word & (1 << bit) != 0).then_some(i * 64 + bit))
        })
    }
}

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

    /// The words of the set, lowest ids first (64 ids per word).
    pub(crate) fn words(&self) -> &[u64] {
        &self.words
    }

    /// A set able to hold ids below `len`, from its words; `None` when the count of words
    /// does not fit `len` or a bit at or past `len` is set.
    pub(crate) fn from_words(len: usize, words: Vec<u64>) -> Option<BitSet> {
        if words.len() != len.div_ceil(64) {
            return None;
        }
        let spare = len % 64;
        if spare != 0 && words.last().is_some_and(|w| w >> spare != 0) {
            return None;
        }
        Some(BitSet {
            words: words.into_boxed_slice(),
        })
    }
}
